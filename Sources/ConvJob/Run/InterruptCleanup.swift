#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Removes the run's temporary output file when the process is interrupted
/// (SIGINT, SIGTERM, SIGHUP), so Ctrl-C leaves neither a half-written file nor
/// a changed target. The handler only calls `unlink`, `signal` and `raise`,
/// which are async-signal-safe.
enum InterruptCleanup {
  /// The path to remove, as a C string owned here; nil when no run is writing.
  nonisolated(unsafe) private static var pending: UnsafeMutablePointer<CChar>?

  /// Arms the cleanup for `path`.
  static func arm(_ path: String) {
    disarm()
    pending = strdup(path)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
      signal(signalNumber) { received in
        if let path = InterruptCleanup.pending { unlink(path) }
        signal(received, SIG_DFL)
        raise(received)
      }
    }
  }

  /// Disarms the cleanup once the file has been renamed into place or discarded.
  static func disarm() {
    guard let path = pending else { return }
    pending = nil
    free(path)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] { signal(signalNumber, SIG_DFL) }
  }
}
