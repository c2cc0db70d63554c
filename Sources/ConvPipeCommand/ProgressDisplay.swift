import ConvJob
import Foundation
import Synchronization

/// Progress of a run on standard error: on a terminal one line rewritten in
/// place (items done/total, rate, ETA, failed checks and items so far);
/// otherwise a line every few seconds, so logs of scheduled runs stay short.
final class ProgressDisplay: Sendable {
  private struct State {
    var lastShown = Date.distantPast
    var failedChecks = 0
    var failedItems = 0
    var reused = 0
    var shownOnTerminal = false
  }

  private let isTerminal = isatty(STDERR_FILENO) != 0
  private let interval: TimeInterval
  private let started = Date()
  private let state = Mutex(State())

  init() { interval = isTerminal ? 0.1 : 5 }

  /// Called by the runner's writer after each item, in item order.
  func update(_ event: ItemEvent, done: Int, total: Int) {
    let now = Date()
    let line: String? = state.withLock { state in
      state.failedChecks += event.checksFailed
      if event.status == .failed { state.failedItems += 1 }
      if event.reused { state.reused += 1 }
      // The first item only starts the clock: items copied or reused arrive in
      // a burst at the end of the work, and a rate from the first would be nonsense.
      if state.lastShown == .distantPast && done < total {
        state.lastShown = now
        return nil
      }
      guard now.timeIntervalSince(state.lastShown) >= interval || done == total else { return nil }
      state.lastShown = now
      let rate = Double(done) / max(now.timeIntervalSince(started), 1e-9)
      let eta = rate > 0 ? Double(total - done) / rate : 0
      var line =
        "[\(done)/\(total)] \(String(format: "%.1f", rate)) items/s, ETA \(Self.duration(eta)), "
        + "\(state.failedChecks) failed check\(state.failedChecks == 1 ? "" : "s")"
      if state.failedItems > 0 { line += ", \(state.failedItems) failed item\(state.failedItems == 1 ? "" : "s")" }
      if state.reused > 0 { line += ", \(state.reused) reused" }
      if isTerminal { state.shownOnTerminal = true }
      return line
    }
    guard let line else { return }
    if isTerminal {
      FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    } else {
      printError(line)
    }
  }

  /// Ends the terminal line, if one is showing (once).
  func finish() {
    let shown = state.withLock { state in
      defer { state.shownOnTerminal = false }
      return state.shownOnTerminal
    }
    if shown { FileHandle.standardError.write(Data("\n".utf8)) }
  }

  private static func duration(_ seconds: Double) -> String {
    seconds < 60 ? String(format: "%.0fs", seconds) : String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
  }
}
