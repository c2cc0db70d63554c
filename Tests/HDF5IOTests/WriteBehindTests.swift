import Foundation
import HDF5IO
import Testing

/// `RawFileAccess` writing behind: the direct part of each write is done by a
/// thread of its own, and ``RawFileAccess/drain()`` is the point after which
/// the file holds every byte, or the first failure is reported.
@Suite("Raw writes behind the caller")
struct WriteBehindTests {
  /// Bytes that differ at every offset, so a piece written at the wrong place shows.
  static func pattern(_ count: Int, seed: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9 &+ seed) }
  }

  @Test("writes of every size and alignment land where asked, in order, once drained")
  func bytesLand() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("behind.bin")
    #expect(FileManager.default.createFile(atPath: path, contents: nil))
    let size = 24 << 20
    var expected = [UInt8](repeating: 0, count: size)
    let raw = try RawFileAccess(path: path, writable: true, writeBehind: true)
    // Direct and buffered sizes, unaligned ends, several 4 MiB chunks, and a
    // later write over an earlier one (the later must win).
    let writes = [
      (offset: 0, count: 700_000), (offset: 1 << 20, count: 9 << 20), (offset: 13 << 20 + 123, count: 3_000_001),
      (offset: 17 << 20, count: 4096), (offset: 1 << 20 + 4096, count: 2 << 20), (offset: 20 << 20 - 7, count: 600_000),
    ]
    for (number, write) in writes.enumerated() {
      let bytes = Self.pattern(write.count, seed: number)
      try raw.write(bytes, at: write.offset)
      expected.replaceSubrange(write.offset..<(write.offset + write.count), with: bytes)
    }
    try raw.drain()
    let written = try #require(FileManager.default.contents(atPath: path))
    #expect(written.count == 20 << 20 - 7 + 600_000)
    #expect(Array(written) == Array(expected[0..<written.count]))
  }

  @Test("a write that fails is reported by the next drain, and by every write after it")
  func failureReported() throws {
    let scratch = try ScratchDirectory()
    let path = scratch.path("behind.bin")
    #expect(FileManager.default.createFile(atPath: path, contents: nil))
    let raw = try RawFileAccess(path: path, writable: true, writeBehind: true)
    // Past the largest file ext4 (and every other file system here) allows: EFBIG or EINVAL.
    // Where the file system refuses O_DIRECT (tmpfs) nothing is written behind, and the write itself fails.
    let tooFar = 1 << 62
    guard (try? raw.write(Self.pattern(1 << 20, seed: 1), at: tooFar)) != nil else { return }
    #expect(throws: HDF5Error.self) { try raw.drain() }
    #expect(throws: HDF5Error.self) { try raw.write(Self.pattern(1 << 20, seed: 2), at: 0) }
  }
}
