import ConvJob
import Foundation

/// The end of a run: one line per failed check (item, stage, check, max error),
/// then `N passed, M failed`; and the same as JSON for `--report`.
struct RunSummary {
  let result: RunResult

  var text: String {
    let reused = result.items - result.computed
    var lines = ["wrote \(result.outputPath): \(result.items) item\(result.items == 1 ? "" : "s")"
      + (reused > 0 ? " (\(reused) reused)" : "") + ", \(result.checks) check\(result.checks == 1 ? "" : "s")"
      + String(format: " in %.2fs", result.seconds)]
    for failed in result.failed {
      lines.append("FAIL item \(failed.item) stage \(failed.stage) check \(failed.check): max abs error \(failed.maxAbsError), max rel error \(failed.maxRelError): \(failed.message)")
    }
    lines.append("\(result.passed) passed, \(result.failed.count) failed")
    return lines.joined(separator: "\n")
  }

  var json: String {
    func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
    let failed = result.failed.map { failed in
      "{\"item\": \(JSONValue.quoted(failed.item)), \"stage\": \(JSONValue.quoted(failed.stage)), \"check\": \(JSONValue.quoted(failed.check)), "
        + "\"max_abs_error\": \(number(failed.maxAbsError)), \"max_rel_error\": \(number(failed.maxRelError)), "
        + "\"message\": \(JSONValue.quoted(failed.message))}"
    }
    return "{\"output\": \(JSONValue.quoted(result.outputPath)), \"items\": \(result.items), \"computed\": \(result.computed), "
      + "\"checks\": \(result.checks), \"passed\": \(result.passed), \"failed\": [\(failed.joined(separator: ", "))], "
      + "\"seconds\": \(number(result.seconds)), \"exit_code\": \(result.exitCode)}\n"
  }
}
