import Foundation

/// Renames `temporary` over `target` (as `rename(2)`: 0, or -1 with errno
/// set), first giving it the permissions of the file it replaces, so that a
/// replaced output keeps its mode (a read-only one stays read-only), as an
/// editor saving a file does; a new file keeps the mode it was created with.
package func replaceKeepingMode(_ temporary: String, over target: String) -> Int32 {
  var info = stat()
  if stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
    chmod(temporary, info.st_mode & 0o7777)
  }
  return rename(temporary, target)
}
