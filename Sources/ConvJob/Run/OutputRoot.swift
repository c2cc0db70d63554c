import HDF5IO

/// The root of an output file — its lists (`/item_ids`, `/golden_missing_items`)
/// and attributes — made in this one place for a run, a shard's part file and a
/// merge of parts, so that a merge writes the root a single run writes:
///
/// ```
/// /  attrs: convpipe_version, job_name, job_sha256, graph_sha256, items, items_failed, (golden),
///           checks, checks_failed, (description), job_json, and in part files only: shard, items_total
/// /item_ids                 the items written, in item order
/// /golden_missing_items     with --golden: the golden file's items the run lacks, in its order
/// ```
///
/// A part file (`run --shard K/N`) also records where its items stand in the
/// whole job, for the merge: `/item_indices` (int64, one per `/item_ids`),
/// `/failed_item_ids` and `/failed_item_indices` (the items under `/failed`, in
/// item order), and with `--golden` `/golden_missing_indices` (each missing
/// item's place in the golden file's `/item_ids`).
struct OutputRoot: Sendable, Equatable {
  /// What the root records of the job: from the job file, or from a part file's attributes.
  struct JobRecord: Sendable, Equatable {
    let name: String
    let sha256: String
    let description: String?
    /// The job file's text (`job_json`).
    let text: String

    init(name: String, sha256: String, description: String?, text: String) {
      self.name = name
      self.sha256 = sha256
      self.description = description
      self.text = text
    }

    init(_ job: Job) { self.init(name: job.name, sha256: job.sha256, description: job.description, text: job.text) }
  }

  /// `--golden`: the golden file as the option named it, and its items this run lacks.
  struct GoldenRecord: Sendable, Equatable {
    let path: String
    let missing: [String]
  }

  /// What a part file records besides, for the merge.
  struct PartRecord: Sendable, Equatable {
    let shard: Shard
    /// Items of the whole job.
    let itemsTotal: Int
    /// The place in the whole job of each item of `/item_ids`.
    let itemIndices: [Int]
    /// The items under `/failed`, in item order, and their places.
    let failedItems: [String]
    let failedIndices: [Int]
    /// The place of each of `/golden_missing_items` in the golden file's items.
    let goldenMissingIndices: [Int]
  }

  let job: JobRecord
  let graph: String
  let itemIDs: [String]
  let itemsFailed: Int
  let golden: GoldenRecord?
  let checks: Int
  let checksFailed: Int
  let part: PartRecord?

  /// The root's string lists, in the order they are written.
  var lists: [(String, [String])] {
    var lists = [("item_ids", itemIDs)]
    if let golden { lists.append(("golden_missing_items", golden.missing)) }
    if let part { lists.append(("failed_item_ids", part.failedItems)) }
    return lists
  }

  /// The part file's integer lists.
  var indexLists: [(String, [Int])] {
    guard let part else { return [] }
    var lists = [("item_indices", part.itemIndices), ("failed_item_indices", part.failedIndices)]
    if golden != nil { lists.append(("golden_missing_indices", part.goldenMissingIndices)) }
    return lists
  }

  /// The root's attributes, in the order they are written.
  var attributes: [(String, HDF5AttributeValue)] {
    var attributes: [(String, HDF5AttributeValue)] = [
      ("convpipe_version", .string(ConvPipeVersion.current)), ("job_name", .string(job.name)),
      ("job_sha256", .string(job.sha256)), ("graph_sha256", .string(graph)), ("items", .int(itemIDs.count)),
      ("items_failed", .int(itemsFailed)),
    ]
    if let golden { attributes.append(("golden", .string(golden.path))) }
    attributes += [("checks", .int(checks)), ("checks_failed", .int(checksFailed))]
    if let description = job.description { attributes.append(("description", .string(description))) }
    attributes.append(("job_json", .string(job.text)))
    if let part { attributes += [("shard", .string(part.shard.description)), ("items_total", .int(part.itemsTotal))] }
    return attributes
  }

  /// Writes the lists (datasets, since an attribute must fit in the root's
  /// 64 KiB header) and then the attributes.
  func write(into file: HDF5File) throws(HDF5Error) {
    for (name, texts) in lists { try file.writeStrings(texts, to: "/" + name) }
    for (name, values) in indexLists { try file.writeIntegers(values, to: "/" + name) }
    for (name, value) in attributes { try file.setAttribute(name, value, on: "/") }
  }

  /// What of `file`'s root differs from this one, in a few words (the first
  /// attribute, top-level object or list that does); nil when it is exactly
  /// this one: the same attributes and lists, no others, and nothing at the top
  /// but `/items`, the lists and, with failed items, `/failed`.
  func difference(in file: HDF5File) -> String? {
    let expected = attributes
    guard let names = try? file.attributeNames(of: "/") else { return "root cannot be read" }
    if let different = Self.setDifference(Set(names), Set(expected.map(\.0)), kind: "attribute") { return different }
    for (name, value) in expected {
      let stored = try? file.attribute(name, of: "/")
      guard stored != value else { continue }
      if case .int(let now) = value, case .int(let before)? = stored {
        return "\(name) is \(before), this run's \(now)"
      }
      return "\(name) differs from this run's"
    }
    let top = Set(["items"] + (itemsFailed > 0 ? ["failed"] : []) + lists.map(\.0) + indexLists.map(\.0))
    guard let stored = try? file.children(of: "/") else { return "root cannot be read" }
    if let different = Self.setDifference(Set(stored), top, kind: "object") { return different }
    for (name, texts) in lists where (try? file.readStrings("/" + name)) != texts {
      return "/\(name) differs from this run's"
    }
    for (name, values) in indexLists where (try? file.readIntegers("/" + name)) != values {
      return "/\(name) differs from this run's"
    }
    return nil
  }

  /// How the root's `stored` names differ from the `expected` ones, naming the
  /// first missing one, else the first extra one; nil when they are the same.
  private static func setDifference(_ stored: Set<String>, _ expected: Set<String>, kind: String) -> String? {
    if let missing = expected.subtracting(stored).min() { return "root has no \(kind) \(missing)" }
    if let extra = stored.subtracting(expected).min() {
      return "root has the \(kind) \(extra), which this run's has not"
    }
    return nil
  }
}
