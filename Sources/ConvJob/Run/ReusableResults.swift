import HDF5IO

/// Earlier results an item can be copied from instead of being computed: the
/// items of the output a previous run wrote (with `--incremental`) and those a
/// stopped or killed run finished (with `--resume`). Either is used only when
/// it was made by the same graph (`graph_sha256`) from the same input
/// (`input_sha256`); failed items are never reused.
final class ReusableResults: Sendable {
  private let previous: HDF5File?
  private let previousInputHashes: [String: String]
  private let resumed: HDF5File?
  private let resumedInputHashes: [String: String]

  init(target: String, graph: String, incremental: Bool, resumeStore: (file: HDF5File, items: [String: String])?) {
    var hashes: [String: String] = [:]
    var previous: HDF5File?
    if incremental, let file = try? HDF5File.open(target),
      case .string(graph)? = try? file.attribute("graph_sha256", of: "/"),
      let ids = try? OutputComparison.itemIDs(of: file) {
      previous = file
      for id in ids {
        if case .string(let hash)? = try? file.attribute("input_sha256", of: ItemStorage.group(id)) { hashes[id] = hash }
      }
    }
    self.previous = previous
    previousInputHashes = hashes
    resumed = resumeStore?.file
    resumedInputHashes = resumeStore?.items ?? [:]
  }

  /// The file holding `item` made from the input with `inputHash`, if any.
  func source(for id: String, inputHash: String) -> HDF5File? {
    if let previous, previousInputHashes[id] == inputHash { return previous }
    if let resumed, resumedInputHashes[id] == inputHash { return resumed }
    return nil
  }

  /// The previous output, when `--incremental` found one made by the same graph.
  var previousOutput: HDF5File? { previous }
}
