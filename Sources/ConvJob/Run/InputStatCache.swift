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
///
/// It also remembers the state the `--golden` file was in when the run opened
/// it, as `golden\t<size>\t<mtime in ns>\t<ctime in ns>\t<inode>\t<path>`: the
/// output's golden reports hold while the golden file is still in that state.
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

  /// A file's recorded state, the digest of its bytes, and whether this run
  /// saw it in that state (only those are saved). 80 bytes, against about 250
  /// for the state with the digest as text, kept twice (as recorded and as seen).
  private struct Entry {
    let state: FileState
    let digest: SIMD32<UInt8>
    var seen: Bool
  }

  let path: String
  private let entries: Mutex<[String: Entry]>
  /// The golden files' states the cache was loaded with, by absolute path.
  private let goldenStates: [String: FileState]

  /// Loads the cache kept beside `target` (an empty one when there is none or it cannot be read).
  init(target: String) {
    path = hiddenSibling(of: target, ".inputs")
    var entries: [String: Entry] = [:], goldenStates: [String: FileState] = [:]
    // Split as bytes: as Characters a cache of 1,200 lines took 6 ms to read.
    let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
    for line in bytes.split(separator: UInt8(ascii: "\n")) {
      let fields = line.split(separator: UInt8(ascii: "\t"), maxSplits: 5, omittingEmptySubsequences: false)
      guard fields.count == 6, let size = Int64(ascii: fields[1]), let modified = Int64(ascii: fields[2]),
        let changed = Int64(ascii: fields[3]), let inode = UInt64(ascii: fields[4]),
        let file = String(validating: fields[5], as: UTF8.self)
      else { continue }
      let state = FileState(size: size, modified: modified, changed: changed, inode: inode)
      if fields[0].elementsEqual(Self.goldenTag.utf8) {
        goldenStates[file] = state
      } else if let digest = SHA256.digest(hex: fields[0]) {
        entries[file] = Entry(state: state, digest: digest, seen: false)
      }
    }
    self.entries = Mutex(entries)
    self.goldenStates = goldenStates
  }

  /// The first field of a golden file's line.
  private static let goldenTag = "golden"

  /// One line of the cache: `first` (a digest, or ``goldenTag``), then the state and the path.
  private static func line(_ first: String, _ state: FileState, _ file: String) -> String {
    "\(first)\t\(state.size)\t\(state.modified)\t\(state.changed)\t\(state.inode)\t\(file)\n"
  }

  /// The state the golden file `file` was in when the run that saved the cache opened it.
  func goldenState(of file: String) -> FileState? { goldenStates[absolute(file)] }

  /// The time now in nanoseconds since 1970.
  static func now() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
  }

  /// The hash of `file` when it is still in the state the cache recorded, or
  /// in the state this run already hashed it in (an `--incremental` run that
  /// hashed the files the cache could not vouch for, then writes the whole output).
  func hash(of file: String, state: FileState) -> String? {
    let path = absolute(file)
    let digest: SIMD32<UInt8>? = entries.withLock { entries in
      guard let entry = entries[path], entry.state == state else { return nil }
      entries[path]?.seen = true
      return entry.digest
    }
    return digest?.hex
  }

  /// Records the hash of `file` in `state`, for the cache the run writes.
  func remember(_ file: String, state: FileState, hash: String) {
    guard let digest = SHA256.digest(hex: hash.utf8) else { return }
    let path = absolute(file)
    entries.withLock { $0[path] = Entry(state: state, digest: digest, seen: true) }
  }

  /// `file` from the root: relative paths are the working directory's.
  private func absolute(_ file: String) -> String { file.hasPrefix("/") ? file : workingDirectory + "/" + file }

  /// The working directory when the cache was loaded (read once, not per file).
  private let workingDirectory = FileManager.default.currentDirectoryPath

  /// Writes the hashes this run saw, leaving out racy ones, and, with
  /// `golden`, that this run's golden reports were made against that file in
  /// that state; a buffer at a time (not the whole text at once); best effort
  /// (a cache that cannot be written only costs the next run some hashing).
  func save(golden: (file: String, state: FileState)? = nil) {
    let cutoff = Self.now() - Self.racyWindow
    let temporary = path + ".tmp-\(getpid())"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { return }
    var written = true
    entries.withLock { entries in
      var buffer: [UInt8] = []
      buffer.reserveCapacity(1 << 16)
      if let (file, state) = golden { buffer += Self.line(Self.goldenTag, state, absolute(file)).utf8 }
      for file in entries.keys.sorted() {
        guard let entry = entries[file], entry.seen, entry.state.modified < cutoff else { continue }
        buffer += Self.line(entry.digest.hex, entry.state, file).utf8
        if buffer.count >= 1 << 16 {
          written = written && writeAll(buffer, to: descriptor) == 0
          buffer.removeAll(keepingCapacity: true)
        }
      }
      written = written && writeAll(buffer, to: descriptor) == 0
    }
    if close(descriptor) != 0 || !written || rename(temporary, path) != 0 { unlink(temporary) }
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
