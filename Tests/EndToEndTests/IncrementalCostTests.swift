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

  @Test(
    "an input in the state the stat cache recorded is not read again; one rewritten with its time put back is read")
  func statCacheSkipsUnchangedFiles() throws {
    let dataset = try Dataset(count: 8)
    let target = dataset.output("result.h5")
    sleep(2)
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    // The cache's hash of image 4 replaced: a run that trusts the cache sees a
    // hash other than the output's and computes the item; one that read the file would reuse it.
    let cache = dataset.output(".result.h5.inputs")
    let lines = try String(contentsOfFile: cache, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines.count == 8 && lines.allSatisfy { $0.hasSuffix(".png") && $0.split(separator: "\t").count == 6 })
    let edited = lines.map { $0.hasSuffix("0004.png") ? String(repeating: "0", count: 64) + $0.dropFirst(64) : $0 }
    try (edited.joined(separator: "\n") + "\n").write(toFile: cache, atomically: false, encoding: .utf8)
    #expect(
      try dataset.run(["--output", target, "--incremental", "--log", dataset.output("cached.jsonl")]).exitCode == 0)
    let computed = try Dataset.log(dataset.output("cached.jsonl")).filter { $0["status"]?.stringValue == "computed" }
    #expect(computed.compactMap { $0["item"]?.stringValue } == ["0004"], "the cache was trusted, the file not read")
    // The end of the pixel data overwritten in place with garbage, the
    // modification time put back to the nanosecond: the status-change time,
    // which only the kernel sets, still tells (as in git's index).
    sleep(2)
    let path = dataset.image(4)
    var before = stat()
    #expect(stat(path, &before) == 0)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.seek(toOffset: UInt64(before.st_size) - 32)
    try handle.write(contentsOf: Data(repeating: 0x55, count: 16))
    try handle.close()
    var times = [before.st_atim, before.st_mtim]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    let rewritten = try dataset.run(["--output", target, "--incremental", "--quiet"])
    #expect(rewritten.exitCode == 3, "read again, and found not to be a PNG")
    #expect(rewritten.standardError.contains("0004.png"))
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
    #expect(!changed.standardError.contains("written into a copy"), "said in the log only")
    let notices = try Dataset.log(dataset.output("changed.jsonl")).compactMap { $0["notice"]?.stringValue }
    let inPlace = notices.contains("1 changed item written into a copy of the previous output")
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
