import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
  import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP from the moment `run` starts: a run stops taking
/// items, finishes or abandons those in hand at the next stage, keeps what it
/// has written for `--resume`, and reports the signal (exit 128 + signal, or
/// the signal raised again by the command once it has written its summary).
///
/// Slurm and systemd send SIGTERM at a time limit or a stop and SIGKILL a few
/// seconds (Slurm's KillWait, 30 s by default) later; a run that has not stopped
/// `graceSeconds` after the first signal, or that receives a second one, is
/// stopped at once: the signal is raised again with its default action, and
/// the files are left as SIGKILL leaves them (``ResumeFiles/tidy(keep:)``
/// adopts the temporary output at the next `--resume` when it holds more items).
/// The same signal again within ``repeatSeconds`` of the first is the same
/// request, not a second one: GNU `timeout` sends its signal to the process and
/// then to its process group, and a shell's `kill 0` reaches it twice as well.
package final class RunStop: Sendable {
  static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
  static let graceSeconds = 10.0
  static let repeatSeconds = 1.0

  private let received = Atomic<Int32>(0)
  /// When the first signal came (``DispatchTime/uptimeNanoseconds``).
  private let receivedAt = Atomic<UInt64>(0)
  /// Immutable after `init`; dispatch sources are safe to cancel from any thread.
  nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

  /// Starts listening; call ``uninstall()`` when the command is done.
  ///
  /// A signal already pending — sent before convpipe listened, while its parent
  /// had it blocked (a thread of a test harness, say: the mask passes on to the
  /// child) — counts as received: ignoring it to install the source below would
  /// discard it, and the run would go on as if it had never been sent.
  package init() {
    var pending = sigset_t()
    sigemptyset(&pending)
    sigpending(&pending)
    let early = Self.signals.first { sigismember(&pending, $0) == 1 }
    let queue = DispatchQueue(label: "convpipe.signals")
    sources = Self.signals.map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
    for (number, source) in zip(Self.signals, sources) {
      Glibc.signal(number, SIG_IGN)  // the dispatch source sees it instead of the default action
      source.setEventHandler { [weak self] in self?.receive(number) }
      source.resume()
    }
    if let early { receive(early) }
  }

  /// The signal received, if any.
  package var signal: Int32? {
    let value = received.load(ordering: .acquiring)
    return value == 0 ? nil : value
  }

  var isRequested: Bool { signal != nil }

  /// Stops listening. A signal that comes later, while the finished command
  /// exits, is ignored: its exit code already says what it did, and a late
  /// SIGTERM must not turn a run that replaced its output into 143 (a stopped
  /// run ends by ``raiseAgain(_:)``, which restores the default action itself).
  package func uninstall() {
    for source in sources { source.cancel() }
    for number in Self.signals { Glibc.signal(number, SIG_IGN) }
  }

  private func receive(_ number: Int32) {
    let now = DispatchTime.now().uptimeNanoseconds
    let (first, earlier) = received.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing)
    if first {
      receivedAt.store(now, ordering: .releasing)
      DispatchQueue.global().asyncAfter(deadline: .now() + Self.graceSeconds) { Self.raiseAgain(number) }
    } else if number != earlier
      || Double(now &- receivedAt.load(ordering: .acquiring)) >= Self.repeatSeconds * 1e9
    {
      Self.raiseAgain(earlier)
    }
  }

  /// Ends the process by `number` with its default action (unblocked, in case
  /// the parent started it with signals blocked), as shells report it
  /// (128 + number): once a stopped run has said what it did.
  package static func raiseAgain(_ number: Int32) -> Never {
    Glibc.signal(number, SIG_DFL)
    var mask = sigset_t()
    sigemptyset(&mask)
    sigaddset(&mask, number)
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    raise(number)
    exit(128 + number)
  }
}
