import ConvJob
import Foundation
import HDF5IO
import PositionedJSON
import Testing
import TestSupport

/// `run --shard K/N` and `merge`, through the built binary: the merged file is
/// byte for byte the single run's (with checks, a golden file with a changed
/// value and missing items, a corrupt image under --keep-going), every run
/// option works per shard, and parts that do not make one output are refused.
@Suite("Shards and merge: the single run's bytes", .serialized)
struct ShardMergeTests {
  /// Runs the job's `count` shards with `options`, each into `parts/part-K-of-N.h5`; returns the parts and exit codes.
  static func runShards(
    _ dataset: Dataset, count: Int = 4, directory: String = "parts", _ options: [String] = []
  ) throws -> (parts: [String], codes: [Int32]) {
    var parts: [String] = [], codes: [Int32] = []
    for index in 0..<count {
      let part = dataset.output("\(directory)/part-\(index)-of-\(count).h5")
      let run = try dataset.run(["--shard", "\(index)/\(count)", "--output", part, "--quiet"] + options)
      #expect([0, 1, 4].contains(run.exitCode), "shard \(index): \(run.standardError)")
      parts.append(part)
      codes.append(run.exitCode)
    }
    return (parts, codes)
  }

  /// Runs shard `shard` of `parts.count` again with `--incremental` into its
  /// part, expecting exit 0; returns its log.
  static func rerun(_ dataset: Dataset, shard: Int, of parts: [String]) throws -> [JSONValue] {
    let log = dataset.output("again-\(shard).jsonl")
    let again = try dataset.run([
      "--shard", "\(shard)/\(parts.count)", "--output", parts[shard], "--incremental", "--log", log, "--quiet",
    ])
    #expect(again.exitCode == 0, "\(again.standardError)")
    return try Dataset.log(log)
  }

  /// Expects `parts` to merge (exit 0) into the bytes a single run of `dataset` writes now.
  static func expectMergeIsSingleRun(_ dataset: Dataset, _ parts: [String]) throws {
    let single = dataset.output("single.h5"), merged = dataset.output("merged.h5")
    #expect(try dataset.run(["--output", single, "--quiet"]).exitCode == 0)
    let merge = try merge(parts, into: merged)
    #expect(merge.exitCode == 0, "\(merge.standardError)")
    #expect(Dataset.bytes(merged) == Dataset.bytes(single))
  }

  /// Overwrites 4 bytes of item `id`'s tensor `back` in `part`, as a failing disk would.
  static func damage(item id: String, of part: String) throws {
    let file = try HDF5File.open(part)
    let storage = try #require(try file.contiguousStorage(of: "/items/\(id)/tensors/back"))
    try file.close()
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: part))
    try handle.seek(toOffset: UInt64(storage.offset + 8))
    try handle.write(contentsOf: Data([0xff, 0xff, 0xff, 0x7f]))
    try handle.close()
  }

  static func merge(_ parts: [String], into output: String, _ options: [String] = []) throws -> ConvPipeProcess.Result {
    try ConvPipeProcess.run(["merge", "--output", output] + options + parts)
  }

  /// The summary's FAIL and FAILED lines.
  static func failures(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("FAIL") }
  }

  @Test("4 shards, merged in any order, give the bytes of one run; parts carry shard and items_total")
  func mergeEqualsSingleRun() throws {
    let dataset = try Dataset(count: 30)
    let single = dataset.output("single.h5"), merged = dataset.output("merged.h5")
    #expect(try dataset.run(["--output", single, "--quiet"]).exitCode == 0)
    let (parts, _) = try Self.runShards(dataset)
    var itemsInParts = 0
    for (index, part) in parts.enumerated() {
      let file = try HDF5File.open(part)
      #expect(try file.attribute("shard", of: "/") == .string("\(index)/4"))
      #expect(try file.attribute("items_total", of: "/") == .int(30))
      let ids = try file.readStrings("/item_ids")
      #expect(ids.allSatisfy { Shard.index(of: $0, count: 4) == index })
      itemsInParts += ids.count
    }
    #expect(itemsInParts == 30)
    let merge = try Self.merge(parts.reversed(), into: merged)
    #expect(merge.exitCode == 0, "\(merge.standardError)")
    #expect(merge.standardOutput.contains("wrote \(merged): 30 items, 30 checks"), "\(merge.standardOutput)")
    #expect(Dataset.bytes(merged) == Dataset.bytes(single), "merged file equals the single run's")
  }

  @Test("parts record each item's elements_sha256; merge refuses a part whose elements were damaged since (exit 3)")
  func damagedPartRefused() throws {
    let dataset = try Dataset(count: 12)
    let single = dataset.output("single.h5")
    #expect(try dataset.run(["--output", single, "--quiet"]).exitCode == 0)
    let (parts, _) = try Self.runShards(dataset, count: 2)
    let part = try HDF5File.open(parts[1])
    let id = try #require(try part.readStrings("/item_ids").first)
    guard case .string(let recorded)? = try part.attribute("elements_sha256", of: "/items/\(id)") else {
      Issue.record("part item \(id) has no elements_sha256")
      return
    }
    #expect(recorded.count == 64)
    try part.close()
    let whole = try HDF5File.open(single)
    #expect(try whole.attribute("elements_sha256", of: "/items/\(id)") == nil, "a single run's output has none")
    try whole.close()
    // Healthy parts merge into the single run's bytes.
    #expect(try Self.merge(parts, into: dataset.output("merged.h5")).exitCode == 0)
    #expect(Dataset.bytes(dataset.output("merged.h5")) == Dataset.bytes(single))
    try Self.damage(item: id, of: parts[1])
    let damaged = dataset.output("damaged.h5")
    let merge = try Self.merge(parts, into: damaged)
    #expect(merge.exitCode == 3)
    #expect(
      merge.standardError.contains("\(parts[1]): item \(id): its elements differ from the elements_sha256"),
      "\(merge.standardError)")
    #expect(!FileManager.default.fileExists(atPath: damaged))
  }

  @Test("an --incremental shard run computes afresh an item whose elements were damaged in its previous part")
  func damagedItemNotReused() throws {
    let dataset = try Dataset(count: 16, checks: false)
    sleep(2)  // images older than the stat cache's racy window
    let (parts, _) = try Self.runShards(dataset, count: 2)
    let ids = (0..<16).map { String(format: "%04d", $0) }.filter { Shard.index(of: $0, count: 2) == 1 }
    let damagedID = try #require(ids.first)
    try Self.damage(item: damagedID, of: parts[1])
    // Enough of the shard's other images changed that the part is written anew, the rest read back.
    for id in ids.dropFirst().prefix(3) { try dataset.writeImage(Int(id) ?? 0, size: 16, variant: 9) }
    let log = try Self.rerun(dataset, shard: 1, of: parts)
    let computed = log.filter { $0["status"]?.stringValue == "computed" }.compactMap { $0["item"]?.stringValue }
    #expect(computed.contains(damagedID), "\(computed)")
    try Self.expectMergeIsSingleRun(dataset, parts)
  }

  @Test("a part updated in place by --incremental keeps its elements_sha256 right: the merge is the single run's")
  func partUpdatedInPlace() throws {
    let dataset = try Dataset(count: 40, checks: false)
    sleep(2)  // images older than the stat cache's racy window
    let (parts, _) = try Self.runShards(dataset, count: 2)
    try dataset.writeImage(13, size: 16, variant: 5)
    let log = try Self.rerun(dataset, shard: Shard.index(of: "0013", count: 2), of: parts)
    let notices = log.compactMap { $0["notice"]?.stringValue }
    #expect(notices.contains { $0.contains("written into") }, "\(notices)")
    try Self.expectMergeIsSingleRun(dataset, parts)
  }

  @Test("shards given one golden file under two spellings merge; two different golden files do not")
  func goldenSpellings() throws {
    let dataset = try Dataset(count: 12)
    let good = dataset.output("good.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    let respelled = (good as NSString).deletingLastPathComponent + "/./" + (good as NSString).lastPathComponent
    let copy = dataset.output("copy.h5")
    try FileManager.default.copyItem(atPath: good, toPath: copy)
    var parts: [String] = []
    for (index, golden) in [good, respelled].enumerated() {
      let part = dataset.output("parts/part-\(index)-of-2.h5")
      #expect(
        try dataset.run(["--shard", "\(index)/2", "--output", part, "--golden", golden, "--quiet"]).exitCode == 0)
      parts.append(part)
    }
    let merged = try Self.merge(parts, into: dataset.output("merged.h5"))
    #expect(merged.exitCode == 0, "\(merged.standardError)")
    let other = dataset.output("parts/other-1-of-2.h5")
    #expect(try dataset.run(["--shard", "1/2", "--output", other, "--golden", copy, "--quiet"]).exitCode == 0)
    let refused = try Self.merge([parts[0], other], into: dataset.output("refused.h5"))
    #expect(refused.exitCode == 2)
    #expect(refused.standardError.contains("run them alike"), "\(refused.standardError)")
  }

  @Test("--golden with a changed value and missing items, per shard: merge exits 1 with the same failures and bytes")
  func goldenPerShard() throws {
    let dataset = try Dataset(count: 30)
    let good = dataset.output("good.h5"), changed = dataset.output("changed.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    try NightlyRunTests.changeOneValue(of: good, to: changed, item: "0017", tensor: "back")
    for index in [3, 12, 25] { try FileManager.default.removeItem(atPath: dataset.image(index)) }
    let single = dataset.output("single.h5"), merged = dataset.output("merged.h5")
    let run = try dataset.run(["--output", single, "--golden", changed])
    #expect(run.exitCode == 1)
    let (parts, codes) = try Self.runShards(dataset, ["--golden", changed])
    #expect(codes.contains(1))
    var missing: [String] = []
    for part in parts { missing += try HDF5File.open(part).readStrings("/golden_missing_items") }
    #expect(missing.sorted() == ["0003", "0012", "0025"], "each part lists its own shard's missing items")
    let merge = try Self.merge(parts, into: merged)
    #expect(merge.exitCode == 1, "\(merge.standardError)")
    #expect(Dataset.bytes(merged) == Dataset.bytes(single), "merged file equals the single --golden run's")
    let expected = Self.failures(run.standardOutput).map { $0.replacingOccurrences(of: single, with: merged) }
    #expect(Self.failures(merge.standardOutput) == expected, "the same FAIL lines in the same order")
    #expect(expected.count == 4)
    #expect(
      merge.standardOutput.split(separator: "\n").last == run.standardOutput.split(separator: "\n").last,
      "the same counts: \(merge.standardOutput)")
  }

  @Test("--keep-going with a corrupt image, per shard: merge exits 4, records the failed item, same bytes")
  func keepGoingPerShard() throws {
    let dataset = try Dataset(count: 30)
    try dataset.corruptImage(9)
    let single = dataset.output("single.h5"), merged = dataset.output("merged.h5")
    #expect(try dataset.run(["--output", single, "--keep-going", "--quiet"]).exitCode == 4)
    let (parts, codes) = try Self.runShards(dataset, ["--keep-going"])
    #expect(codes.filter { $0 == 4 }.count == 1)
    let merge = try Self.merge(parts, into: merged)
    #expect(merge.exitCode == 4, "\(merge.standardError)")
    #expect(merge.standardOutput.contains("FAILED item 0009: "), "\(merge.standardOutput)")
    #expect(Dataset.bytes(merged) == Dataset.bytes(single), "merged file equals the single --keep-going run's")
    #expect(try OutputSummary.read(path: merged).failedItems.map(\.item) == ["0009"])
  }

  @Test("--incremental per shard: an unchanged part stays as it is; a new image is computed in its shard only")
  func incrementalPerShard() throws {
    let dataset = try Dataset(count: 24)
    // Images written less than two seconds before a run are hashed again by the next ("racy", as in git).
    for index in 0..<24 {
      try FileManager.default.setAttributes(
        [.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: dataset.image(index))
    }
    let (parts, _) = try Self.runShards(dataset)
    let before = parts.map(Dataset.bytes)
    let inodes = try parts.map { try FileManager.default.attributesOfItem(atPath: $0)[.systemFileNumber] as? NSNumber }
    let (_, unchangedCodes) = try Self.runShards(dataset, ["--incremental"])
    #expect(unchangedCodes == [0, 0, 0, 0])
    let after = try parts.map { try FileManager.default.attributesOfItem(atPath: $0)[.systemFileNumber] as? NSNumber }
    #expect(after == inodes, "every unchanged part is kept as it is (same file)")
    #expect(parts.map(Dataset.bytes) == before)
    try dataset.writeImage(24)
    let newShard = Shard.index(of: "0024", count: 4)
    var computed: [Int] = []
    for index in 0..<4 {
      let log = dataset.output("grown-\(index).jsonl")
      let run = try dataset.run([
        "--shard", "\(index)/4", "--output", parts[index], "--incremental", "--log", log, "--quiet",
      ])
      #expect(run.exitCode == 0)
      let lines = try Dataset.log(log)
      computed.append(lines.filter { $0["status"]?.stringValue == "computed" }.count)
      // The other parts record the job's item count, so they are written anew, saying why.
      let notices = lines.compactMap { $0["notice"]?.stringValue }
      #expect(
        notices.contains {
          $0.hasPrefix(
            index == newShard ? "the items differ" : "the previous output's items_total is 24, this run's 25")
        },
        "\(notices)")
    }
    #expect(computed == (0..<4).map { $0 == newShard ? 1 : 0 }, "only the new image's shard computes it")
    let single = dataset.output("single.h5"), merged = dataset.output("merged.h5")
    #expect(try dataset.run(["--output", single, "--quiet"]).exitCode == 0)
    #expect(try Self.merge(parts, into: merged).exitCode == 0)
    #expect(Dataset.bytes(merged) == Dataset.bytes(single), "the grown dataset's merge equals its single run")
  }

  @Test("--resume per shard: a shard stopped by a corrupt image takes up its finished items once it is fixed")
  func resumePerShard() throws {
    let dataset = try Dataset(count: 40)
    let single = dataset.output("single.h5")
    #expect(try dataset.run(["--output", single, "--quiet"]).exitCode == 0)
    // the last item of its shard, so that the shard finishes others before it
    let broken = (0..<40).last { Shard.index(of: String(format: "%04d", $0), count: 2) == 0 } ?? 0
    try dataset.corruptImage(broken)
    let part = dataset.output("parts/part-0-of-2.h5")
    let stopped = try dataset.run(["--shard", "0/2", "--output", part, "--threads", "1", "--quiet"])
    #expect(stopped.exitCode == 3)
    #expect(stopped.standardError.contains("kept for --resume"), "\(stopped.standardError)")
    try dataset.writeImage(broken)
    let log = dataset.output("resume.jsonl")
    let resumed = try dataset.run(["--shard", "0/2", "--output", part, "--resume", "--log", log, "--quiet"])
    #expect(resumed.exitCode == 0)
    let lines = try Dataset.log(log).filter { $0["item"] != nil }
    #expect(lines.filter { $0["status"]?.stringValue == "computed" }.count == 1, "only the fixed image is computed")
    let other = dataset.output("parts/part-1-of-2.h5")
    #expect(try dataset.run(["--shard", "1/2", "--output", other, "--quiet"]).exitCode == 0)
    let merged = dataset.output("merged.h5")
    #expect(try Self.merge([part, other], into: merged).exitCode == 0)
    #expect(Dataset.bytes(merged) == Dataset.bytes(single))
  }

  @Test("missing, duplicated and foreign parts exit 2 naming them and write nothing; unreadable ones exit 3")
  func refusedParts() throws {
    let dataset = try Dataset(count: 12)
    let (parts, _) = try Self.runShards(dataset)
    let (threeParts, _) = try Self.runShards(dataset, count: 3, directory: "three")
    let whole = dataset.output("whole.h5")
    #expect(try dataset.run(["--output", whole, "--quiet"]).exitCode == 0)
    let otherJob = dataset.directory.appendingPathComponent("other.json").path
    try String(contentsOfFile: dataset.job, encoding: .utf8).replacingOccurrences(
      of: "\"seed\": 1", with: "\"seed\": 2"
    )
    .write(toFile: otherJob, atomically: true, encoding: .utf8)
    let foreignPart = dataset.output("foreign/part-3-of-4.h5")
    #expect(
      try ConvPipeProcess.run(["run", otherJob, "--shard", "3/4", "--output", foreignPart, "--quiet"]).exitCode == 0)
    let junk = dataset.output("junk.h5")
    try "not hdf5".write(toFile: junk, atomically: true, encoding: .utf8)
    let target = dataset.output("merged.h5")
    let cases: [([String], Int32, [String])] = [
      (Array(parts[0..<3]), 2, ["missing part: no part given for shard 3/4"]),
      (parts + [parts[1]], 2, ["shard 1/4 is given 2 times"]),
      (Array(parts[0..<3]) + [foreignPart], 2, ["\(foreignPart): a part of another job"]),
      (Array(parts[0..<3]) + [threeParts[2]], 2, ["\(threeParts[2]): shard 2/3, but"]),
      (
        [parts[0], parts[1], parts[3], threeParts[2]], 2,
        ["\(threeParts[2]): shard 2/3, but", "missing part: no part given for shard 2/4"]
      ),
      (parts + [whole], 2, ["\(whole): not a part file (no shard attribute)"]),
      (parts + [junk], 3, ["\(junk): cannot be read: not an HDF5 file"]),
      (parts + [dataset.output("absent.h5")], 3, ["absent.h5: cannot be read: no such file"]),
      (parts, 2, ["--output: \(parts[2]) is the part"]),
    ]
    for (given, code, messages) in cases {
      let output = code == 2 && messages[0].hasPrefix("--output") ? parts[2] : target
      let merge = try Self.merge(given, into: output)
      #expect(merge.exitCode == code, "\(given): \(merge.standardError)")
      for message in messages { #expect(merge.standardError.contains(message), "\(merge.standardError)") }
      if given.contains(foreignPart) {
        #expect(!merge.standardError.contains("missing part"), "a refused part is not missing too")
      }
      #expect(!FileManager.default.fileExists(atPath: target), "nothing written")
    }
    #expect(try Self.merge(parts, into: target).exitCode == 0, "the right parts still merge")
  }

  @Test("--links writes a small file of external links that reads as the merged file from another directory")
  func links() throws {
    let dataset = try Dataset(count: 20)
    try dataset.corruptImage(5)
    let (parts, _) = try Self.runShards(dataset, ["--keep-going"])
    let merged = dataset.output("merged.h5"), linked = dataset.output("links/result.h5")
    #expect(try Self.merge(parts, into: merged).exitCode == 4)
    let run = try Self.merge(parts, into: linked, ["--links"])
    #expect(run.exitCode == 4, "\(run.standardError)")
    let size = try FileManager.default.attributesOfItem(atPath: linked)[.size] as? NSNumber
    #expect((size?.intValue ?? .max) < (Dataset.bytes(merged)?.count ?? 0) / 4, "small: links, not copies")
    let links = try OutputSummary.read(path: linked), copy = try OutputSummary.read(path: merged)
    #expect(links.items.map(\.id) == copy.items.map(\.id))
    #expect(links.failedItems.map(\.item) == ["0005"])
    #expect(links.items.map(\.reports) == copy.items.map(\.reports))
    let file = try HDF5File.open(linked), reference = try HDF5File.open(merged)
    for id in ["0000", "0013", "0019"] {
      let path = "/items/\(id)/tensors/back"
      #expect(try file.readTensor(path) == reference.readTensor(path))
    }
    #expect(
      try file.attribute("parts", of: "/") == .strings(parts.map { "../parts/" + ($0 as NSString).lastPathComponent }))
    let inspect = try ConvPipeProcess.run(["inspect", linked, "--item", "0013"], in: URL(fileURLWithPath: "/"))
    #expect(inspect.exitCode == 0, "\(inspect.standardError)")
    #expect(inspect.standardOutput.contains("back"))
    let diff = try ConvPipeProcess.run(["diff", merged, linked])
    #expect(diff.exitCode == 0, "diff reads the linked items as the copied ones: \(diff.standardOutput)")
  }

  @Test("--shard needs --output and a K/N in range; a shard without items writes a part that merges")
  func shardOptions() throws {
    let dataset = try Dataset(count: 3)
    let noOutput = try dataset.run(["--shard", "0/4"])
    #expect(noOutput.exitCode == 2)
    #expect(noOutput.standardError.contains("--shard needs --output"))
    let outOfRange = try dataset.run(["--shard", "4/4", "--output", dataset.output("p.h5")])
    #expect(outOfRange.exitCode == 2)
    #expect(outOfRange.standardError.contains("--shard 4/4 is not a shard"))
    let (parts, _) = try Self.runShards(dataset, count: 8)
    let sizes = try parts.map { try HDF5File.open($0).readStrings("/item_ids").count }
    #expect(sizes.filter { $0 == 0 }.count >= 5, "most of 8 shards of 3 items are empty: \(sizes)")
    let single = dataset.output("single.h5"), merged = dataset.output("merged.h5")
    #expect(try dataset.run(["--output", single, "--quiet"]).exitCode == 0)
    #expect(try Self.merge(parts, into: merged).exitCode == 0)
    #expect(Dataset.bytes(merged) == Dataset.bytes(single))
  }
}
