import Foundation

/// Makes `directory` and every missing folder above it, as `mkdir -p` does;
/// nil when it exists or was made, otherwise why not, naming the part at
/// fault: `out/run.h5 is a file, not a folder`, `cannot create /srv/out:
/// Permission denied` (in place of Foundation's "The operation could not be
/// completed", which names neither).
package func makeDirectories(_ directory: String) -> String? {
  var path = directory.hasPrefix("/") ? "" : "."
  for part in directory.split(separator: "/") {
    path += "/" + part
    if mkdir(path, 0o777) == 0 { continue }
    let code = errno
    let shown = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
    var info = stat()
    guard stat(path, &info) == 0 else { return "cannot create \(shown): \(String(cString: strerror(code)))" }
    if info.st_mode & S_IFMT != S_IFDIR { return "\(shown) is a file, not a folder" }
  }
  return nil
}

/// Why ``makeDirectories(_:)`` would fail for `directory`, found without
/// making anything (for `validate`): a part of the path that is a file, or a
/// missing folder whose parent cannot be written; nil when every folder exists
/// or could be made.
package func directoriesProblem(_ directory: String) -> String? {
  var path = directory.hasPrefix("/") ? "" : "."
  for part in directory.split(separator: "/") {
    let parent = path.isEmpty ? "/" : path
    path += "/" + part
    let shown = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
    var info = stat()
    guard stat(path, &info) == 0 else {
      guard errno == ENOENT, access(parent, W_OK) == 0 else {
        return "cannot create \(shown): \(String(cString: strerror(errno)))"
      }
      return nil
    }
    if info.st_mode & S_IFMT != S_IFDIR { return "\(shown) is a file, not a folder" }
  }
  return nil
}
