import ConvChecks
import Foundation

/// A check (or golden comparison) that did not meet its expectation.
package struct FailedCheck: Sendable, Encodable {
  package let item: String
  /// The stage id, `golden:<tensor>`, or `golden` for an item in the golden file only.
  package let stage: String
  package let check: String
  package let maxAbsError: Double
  package let maxRelError: Double
  package let message: String

  /// Whether the errors are numbers; they are not for something on one side only.
  package var hasErrors: Bool { !maxAbsError.isNaN }

  enum CodingKeys: String, CodingKey {
    case item, stage, check, message
    case maxAbsError = "max_abs_error", maxRelError = "max_rel_error"
  }

  package func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(item, forKey: .item)
    try container.encode(stage, forKey: .stage)
    try container.encode(check, forKey: .check)
    try container.encode(JSONNumber(maxAbsError), forKey: .maxAbsError)
    try container.encode(JSONNumber(maxRelError), forKey: .maxRelError)
    try container.encode(message, forKey: .message)
  }
}

extension FailedCheck {
  /// Report `report` of item `item`, which did not meet its expectation.
  init(item: String, report: ItemReport) {
    // A check expected to fail fails by holding: its own message would only describe the holding.
    let expectedToFail = report.expect == .fail && report.outcome.held
    self.init(
      item: item, stage: report.name, check: report.check, maxAbsError: report.outcome.maxAbsError,
      maxRelError: report.outcome.maxRelError,
      message: (expectedToFail ? "expected to fail, but held: " : "") + report.outcome.message)
  }

  /// Item `item` of the golden file, which the run lacks (`outcome` says so).
  static func goldenMissing(_ item: String, outcome: CheckOutcome) -> FailedCheck {
    FailedCheck(
      item: item, stage: GoldenComparison.checkName, check: GoldenComparison.checkName,
      maxAbsError: outcome.maxAbsError, maxRelError: outcome.maxRelError, message: outcome.message)
  }
}

/// An item that could not be computed (with `--keep-going`, recorded under `/failed/<item>`).
package struct FailedItem: Sendable, Encodable {
  package let item: String
  package let error: String
}

/// What a run did, whether it finished or not: the basis of the summary line,
/// the log's last line, `--report` and the exit code.
package struct RunResult: Sendable {
  package let outputPath: String
  /// Items of this run (the items of its shard, with `--shard`).
  package let items: Int
  /// Items computed by this run, and copied from an earlier one.
  package let computed: Int
  package let reused: Int
  package let failedItems: [FailedItem]
  package let checks: Int
  package let failed: [FailedCheck]
  package let seconds: Double
  /// Why the run stopped before writing its output, if it did.
  package let error: String?
  /// Whether that was a problem of the job or the command line (exit 2), not of the data (exit 3).
  package let invalid: Bool
  /// The signal that stopped the run (SIGINT, SIGTERM, SIGHUP), if one did.
  package let signal: Int32?
  /// Items a run that stopped left for `--resume`.
  package let keptForResume: Int
  /// The item whose failure stopped the run (without `--keep-going`), if one did.
  package var stoppedBy: FailedItem? = nil
  /// Every item that could not be computed: those recorded with `--keep-going` and the one that stopped the run.
  package var itemsNotComputed: [FailedItem] { failedItems + (stoppedBy.map { [$0] } ?? []) }
  /// The directory of `outputs.png` and the PNG files it holds, when the job asks for them.
  package var pngOutputs: (directory: String, files: Int)? = nil
  /// Whether the output already held this run's results, byte for byte, and
  /// was left as it was (`--incremental` with nothing changed).
  package var outputKept = false
  /// Whether the run ended with its output in place: written, or kept as it was (``outputKept``).
  package var wroteOutput: Bool { error == nil && signal == nil }

  package var passed: Int { checks - failed.count }

  /// Stopped by a signal or an error; else a check failed; else items failed
  /// with `--keep-going`; else success.
  package var status: ExitStatus {
    if let signal { return .stopped(signal: signal) }
    if error != nil { return invalid ? .invalid : .dataError }
    if !failed.isEmpty { return .checksFailed }
    return failedItems.isEmpty ? .success : .itemsFailed
  }
}
