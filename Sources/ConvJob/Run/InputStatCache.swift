import Foundation
import Synchronization

/// The content hashes of per-item input files, remembered with each file's
/// size, modification time and inode, so that a later run does not read and
/// hash a file none of those changed for (as git's index and DVC's state do).
///
/// Kept beside the output as `.<name>.inputs`, one line per file:
/// `<sha256>\t<size>\t<mtime in ns>\t<inode>\t<path>`, written when a run
/// finishes. A file modified within ``racyWindow`` of the moment its hash was
/// recorded could change again without its time changing, so such entries are
/// not kept ("racy" entries, as git calls them): they are hashed next time.
final class InputStatCache: Sendable {
  /// What identifies a file's state without reading it.
  struct FileState: Sendable, Equatable {
    let size: Int64
    let modified: Int64
    let inode: UInt64

    /// The state of the file at `path` now, or nil when it cannot be read.
    init?(path: String) {
      var info = stat()
      guard stat(path, &info) == 0 else { return nil }
      size = Int64(info.st_size)
      modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
      inode = UInt64(info.st_ino)
    }

    init(size: Int64, modified: Int64, inode: UInt64) {
      self.size = size
      self.modified = modified
      self.inode = inode
    }
  }

  static let racyWindow: Int64 = 2_000_000_000

  let path: String
  private let known: [String: (FileState, String)]
  private let seen = Mutex<[String: (FileState, String)]>([:])

  /// Loads the cache kept beside `target` (an empty one when there is none or it cannot be read).
  init(target: String) {
    let url = URL(fileURLWithPath: target)
    path = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).inputs").path
    var known: [String: (FileState, String)] = [:]
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false)
      guard fields.count == 5, let size = Int64(fields[1]), let modified = Int64(fields[2]),
        let inode = UInt64(fields[3])
      else { continue }
      known[String(fields[4])] = (FileState(size: size, modified: modified, inode: inode), String(fields[0]))
    }
    self.known = known
  }

  /// The recorded hash of `file` when it is still in the recorded state.
  func hash(of file: String, state: FileState) -> String? {
    guard let (recorded, hash) = known[file], recorded == state else { return nil }
    remember(file, state: state, hash: hash)
    return hash
  }

  /// Records the hash of `file` in `state`, for the cache the run writes.
  func remember(_ file: String, state: FileState, hash: String) {
    seen.withLock { $0[file] = (state, hash) }
  }

  /// Writes the hashes this run saw, leaving out racy ones; best effort (a
  /// cache that cannot be written only costs the next run some hashing).
  func save() {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let cutoff = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec) - Self.racyWindow
    let lines = seen.withLock { entries in
      entries.filter { $0.value.0.modified < cutoff }.sorted { $0.key < $1.key }.map { file, entry in
        "\(entry.1)\t\(entry.0.size)\t\(entry.0.modified)\t\(entry.0.inode)\t\(file)\n"
      }
    }
    let temporary = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: Data(lines.joined().utf8)) else { return }
    if rename(temporary, path) != 0 { unlink(temporary) }
  }
}
