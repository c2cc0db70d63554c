import ArgumentParser
import ConvJob

/// Ends `run` and `merge` once the output is written or given up: prints the
/// error, then the summary (with `quiet`, only when a check or item failed)
/// or, for an output not written, `notWritten`; writes `report` (the summary as
/// JSON); then raises the signal that stopped it again, or exits with its status.
func end(_ summary: RunSummary, quiet: Bool, notWritten: String?, report: String?) throws {
  let result = summary.result
  if let error = result.error { printError(error) }
  if result.wroteOutput {
    if !quiet || result.status != .success { print(summary.text) }
  } else if let notWritten {
    printError(notWritten)
  }
  if let report { try writeReport(summary.json, to: report) }
  if let signal = result.signal { RunStop.raiseAgain(signal) }
  if result.status != .success { throw ExitCode(result.status) }
}
