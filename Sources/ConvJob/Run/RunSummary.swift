import Foundation

/// The end of a run, for people (``text``) and programs (``RunSummary`` as JSON:
/// the log's last line and `--report`).
package struct RunSummary: Sendable, Encodable {
  package let result: RunResult

  package init(result: RunResult) { self.result = result }

  /// For a run that did not write its output, one line saying how far it got
  /// (nil for an error before any item was done, a single item's included:
  /// the error says it all).
  package var notWritten: String? {
    let done = result.computed + result.reused + result.failedItems.count
    guard !result.wroteOutput, done > 0 || result.signal != nil else { return nil }
    return "\(result.outputPath): not written: "
      + (result.signal.map { "stopped by \($0 == SIGINT ? "SIGINT (Ctrl-C)" : signalName($0))" }
        ?? "stopped by an error")
      + " after \(done) of \(counted(result.items, "item"))"
      + (result.keptForResume > 0 ? "; \(result.keptForResume) finished kept for --resume" : "")
  }

  /// The summary of a run that wrote its output: one line per failed check
  /// and per failed item, then the counts.
  package var text: String {
    let result = result
    var lines = [
      (result.outputKept ? "kept \(result.outputPath) (nothing changed)" : "wrote \(result.outputPath)")
        + (result.pngOutputs.map { " and \(counted($0.files, "PNG file")) in \($0.directory)" } ?? "")
        + ": \(counted(result.items, "item"))"
        + (result.reused > 0 ? " (\(result.reused) reused)" : "") + ", \(counted(result.checks, "check"))"
        + String(format: " in %.2fs", result.seconds)
    ]
    for failed in result.failed {
      let errors =
        failed.hasErrors && (failed.maxAbsError != 0 || failed.maxRelError != 0)
        ? "max abs error \(failed.maxAbsError), max rel error \(failed.maxRelError): " : ""
      lines.append("FAIL item \(failed.item) stage \(failed.stage) check \(failed.check): \(errors)\(failed.message)")
    }
    for item in result.failedItems { lines.append("FAILED item \(item.item): \(item.error)") }
    var counts = "\(result.passed) passed, \(result.failed.count) failed"
    if !result.failedItems.isEmpty { counts += "; \(counted(result.failedItems.count, "item")) could not be computed" }
    lines.append(counts)
    return lines.joined(separator: "\n")
  }

  enum CodingKeys: String, CodingKey {
    case output, items, computed, reused, checks, passed, failed, seconds, error, signal
    case itemsFailed = "items_failed", checksFailed = "checks_failed", failedItems = "failed_items"
    case exitCode = "exit_code", outputKept = "output_kept"
  }

  package func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(result.outputPath, forKey: .output)
    try container.encode(result.items, forKey: .items)
    try container.encode(result.computed, forKey: .computed)
    try container.encode(result.reused, forKey: .reused)
    try container.encode(result.itemsNotComputed.count, forKey: .itemsFailed)
    try container.encode(result.checks, forKey: .checks)
    try container.encode(result.passed, forKey: .passed)
    try container.encode(result.failed.count, forKey: .checksFailed)
    try container.encode(result.failed, forKey: .failed)
    try container.encode(result.itemsNotComputed, forKey: .failedItems)
    try container.encode((result.seconds * 1e3).rounded() / 1e3, forKey: .seconds)
    try container.encode(result.status.code, forKey: .exitCode)
    try container.encode(result.outputKept, forKey: .outputKept)
    if let error = result.error {
      try container.encode(error, forKey: .error)
    } else {
      try container.encodeNil(forKey: .error)
    }
    if let signal = result.signal {
      try container.encode(signalName(signal), forKey: .signal)
    } else {
      try container.encodeNil(forKey: .signal)
    }
  }

  /// The summary as one line of JSON (for `--report`, with a newline).
  package var json: String {
    (try? JSONLines.line(self)) ?? "{}\n"
  }
}

/// A number as summaries and the report show it: 3 significant digits
/// (`%.3g`), or `nan`, `inf`, `-inf`.
package func formatNumber(_ value: Double) -> String {
  value.isFinite ? String(format: "%.3g", value) : "\(value)"
}

/// `3 items`, `1 check`.
package func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

/// `SIGTERM` for 15.
package func signalName(_ signal: Int32) -> String {
  switch signal {
  case SIGINT: "SIGINT"
  case SIGTERM: "SIGTERM"
  case SIGHUP: "SIGHUP"
  default: "signal \(signal)"
  }
}
