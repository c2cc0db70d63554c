import Foundation
import Synchronization

/// The content hashes of per-item input files, remembered with each file's
/// size, modification and status-change times and inode, so that a later run
/// does not read and hash a file none of those changed for (as git's index
/// does; the status-change time catches a file rewritten with its
/// modification time put back, which only the kernel can set).
///
/// Kept beside the output as `.<name>.inputs`, one line per file by absolute
/// path (runs from any folder share it):
/// `<sha256>\t<size>\t<mtime in ns>\t<ctime in ns>\t<inode>\t<path>`, written
/// when a run finishes. A file modified within ``racyWindow`` of the moment its hash was
/// recorded could change again without its time changing, so such entries are
/// not kept ("racy" entries, as git calls them): they are hashed next time.
final class InputStatCache: Sendable {
  /// What identifies a file's state without reading it.
  struct FileState: Sendable, Equatable {
    let size: Int64
    let modified: Int64
    let changed: Int64
    let inode: UInt64

    /// The state of the file at `path` now, or nil when it cannot be read.
    init?(path: String) {
      var info = stat()
      guard stat(path, &info) == 0 else { return nil }
      size = Int64(info.st_size)
      modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
      changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
      inode = UInt64(info.st_ino)
    }

    init(size: Int64, modified: Int64, changed: Int64, inode: UInt64) {
      self.size = size
      self.modified = modified
      self.changed = changed
      self.inode = inode
    }
  }

  static let racyWindow: Int64 = 2_000_000_000

  let path: String
  private let known: [String: (FileState, String)]
  private let seen = Mutex<[String: (FileState, String)]>([:])

  /// Loads the cache kept beside `target` (an empty one when there is none or it cannot be read).
  init(target: String) {
    path = hiddenSibling(of: target, ".inputs")
    var known: [String: (FileState, String)] = [:]
    // Split as bytes: as Characters a cache of 1,200 lines took 6 ms to read.
    let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
    for line in bytes.split(separator: UInt8(ascii: "\n")) {
      let fields = line.split(separator: UInt8(ascii: "\t"), maxSplits: 5, omittingEmptySubsequences: false)
      guard fields.count == 6, let size = Int64(ascii: fields[1]), let modified = Int64(ascii: fields[2]),
        let changed = Int64(ascii: fields[3]), let inode = UInt64(ascii: fields[4]),
        let file = String(validating: fields[5], as: UTF8.self), let hash = String(validating: fields[0], as: UTF8.self)
      else { continue }
      known[file] = (FileState(size: size, modified: modified, changed: changed, inode: inode), hash)
    }
    self.known = known
  }

  /// The hash of `file` when it is still in the state the cache recorded, or
  /// in the state this run already hashed it in (an `--incremental` run that
  /// hashed the files the cache could not vouch for, then writes the whole output).
  func hash(of file: String, state: FileState) -> String? {
    let path = absolute(file)
    if let (recorded, hash) = known[path], recorded == state {
      seen.withLock { $0[path] = (state, hash) }
      return hash
    }
    return seen.withLock { $0[path].flatMap { entry in entry.0 == state ? entry.1 : nil } }
  }

  /// Records the hash of `file` in `state`, for the cache the run writes.
  func remember(_ file: String, state: FileState, hash: String) {
    seen.withLock { $0[absolute(file)] = (state, hash) }
  }

  /// `file` from the root: relative paths are the working directory's.
  private func absolute(_ file: String) -> String { file.hasPrefix("/") ? file : workingDirectory + "/" + file }

  /// The working directory when the cache was loaded (read once, not per file).
  private let workingDirectory = FileManager.default.currentDirectoryPath

  /// Writes the hashes this run saw, leaving out racy ones; best effort (a
  /// cache that cannot be written only costs the next run some hashing).
  func save() {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let cutoff = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec) - Self.racyWindow
    let lines = seen.withLock { entries in
      entries.filter { $0.value.0.modified < cutoff }.sorted { $0.key < $1.key }.map {
        file, entry in
        "\(entry.1)\t\(entry.0.size)\t\(entry.0.modified)\t\(entry.0.changed)\t\(entry.0.inode)\t\(file)\n"
      }
    }
    let temporary = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: Data(lines.joined().utf8)) else { return }
    if rename(temporary, path) != 0 { unlink(temporary) }
  }
}

extension FixedWidthInteger {
  /// The decimal number spelled by `digits` (an optional `-`, then ASCII digits), or nil.
  fileprivate init?(ascii digits: ArraySlice<UInt8>) {
    var value: Self = 0
    let negative = digits.first == UInt8(ascii: "-")
    let body = negative ? digits.dropFirst() : digits
    guard !body.isEmpty else { return nil }
    for digit in body {
      guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
      let (shifted, over) = value.multipliedReportingOverflow(by: 10)
      let (sum, overAgain) =
        negative
        ? shifted.subtractingReportingOverflow(Self(digit - UInt8(ascii: "0")))
        : shifted.addingReportingOverflow(Self(digit - UInt8(ascii: "0")))
      guard !over, !overAgain else { return nil }
      value = sum
    }
    self = value
  }
}
