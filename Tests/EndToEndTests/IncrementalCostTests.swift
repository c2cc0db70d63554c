import Foundation
import HDF5IO
import Testing
import TestSupport

@testable import ConvJob

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
    #expect(again.standardOutput.hasPrefix("kept \(target) (nothing changed): 30 items (30 reused)"))
    #expect(Self.inode(target) == before, "the same file, not a rewritten one")
    #expect(Dataset.bytes(target) == bytes)
    let log = try Dataset.log(dataset.output("again.jsonl"))
    #expect(log.filter { $0["status"]?.stringValue == "reused" && $0["checks_passed"]?.intValue == 1 }.count == 30)
    #expect(log.last?["summary"]?["output_kept"]?.boolValue == true)
    let full = try dataset.run(["--output", target, "--log", dataset.output("full.jsonl")])
    #expect(full.standardOutput.hasPrefix("wrote \(target): 30 items"))
    #expect(try Dataset.log(dataset.output("full.jsonl")).last?["summary"]?["output_kept"]?.boolValue == false)
  }

  @Test(
    "with --golden as nightly.sh runs it, nothing changed keeps the file and counts its golden reports and missing items; a golden file replaced, or other tolerances, write it again"
  )
  func goldenNothingChangedKeepsTheFile() throws {
    let dataset = try Dataset(count: 21)
    let target = dataset.output("result.h5"), golden = dataset.output("last-good.h5")
    #expect(try dataset.run(["--output", golden, "--quiet"]).exitCode == 0)
    try FileManager.default.removeItem(atPath: dataset.image(20))  // the golden file has an item this run lacks
    sleep(2)  // the images and the golden file older than the racy window
    let full = try dataset.run(["--output", target, "--golden", golden])
    #expect(full.exitCode == 1, "the missing item is a failed check")
    #expect(full.standardOutput.hasPrefix("wrote \(target): 20 items"), "\(full.standardOutput)")
    let before = Self.inode(target), bytes = Dataset.bytes(target)
    let log = dataset.output("again.jsonl")
    let again = try dataset.run(["--output", target, "--golden", golden, "--incremental", "--log", log])
    #expect(again.exitCode == 1)
    #expect(again.standardOutput.hasPrefix("kept \(target) (nothing changed): 20 items (20 reused)"))
    #expect(full.standardOutput.contains(": 20 items, 61 checks") && again.standardOutput.contains(", 61 checks"))
    #expect(
      again.standardOutput.split(separator: "\n").dropFirst() == full.standardOutput.split(separator: "\n").dropFirst(),
      "the same failures")
    #expect(Self.inode(target) == before && Dataset.bytes(target) == bytes)
    #expect(
      try Dataset.log(log).contains { $0["item"]?.stringValue == "0020" && $0["status"]?.stringValue == "missing" })

    // An image saved again with the same pixels: its input hash changes, its results and golden reports
    // do not, so it is written over its old bytes in the kept file; a full run's bytes.
    try dataset.writeImage(4, comment: "saved again")
    let resaved = try dataset.run([
      "--output", target, "--golden", golden, "--incremental", "--log", dataset.output("s.jsonl"),
    ])
    #expect(resaved.standardOutput.hasPrefix("wrote \(target): 20 items (19 reused)"), "\(resaved.standardOutput)")
    let patched = try Self.hasReflinks(dataset.output("")) ? Self.inACopy : Self.inPlace
    #expect(try Self.notices(dataset.output("s.jsonl")) == [patched])
    let resavedFull = dataset.output("resaved-full.h5")
    _ = try dataset.run(["--output", resavedFull, "--golden", golden, "--quiet"])
    #expect(Dataset.bytes(target) == Dataset.bytes(resavedFull))
    let keptBefore = Self.inode(target)

    // Other tolerances: the golden reports are made again.
    let tolerant = try dataset.run([
      "--output", target, "--golden", golden, "--incremental", "--rtol", "1e-6", "--log", dataset.output("t.jsonl"),
    ])
    #expect(try Self.notices(dataset.output("t.jsonl")).contains { $0.contains("made with other tolerances") })
    #expect(tolerant.standardOutput.hasPrefix("wrote \(target): 20 items (20 reused)"), "\(tolerant.standardOutput)")
    #expect(Self.inode(target) != keptBefore)
    let reports = try ItemStorage.reports("0003", in: HDF5File.open(target)).filter(\.isGolden)
    #expect(!reports.isEmpty && reports.allSatisfy { $0.outcome.rtol == 1e-6 })

    // An image changed: its item compared again, the others' golden reports kept; a full run's bytes.
    try dataset.writeImage(5, variant: 3)
    let changed = try dataset.run(["--output", target, "--golden", golden, "--incremental", "--rtol", "1e-6"])
    #expect(
      changed.standardOutput.contains("20 items (19 reused)") && changed.standardOutput.contains("FAIL item 0005"))
    let fresh = dataset.output("fresh.h5")
    _ = try dataset.run(["--output", fresh, "--golden", golden, "--rtol", "1e-6", "--quiet"])
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh))

    // The golden file replaced (an accepted change): compared with again, written again.
    #expect(try dataset.run(["--output", target, "--golden", golden, "--incremental", "--quiet"]).exitCode == 1)
    let written = Self.inode(target)
    #expect(try dataset.run(["--output", golden, "--quiet"]).exitCode == 0)
    let replaced = try dataset.run([
      "--output", target, "--golden", golden, "--incremental", "--log", dataset.output("r.jsonl"),
    ])
    #expect(
      try Self.notices(dataset.output("r.jsonl")).contains {
        $0.contains("the golden file \(golden) is not in the state the previous output was compared with")
      })
    #expect(replaced.exitCode == 0, "the new golden file lacks no item of this run's")
    #expect(replaced.standardOutput.hasPrefix("wrote \(target): 20 items (20 reused)"), "\(replaced.standardOutput)")
    #expect(Self.inode(target) != written)
  }

  @Test("a shard's part run with --golden and nothing changed keeps its part file, a missing golden item counted alike")
  func shardGoldenKept() throws {
    let dataset = try Dataset(count: 8)
    let golden = dataset.output("last-good.h5")
    #expect(try dataset.run(["--output", golden, "--quiet"]).exitCode == 0)
    try FileManager.default.removeItem(atPath: dataset.image(7))  // a golden item this run lacks, in one of the shards
    sleep(2)
    for shard in ["0/2", "1/2"] {
      let part = dataset.output("parts/part-\(shard.replacingOccurrences(of: "/", with: "-of-")).h5")
      let arguments = ["--shard", shard, "--output", part, "--golden", golden, "--incremental"]
      let first = try dataset.run(arguments)
      let bytes = Dataset.bytes(part)
      let second = try dataset.run(arguments)
      #expect(second.standardOutput.hasPrefix("kept \(part) (nothing changed)"), "\(second.standardOutput)")
      #expect(second.exitCode == first.exitCode, "the same checks and failures")
      #expect(
        second.standardOutput.split(separator: "\n").dropFirst()
          == first.standardOutput.split(separator: "\n").dropFirst())
      #expect(Dataset.bytes(part) == bytes)
    }
  }

  @Test(
    "with --golden, a golden file changed in ways its modification time hides (copied over with cp -p, a symbolic link repointed to an older file) writes the output again"
  )
  func goldenChangesTimesHide() throws {
    let dataset = try Dataset(count: 6)
    let target = dataset.output("result.h5"), golden = dataset.output("last-good.h5")
    let first = dataset.output("first.h5"), second = dataset.output("second.h5")
    #expect(try dataset.run(["--output", first, "--quiet"]).exitCode == 0)
    try dataset.writeImage(2, variant: 7)
    #expect(try dataset.run(["--output", second, "--quiet"]).exitCode == 0)
    #expect(symlink(first, golden) == 0)
    sleep(2)  // the images and both references older than the racy window
    func night(_ arguments: [String] = []) throws -> ConvPipeProcess.Result {
      try dataset.run(["--output", target, "--golden", golden, "--incremental"] + arguments)
    }
    #expect(try night().exitCode == 1, "image 2 differs from first.h5")
    #expect(try night().standardOutput.hasPrefix("kept"), "nothing changed")
    // The link repointed to the other reference, older than the output: compared again, and it passes.
    #expect(unlink(golden) == 0 && symlink(second, golden) == 0)
    let repointed = try night()
    #expect(repointed.exitCode == 0 && repointed.standardOutput.hasPrefix("wrote"), "\(repointed.standardOutput)")
    #expect(try night().standardOutput.hasPrefix("kept"))
    // first.h5's bytes copied over second.h5 keeping its modification time (cp -p): its status-change time tells.
    let copy = Process()
    copy.executableURL = URL(fileURLWithPath: "/bin/cp")
    copy.arguments = ["-p", first, second]
    try copy.run()
    copy.waitUntilExit()
    sleep(2)
    let copied = try night()
    #expect(copied.exitCode == 1 && copied.standardOutput.hasPrefix("wrote"), "\(copied.standardOutput)")
  }

  @Test(
    "in a job with checks, an input touched but not changed keeps the file; one changed whose check comes out the same is written in place"
  )
  func touchedWithChecksKeepsTheFile() throws {
    let dataset = try Dataset(count: 30)
    let target = dataset.output("result.h5")
    sleep(2)
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    let before = Self.inode(target), bytes = Dataset.bytes(target)
    #expect(utimensat(AT_FDCWD, dataset.image(7), nil, 0) == 0)  // touched: now
    let touched = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("touched.jsonl")])
    #expect(touched.exitCode == 0)
    #expect(touched.standardOutput.contains("30 items (30 reused)"))
    #expect(Self.inode(target) == before, "the same file, not a rewritten one")
    #expect(Dataset.bytes(target) == bytes)
    try dataset.writeImage(7, size: 16, variant: 9)
    let changed = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("changed.jsonl")])
    #expect(changed.exitCode == 0)
    let expected = try Self.hasReflinks(dataset.output("")) ? Self.inACopy : Self.inPlace
    #expect(try Self.notices(dataset.output("changed.jsonl")) == [expected])
    #expect(changed.standardOutput.hasPrefix("wrote \(target): 30 items (29 reused), 30 checks"))
    let log = try Dataset.log(dataset.output("changed.jsonl"))
    #expect(log.filter { $0["checks_passed"]?.intValue == 1 }.count == 30, "every item's check counted")
    let fresh = dataset.output("fresh.h5")
    #expect(try dataset.run(["--output", fresh, "--quiet"]).exitCode == 0)
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh))
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

  static let inPlace = "1 changed item written into the previous output in place"
  static let inACopy = "1 changed item written into a copy of the previous output"

  /// A dataset of 40 images run once without checks, image 13 then rewritten
  /// at `size` (16 keeps its item's stored form), with the full run's output
  /// of the changed dataset in `fresh.h5`.
  static func changedDataset(size: Int = 16) throws -> (dataset: Dataset, target: String, fresh: String) {
    let dataset = try Dataset(count: 40, checks: false)
    let target = dataset.output("result.h5")
    sleep(2)  // images older than the stat cache's racy window
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    try dataset.writeImage(13, size: size, variant: 5)
    let fresh = dataset.output("fresh.h5")
    #expect(try dataset.run(["--output", fresh, "--quiet"]).exitCode == 0)
    return (dataset, target, fresh)
  }

  /// Whether the file system of `directory` shares blocks between files (`cp --reflink=always` succeeds).
  static func hasReflinks(_ directory: String) throws -> Bool {
    let probe = (directory as NSString).appendingPathComponent("reflink-probe")
    try Data("probe".utf8).write(to: URL(fileURLWithPath: probe))
    defer { unlink(probe + ".copy") }
    let copy = Process()
    copy.executableURL = URL(fileURLWithPath: "/bin/cp")
    copy.arguments = ["--reflink=always", probe, probe + ".copy"]
    copy.standardError = FileHandle.nullDevice
    try copy.run()
    copy.waitUntilExit()
    unlink(probe)
    return copy.terminationStatus == 0
  }

  /// The notices of the run logged at `log`.
  static func notices(_ log: String) throws -> [String] {
    try Dataset.log(log).compactMap { $0["notice"]?.stringValue }
  }

  @Test(
    "a changed image whose item keeps its form is written over its old bytes, a full run's bytes", arguments: [16, 20])
  func changedItemWrittenOver(size: Int) throws {
    let (dataset, target, fresh) = try Self.changedDataset(size: size)
    let inode = Self.inode(target)
    let changed = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("changed.jsonl")])
    #expect(changed.exitCode == 0, "\(changed.standardError)")
    #expect(!changed.standardError.contains("written into"), "said in the log only")
    let notices = try Self.notices(dataset.output("changed.jsonl"))
    // In place where the file system has no reflinks (ext4), else in a copy sharing the unchanged blocks.
    let expected = size != 16 ? [] : try Self.hasReflinks(dataset.output("")) ? [Self.inACopy] : [Self.inPlace]
    #expect(notices.filter { $0 == Self.inPlace || $0 == Self.inACopy } == expected)
    #expect(
      notices.contains { $0.hasPrefix("item 0013: its results no longer have the form stored") } == (size != 16),
      "another size says why the whole output is written")
    #expect((Self.inode(target) == inode) == (expected == [Self.inPlace]), "in place means the same file")
    let log = try Dataset.log(dataset.output("changed.jsonl"))
    #expect(log.filter { $0["status"]?.stringValue == "computed" }.compactMap { $0["item"]?.stringValue } == ["0013"])
    #expect(log.filter { $0["status"]?.stringValue == "reused" }.count == 39)
    #expect(dataset.siblings(".result.h5.tmp-").isEmpty && dataset.siblings(".result.h5.undo").isEmpty)
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh), "the incremental result equals a full run's")
  }

  @Test(
    "an output another process has open (HDF5's file lock, as h5py takes) or another name links to is not written in place"
  )
  func openOrLinkedOutputInACopy() throws {
    let (dataset, target, fresh) = try Self.changedDataset()
    let reader = open(target, O_RDONLY)
    #expect(reader >= 0 && flock(reader, LOCK_SH) == 0)
    let whileRead = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("read.jsonl")])
    close(reader)
    // A writer holding the file's lock: readers are told so in words.
    let writer = open(target, O_RDONLY)
    #expect(writer >= 0 && flock(writer, LOCK_EX) == 0)
    let inspect = try ConvPipeProcess.run(["inspect", target])
    close(writer)
    #expect(inspect.exitCode == 3)
    #expect(inspect.standardError.contains("another process is writing it"), "\(inspect.standardError)")
    #expect(whileRead.exitCode == 0)
    #expect(try Self.notices(dataset.output("read.jsonl")).contains(Self.inACopy))
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh))
    // Last night's output kept as a hard link: writing in place would change it too.
    let kept = dataset.output("last-night.h5")
    try FileManager.default.removeItem(atPath: target)
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)  // the stat cache now knows image 13
    try dataset.writeImage(13, size: 16, variant: 6)
    let keptBytes = Dataset.bytes(target)
    #expect(link(target, kept) == 0)
    let linked = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("linked.jsonl")])
    #expect(linked.exitCode == 0)
    #expect(try Self.notices(dataset.output("linked.jsonl")).contains(Self.inACopy))
    #expect(keptBytes != nil && Dataset.bytes(kept) == keptBytes, "the other name keeps last night's bytes")
    #expect(Dataset.bytes(target) != keptBytes)
    // A file made read-only is replaced, not written (root could write it).
    #expect(chmod(target, 0o444) == 0)
    try dataset.writeImage(13, size: 16, variant: 8)
    let readOnly = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("read-only.jsonl")])
    #expect(readOnly.exitCode == 0)
    #expect(try Self.notices(dataset.output("read-only.jsonl")).contains(Self.inACopy))
    // The output a symbolic link to last night's file: the link is replaced, the file kept.
    let archived = dataset.output("archived.h5")
    try FileManager.default.removeItem(atPath: kept)
    #expect(rename(target, archived) == 0)
    try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: archived)
    let archivedBytes = Dataset.bytes(archived)
    try dataset.writeImage(13, size: 16, variant: 7)
    let symlinked = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("symlink.jsonl")])
    #expect(symlinked.exitCode == 0)
    #expect(try Self.notices(dataset.output("symlink.jsonl")).contains(Self.inACopy))
    #expect(Dataset.bytes(archived) == archivedBytes, "the archived file keeps its bytes")
    #expect(Dataset.bytes(target) != archivedBytes)
  }

  @Test(
    "files touched but not changed count for nothing; more than an eighth changed writes the whole output, saying why")
  func touchedAndTooMany() throws {
    let (dataset, target, fresh) = try Self.changedDataset()
    for index in 0..<40 where index != 13 {
      #expect(utimensat(AT_FDCWD, dataset.image(index), nil, 0) == 0)  // touched: now
    }
    let touched = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("touched.jsonl")])
    #expect(touched.exitCode == 0)
    let expected = try Self.hasReflinks(dataset.output("")) ? Self.inACopy : Self.inPlace
    #expect(try Self.notices(dataset.output("touched.jsonl")).contains(expected), "one item written, not 40")
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh))
    for index in 0..<6 { try dataset.writeImage(index, size: 16, variant: 9) }
    let many = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("many.jsonl")])
    #expect(many.exitCode == 0)
    #expect(
      try Self.notices(dataset.output("many.jsonl")).contains(
        "more than 5 items (an eighth of 40) changed" + Self.wholeOutput))
    let again = dataset.output("again.h5")
    #expect(try dataset.run(["--output", again, "--quiet"]).exitCode == 0)
    #expect(Dataset.bytes(target) == Dataset.bytes(again))
  }

  @Test(
    "with --keep-going a night whose failed items fail again the same way keeps the output; otherwise the log says why the whole output is written"
  )
  func failedItemsAndWhyTheWholeOutput() throws {
    let dataset = try Dataset(count: 8)
    let target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    func notices(_ arguments: [String], exitCode: Int32, _ name: String) throws -> [String] {
      let run = try dataset.run(
        ["--output", target, "--incremental", "--quiet", "--log", dataset.output(name)] + arguments)
      #expect(run.exitCode == exitCode, "\(run.standardError)")
      return try Self.notices(dataset.output(name)).map { $0.replacingOccurrences(of: Self.wholeOutput, with: "") }
    }
    /// Whether `target` holds what a full run with `arguments` writes, byte for byte.
    func asFullRun(_ arguments: [String]) throws -> Bool {
      let fresh = dataset.output("fresh.h5")
      _ = try dataset.run(["--output", fresh, "--quiet"] + arguments)
      return Dataset.bytes(target) == Dataset.bytes(fresh)
    }
    try FileManager.default.removeItem(atPath: dataset.image(7))
    #expect(
      try notices([], exitCode: 0, "a.jsonl") == ["the items differ from the previous output's (0 added, 1 removed)"])
    // 0002 fails when planned (no PNG header), 0005 when decoded (cut short).
    try dataset.corruptImage(2)
    let whole = try Data(contentsOf: URL(fileURLWithPath: dataset.image(5)))
    try whole.prefix(80).write(to: URL(fileURLWithPath: dataset.image(5)))
    #expect(try notices(["--keep-going"], exitCode: 4, "b.jsonl") == ["item 0002 cannot be read or planned this run"])
    #expect(try asFullRun(["--keep-going"]))
    sleep(2)  // the images older than the stat cache's racy window

    // The same failures again: kept, the failed items tried again and recorded as before.
    _ = try notices(["--keep-going"], exitCode: 4, "c.jsonl")
    let inode = Self.inode(target)
    #expect(try notices(["--keep-going"], exitCode: 4, "d.jsonl").isEmpty)
    #expect(Self.inode(target) == inode, "kept, not rewritten")
    let log = try Dataset.log(dataset.output("d.jsonl"))
    #expect(log.last?["summary"]?["output_kept"]?.boolValue == true)
    #expect(log.last?["summary"]?["items_failed"]?.intValue == 2)
    #expect(
      log.filter { $0["status"]?.stringValue == "failed" }.compactMap { $0["item"]?.stringValue } == ["0002", "0005"])
    #expect(try asFullRun(["--keep-going"]))
    // Another image changed beside them: written over its old bytes, the failures kept.
    try dataset.writeImage(1, variant: 3)
    #expect(try notices(["--keep-going"], exitCode: 4, "e.jsonl").count == 1)
    #expect(try asFullRun(["--keep-going"]))

    // Without --keep-going a full run stops at the first failure.
    #expect(
      try notices([], exitCode: 3, "f.jsonl") == [
        "the previous output has failed items, and this run, without --keep-going, would stop at the first that fails again"
      ])
    try dataset.writeImage(5)
    #expect(
      try notices(["--keep-going"], exitCode: 4, "g.jsonl") == [
        "item 0005, failed in the previous output, no longer fails"
      ])
    #expect(try asFullRun(["--keep-going"]))
    try dataset.writeImage(2)
    #expect(
      try notices(["--keep-going"], exitCode: 0, "h.jsonl") == [
        "item 0002, failed in the previous output, no longer fails"
      ])
    #expect(try notices([], exitCode: 0, "i.jsonl").isEmpty, "nothing changed: kept")
  }

  static let wholeOutput = "; --incremental writes the whole output, reading unchanged items back"

  @Test("an update that cannot be written falls back to writing the whole output, reusing the previous one's items")
  func unwritableUpdateFallsBack() throws {
    let (dataset, target, fresh) = try Self.changedDataset()
    // A folder where the journal (or the copy) would go: neither can be made.
    let journal = dataset.output(".result.h5.undo")
    try FileManager.default.createDirectory(atPath: journal, withIntermediateDirectories: false)
    let run = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("fallback.jsonl")])
    #expect(run.exitCode == 0, "\(run.standardError)")
    let notices = try Self.notices(dataset.output("fallback.jsonl"))
    if try !Self.hasReflinks(dataset.output("")) {
      #expect(
        notices.contains { $0.contains("cannot update the output") && $0.hasSuffix("writing the whole output instead") }
      )
      let log = try Dataset.log(dataset.output("fallback.jsonl"))
      #expect(
        log.filter { $0["status"]?.stringValue == "reused" }.count == 39, "read back from the reopened previous output")
    }
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh))
  }

  @Test("the undo journal of an update in place cut short by a kill is applied by the next run")
  func undoJournalRecovered() throws {
    let (dataset, target, fresh) = try Self.changedDataset()
    #expect(try dataset.run(["--output", target, "--incremental", "--quiet"]).exitCode == 0)
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh))
    // What a run killed halfway through writing item 0013 over leaves: its
    // journal (saved by the code a run uses), and some of the bytes written over.
    let storage = try #require(try HDF5File.open(target).contiguousStorage(of: "/items/0013/tensors/features"))
    let range = storage.offset..<(storage.offset + storage.byteCount)
    let descriptor = open(target, O_RDWR)
    defer { close(descriptor) }
    let raw = try RawFileAccess(duplicating: descriptor, path: target)
    _ = try OutputUndo(saving: [range], hashes: [], of: raw, descriptor: descriptor, target: target)
    try raw.write(Array(repeating: 0x7F, count: 100), at: range.lowerBound + 8)
    #expect(Dataset.bytes(target) != Dataset.bytes(fresh))
    // While a run holds the output's lock (it is updating it), readers are told so instead.
    let updating = open(target, O_RDONLY)
    #expect(updating >= 0 && flock(updating, LOCK_EX) == 0)
    let during = try ConvPipeProcess.run(["diff", fresh, target])
    close(updating)
    #expect(during.exitCode == 3)
    #expect(during.standardError.contains("another process is writing it"), "\(during.standardError)")
    let diff = try ConvPipeProcess.run(["diff", fresh, target])
    #expect(diff.exitCode == 3)
    #expect(diff.standardError.contains("an --incremental update of it was cut short"), "\(diff.standardError)")
    let next = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("next.jsonl")])
    #expect(next.exitCode == 0)
    #expect(next.standardError.contains("\(target): put back "), "\(next.standardError)")
    #expect(try Self.notices(dataset.output("next.jsonl")).contains { $0.hasPrefix("\(target): put back ") })
    #expect(dataset.siblings(".result.h5.undo").isEmpty)
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh), "the earlier bytes back, then nothing left to do")
  }
}
