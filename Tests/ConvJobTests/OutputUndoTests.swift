import Foundation
import HDF5IO
import Testing
import TestSupport

@testable import ConvJob

/// The rollback journal of an update in place: what `OutputUndo` saves, the
/// next run's `recover` puts back, and only into the file it was saved from.
@Suite("Undo journal of an update in place")
struct OutputUndoTests {
  /// A 64 KiB file of known bytes, an update of two ranges and a hash slot
  /// (the earlier bytes saved, the new ones written as a killed run would
  /// leave them), and the file's earlier bytes.
  struct Interrupted {
    let target: String
    let earlier: Data
    let undo: OutputUndo
    static let ranges = [100..<4196, 30_000..<30_064]
    static let slot = OutputUndo.HashSlot(
      range: 30_000..<30_064, old: (0..<64).map { UInt8(truncatingIfNeeded: 30_000 + $0) },
      new: Array(repeating: 0x61, count: 64))

    init() throws {
      target = Fixtures.temporaryDirectory("convpipe-undo").appendingPathComponent("out.h5").path
      try FileManager.default.createDirectory(
        atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      earlier = Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0) })
      try earlier.write(to: URL(fileURLWithPath: target))
      let descriptor = open(target, O_RDWR)
      defer { close(descriptor) }
      let raw = try RawFileAccess(duplicating: descriptor, path: target)
      undo = try OutputUndo(saving: Self.ranges, hashes: [Self.slot], of: raw, descriptor: descriptor, target: target)
      try raw.write(Array(repeating: 0xEE, count: 4096), at: 100)
      try raw.write(Self.slot.new, at: Self.slot.range.lowerBound)
    }

    var current: Data? { FileManager.default.contents(atPath: target) }
    var journalExists: Bool { FileManager.default.fileExists(atPath: undo.path) }
  }

  @Test("a run killed mid-update leaves the journal; the next run puts the earlier bytes back and removes it")
  func recoveredAfterAKill() throws {
    let killed = try Interrupted()
    #expect(killed.current != killed.earlier && killed.journalExists)
    let notice = try OutputUndo.recover(target: killed.target)
    #expect(notice?.contains("put back what an interrupted --incremental update had written over") == true)
    #expect(killed.current == killed.earlier)
    #expect(!killed.journalExists)
    #expect(try OutputUndo.recover(target: killed.target) == nil, "nothing left to do")
  }

  @Test("an update that fails puts the earlier bytes back itself")
  func restoredAfterAFailure() throws {
    let failed = try Interrupted()
    let descriptor = open(failed.target, O_RDWR)
    defer { close(descriptor) }
    try failed.undo.restore(into: try RawFileAccess(duplicating: descriptor, path: failed.target))
    #expect(failed.current == failed.earlier && !failed.journalExists)
  }

  @Test("a journal cut short was being written before the update began: removed, the output untouched")
  func cutShortJournalRemoved() throws {
    for keep in [0, 10, 40, 56, 60, 200, 4300] {
      let killed = try Interrupted()
      let changed = killed.current
      #expect(truncate(killed.undo.path, off_t(keep)) == 0)
      let notice = try OutputUndo.recover(target: killed.target)
      #expect(notice?.hasSuffix("removed an undo journal cut short before its update began") == true, "\(keep) bytes")
      #expect(killed.current == changed && !killed.journalExists)
    }
  }

  @Test("a file copied over the output (same inode and size) or put in its place is left alone")
  func otherFileLeftAlone() throws {
    let copied = try Interrupted()
    let other = Data(repeating: 0x42, count: 65_536)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copied.target))
    try handle.write(contentsOf: other)
    try handle.close()
    let notice = try OutputUndo.recover(target: copied.target)
    #expect(notice?.hasSuffix("that is not this output's (its input hashes differ)") == true)
    #expect(copied.current == other && !copied.journalExists)

    let replaced = try Interrupted()
    let temporary = replaced.target + ".new"
    try other.write(to: URL(fileURLWithPath: temporary))
    #expect(rename(temporary, replaced.target) == 0)
    #expect(try OutputUndo.recover(target: replaced.target)?.contains("the output was replaced since") == true)
    #expect(replaced.current == other && !replaced.journalExists)

    let gone = try Interrupted()
    try FileManager.default.removeItem(atPath: gone.target)
    #expect(
      try OutputUndo.recover(target: gone.target)?.hasSuffix("removed an undo journal whose output is gone") == true)
    #expect(!gone.journalExists)
  }

  @Test("an output that cannot be written keeps its journal and fails the run")
  func unwritableOutputKeepsTheJournal() throws {
    let killed = try Interrupted()
    // A directory in the output's place: opening it for writing fails with EISDIR, not ENOENT.
    let aside = killed.target + ".aside"
    #expect(rename(killed.target, aside) == 0)
    try FileManager.default.createDirectory(atPath: killed.target, withIntermediateDirectories: false)
    #expect(throws: RunFailure.self) { try OutputUndo.recover(target: killed.target) }
    #expect(killed.journalExists)
    try FileManager.default.removeItem(atPath: killed.target)
    #expect(rename(aside, killed.target) == 0)
    #expect(try OutputUndo.recover(target: killed.target)?.contains("put back") == true)
    #expect(killed.current == killed.earlier)
  }
}
