import HDF5IO

/// Earlier results an item can be taken from instead of being computed: the
/// part files a killed run left (with `--resume`) and the items of the output
/// a previous run wrote (with `--incremental`). Either is used only when its
/// graph hash and the item's input hash equal the current ones.
final class ReusableResults: @unchecked Sendable {
  /// The previous output, when `--incremental` is on and its graph hash matches.
  let previous: HDF5File?
  private let previousInputHashes: [String: String]
  private let graph: String
  private let resume: Bool

  init(target: String, graph: String, incremental: Bool, resume: Bool) {
    self.graph = graph
    self.resume = resume
    var hashes: [String: String] = [:]
    var previous: HDF5File?
    if incremental, let file = try? HDF5File.open(target), Self.text("graph_sha256", of: "/", in: file) == graph,
      let ids = try? OutputComparison.itemIDs(of: file) {
      previous = file
      for id in ids { hashes[id] = Self.text("input_sha256", of: "/items/\(id)", in: file) }
    }
    self.previous = previous
    previousInputHashes = hashes
  }

  /// Whether the previous output holds `item` computed from the same input.
  func previousHolds(_ item: Item, inputHash: String) -> Bool {
    previous != nil && previousInputHashes[item.id] == inputHash
  }

  /// Whether the part file at `path` (left by an earlier run) holds `item`
  /// computed by the same graph from the same input.
  func partHolds(_ item: Item, inputHash: String, path: String) -> Bool {
    guard resume, let file = try? HDF5File.open(path) else { return false }
    return Self.text("graph_sha256", of: "/", in: file) == graph
      && Self.text("input_sha256", of: "/items/\(item.id)", in: file) == inputHash
  }

  private static func text(_ name: String, of object: String, in file: HDF5File) -> String? {
    guard file.exists(object), case .string(let value)? = try? file.attribute(name, of: object) else { return nil }
    return value
  }
}
