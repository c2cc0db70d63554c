import ConvJob
import Foundation

/// Progress of a run on standard error: on a terminal one line rewritten in
/// place (items done/total, rate, ETA, failed checks and items so far);
/// otherwise a line every few seconds, so logs of scheduled runs stay short.
final class ProgressDisplay: @unchecked Sendable {  // updated by the run's one writer thread only
  private let isTerminal = isatty(STDERR_FILENO) != 0
  private let interval: TimeInterval
  private let started = Date()
  private var lastShown = Date.distantPast
  private var failedChecks = 0
  private var failedItems = 0
  private var reused = 0
  private var shownOnTerminal = false

  init() { interval = isTerminal ? 0.1 : 5 }

  /// Called by the runner's writer after each item, in item order.
  func update(_ event: ItemEvent, done: Int, total: Int) {
    failedChecks += event.checksFailed
    if event.status == .failed { failedItems += 1 }
    if event.reused { reused += 1 }
    let now = Date()
    guard now.timeIntervalSince(lastShown) >= interval || done == total else { return }
    lastShown = now
    let elapsed = now.timeIntervalSince(started)
    let rate = Double(done) / max(elapsed, 1e-9)
    let eta = rate > 0 ? Double(total - done) / rate : 0
    var line = "[\(done)/\(total)] \(String(format: "%.1f", rate)) items/s, ETA \(Self.duration(eta)), \(failedChecks) failed check\(failedChecks == 1 ? "" : "s")"
    if failedItems > 0 { line += ", \(failedItems) failed item\(failedItems == 1 ? "" : "s")" }
    if reused > 0 { line += ", \(reused) reused" }
    if isTerminal {
      FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
      shownOnTerminal = true
    } else {
      printError(line)
    }
  }

  /// Ends the terminal line, if one is showing (once).
  func finish() {
    if shownOnTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    shownOnTerminal = false
  }

  private static func duration(_ seconds: Double) -> String {
    seconds < 60 ? String(format: "%.0fs", seconds) : String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
  }
}
