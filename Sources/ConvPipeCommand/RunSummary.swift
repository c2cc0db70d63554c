import ConvJob
import Foundation

/// The end of a run: one line per failed check (item, stage, check, max error),
/// then `N passed, M failed`; and the same as JSON for `--report`.
struct RunSummary {
  let result: RunResult

  var text: String {
    var lines = ["wrote \(result.outputPath): \(result.items) item\(result.items == 1 ? "" : "s"), \(result.checks) check\(result.checks == 1 ? "" : "s")"]
    for (item, report) in result.failed {
      lines.append("FAIL item \(item) stage \(report.stageID) check \(report.check.rawValue): max abs error \(report.outcome.maxAbsError), max rel error \(report.outcome.maxRelError): \(report.outcome.message)")
    }
    lines.append("\(result.passed) passed, \(result.failed.count) failed")
    return lines.joined(separator: "\n")
  }

  var json: String {
    func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
    let failed = result.failed.map { item, report in
      "{\"item\": \(JSONValue.quoted(item)), \"stage\": \(JSONValue.quoted(report.stageID)), \"check\": \(JSONValue.quoted(report.check.rawValue)), "
        + "\"expect\": \(JSONValue.quoted(report.expect.rawValue)), \"held\": \(report.held), "
        + "\"max_abs_error\": \(number(report.outcome.maxAbsError)), \"max_rel_error\": \(number(report.outcome.maxRelError)), "
        + "\"message\": \(JSONValue.quoted(report.outcome.message))}"
    }
    return "{\"output\": \(JSONValue.quoted(result.outputPath)), \"items\": \(result.items), \"checks\": \(result.checks), "
      + "\"passed\": \(result.passed), \"failed\": [\(failed.joined(separator: ", "))], \"exit_code\": \(result.exitCode)}\n"
  }
}
