import ConvCore
import ConvJob
import Foundation
import HDF5IO
import PNGIO
import PositionedJSON
import Testing
import TestSupport

/// A generated dataset of small RGB PNGs and a nightly-style job over it.
struct Dataset {
  let directory: URL
  let count: Int
  var job: String { directory.appendingPathComponent("job.json").path }
  func output(_ name: String) -> String { directory.appendingPathComponent("out/\(name)").path }
  func image(_ index: Int) -> String {
    directory.appendingPathComponent("images/\(String(format: "%04d", index)).png").path
  }

  /// `count` images of `size` x `size` pixels, seeded by their index (and
  /// `variant`), and a job with a shape check (`checks`) or without.
  init(count: Int, size: Int = 16, checks: Bool = true) throws {
    directory = Fixtures.temporaryDirectory("convpipe-dataset")
    self.count = count
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("images"), withIntermediateDirectories: true)
    for index in 0..<count { try writeImage(index, size: size) }
    try """
    {"convpipe": 1, "name": "dataset",
     "inputs": {"image": {"png": "images/*.png"}, "w": {"random": {"shape": [4, 3, 5, 5], "seed": 1}, "dtype": "float32"}},
     "stages": [{"id": "features", "op": "conv", "input": "image", "weight": "w", "stride": 2, "padding": 2},
                {"id": "back", "op": "conv_transpose", "input": "features", "weight": "w", "stride": 2, "padding": 2, "output_padding": 1}\(
      checks ? ",\n{\"id\": \"size\", \"op\": \"verify\", \"check\": \"shape\", \"actual\": \"back\", \"expected\": \"image\"}" : "")],
     "outputs": {"path": "out/result.h5", "tensors": ["features", "back"]}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
  }

  /// Writes image `index`; `comment`, a text chunk, changes the file's bytes but not its pixels.
  func writeImage(_ index: Int, size: Int = 16, variant: UInt64 = 0, comment: String? = nil) throws {
    var random = SeededRandom(seed: UInt64(index) &+ variant &* 1_000_003)
    let samples = (0..<(size * size * 3)).map { _ in UInt16(random.next() % 256) }
    try PNGImage(
      width: size, height: size, channels: 3, bitDepth: 8, samples: samples,
      text: comment.map { [PNGText(key: "Comment", text: $0)] } ?? []
    ).write(path: image(index))
  }

  /// Replaces image `index` with a file that is not a PNG: its item fails when planned (no PNG header).
  func corruptImage(_ index: Int) throws {
    try Data("not a png".utf8).write(to: URL(fileURLWithPath: image(index)))
  }

  func run(_ arguments: [String]) throws -> ConvPipeProcess.Result {
    try ConvPipeProcess.run(["run", job] + arguments)
  }

  static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

  /// The lines of a `--log` file, parsed.
  static func log(_ path: String) throws -> [JSONValue] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
  }

  /// The files beside the outputs whose names start with `prefix` (temporaries, journals, resume stores).
  func siblings(_ prefix: String) -> [String] {
    let directory = directory.appendingPathComponent("out").path
    return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(prefix) }
      .sorted()
  }

  /// Items recorded so far in the journal of the output being written to `name`.
  func journaledItems(_ name: String) -> Int {
    siblings(".\(name).tmp-").filter { $0.hasSuffix(".journal") }.reduce(0) { $0 + journaled($1) }
  }

  /// The items the journal `name` beside the outputs records.
  func journaled(_ name: String) -> Int {
    let text = (try? String(contentsOfFile: output(name), encoding: .utf8)) ?? ""
    return max(text.filter { $0 == "\n" }.count - 1, 0)
  }
}

@Suite("Datasets: threads, golden, diff, resume, incremental, locking", .serialized)
struct DatasetRunTests {
  @Test("several hundred images give the same file on 1 and 2 threads, with one log line per item")
  func threadsGiveTheSameFile() throws {
    let dataset = try Dataset(count: 300)
    let one = try dataset.run([
      "--threads", "1", "--output", dataset.output("one.h5"), "--log", dataset.output("one.jsonl"),
    ])
    #expect(one.exitCode == 0, "\(one.standardError)")
    #expect(one.standardOutput.contains("300 passed, 0 failed"))
    let two = try dataset.run(["--threads", "2", "--output", dataset.output("two.h5"), "--quiet"])
    #expect(two.exitCode == 0, "\(two.standardError)")
    #expect(Dataset.bytes(dataset.output("one.h5")) == Dataset.bytes(dataset.output("two.h5")))
    let lines = try Dataset.log(dataset.output("one.jsonl"))
    #expect(lines.count == 301)
    #expect(lines.first?["item"]?.stringValue == "0000")
    #expect(lines.first?["status"]?.stringValue == "computed")
    #expect(lines.first?["checks_passed"]?.intValue == 1)
    #expect(
      lines.dropLast().map { $0["item"]?.stringValue ?? "" } == (0..<300).map { String(format: "%04d", $0) },
      "item order")
    #expect(lines.last?["summary"]?["items"]?.intValue == 300)
    #expect(lines.last?["summary"]?["computed"]?.intValue == 300)
    #expect(lines.last?["summary"]?["exit_code"]?.intValue == 0)
    let summary = try OutputSummary.read(path: dataset.output("one.h5"))
    #expect(summary.items.count == 300)
    #expect(summary.attributes["graph_sha256"] != nil)
    #expect(try HDF5File.open(dataset.output("one.h5")).attribute("input_sha256", of: "/items/0042") != nil)
  }

  @Test(
    "items that take a while (more than 32 of them a second) give the same file on 1 and 2 threads: the file is flushed every 32 items, never by the clock"
  )
  func slowItemsGiveTheSameFile() throws {
    let dataset = try Dataset(count: 60, size: 96, checks: false)
    // About 50 ms an item on one thread: a flush by the clock came before the 32nd item on one thread
    // and after it on two, and libhdf5 then placed some of its records elsewhere.
    try """
    {"convpipe": 1, "name": "slow",
     "inputs": {"image": {"png": "images/*.png"},
                "w": {"random": {"shape": [32, 3, 7, 7], "seed": 1}, "dtype": "float64"},
                "v": {"random": {"shape": [64, 32, 7, 7], "seed": 2}, "dtype": "float64"}},
     "stages": [{"id": "a", "op": "conv", "input": "image", "weight": "w", "padding": 3},
                {"id": "b", "op": "conv", "input": "a", "weight": "v", "padding": 3},
                {"id": "c", "op": "conv_transpose", "input": "b", "weight": "v", "padding": 3},
                {"id": "size", "op": "verify", "check": "shape", "actual": "c", "expected": "a"}],
     "outputs": {"path": "out/result.h5", "tensors": ["c"]}}
    """.write(toFile: dataset.job, atomically: true, encoding: .utf8)
    for threads in [1, 2] {
      let run = try dataset.run(["--threads", "\(threads)", "--output", dataset.output("\(threads).h5"), "--quiet"])
      #expect(run.exitCode == 0, "\(run.standardError)")
    }
    #expect(Dataset.bytes(dataset.output("1.h5")) == Dataset.bytes(dataset.output("2.h5")))
  }

  @Test("--golden passes against itself and fails on one changed value, naming the item and tensor")
  func golden() throws {
    let dataset = try Dataset(count: 40)
    let first = dataset.output("first.h5")
    #expect(try dataset.run(["--output", first, "--quiet"]).exitCode == 0)
    let same = try dataset.run(["--output", dataset.output("second.h5"), "--golden", first])
    #expect(same.exitCode == 0, "\(same.standardOutput)\(same.standardError)")
    let changed = dataset.output("changed.h5")
    try FileManager.default.copyItem(atPath: first, toPath: changed)
    let file = try HDF5File.open(changed, mode: .readWrite)
    let path = "/items/0017/tensors/back"
    let tensor = try file.readTensor(path)
    var values = tensor.values(as: Float.self)
    values[5] += 0.001
    try file.writeTensor(try Tensor(shape: tensor.shape, values: values), to: path)
    try file.close()
    let different = try dataset.run(["--output", dataset.output("third.h5"), "--golden", changed])
    #expect(different.exitCode == 1)
    #expect(different.standardOutput.contains("FAIL item 0017 stage golden:back check golden"))
    #expect(different.standardOutput.contains("1 of 768 elements"))
    let reports =
      try OutputSummary.read(path: dataset.output("third.h5")).items.first { $0.id == "0017" }?.reports ?? []
    #expect(reports.contains { $0.name == "golden:back" && !$0.passed })
    #expect(reports.contains { $0.name == "golden:features" && $0.passed })
  }

  @Test("a golden file with an item this run lacks makes the run exit 1")
  func goldenMissingItem() throws {
    let dataset = try Dataset(count: 12)
    let first = dataset.output("first.h5")
    #expect(try dataset.run(["--output", first, "--quiet"]).exitCode == 0)
    try FileManager.default.removeItem(atPath: dataset.image(11))
    let run = try dataset.run(["--output", dataset.output("second.h5"), "--golden", first])
    #expect(run.exitCode == 1)
    #expect(run.standardOutput.contains("FAIL item 0011 stage golden check golden: missing: only in \(first), not in"))
  }

  @Test("diff exits 0 for equal files, 1 for a difference, 3 for an unreadable file")
  func diffExitCodes() throws {
    let dataset = try Dataset(count: 10)
    let first = dataset.output("first.h5"), second = dataset.output("second.h5")
    #expect(try dataset.run(["--output", first, "--quiet"]).exitCode == 0)
    #expect(try dataset.run(["--output", second, "--quiet", "--threads", "1"]).exitCode == 0)
    let equal = try ConvPipeProcess.run(["diff", first, second])
    #expect(equal.exitCode == 0)
    #expect(equal.standardOutput.contains("10 items compared, 0 differences"))
    try dataset.writeImage(3, variant: 9)
    try FileManager.default.removeItem(atPath: dataset.image(7))
    #expect(try dataset.run(["--output", second, "--quiet"]).exitCode == 0)
    let report = dataset.output("diff.json")
    let different = try ConvPipeProcess.run(["diff", first, second, "--report", report])
    #expect(different.exitCode == 1)
    #expect(different.standardOutput.contains("item 0003 tensor back: "))
    #expect(different.standardOutput.contains("item 0007: missing: only in \(first), not in \(second)"))
    let json = try JSONParser.parse(String(contentsOfFile: report, encoding: .utf8))
    #expect(json["equal"]?.boolValue == false)
    #expect((json["differences"]?.arrayValue?.count ?? 0) >= 3)
    let tolerant = try ConvPipeProcess.run(["diff", first, first, "--rtol", "1e-3"])
    #expect(tolerant.exitCode == 0)
    let notHDF5 = dataset.output("text.h5")
    try "not hdf5".write(toFile: notHDF5, atomically: true, encoding: .utf8)
    let unreadable = try ConvPipeProcess.run(["diff", first, notHDF5])
    #expect(unreadable.exitCode == 3)
    #expect(unreadable.standardError.contains(notHDF5))
  }

  @Test("a run killed with SIGKILL leaves the old output, and --resume ends equal to an uninterrupted run")
  func killAndResume() throws {
    let dataset = try Dataset(count: 400, size: 24)
    let reference = dataset.output("reference.h5"), target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", reference, "--quiet"]).exitCode == 0)
    try Data("previous".utf8).write(to: URL(fileURLWithPath: target))
    let process = Process()
    process.executableURL = ConvPipeProcess.executable
    process.arguments = ["run", dataset.job, "--output", target, "--quiet", "--threads", "2"]
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    while dataset.journaledItems("result.h5") < 20 && process.isRunning && Date() < deadline { usleep(2_000) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let finished = dataset.journaledItems("result.h5")
    #expect(finished >= 20 && finished < 400, "killed after \(finished) items")
    #expect(Dataset.bytes(target) == Data("previous".utf8), "the old output is untouched")
    let resumed = try dataset.run(["--output", target, "--resume", "--log", dataset.output("resume.jsonl")])
    #expect(resumed.exitCode == 0, "\(resumed.standardError)")
    #expect(Dataset.bytes(target) == Dataset.bytes(reference), "resumed file equals the uninterrupted run's")
    let log = try Dataset.log(dataset.output("resume.jsonl"))
    #expect(log.filter { $0["status"]?.stringValue == "reused" }.count >= finished)
    #expect(
      dataset.siblings(".result.h5.").filter { !$0.hasSuffix(".lock") && !$0.hasSuffix(".inputs") } == [],
      "nothing left beside the output")
  }

  @Test("a second signal leaves the --resume store as it was, however few items the stopped run wrote")
  func secondSignalKeepsStore() throws {
    let dataset = try Dataset(count: 400, size: 24)
    let reference = dataset.output("reference.h5"), target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", reference, "--quiet"]).exitCode == 0)
    func start(_ arguments: [String]) throws -> Process {
      let process = Process()
      process.executableURL = ConvPipeProcess.executable
      process.arguments = ["run", dataset.job, "--output", target, "--quiet", "--threads", "2"] + arguments
      try process.run()
      return process
    }
    let deadline = Date().addingTimeInterval(60)
    let first = try start([])
    while dataset.journaledItems("result.h5") < 100 && first.isRunning && Date() < deadline { usleep(2_000) }
    kill(first.processIdentifier, SIGTERM)
    first.waitUntilExit()
    let kept = dataset.journaled(".result.h5.resume.journal")
    #expect(kept >= 100 && kept < 400, "kept \(kept) items")
    // The resumed run writes the kept items again first: it is stopped twice once it has flushed some.
    let second = try start(["--resume"])
    while dataset.journaledItems("result.h5") == 0 && second.isRunning && Date() < deadline { usleep(500) }
    kill(second.processIdentifier, SIGTERM)
    kill(second.processIdentifier, SIGINT)
    second.waitUntilExit()
    #expect(second.terminationReason == .uncaughtSignal && second.terminationStatus == SIGTERM)
    #expect(dataset.journaled(".result.h5.resume.journal") == kept, "the store is not replaced by a smaller one")
    let resumed = try dataset.run(["--output", target, "--resume", "--log", dataset.output("resume.jsonl"), "--quiet"])
    #expect(resumed.exitCode == 0, "\(resumed.standardError)")
    #expect(
      try Dataset.log(dataset.output("resume.jsonl")).filter { $0["status"]?.stringValue == "reused" }.count >= kept)
    #expect(Dataset.bytes(target) == Dataset.bytes(reference))
  }

  @Test("--incremental reuses everything when nothing changed and recomputes only a changed image")
  func incremental() throws {
    let dataset = try Dataset(count: 60)
    let target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    let full = Dataset.bytes(target)
    let unchanged = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("unchanged.jsonl")])
    #expect(unchanged.exitCode == 0)
    #expect(unchanged.standardOutput.contains("60 items (60 reused)"))
    #expect(Dataset.bytes(target) == full)
    try dataset.writeImage(21, variant: 7)
    let changed = try dataset.run(["--output", target, "--incremental", "--log", dataset.output("changed.jsonl")])
    #expect(changed.exitCode == 0)
    let computed = try Dataset.log(dataset.output("changed.jsonl")).filter { $0["status"]?.stringValue == "computed" }
    #expect(computed.count == 1)
    #expect(computed.first?["item"]?.stringValue == "0021")
    let fresh = dataset.output("fresh.h5")
    #expect(try dataset.run(["--output", fresh, "--quiet"]).exitCode == 0)
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh), "the incremental result equals a full run's")
  }

  @Test("a second run writing the same output is refused at once, naming the process holding the lock")
  func locking() throws {
    let dataset = try Dataset(count: 300, size: 24)
    let target = dataset.output("result.h5")
    let first = Process()
    first.executableURL = ConvPipeProcess.executable
    first.arguments = ["run", dataset.job, "--output", target, "--quiet", "--threads", "1"]
    try first.run()
    let deadline = Date().addingTimeInterval(60)
    while dataset.journaledItems("result.h5") == 0 && first.isRunning && Date() < deadline { usleep(2_000) }
    let second = try dataset.run(["--output", target, "--quiet"])
    first.waitUntilExit()
    #expect(second.exitCode == 3)
    #expect(second.standardError.contains("another run is writing this output (process \(first.processIdentifier)"))
    #expect(first.terminationStatus == 0)
    let third = try dataset.run(["--output", target, "--quiet", "--incremental"])
    #expect(third.exitCode == 0, "the lock is free again: \(third.standardError)")
  }
}
