import Foundation
import HDF5IO

#if canImport(Glibc)
  import Glibc
#endif

/// The bytes an in-place update of an output is about to write over, saved
/// beside it (`.<name>.undo`) and synced to the disk before the first byte of
/// the output changes, as SQLite's rollback journal is: an update that fails
/// writes them back before the run exits (``restore(into:)``), and one cut
/// short by a kill or a crash leaves the journal, which the next `convpipe run`
/// on that output applies first (``recover(target:)``). The journal goes only
/// once the updated bytes are synced too (``finish(_:)``).
///
/// The file: the 16 bytes `convpipe-undo 2\n`; the output's inode number and
/// size, the number of input-hash slots and of ranges (little-endian 64-bit);
/// per hash slot its offset and length, the characters it held and those the
/// update writes; per range its offset, length and old bytes. A journal
/// applies only to a file of that inode and size whose every hash slot holds
/// the old or the new characters, so a file put in the output's place since,
/// even one copied over it under the same inode, is left alone.
struct OutputUndo {
  static let magic = Array("convpipe-undo 2\n".utf8)

  /// The journal's path beside `target`: `<dir>/.<name>.undo`.
  static func path(target: String) -> String { hiddenSibling(of: target, ".undo") }

  /// An input hash's characters in the output, before and after the update.
  struct HashSlot {
    let range: Range<Int>
    let old: [UInt8]
    let new: [UInt8]
  }

  /// Whether an update of `target` left its journal beside it (a regular file at ``path(target:)``).
  static func isPending(target: String) -> Bool {
    var state = stat()
    return lstat(path(target: target), &state) == 0 && state.st_mode & S_IFMT == S_IFREG
  }

  let path: String
  private let journal: Int32

  /// Saves the bytes of `ranges` and `hashes`' slots of `output` (the file at
  /// `target`, open as `descriptor`) into the journal and syncs it; throws,
  /// leaving no journal, when it cannot.
  init(saving ranges: [Range<Int>], hashes: [HashSlot], of output: RawFileAccess, descriptor: Int32, target: String)
    throws(RunFailure)
  {
    path = Self.path(target: target)
    journal = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard journal >= 0 else { throw Self.failure("cannot create \(path)") }
    do throws(RunFailure) {
      var status = stat()
      guard fstat(descriptor, &status) == 0 else { throw Self.failure("cannot read the state of \(target)") }
      var bytes = Self.magic
      for number in [Int(status.st_ino), Int(status.st_size), hashes.count, ranges.count] {
        bytes += Self.littleEndian(number)
      }
      for slot in hashes {
        bytes += Self.littleEndian(slot.range.lowerBound) + Self.littleEndian(slot.range.count) + slot.old + slot.new
      }
      let saved: RawFileAccess
      do { saved = try RawFileAccess(duplicating: journal, path: path) } catch { throw RunFailure(error.message) }
      var position = 0
      /// Writes `count` bytes at the journal's end by `write(offset)`.
      func append(_ count: Int, _ write: (Int) throws(HDF5Error) -> Void) throws(RunFailure) {
        do { try write(position) } catch {
          throw RunFailure("\(path): \(error.cause ?? error.message)", writingOutput: true)
        }
        position += count
      }
      try append(bytes.count) { (offset) throws(HDF5Error) in try saved.write(bytes, at: offset) }
      for range in ranges {
        let place = Self.littleEndian(range.lowerBound) + Self.littleEndian(range.count)
        try append(place.count) { (offset) throws(HDF5Error) in try saved.write(place, at: offset) }
        try Self.chunks(of: range) { (piece, buffer) throws(RunFailure) in
          do throws(HDF5Error) { try output.read(into: buffer, at: piece.lowerBound) } catch {
            throw RunFailure("\(target): cannot read what the update replaces: \(error.cause ?? error.message)")
          }
          try append(buffer.count) { (offset) throws(HDF5Error) in
            try saved.write(UnsafeRawBufferPointer(buffer), at: offset)
          }
        }
      }
      guard fdatasync(journal) == 0 else { throw Self.failure("cannot sync \(path)") }
      try Self.syncDirectory(of: path)
    } catch {
      close(journal)
      unlink(path)
      throw error
    }
  }

  /// Writes the saved bytes back into `output` and removes the journal; on
  /// failure the journal stays for the next run.
  func restore(into output: RawFileAccess) throws(RunFailure) {
    do throws(RunFailure) {
      if let reason = try Self.apply(journal: journal, path: path, to: output) {
        throw RunFailure("\(path): an undo journal \(reason)")
      }
    } catch {
      throw RunFailure("\(error.message) (\(path) is kept for the next run)", writingOutput: true)
    }
    close(journal)
    unlink(path)
  }

  /// Removes the journal before the output was written: the update is not made.
  func discard() {
    close(journal)
    unlink(path)
  }

  /// Syncs the updated output (`descriptor`) and removes the journal: the update is done.
  func finish(_ descriptor: Int32) throws(RunFailure) {
    guard fdatasync(descriptor) == 0 else { throw Self.failure("cannot sync the updated output") }
    close(journal)
    unlink(path)
  }

  /// Applies the journal a killed run left beside `target`, if any (a
  /// regular file), and removes it: what was done, for the run's notices, or
  /// nil when there was no journal. A journal cut short was being written when the run stopped,
  /// before the output changed: it is removed. Throws, keeping the journal,
  /// when the output cannot be read or written.
  static func recover(target: String) throws(RunFailure) -> String? {
    let path = path(target: target)
    guard isPending(target: target) else { return nil }
    let journal = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard journal >= 0 else { return nil }
    defer { close(journal) }
    func kept(_ reason: String) -> RunFailure {
      RunFailure(
        "cannot put back what an interrupted --incremental update wrote over: \(reason); \(path) is kept for the next run"
      )
    }
    let output = open(target, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
    guard output >= 0 else {
      guard errno == ENOENT || errno == ELOOP else { throw kept(String(cString: strerror(errno))) }
      unlink(path)
      return "\(path): removed an undo journal whose output is gone"
    }
    defer { close(output) }
    do throws(RunFailure) {
      let raw: RawFileAccess
      do { raw = try RawFileAccess(duplicating: output, path: target) } catch { throw RunFailure(error.message) }
      if let refusal = try apply(journal: journal, path: path, to: raw, unlessItIsNot: output) {
        unlink(path)
        return "\(path): removed an undo journal \(refusal)"
      }
      guard fdatasync(output) == 0 else { throw failure("cannot sync \(target)") }
    } catch {
      throw kept(error.message)
    }
    unlink(path)
    return "\(target): put back what an interrupted --incremental update had written over (from \(path))"
  }

  // MARK: - Reading the journal

  /// Writes the ranges saved in `journal` back into `output`. With
  /// `descriptor`, only when the journal is whole and belongs to that file:
  /// otherwise nothing is written and the reason returned.
  private static func apply(
    journal: Int32, path: String, to output: RawFileAccess, unlessItIsNot descriptor: Int32? = nil
  ) throws(RunFailure) -> String? {
    var journalState = stat(), outputState = stat()
    guard fstat(journal, &journalState) == 0 else { throw failure("cannot read \(path)") }
    let reader = JournalReader(descriptor: journal, size: Int(journalState.st_size))
    let cutShort = "cut short before its update began"
    guard let header = reader.bytes(magic.count + 32) else { return cutShort }
    guard Array(header[..<magic.count]) == magic else { return "in a form this convpipe does not read" }
    let (inode, size, hashCount, rangeCount) = (
      number(header, at: 16), number(header, at: 24), number(header, at: 32), number(header, at: 40)
    )
    if let descriptor {
      guard fstat(descriptor, &outputState) == 0 else { throw failure("cannot read the state of \(output.path)") }
      guard inode == Int(outputState.st_ino), size == Int(outputState.st_size) else {
        return "that is not this output's (the output was replaced since)"
      }
    }
    /// The next range's offset and length, when they lie within the output.
    func place() -> (offset: Int, count: Int)? {
      guard let bytes = reader.bytes(16) else { return nil }
      let (offset, count) = (number(bytes, at: 0), number(bytes, at: 8))
      return offset <= size && count <= size - offset ? (offset, count) : nil
    }
    var slots: [(offset: Int, old: [UInt8], new: [UInt8])] = []
    for _ in 0..<hashCount {
      guard let (offset, count) = place(), let old = reader.bytes(count), let new = reader.bytes(count) else {
        return cutShort
      }
      slots.append((offset, old, new))
    }
    var records: [(offset: Int, start: Int, count: Int)] = []
    for _ in 0..<rangeCount {
      guard let (offset, count) = place() else { return cutShort }
      records.append((offset, reader.position, count))
      guard reader.skip(count) else { return cutShort }
    }
    if descriptor != nil {
      for slot in slots {
        let held: [UInt8]
        do { held = try output.bytes(slot.offset..<(slot.offset + slot.old.count)) } catch {
          throw RunFailure("\(output.path): cannot read it: \(error.cause ?? error.message)")
        }
        guard held == slot.old || held == slot.new else { return "that is not this output's (its input hashes differ)" }
      }
    }
    for record in records {
      try chunks(of: record.start..<(record.start + record.count)) { (piece, buffer) throws(RunFailure) in
        guard pread(journal, buffer.baseAddress, piece.count, off_t(piece.lowerBound)) == piece.count else {
          throw failure("cannot read \(path)")
        }
        do throws(HDF5Error) {
          try output.write(UnsafeRawBufferPointer(buffer), at: record.offset + piece.lowerBound - record.start)
        } catch {
          throw RunFailure(
            "\(output.path): cannot put back what the update wrote over: \(error.cause ?? error.message)")
        }
      }
    }
    return nil
  }

  /// Reads a journal front to back; nil past its end (a journal cut short).
  private final class JournalReader {
    let descriptor: Int32
    let size: Int
    var position = 0

    init(descriptor: Int32, size: Int) {
      self.descriptor = descriptor
      self.size = size
    }

    /// The next `count` bytes, or nil when fewer are left.
    func bytes(_ count: Int) -> [UInt8]? {
      guard count >= 0, count <= size - position else { return nil }
      var bytes = [UInt8](repeating: 0, count: count)
      guard pread(descriptor, &bytes, count, off_t(position)) == count else { return nil }
      position += count
      return bytes
    }

    /// Skips `count` bytes; false when fewer are left.
    func skip(_ count: Int) -> Bool {
      guard count >= 0, count <= size - position else { return false }
      position += count
      return true
    }
  }

  // MARK: - Bytes

  private static func failure(_ what: String) -> RunFailure {
    RunFailure("\(what): \(String(cString: strerror(errno)))", writingOutput: true)
  }

  private static func littleEndian(_ value: Int) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: UInt64(value) >> (8 * $0)) }
  }

  /// The little-endian 64-bit number at `start`, clamped to what an `Int` holds.
  private static func number(_ bytes: [UInt8], at start: Int) -> Int {
    Int(clamping: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[start + $1]) << (8 * $1) })
  }

  /// Calls `body` with the pieces of `range` of at most 4 MiB and a buffer of each piece's size.
  private static func chunks(
    of range: Range<Int>, _ body: (Range<Int>, UnsafeMutableRawBufferPointer) throws(RunFailure) -> Void
  ) throws(RunFailure) {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(range.count, 4 << 20), alignment: 16)
    defer { buffer.deallocate() }
    var start = range.lowerBound
    while start < range.upperBound {
      let end = min(start + buffer.count, range.upperBound)
      try body(start..<end, UnsafeMutableRawBufferPointer(rebasing: buffer[..<(end - start)]))
      start = end
    }
  }

  /// Syncs the directory holding `path`, so that the file's name is on the disk too.
  private static func syncDirectory(of path: String) throws(RunFailure) {
    let directory = open(
      URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directory >= 0 else { throw failure("cannot open the folder of \(path)") }
    defer { close(directory) }
    guard fsync(directory) == 0 else { throw failure("cannot sync the folder of \(path)") }
  }
}
