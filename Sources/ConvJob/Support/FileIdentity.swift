import Foundation

/// Whether two paths name one file, for refusing an output that would
/// overwrite an input of the same command (`run --output JOB`, `merge --output PART`).
package enum FileIdentity {
  /// `path` made absolute, without `.` and `..`, its symbolic links resolved:
  /// those of its directories too when the file itself does not exist yet.
  package static func canonical(_ path: String) -> String {
    let url = URL(fileURLWithPath: path).standardizedFileURL
    guard url.path != "/", !FileManager.default.fileExists(atPath: url.path) else {
      return url.resolvingSymlinksInPath().path
    }
    return (canonical(url.deletingLastPathComponent().path) as NSString).appendingPathComponent(url.lastPathComponent)
  }

  /// Whether `path` and `other` are one file: the same canonical path, or two
  /// existing paths with the same device and inode (a hard link, a bind mount).
  package static func same(_ path: String, _ other: String) -> Bool {
    if canonical(path) == canonical(other) { return true }
    var first = stat(), second = stat()
    guard stat(path, &first) == 0, stat(other, &second) == 0 else { return false }
    return first.st_dev == second.st_dev && first.st_ino == second.st_ino
  }
}
