import ConvJob
import HDF5IO

private typealias Operand = OutputComparison.Operand

/// One item as the page shows it: the file's reports and those this report
/// made against an explicit golden file, failures first.
struct ItemView {
  let entry: OutputSummary.ItemEntry
  /// Position in the file's item order, for the page's anchors (`#item-3`).
  let index: Int
  let reports: [ItemReport]
  /// The tensors already read that the page draws.
  let tensors: ItemTensors

  var id: String { entry.id }
  var failedReports: [ItemReport] { reports.filter { !$0.passed } }
  var isFailing: Bool { reports.contains { !$0.passed } }

  /// The items of `source`, each with its reports failures first; with an
  /// explicit golden file, every kept tensor that differs from the golden
  /// file's (exactly) adds a failed report `golden:<tensor>`, unless the file
  /// already holds a report of that name. The tensors the comparison read
  /// stay with the items the page draws (within `limits`): every one of a
  /// failing item shown in full, the thumbnails' of a passing item.
  static func all(_ source: ReportSource, outputName: String, limits: ReportLimits) throws(RunFailure) -> [ItemView] {
    var (failing, passing) = (0, 0)
    return try source.summary.items.enumerated().map { index, entry throws(RunFailure) in
      var reports = entry.reports
      var tensors = ItemTensors(item: entry.id)
      if let golden = source.golden, golden.explicit {
        reports += try goldenReports(
          entry, source: source, golden: golden, outputName: outputName, reading: &tensors)
      }
      let failedFirst = reports.filter { !$0.passed } + reports.filter(\.passed)
      if failedFirst.contains(where: { !$0.passed }) {
        failing += 1
        if failing > limits.fullItems { tensors.keepOnly([]) }
      } else {
        passing += 1
        tensors.keepOnly(
          passing > limits.thumbnails ? [] : entry.tensors.prefix(limits.thumbnailTensors).map(\.name))
      }
      return ItemView(entry: entry, index: index, reports: failedFirst, tensors: tensors)
    }
  }

  private static func goldenReports(
    _ entry: OutputSummary.ItemEntry, source: ReportSource, golden: GoldenSource, outputName: String,
    reading tensors: inout ItemTensors
  ) throws(RunFailure) -> [ItemReport] {
    let reported = Set(entry.reports.map(\.name))
    do {
      let names = Set(entry.tensors.map(\.name)).union(
        try OutputComparison.tensorNames(item: entry.id, in: golden.file))
      var made: [ItemReport] = []
      for name in names.sorted() where !reported.contains("golden:\(name)") {
        let path = "/items/\(entry.id)/tensors/\(name)"
        let (actual, expected) = (try Operand.read(path, in: source.file), try Operand.read(path, in: golden.file))
        tensors.keep(name, output: actual?.tensor, golden: expected?.tensor)
        let outcome = OutputComparison().compare(
          actual, expected, referenceName: golden.path, actualName: outputName)
        if !outcome.held {
          made.append(ItemReport(name: "golden:\(name)", check: "golden", expect: .pass, outcome: outcome))
        }
      }
      return made
    } catch {
      throw RunFailure("\(error.file): item \(entry.id): \(error.cause ?? error.message)")
    }
  }
}
