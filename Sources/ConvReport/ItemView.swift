import ConvJob
import HDF5IO

/// One item as the page shows it: the file's reports and those this report
/// made against an explicit golden file, failures first.
struct ItemView {
  let entry: OutputSummary.ItemEntry
  /// Position in the file's item order, for the page's anchors (`#item-3`).
  let index: Int
  let reports: [ItemReport]

  var id: String { entry.id }
  var failedReports: [ItemReport] { reports.filter { !$0.passed } }
  var isFailing: Bool { reports.contains { !$0.passed } }

  /// The items of `source`, each with its reports failures first; with an
  /// explicit golden file, every kept tensor that differs from the golden
  /// file's (exactly) adds a failed report `golden:<tensor>`, unless the file
  /// already holds a report of that name.
  static func all(_ source: ReportSource, outputName: String) throws(RunFailure) -> [ItemView] {
    try source.summary.items.enumerated().map { index, entry throws(RunFailure) in
      var reports = entry.reports
      if let golden = source.golden, golden.explicit {
        reports += try goldenReports(entry, source: source, golden: golden, outputName: outputName)
      }
      let failedFirst = reports.filter { !$0.passed } + reports.filter(\.passed)
      return ItemView(entry: entry, index: index, reports: failedFirst)
    }
  }

  private static func goldenReports(
    _ entry: OutputSummary.ItemEntry, source: ReportSource, golden: GoldenSource, outputName: String
  ) throws(RunFailure) -> [ItemReport] {
    let reported = Set(entry.reports.map(\.name))
    do {
      let names = Set(entry.tensors.map(\.name)).union(
        try OutputComparison.tensorNames(item: entry.id, in: golden.file))
      var made: [ItemReport] = []
      for name in names.sorted() where !reported.contains("golden:\(name)") {
        let path = "/items/\(entry.id)/tensors/\(name)"
        let outcome = OutputComparison().compare(
          try .read(path, in: source.file), try .read(path, in: golden.file), referenceName: golden.path,
          actualName: outputName)
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
