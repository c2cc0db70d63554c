import Foundation
import HDF5IO
import Testing
import TestSupport

/// `--incremental` at the cost of what changed: inputs whose size, time and
/// inode are unchanged are not read again, and an output nothing changed for
/// is kept as it is.
@Suite("Incremental runs cost what changed", .serialized)
struct IncrementalCostTests {
  static func inode(_ path: String) -> UInt64? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64) ?? nil
  }

  @Test("with nothing changed the output file is kept, not rewritten, and the log counts every item reused")
  func nothingChangedKeepsTheFile() throws {
    let dataset = try Dataset(count: 30)
    let target = dataset.output("result.h5")
    sleep(2)  // images older than the stat cache's racy window, so their hashes are kept
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    let before = Self.inode(target), bytes = Dataset.bytes(target)
    let again = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("again.jsonl")])
    #expect(again.exitCode == 0)
    #expect(again.standardOutput.contains("30 items (30 reused)"))
    #expect(Self.inode(target) == before, "the same file, not a rewritten one")
    #expect(Dataset.bytes(target) == bytes)
    let log = try Dataset.log(dataset.output("again.jsonl"))
    #expect(log.filter { $0["status"]?.stringValue == "reused" && $0["checks_passed"]?.intValue == 1 }.count == 30)
  }

  @Test("an input in the state the stat cache recorded is not read again; touching it makes it read")
  func statCacheSkipsUnchangedFiles() throws {
    let dataset = try Dataset(count: 8)
    let target = dataset.output("result.h5")
    sleep(2)
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    // The end of the pixel data overwritten in place with garbage (the chunks before it kept,
    // so that planning still reads the header), the modification time put back to the
    // nanosecond: size, time and inode are what the cache compares, as git's index does.
    let path = dataset.image(4)
    var before = stat()
    #expect(stat(path, &before) == 0)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.seek(toOffset: UInt64(before.st_size) - 32)
    try handle.write(contentsOf: Data(repeating: 0x55, count: 16))
    try handle.close()
    var times = [before.st_atim, before.st_mtim]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    let cached = try dataset.run([
      "--output", target, "--incremental", "--log", dataset.output("cached.jsonl"), "--quiet",
    ])
    #expect(cached.exitCode == 0, "the garbage was never read: \(cached.standardError)")
    #expect(
      try Dataset.log(dataset.output("cached.jsonl")).dropLast().allSatisfy { $0["status"]?.stringValue == "reused" })
    var later = [before.st_atim, timespec(tv_sec: before.st_mtim.tv_sec + 60, tv_nsec: before.st_mtim.tv_nsec)]
    #expect(utimensat(AT_FDCWD, path, &later, 0) == 0)
    let touched = try dataset.run(["--output", target, "--incremental", "--quiet"])
    #expect(touched.exitCode == 3, "read once touched, and found not to be a PNG")
    #expect(touched.standardError.contains("0004.png"))
  }

  @Test(
    "a changed image whose item keeps its form is written into a copy of the previous file, a full run's bytes",
    arguments: [16, 20])
  func changedItemInACopy(size: Int) throws {
    let dataset = try Dataset(count: 40, checks: false)
    let target = dataset.output("result.h5")
    sleep(2)  // images older than the stat cache's racy window
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    try dataset.writeImage(13, size: size, variant: 5)
    let changed = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("changed.jsonl")])
    #expect(changed.exitCode == 0, "\(changed.standardError)")
    let inPlace = changed.standardError.contains("1 changed item written into a copy of the previous output")
    #expect(inPlace == (size == 16), "the same size keeps the item's form; another size does not")
    let log = try Dataset.log(dataset.output("changed.jsonl"))
    #expect(log.filter { $0["status"]?.stringValue == "computed" }.compactMap { $0["item"]?.stringValue } == ["0013"])
    #expect(log.filter { $0["status"]?.stringValue == "reused" }.count == 39)
    #expect(dataset.siblings(".result.h5.tmp-").isEmpty)
    let fresh = dataset.output("fresh.h5")
    #expect(try dataset.run(["--output", fresh, "--quiet"]).exitCode == 0)
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh), "the incremental result equals a full run's")
  }
}
