import Foundation
import _SystemShims

/// Renames `temporary` over `target` (as `rename(2)`: 0, or -1 with errno
/// set), first giving it the permissions of the file it replaces, so that a
/// replaced output keeps its mode (a read-only one stays read-only), as an
/// editor saving a file does; a new file keeps the mode it was created with.
///
/// A replaced file of at least ``releasedInChildBytes`` on disk is freed by a
/// child process after the rename (``convpipe_close_in_child``): ext4 mounted
/// with `discard` frees a file's blocks synchronously, about 150 ms a GB, in
/// whichever process drops the last reference, and a nightly run has no reason
/// to wait for that, as it would not on XFS or Btrfs, which discard in the
/// background. The space shows as free a moment after the command returns.
package func replaceKeepingMode(_ temporary: String, over target: String) -> Int32 {
  var info = stat()
  var replaced: Int32 = -1
  if stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
    chmod(temporary, info.st_mode & 0o7777)
    if Int(info.st_blocks) * 512 >= releasedInChildBytes { replaced = open(target, O_RDONLY | O_CLOEXEC) }
  }
  let result = rename(temporary, target)
  let renameError = errno
  if replaced >= 0 {
    if result == 0 { _ = convpipe_close_in_child(replaced) }  // on failure, freed here by the close
    close(replaced)
  }
  errno = renameError
  return result
}

/// The size on disk from which a replaced file is freed by a child process
/// (spawning it takes about half a millisecond; ext4 with `discard` frees 8 MiB in about 1.5 ms).
package let releasedInChildBytes = 8 << 20
