import Foundation
import HDF5IO

/// Earlier results an item can be copied from instead of being computed: the
/// items of the output a previous run wrote (with `--incremental`) and those a
/// stopped or killed run finished (with `--resume`). Either is used only when
/// it was made by the same graph (`graph_sha256`) from the same input
/// (`input_sha256`); failed items are never reused.
final class ReusableResults: Sendable {
  /// An earlier output opened to read items from: libhdf5 for the structure,
  /// raw access for the elements.
  struct Source: Sendable {
    let file: HDF5File
    let raw: RawFileAccess?

    init(_ file: HDF5File) {
      self.file = file
      raw = try? RawFileAccess(path: file.path, writable: false)
    }

    /// Item `id` read back, without the golden reports of the run that wrote
    /// it unless `keepingGolden` (they still hold: see ``RunState``); nil when
    /// its elements no longer match the `elements_sha256` a part file recorded
    /// (damaged since: the item is computed afresh). A hash that matched is
    /// kept as the item's ``ItemResult/elementsHash``, not computed again.
    func item(_ id: String, keepingGolden: Bool = false) throws(RunFailure) -> ItemResult? {
      do {
        var result = try ItemStorage.read(id, from: file, raw: raw)
        if let recorded = try ItemStorage.recordedElementsHash(id, in: file) {
          guard recorded == ItemStorage.elementsHash(result) else { return nil }
          result.elementsHash = recorded
        }
        if !keepingGolden { result.reports.removeAll(where: \.isGolden) }
        return result
      } catch {
        throw RunFailure("\(error.file): cannot reuse item \(id): \(error.cause ?? error.message)")
      }
    }
  }

  private let previous: Source?
  private let previousInputHashes: [String: String]
  private let resumed: Source?
  private let resumedInputHashes: [String: String]

  /// `notice` is told why an earlier output or resume store is not used.
  init(
    target: String, graph: String, incremental: Bool, resumeStore: (file: HDF5File, items: [String: String])?,
    notice: (RunNotice) -> Void
  ) {
    var hashes: [String: String] = [:]
    var previous: HDF5File?
    if incremental, let file = Self.previousOutput(target, graph: graph, notice: notice),
      let ids = try? OutputComparison.itemIDs(of: file)
    {
      previous = file
      for id in ids {
        if case .string(let hash)? = try? file.attribute("input_sha256", of: ItemStorage.group(id)) {
          hashes[id] = hash
        }
      }
    }
    self.previous = previous.map(Source.init)
    previousInputHashes = hashes
    resumed = resumeStore.map { Source($0.file) }
    resumedInputHashes = resumeStore?.items ?? [:]
  }

  private init(
    previous: Source?, previousInputHashes: [String: String], resumed: Source?, resumedInputHashes: [String: String]
  ) {
    self.previous = previous
    self.previousInputHashes = previousInputHashes
    self.resumed = resumed
    self.resumedInputHashes = resumedInputHashes
  }

  /// The same results with the previous output opened again (after it was
  /// closed for an update in place that was not written); without it if it
  /// can no longer be read.
  func reopeningPrevious() -> ReusableResults {
    let file = previous.flatMap { try? ConvpipeOutput.open($0.file.path) }
    return ReusableResults(
      previous: file.map(Source.init), previousInputHashes: file == nil ? [:] : previousInputHashes, resumed: resumed,
      resumedInputHashes: resumedInputHashes)
  }

  /// The output at `target` when it can be reused: readable, written by
  /// convpipe, by the same graph.
  private static func previousOutput(_ target: String, graph: String, notice: (RunNotice) -> Void) -> HDF5File? {
    guard FileManager.default.fileExists(atPath: target) else { return nil }
    let file: HDF5File
    do { file = try ConvpipeOutput.open(target) } catch {
      notice(
        RunNotice("\(target): --incremental cannot reuse it (\(error.cause ?? error.message)); computing every item"))
      return nil
    }
    guard case .string(graph)? = try? file.attribute("graph_sha256", of: "/") else {
      notice(
        RunNotice(
          "\(target): the job or its shared inputs changed since it was written; --incremental computes every item",
          isExpected: true))
      return nil
    }
    return file
  }

  /// The file holding `item` made from the input with `inputHash`, if any.
  func source(for id: String, inputHash: String) -> Source? {
    if let previous, previousInputHashes[id] == inputHash { return previous }
    if let resumed, resumedInputHashes[id] == inputHash { return resumed }
    return nil
  }

  /// The previous output, when `--incremental` found one made by the same graph.
  var previousOutput: Source? { previous }
}
