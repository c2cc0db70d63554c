import CHDF5
import Foundation
import _HDF5Shims

/// Process-wide access to libhdf5: one lock that serialises every call into the
/// library, its one-time initialisation, and reading its error stack.
///
/// libhdf5 may only be entered from two threads at once when it was built
/// thread-safe; this module does not rely on that, so all HDF5 calls in it —
/// including the closes in handle deinitialisers — run inside
/// ``serialised(_:)``. The lock is recursive so that a handle released inside
/// a serialised section can close itself without deadlocking.
enum HDF5Library {
  /// The lock; creating it also initialises the library (a `static let` runs once).
  private static let lock: NSRecursiveLock = {
    _ = convpipe_H5open()
    return NSRecursiveLock()
  }()

  /// Runs `body` holding the library lock, with HDF5's automatic error printing off.
  ///
  /// Automatic printing is switched off on every entry, not only once: where
  /// libhdf5 is built thread-safe the setting belongs to the calling thread's
  /// error stack, so a single call at startup would cover one thread only.
  static func serialised<Result, Failure: Error>(
    _ body: () throws(Failure) -> Result
  ) throws(Failure) -> Result {
    lock.lock()
    defer { lock.unlock() }
    _ = H5Eset_auto2(convpipe_H5E_DEFAULT(), nil, nil)
    return try body()
  }

  /// The description of the innermost (most specific) entry on the calling
  /// thread's HDF5 error stack, then clears the stack; nil when it is empty.
  ///
  /// Call this inside ``serialised(_:)`` right after a failed HDF5 call.
  static func takeInnermostErrorMessage() -> String? {
    // Walking upward starts at the innermost entry, the one that says what actually went wrong.
    let walked = NameCollector.gather { collector in
      H5Ewalk2(
        convpipe_H5E_DEFAULT(), H5E_WALK_UPWARD,
        { _, entry, into in NameCollector.collect(entry?.pointee.desc, into: into) }, collector)
    }
    _ = H5Eclear2(convpipe_H5E_DEFAULT())
    return walked.names.first { !$0.isEmpty }
  }
}
