import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The one folder under the system's temporary directory that holds every
/// scratch directory of this test process, `convpipe-tests-<pid>`.
///
/// It is removed, with everything in it, when the process exits; a test run
/// that crashed or was killed leaves its folder behind, and the next test
/// process removes every such folder whose process is no longer alive. So a
/// machine that runs the tests every night does not fill its disk.
public enum ScratchRoot {
  static let prefix = "convpipe-tests-"

  /// This process's folder, made (and stale folders of dead processes removed) on first use.
  public static let url: URL = {
    let temporary = FileManager.default.temporaryDirectory
    removeStaleFolders(in: temporary)
    let url = temporary.appendingPathComponent("\(prefix)\(getpid())", isDirectory: true)
    try? FileManager.default.removeItem(at: url)
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: ScratchRoot.url) }
    return url
  }()

  /// A fresh empty directory named `label-<uuid>` inside this process's folder.
  public static func directory(_ label: String) -> URL {
    let url = self.url.appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Removes `convpipe-tests-<pid>` folders in `temporary` whose process has exited.
  static func removeStaleFolders(in temporary: URL) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
    for name in names where name.hasPrefix(prefix) {
      guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid() else { continue }
      if kill(pid, 0) == -1 && errno == ESRCH {
        try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
      }
    }
  }
}
