import Foundation
#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive lock on an output path, so two runs never write the same file:
/// `flock` on `.<name>.lock` beside it, which holds the owner's process id.
/// The kernel releases the lock when its process dies, so a stale lock from a
/// killed run is taken over without ceremony.
final class OutputLock {
  let path: String
  private var descriptor: Int32

  /// Takes the lock for `target`, or fails at once naming the process that holds it.
  init(target: String) throws(JobProblems) {
    path = hiddenSibling(of: target, ".lock")
    descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw .file(target, "cannot write beside the output (its lock file \(path): \(String(cString: strerror(errno))))")
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let holder =
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
      close(descriptor)
      throw .file(
        target,
        "another run is writing this output (process \(holder.isEmpty ? "unknown" : holder), lock \(path)); wait for it to finish or stop it"
      )
    }
    let owner = "\(getpid())\n"
    _ = ftruncate(descriptor, 0)
    _ = owner.withCString { write(descriptor, $0, strlen($0)) }
  }

  /// Releases the lock (the lock file stays, empty of meaning until the next run).
  func release() {
    guard descriptor >= 0 else { return }
    _ = ftruncate(descriptor, 0)
    flock(descriptor, LOCK_UN)
    close(descriptor)
    descriptor = -1
  }

  deinit { release() }
}
