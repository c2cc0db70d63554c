import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The bytes an in-place update of an output is about to write over, saved
/// beside it (`.<name>.undo`) before the first byte of the output changes, as
/// SQLite's rollback journal does: an update that fails or is stopped writes
/// them back before the run exits, and one killed outright (SIGKILL, a second
/// signal) leaves the journal, which the next `convpipe run` on that output
/// applies first (``recover(target:)``). So the output holds, after any run,
/// either its earlier bytes or a finished run's.
///
/// The file: the 16 bytes `convpipe-undo 1\n`, the output's device and inode
/// numbers (little-endian 64-bit), then per range its offset and length
/// (little-endian 64-bit) and its old bytes. Ranges are saved whole before
/// the update starts, so a journal cut short by a kill held nothing yet written over.
struct OutputUndo {
  static let magic = Array("convpipe-undo 1\n".utf8)

  /// The journal's path beside `target`: `<dir>/.<name>.undo`.
  static func path(target: String) -> String {
    let url = URL(fileURLWithPath: target)
    return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).undo").path
  }

  let path: String
  private let ranges: [Range<Int>]
  private let saved: Int32

  /// Saves the bytes of `ranges` of the open output `descriptor` (the file at
  /// `target`) into the journal; throws, leaving no journal, when it cannot.
  init(saving ranges: [Range<Int>], of descriptor: Int32, target: String) throws(RunFailure) {
    path = Self.path(target: target)
    self.ranges = ranges
    saved = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard saved >= 0 else { throw Self.failure("cannot create \(path)") }
    var status = stat()
    fstat(descriptor, &status)
    var header = Self.magic
    header += Self.littleEndian(UInt64(status.st_dev)) + Self.littleEndian(UInt64(status.st_ino))
    do throws(RunFailure) {
      try Self.write(header, to: saved, what: path)
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunk, alignment: 16)
      defer { buffer.deallocate() }
      for range in ranges {
        try Self.write(
          Self.littleEndian(UInt64(range.lowerBound)) + Self.littleEndian(UInt64(range.count)), to: saved, what: path)
        try Self.copy(range, from: descriptor, what: target, to: saved, what: path, buffer: buffer)
      }
    } catch {
      remove()
      throw error
    }
  }

  /// Writes the saved bytes back into `descriptor`, the output, and removes the journal.
  func restore(into descriptor: Int32, target: String) throws(RunFailure) {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunk, alignment: 16)
    defer { buffer.deallocate() }
    var position = Self.magic.count + 16
    for range in ranges {
      position += 16
      try Self.copy(
        position..<(position + range.count), from: saved, what: path, to: descriptor, what: target,
        at: range.lowerBound, buffer: buffer)
      position += range.count
    }
    remove()
  }

  /// Deletes the journal: the update is finished or undone.
  func remove() {
    close(saved)
    unlink(path)
  }

  /// Applies the journal a killed run left beside `target`, if any, and
  /// removes it; what was done, for the run's notices, or nil when there was no journal.
  static func recover(target: String) -> String? {
    let path = path(target: target)
    let journal = open(path, O_RDONLY | O_CLOEXEC)
    guard journal >= 0 else { return nil }
    defer {
      close(journal)
      unlink(path)
    }
    var header = [UInt8](repeating: 0, count: magic.count + 16)
    let output = open(target, O_WRONLY | O_CLOEXEC)
    defer { if output >= 0 { close(output) } }
    var status = stat()
    guard read(journal, &header, header.count) == header.count, Array(header[..<magic.count]) == magic,
      output >= 0, fstat(output, &status) == 0,
      number(header, at: magic.count) == UInt64(status.st_dev),
      number(header, at: magic.count + 8) == UInt64(status.st_ino)
    else {
      return "\(path): removed an undo journal that is not this output's (the output was replaced since)"
    }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    var position = header.count, restored = 0
    var record = [UInt8](repeating: 0, count: 16)
    while pread(journal, &record, 16, off_t(position)) == 16 {
      let offset = Int(number(record, at: 0)), count = Int(number(record, at: 8))
      position += 16
      // A record cut short was being saved when the run was killed: nothing after it was written over.
      guard
        (try? copy(
          position..<(position + count), from: journal, what: path, to: output, what: target,
          at: offset, buffer: buffer)) != nil
      else { break }
      position += count
      restored += count
    }
    return
      "\(target): put back \(MemorySize.format(restored)) an interrupted --incremental update had written over (from \(path))"
  }

  // MARK: - Bytes

  private static let chunk = 4 << 20

  private static func failure(_ what: String) -> RunFailure {
    RunFailure("\(what): \(String(cString: strerror(errno)))", writingOutput: true)
  }

  private static func littleEndian(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }

  private static func number(_ bytes: [UInt8], at start: Int) -> UInt64 {
    (0..<8).reduce(0) { $0 | UInt64(bytes[start + $1]) << (8 * $1) }
  }

  private static func write(_ bytes: [UInt8], to descriptor: Int32, what: String) throws(RunFailure) {
    guard bytes.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
      throw failure("cannot write \(what)")
    }
  }

  /// Copies the bytes of `range` of `source` to `destination`, at `offset`
  /// there, or appended where no offset is given.
  private static func copy(
    _ range: Range<Int>, from source: Int32, what sourceName: String, to destination: Int32,
    what destinationName: String, at offset: Int? = nil, buffer: UnsafeMutableRawBufferPointer
  ) throws(RunFailure) {
    var done = 0
    while done < range.count {
      let count = min(buffer.count, range.count - done)
      guard pread(source, buffer.baseAddress, count, off_t(range.lowerBound + done)) == count else {
        throw failure("cannot read \(sourceName)")
      }
      let written =
        if let offset { pwrite(destination, buffer.baseAddress, count, off_t(offset + done)) } else {
          Glibc.write(destination, buffer.baseAddress, count)
        }
      guard written == count else { throw failure("cannot write \(destinationName)") }
      done += count
    }
  }
}
