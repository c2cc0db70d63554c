import Foundation

/// Makes `directory` and every missing folder above it, as `mkdir -p` does;
/// nil when it exists or was made, otherwise why not, naming the part at
/// fault: `out/run.h5 is a file, not a folder`, `cannot create /srv/out:
/// Permission denied` (in place of Foundation's "The operation could not be
/// completed", which names neither).
package func makeDirectories(_ directory: String) -> String? {
  walkFolders(of: directory) { path, _ in mkdir(path, 0o777) == 0 ? .there : .missing(errno) }
}

/// Why ``makeDirectories(_:)`` would fail for `directory`, found without
/// making anything (for `validate`): a part of the path that is a file, or a
/// missing folder whose parent cannot be written; nil when every folder exists
/// or could be made.
package func directoriesProblem(_ directory: String) -> String? {
  walkFolders(of: directory) { path, parent in
    if access(path, F_OK) == 0 { return .there }
    return errno == ENOENT && access(parent, W_OK) == 0 ? .creatable : .missing(errno)
  }
}

/// What one step of ``walkFolders(of:_:)`` found at a folder of the path.
private enum FolderStep {
  /// Something is there (made, or found): it must be a folder.
  case there
  /// Not made, for the `errno` given, unless something was there already (then it must be a folder).
  case missing(Int32)
  /// Not there, and could be made: so could every folder below it.
  case creatable
}

/// Walks the folders of `directory` from the top, calling `step` with each
/// one's path and its parent's; nil, or the first problem, naming the part at fault.
private func walkFolders(of directory: String, _ step: (_ path: String, _ parent: String) -> FolderStep) -> String? {
  var path = directory.hasPrefix("/") ? "" : "."
  for part in directory.split(separator: "/") {
    let parent = path.isEmpty ? "/" : path
    path += "/" + part
    let shown = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
    let result = step(path, parent)
    if case .creatable = result { return nil }
    var info = stat()
    guard stat(path, &info) == 0 else {
      let code = if case .missing(let code) = result { code } else { errno }
      return "cannot create \(shown): \(String(cString: strerror(code)))"
    }
    if info.st_mode & S_IFMT != S_IFDIR { return "\(shown) is a file, not a folder" }
  }
  return nil
}
