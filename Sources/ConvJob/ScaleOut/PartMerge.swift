import ConvCore
import Foundation
import HDF5IO

/// `convpipe merge --output OUT.h5 PART.h5...`: the part files of a sharded run
/// (`run --shard K/N`) made into the file one run of the job writes, byte for byte.
///
/// The parts are checked first — each readable (else exit 3), each a part of
/// the same job and shared inputs (`graph_sha256`, `job_sha256`), the same
/// convpipe, the same N, the same dataset (`items_total`) and the same golden
/// file, each shard exactly once and together every item of the job exactly
/// once (else exit 2, naming them) — and nothing is written unless they pass.
/// Then every item is read back from its part (``ItemStorage/read(_:from:raw:)``)
/// and written in the job's item order (``ItemStorage/write(_:into:raw:compression:)``),
/// failed items likewise, and the root is the one the run writes (``OutputRoot``).
package enum PartMerge {
  /// Checks `paths` and writes `output`: the merged file, or with `links` a
  /// small file of HDF5 external links to the parts' items. Throws the parts'
  /// and the output's problems before anything is written; once writing has
  /// started, its outcome is in the result (its `error`, its `signal`).
  package static func merge(
    _ paths: [String], output: String, links: Bool, stop: RunStop? = nil
  ) throws(JobProblems) -> RunResult {
    let started = Date()
    let parts = try checked(paths, output: output)
    let target = try OutputDestination.check(target: output, file: "--output", example: "merged")
    // The job as its parts recorded it: its compression, and its pictures (the parts write none).
    let job = JobDecoder.read(text: parts[0].job.text, file: "job_json", directory: "/").0
    let png = job.flatMap { job in
      job.outputs.png.map { PNGOutputs($0, target: target, perItem: job.perItemInput != nil) }
    }
    try png?.checkDestination(target: target, job: nil)
    let lock = try OutputLock(target: target)
    defer { lock.release() }
    ResumeFiles(target: target).tidy(keep: false)
    let plan = Plan(parts, target: target)
    var failure: String?, signal: Int32?, pngFiles: Int?
    do {
      if links {
        try writeLinks(plan, to: target)
      } else {
        switch try writeMerged(plan, to: target, compression: job?.outputs.compression ?? 0, png: png, stop: stop) {
        case .stopped(let received): signal = received
        case .written(let files): pngFiles = files
        }
      }
    } catch {
      failure = error.message
    }
    var result = plan.result(
      outputPath: target, seconds: Date().timeIntervalSince(started), error: failure, signal: signal)
    if let png, let pngFiles { result.pngOutputs = (png.directory, pngFiles) }
    return result
  }

  // MARK: - Checks

  /// The parts at `paths`, checked to make one job's output together.
  static func checked(_ paths: [String], output: String) throws(JobProblems) -> [PartFile] {
    if let clash = paths.first(where: { FileIdentity.same($0, output) }) {
      throw JobProblems([
        JobProblem(file: "--output", location: "", message: "\(output) is the part \(clash); name another file")
      ])
    }
    var parts: [PartFile] = []
    var unreadable: [JobProblem] = [], foreign: [JobProblem] = []
    for path in paths {
      do { parts.append(try PartFile.open(path)) } catch {
        switch error {
        case .unreadable(let message):
          unreadable.append(JobProblem(file: path, location: "", message: message, isDataError: true))
        case .foreign(let message):
          foreign.append(JobProblem(file: path, location: "", message: message))
        }
      }
    }
    if !unreadable.isEmpty { throw JobProblems(unreadable) }
    guard let reference = reference(parts) else {
      throw JobProblems(foreign.isEmpty ? [JobProblem(file: "merge", location: "", message: "no part given")] : foreign)
    }
    var problems = foreign
    var matching: [PartFile] = []
    var refused: Set<Int> = []  // shards of the reference's N whose part is refused above: not missing as well
    for part in parts {
      let mismatch = differences(part, reference)
      problems += mismatch.map { JobProblem(file: part.path, location: "", message: $0) }
      if mismatch.isEmpty {
        matching.append(part)
      } else if part.shard.count == reference.shard.count {
        refused.insert(part.shard.index)
      }
    }
    let count = reference.shard.count
    var byShard: [Int: [PartFile]] = [:]
    for part in matching { byShard[part.shard.index, default: []].append(part) }
    for index in 0..<count {
      guard let given = byShard[index], given.count > 1 else { continue }
      problems.append(
        JobProblem(
          file: given[0].path, location: "",
          message: "shard \(index)/\(count) is given \(given.count) times: \(given.map(\.path).joined(separator: ", "))"
        ))
    }
    let missing = (0..<count).filter { byShard[$0] == nil && !refused.contains($0) }
    if !missing.isEmpty {
      let shards = missing.map { "\($0)/\(count)" }
      problems.append(
        JobProblem(
          file: "merge", location: "",
          message:
            "missing \(missing.count == 1 ? "part" : "parts"): no part given for shard \(shards.joined(separator: ", "))"
        ))
    }
    if problems.isEmpty { problems = coverage(parts) }
    if !problems.isEmpty { throw JobProblems(problems) }
    return parts.sorted { $0.shard.index < $1.shard.index }
  }

  /// The part the others are checked against: one of the job most parts come from.
  private static func reference(_ parts: [PartFile]) -> PartFile? {
    var votes: [String: Int] = [:]
    for part in parts { votes[part.graph + part.job.sha256, default: 0] += 1 }
    return parts.max { votes[$0.graph + $0.job.sha256, default: 0] < votes[$1.graph + $1.job.sha256, default: 0] }
      .flatMap { best in parts.first { $0.graph == best.graph && $0.job.sha256 == best.job.sha256 } }
  }

  /// How `part` differs from `reference` in what every part of one output shares.
  private static func differences(_ part: PartFile, _ reference: PartFile) -> [String] {
    func short(_ hash: String) -> String { String(hash.prefix(12)) }
    if part.graph != reference.graph {
      return [
        "a part of another job or other shared inputs than \(reference.path) (graph_sha256 \(short(part.graph)), not \(short(reference.graph)))"
      ]
    }
    if part.job.sha256 != reference.job.sha256 {
      return [
        "made from another job file than \(reference.path) (job_sha256 \(short(part.job.sha256)), not \(short(reference.job.sha256)))"
      ]
    }
    var found: [String] = []
    if part.version != ConvPipeVersion.current {
      found.append(
        "written by convpipe \(part.version); this is convpipe \(ConvPipeVersion.current): merge with the convpipe that wrote the parts"
      )
    }
    if part.shard.count != reference.shard.count {
      found.append(
        "shard \(part.shard), but \(reference.path) is shard \(reference.shard): every part must come from the same number of shards"
      )
    }
    if part.itemsTotal != reference.itemsTotal {
      found.append(
        "made when the job had \(counted(part.itemsTotal, "item")), \(reference.path) when it had \(reference.itemsTotal): the dataset changed between their runs; run the older shard again"
      )
    }
    // The same golden file however each shard spelled it (`golden.h5`, `/srv/golden.h5`), as far as this folder tells.
    let sameGolden =
      part.golden == reference.golden
      || (part.golden.flatMap { a in reference.golden.map { b in FileIdentity.same(a, b) } } ?? false)
    if !sameGolden {
      func named(_ golden: String?) -> String { golden.map { "with --golden \($0)" } ?? "without --golden" }
      found.append("run \(named(part.golden)), \(reference.path) \(named(reference.golden)): run them alike")
    }
    return found
  }

  /// Problems unless the parts' items are every item of the job exactly once,
  /// each in the shard it belongs to (else the parts' runs saw different datasets).
  private static func coverage(_ parts: [PartFile]) -> [JobProblem] {
    guard let total = parts.first?.itemsTotal else { return [] }
    var holder = [String?](repeating: nil, count: total)
    var problems: [JobProblem] = []
    for part in parts {
      let entries = part.items.map { ($0.id, $0.index) } + part.failed.map { ($0.id, $0.index) }
      for (id, index) in entries {
        guard part.shard.contains(id) else {
          problems.append(
            JobProblem(file: part.path, location: "", message: "item \(id) does not belong to shard \(part.shard)"))
          continue
        }
        guard (0..<total).contains(index) else {
          problems.append(
            JobProblem(file: part.path, location: "", message: "item \(id) is at \(index), beyond the job's \(total)"))
          continue
        }
        if let other = holder[index] {
          problems.append(
            JobProblem(
              file: part.path, location: "",
              message: "item \(id) is at place \(index) of the job, which \(other) gives to another item"))
        }
        holder[index] = part.path
      }
    }
    let empty = holder.indices.filter { holder[$0] == nil }
    if let first = empty.first {
      problems.append(
        JobProblem(
          file: "merge", location: "",
          message:
            "no part holds the item at place \(first) of the job\(empty.count > 1 ? " (nor \(empty.count - 1) more)" : ""): the parts' runs saw different datasets; run the shards again"
        ))
    }
    return problems
  }

  // MARK: - Writing

  /// The merged file's items in the job's order, and its root.
  struct Plan {
    enum Entry {
      case item(part: Int, id: String)
      case failed(id: String, message: String)
    }

    let parts: [PartFile]
    let entries: [Entry]
    let root: OutputRoot
    let failedChecks: [FailedCheck]

    init(_ parts: [PartFile], target: String) {
      self.parts = parts
      var placed: [(index: Int, entry: Entry)] = []
      for (number, part) in parts.enumerated() {
        placed += part.items.map { ($0.index, .item(part: number, id: $0.id)) }
        placed += part.failed.map { ($0.index, .failed(id: $0.id, message: $0.message)) }
      }
      entries = placed.sorted { $0.index < $1.index }.map(\.entry)
      var reportsByID: [String: [ItemReport]] = [:]
      for part in parts {
        for (id, _) in part.items { reportsByID[id] = (try? ItemStorage.reports(id, in: part.file)) ?? [] }
      }
      var checks = 0
      var failed: [FailedCheck] = []
      var itemIDs: [String] = []
      for case .item(_, let id) in entries {
        itemIDs.append(id)
        let reports = reportsByID[id] ?? []
        checks += reports.count
        failed += reports.filter { !$0.passed }.map { FailedCheck(item: id, report: $0) }
      }
      let first = parts[0]
      var golden: OutputRoot.GoldenRecord?
      if let path = first.golden {
        let missing = parts.flatMap(\.goldenMissing).sorted { $0.index < $1.index }.map(\.id)
        golden = OutputRoot.GoldenRecord(path: path, missing: missing)
        let outcome = OutputComparison().missing(referenceName: path, actualName: target)
        checks += missing.count
        failed += missing.map { .goldenMissing($0, outcome: outcome) }
      }
      failedChecks = failed
      root = OutputRoot(
        job: first.job, graph: first.graph, itemIDs: itemIDs, itemsFailed: parts.map(\.failed.count).reduce(0, +),
        golden: golden, checks: checks, checksFailed: failed.count, part: nil)
    }

    /// The merge's result: a single run's, with the failed items in the job's order.
    func result(outputPath: String, seconds: Double, error: String?, signal: Int32?) -> RunResult {
      RunResult(
        outputPath: outputPath, items: entries.count, computed: 0, reused: 0,
        failedItems: entries.compactMap { entry in
          guard case .failed(let id, let message) = entry else { return nil }
          return FailedItem(item: id, error: message)
        },
        checks: root.checks, failed: failedChecks, seconds: seconds, error: error, invalid: false, signal: signal,
        keptForResume: 0)
    }
  }

  /// How ``writeMerged(_:to:compression:png:stop:)`` ended.
  private enum Merged {
    /// Stopped by this signal; nothing is left.
    case stopped(Int32)
    /// Written, with this many PNG files when the job asks for them.
    case written(pngFiles: Int?)
  }

  /// Writes the merged file as a run's writer would: each item read back from
  /// its part and written in item order, failed items in their turn, then the
  /// root, its tensors compressed at `compression`, and `png`'s pictures.
  private static func writeMerged(
    _ plan: Plan, to target: String, compression: Int, png: PNGOutputs?, stop: RunStop?
  ) throws(RunFailure) -> Merged {
    let output = try OutputFile(
      target: target, graph: plan.root.graph, compression: compression, itemIDs: plan.root.itemIDs)
    let sizes = plan.parts.map {
      ((try? FileManager.default.attributesOfItem(atPath: $0.path))?[.size] as? NSNumber)?.intValue ?? 0
    }
    do throws(RunFailure) {
      try output.ensureSpace(for: saturatingSum(sizes), "for the merged output")
    } catch {
      output.discard()
      throw error
    }
    let parts = plan.parts, entries = plan.entries
    // Items are read ahead by one worker (raw reads outside libhdf5's lock) and by this writer when it
    // waits (ItemScheduler: two threads are a worker and the writer), and written here in order.
    let scheduler = ItemScheduler(count: entries.count, window: 16)
    scheduler.start(threads: 2) { index in
      guard case .item(let number, let id) = entries[index] else { return .stopped }
      do throws(HDF5Error) {
        let result = try ItemStorage.read(id, from: parts[number].file, raw: parts[number].raw)
        guard try ItemStorage.elementsIntact(result, in: parts[number].file) else {
          return .failed(
            "\(parts[number].path): item \(id): its elements differ from the elements_sha256 recorded when the part was written: the part is damaged; run shard \(parts[number].shard) again"
          )
        }
        return .reused(result)
      } catch {
        return .failed("\(parts[number].path): cannot read item \(id): \(error.cause ?? error.message)")
      }
    }
    defer {
      scheduler.close()
      scheduler.waitForWorkers()
    }
    for (index, entry) in entries.enumerated() {
      if let signal = stop?.signal {
        output.discard()
        return .stopped(signal)
      }
      let outcome = scheduler.outcome(index)?.outcome
      do throws(RunFailure) {
        switch (entry, outcome) {
        case (.failed(let id, let message), _):
          try output.appendFailure(id, message: message)
        case (.item, .reused(let result)?):
          let bytes = saturatingSum(result.tensors.map(\.tensor.byteCount) + result.matrices.map(\.matrix.byteCount))
          try output.append(result, bytes: bytes)
        case (.item, .failed(let message)?):
          throw RunFailure(message)
        case (.item, _):
          throw RunFailure("\(target): the merge stopped before every item was read")
        }
      } catch {
        output.discard()
        throw error
      }
    }
    let items = entries.compactMap { entry -> String? in
      if case .item(_, let id) = entry { return id }
      return nil
    }
    var pngFiles: Int?
    do throws(RunFailure) {
      try output.finish(root: plan.root) { (path) throws(RunFailure) in
        pngFiles = try png?.replace(from: path, items: items, threads: 2)
      }
    } catch {
      output.discard()
      throw error
    }
    return .written(pngFiles: pngFiles)
  }

  /// Writes a small file whose items are HDF5 external links to the parts'
  /// (`/items/<item>` and `/failed/<item>`, paths relative to the file's
  /// directory), with the root the merged file would have and the attribute
  /// `parts`, the linked files; h5py follows the links as if the items were there.
  private static func writeLinks(_ plan: Plan, to target: String) throws(RunFailure) {
    let temporary = ResumeFiles(target: target).temporary(pid: getpid())
    let directory = URL(fileURLWithPath: target).deletingLastPathComponent().standardizedFileURL.path
    let linked = plan.parts.map { relativePath(of: $0.path, from: directory) }
    do {
      let file = try HDF5File.create(temporary)
      for entry in plan.entries {
        switch entry {
        case .item(let number, let id):
          try file.createExternalLink(ItemStorage.group(id), to: ItemStorage.group(id), in: linked[number])
        case .failed(let id, _):
          let number = plan.parts.firstIndex { $0.failed.contains { $0.id == id } } ?? 0
          try file.createExternalLink("/failed/\(id)", to: "/failed/\(id)", in: linked[number])
        }
      }
      try file.createGroup("/items")
      try plan.root.write(into: file)
      try file.setAttribute("parts", .strings(linked), on: "/")
      try file.close()
    } catch {
      unlink(temporary)
      throw RunFailure("\(target): cannot write the links: \(error.cause ?? error.message)", writingOutput: true)
    }
    guard replaceKeepingMode(temporary, over: target) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw RunFailure("\(target): cannot move the finished file into place: \(reason)")
    }
  }

  /// `path` relative to the directory `base` (both made absolute), as an external link names its file.
  static func relativePath(of path: String, from base: String) -> String {
    let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
    let from = URL(fileURLWithPath: base).standardizedFileURL.pathComponents
    let common = zip(target, from).prefix { $0 == $1 }.count
    return (Array(repeating: "..", count: from.count - common) + target[common...]).joined(separator: "/")
  }
}
