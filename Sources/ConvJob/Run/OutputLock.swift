import Foundation
#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive lock on an output path, so two runs never write the same file:
/// `flock` on `.<name>.lock` beside it, which holds the owner's process id and
/// is removed when the lock is released. The kernel releases the lock when its
/// process dies, so a stale lock from a killed run is taken over without
/// ceremony (its file stays until that next run ends).
final class OutputLock {
  let path: String
  private var descriptor: Int32 = -1

  /// Takes the lock for `target`, or fails at once naming the process that holds it.
  init(target: String) throws(JobProblems) {
    path = hiddenSibling(of: target, ".lock")
    while true {
      descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      guard descriptor >= 0 else {
        throw .file(
          target, "cannot write beside the output (its lock file \(path): \(String(cString: strerror(errno))))")
      }
      guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
        let holder =
          (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        close(descriptor)
        descriptor = -1  // not held: the holder's file is not this lock's to remove
        throw .file(
          target,
          "another run is writing this output (process \(holder.isEmpty ? "unknown" : holder), lock \(path)); wait for it to finish or stop it"
        )
      }
      // Locked: unless the holder before removed the file after it was opened here, and another was made since.
      if isTheFileAtPath(descriptor) { break }
      close(descriptor)
      descriptor = -1
    }
    let owner = "\(getpid())\n"
    _ = ftruncate(descriptor, 0)
    _ = owner.withCString { write(descriptor, $0, strlen($0)) }
  }

  /// Whether `descriptor` is open on the file at ``path`` now (the same device and inode).
  private func isTheFileAtPath(_ descriptor: Int32) -> Bool {
    var opened = stat(), named = stat()
    return fstat(descriptor, &opened) == 0 && stat(path, &named) == 0 && opened.st_dev == named.st_dev
      && opened.st_ino == named.st_ino
  }

  /// Removes the lock file, then releases the lock: a run that opened the
  /// file meanwhile finds it gone once it holds the lock and takes a new one.
  func release() {
    guard descriptor >= 0 else { return }
    unlink(path)
    flock(descriptor, LOCK_UN)
    close(descriptor)
    descriptor = -1
  }

  deinit { release() }
}
