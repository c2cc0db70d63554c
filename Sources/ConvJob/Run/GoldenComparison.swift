import ConvChecks
import HDF5IO

/// `--golden FILE`: each item's kept tensors compared with the same paths in
/// an earlier output, the reference, as `golden:<tensor>` reports of the item
/// (see ``OutputComparison``); items of the golden file this run lacks are
/// failures of their own.
struct GoldenComparison: Sendable {
  /// The `check` of golden reports.
  static let checkName = "golden"

  let file: HDF5File
  /// The golden file's elements, read outside libhdf5's lock by the workers.
  let raw: RawFileAccess?
  let comparison: OutputComparison
  /// How the messages of missing items name this run's side: the output's path.
  let outputName: String
  /// How the messages stored in an item's golden reports name this run's side:
  /// not by the output's path, which a part file of a sharded run does not
  /// share with the merged file (whose bytes are the single run's).
  static let runName = "this run"
  /// The golden file's items, in its order.
  let itemIDs: [String]
  /// The golden file's size, times and inode when it was opened (nil when it could not be read).
  let openedState: InputStatCache.FileState?
  /// When it was opened, in nanoseconds since 1970.
  private let openedAt = InputStatCache.now()

  /// Opens the golden file; `path` is the `--golden` option's value.
  init(path: String, comparison: OutputComparison, outputName: String) throws(RunFailure) {
    do {
      openedState = InputStatCache.FileState(path: path)
      file = try ConvpipeOutput.open(path)
      raw = try? RawFileAccess(path: path, writable: false)
      itemIDs = try OutputComparison.itemIDs(of: file)
    } catch {
      throw RunFailure("--golden \(path): \(error.cause ?? error.message)")
    }
    self.comparison = comparison
    self.outputName = outputName
  }

  /// The golden reports of one item: every tensor it keeps or the golden file
  /// keeps for it, in name order.
  func reports(for result: ItemResult) throws(RunFailure) -> [ItemReport] {
    do {
      let kept = Dictionary(result.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
      let names = Set(kept.keys).union(try OutputComparison.tensorNames(item: result.id, in: file)).sorted()
      return try names.map { name throws(HDF5Error) in
        let actual = kept[name].map { OutputComparison.Operand(tensor: $0, storedType: $0.dtype.rawValue) }
        let reference = try OutputComparison.Operand.read(
          "\(ItemStorage.group(result.id))/tensors/\(name)", in: file, raw: raw)
        let outcome = comparison.compare(actual, reference, referenceName: file.path, actualName: Self.runName)
        return ItemReport(name: "\(Self.checkName):\(name)", check: Self.checkName, expect: .pass, outcome: outcome)
      }
    } catch {
      throw RunFailure("--golden \(file.path): \(error.cause ?? error.message)")
    }
  }

  /// The golden file and its state for the next run to find in the stat cache
  /// (``InputStatCache/save(golden:)``): the state it was opened in, when it
  /// is still in it after the run read it, and was modified and changed more
  /// than ``InputStatCache/racyWindow`` before it was opened (a file changed
  /// within it could change again with the same times: a "racy" state, as git calls it).
  var recordForNextRun: (file: String, state: InputStatCache.FileState)? {
    let cutoff = openedAt - InputStatCache.racyWindow
    guard let openedState, openedState.modified < cutoff, openedState.changed < cutoff,
      InputStatCache.FileState(path: file.path) == openedState
    else { return nil }
    return (file.path, openedState)
  }

  /// `result`'s reports with golden reports that hold: the ones it was read
  /// back with, when it has some and every one was made with these
  /// tolerances, else golden reports made now (``reports(for:)``).
  func reportsHolding(_ result: ItemResult) throws(RunFailure) -> [ItemReport] {
    let brought = result.reports.filter(\.isGolden)
    if !brought.isEmpty && madeWithTheseTolerances(brought) { return result.reports }
    return result.reports.filter { !$0.isGolden } + (try reports(for: result))
  }

  /// Whether every golden report among `reports` was made with this comparison's tolerances.
  func madeWithTheseTolerances(_ reports: some Sequence<ItemReport>) -> Bool {
    reports.allSatisfy {
      !$0.isGolden || ($0.outcome.rtol == comparison.tolerance.rtol && $0.outcome.atol == comparison.tolerance.atol)
    }
  }

  /// The golden file's items that are not among `ids`, in its order, each with
  /// its place there; with `shard`, only those that belong to it (a part lists
  /// the missing items of its own shard, so the parts together list the run's).
  func missingItems(from ids: [String], shard: Shard? = nil) -> [(index: Int, id: String)] {
    let present = Set(ids)
    return itemIDs.enumerated().filter { !present.contains($1) && shard?.contains($1) != false }.map { ($0, $1) }
  }

  /// The failure of an item that is in the golden file only.
  func missingOutcome() -> CheckOutcome {
    comparison.missing(referenceName: file.path, actualName: outputName)
  }
}
