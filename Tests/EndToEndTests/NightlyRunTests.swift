import ConvCore
import ConvJob
import Foundation
import HDF5IO
import PNGIO
import PositionedJSON
import Testing
import TestSupport

/// The signals of a scheduled dataset run, each through the built binary:
/// golden reports that belong to the run that made them, counts in the log and
/// the progress line, a summary on every path, item ids that cannot collide,
/// the destination checked first, plain messages, exit codes from the table,
/// `--keep-going`, SIGTERM, `output_size` naming a tensor, `inspect` filters,
/// and `diff` agreeing with `--golden`.
@Suite("Nightly runs: every signal right", .serialized)
struct NightlyRunTests {
  /// Copies `source` to `destination` and adds `delta` to one value of one tensor.
  static func changeOneValue(
    of source: String, to destination: String, item: String, tensor: String, delta: Float = 0.001
  ) throws {
    try? FileManager.default.removeItem(atPath: destination)
    try FileManager.default.copyItem(atPath: source, toPath: destination)
    let file = try HDF5File.open(destination, mode: .readWrite)
    let path = "/items/\(item)/tensors/\(tensor)"
    let stored = try file.readTensor(path)
    var values = stored.values(as: Float.self)
    values[5] += delta
    try file.writeTensor(try Tensor(shape: stored.shape, values: values), to: path)
    try file.close()
  }

  static func reportNames(_ path: String, item: String) throws -> [String] {
    try OutputSummary.read(path: path).items.first { $0.id == item }?.reports.map(\.name) ?? []
  }

  // MARK: 1. golden reports belong to the run that made them

  @Test("an --incremental run without --golden writes no golden report and exits 0 after a failed golden night")
  func incrementalDropsStaleGoldenReports() throws {
    let dataset = try Dataset(count: 20)
    let target = dataset.output("result.h5"), good = dataset.output("good.h5"), changed = dataset.output("changed.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    try Self.changeOneValue(of: good, to: changed, item: "0004", tensor: "back")
    #expect(try dataset.run(["--output", target, "--golden", changed, "--quiet"]).exitCode == 1)
    let later = try dataset.run(["--output", target, "--incremental", "--report", dataset.output("later.json")])
    #expect(later.exitCode == 0, "\(later.standardOutput)")
    #expect(later.standardOutput.contains("20 items (20 reused)"))
    #expect(try Self.reportNames(target, item: "0004") == ["size"])
    let fresh = dataset.output("fresh.h5")
    #expect(try dataset.run(["--output", fresh, "--quiet"]).exitCode == 0)
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh), "the same bytes as a fresh run without --golden")
  }

  @Test("--incremental --golden writes the bytes of a fresh --golden run; golden reports follow the tolerances")
  func incrementalGoldenEqualsFresh() throws {
    let dataset = try Dataset(count: 20)
    let target = dataset.output("result.h5"), good = dataset.output("good.h5"), changed = dataset.output("changed.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    try Self.changeOneValue(of: good, to: changed, item: "0004", tensor: "back")
    #expect(try dataset.run(["--output", target, "--golden", good, "--quiet"]).exitCode == 0)
    let incremental = try dataset.run(["--output", target, "--incremental", "--golden", changed, "--quiet"])
    #expect(incremental.exitCode == 1)
    let fresh = dataset.output("fresh.h5")
    #expect(try dataset.run(["--output", fresh, "--golden", changed, "--quiet"]).exitCode == 1)
    #expect(Dataset.bytes(target) == Dataset.bytes(fresh), "incremental with --golden equals a fresh run with --golden")
    let tolerant = try dataset.run([
      "--output", target, "--incremental", "--golden", changed, "--atol", "0.01", "--quiet",
    ])
    #expect(tolerant.exitCode == 0, "the stored failures were not reused under other tolerances")
  }

  // MARK: 2. every check counts where it happened

  @Test("a golden failure counts in the item's log line and the progress line; reused items log their checks")
  func goldenFailuresCount() throws {
    let dataset = try Dataset(count: 12)
    let good = dataset.output("good.h5"), changed = dataset.output("changed.h5"), target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    try Self.changeOneValue(of: good, to: changed, item: "0007", tensor: "back")
    let run = try dataset.run(["--output", target, "--golden", changed, "--log", dataset.output("night.jsonl")])
    #expect(run.exitCode == 1)
    let log = try Dataset.log(dataset.output("night.jsonl"))
    let needsALook = log.filter { ($0["checks_failed"]?.intValue ?? 0) > 0 || $0["error"]?.stringValue != nil }
    #expect(needsALook.map { $0["item"]?.stringValue } == ["0007"], "the README's jq recipe finds the item")
    #expect(needsALook.first?["checks_failed"]?.intValue == 1)
    #expect(log.first?["checks_passed"]?.intValue == 3, "the shape check and two golden comparisons")
    #expect(
      run.standardError.contains("[12/12]") && run.standardError.contains(", 1 failed check"), "\(run.standardError)")
    #expect(log.last?["summary"]?["checks_failed"]?.intValue == 1)
    let reused = try dataset.run([
      "--output", target, "--incremental", "--log", dataset.output("reused.jsonl"), "--quiet",
    ])
    #expect(reused.exitCode == 0)
    let reusedLog = try Dataset.log(dataset.output("reused.jsonl"))
    let items = reusedLog.filter { $0["item"] != nil }
    #expect(items.count == 12)
    #expect(items.allSatisfy { $0["status"]?.stringValue == "reused" && $0["checks_passed"]?.intValue == 1 })
    #expect(
      reusedLog.first?["notice"]?.stringValue?.hasPrefix(
        "the previous output was compared with a golden file and this run has none") == true)
  }

  // MARK: 3. a failed night leaves a summary

  @Test("a run stopped by a corrupt image ends its log with the summary and writes --report, exit 3")
  func failedNightSummary() throws {
    let dataset = try Dataset(count: 10)
    let target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    let before = Dataset.bytes(target)
    try dataset.corruptImage(6)
    let report = dataset.output("night.json")
    let run = try dataset.run([
      "--output", target, "--log", dataset.output("night.jsonl"), "--report", report, "--threads", "1",
    ])
    #expect(run.exitCode == 3)
    #expect(run.standardError.contains("0006.png"), "\(run.standardError)")
    #expect(
      run.standardError.contains(
        "\(target): not written: stopped by an error after 6 of 10 items; 6 finished kept for --resume"))
    let summary = try Dataset.log(dataset.output("night.jsonl")).last?["summary"]
    #expect(summary?["exit_code"]?.intValue == 3)
    #expect(summary?["error"]?.stringValue?.contains("0006.png") == true)
    #expect(summary?["items_failed"]?.intValue == 1, "the item that stopped the run, as its own log line says")
    #expect(summary?["failed_items"]?.arrayValue?.first?["item"]?.stringValue == "0006")
    let json = try JSONParser.parse(String(contentsOfFile: report, encoding: .utf8))
    #expect(json["exit_code"]?.intValue == 3)
    #expect(Dataset.bytes(target) == before, "the previous output stays")
  }

  // MARK: 4. item ids that would collide

  @Test("images/x.png and images/x/tensors.png are refused when planning, naming both files")
  func collidingItemIDs() throws {
    let directory = Fixtures.temporaryDirectory()
    let images = directory.appendingPathComponent("images")
    try FileManager.default.createDirectory(at: images.appendingPathComponent("x"), withIntermediateDirectories: true)
    let image = try PNGImage(width: 4, height: 4, channels: 1, bitDepth: 8, samples: Array(repeating: 7, count: 16))
    try image.write(path: images.appendingPathComponent("x.png").path)
    try image.write(path: images.appendingPathComponent("x/tensors.png").path)
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1, "inputs": {"image": {"png": "images/**/*.png"}, "w": {"random": {"shape": [1, 1, 3, 3]}}},
     "stages": [{"id": "y", "op": "conv", "input": "image", "weight": "w", "padding": 1}],
     "outputs": {"path": "out/result.h5"}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    for command in ["validate", "run"] {
      let result = try ConvPipeProcess.run([command, job])
      #expect(result.exitCode == 2, "\(command): \(result.standardError)")
      #expect(
        result.standardError.contains("images/x.png and ") && result.standardError.contains("images/x/tensors.png"))
    }
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out").path), "nothing is written")
  }

  // MARK: 5. the destination is checked before any work

  @Test("--output naming a directory exits 2 at once; an output under a file exits 3; nothing is left behind")
  func destinationCheckedFirst() throws {
    let dataset = try Dataset(count: 30)
    let directory = dataset.output("adir")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let run = try dataset.run(["--output", directory])
    #expect(run.exitCode == 2)
    #expect(run.standardError.hasPrefix("--output: \(directory) is a directory"), "\(run.standardError)")
    try Data("a file".utf8).write(to: URL(fileURLWithPath: dataset.output("plain")))
    let underFile = try dataset.run(["--output", dataset.output("plain/result.h5")])
    #expect(underFile.exitCode == 3)
    #expect(
      underFile.standardError
        == "--output: \(dataset.output("plain/result.h5")): cannot create the output directory: \(dataset.output("plain")) is a file, not a folder\n",
      "\(underFile.standardError)")
    #expect(dataset.siblings(".") == [], "no lock, temporary or journal: \(dataset.siblings("."))")
  }

  // MARK: 6. golden messages name the output and the golden file

  @Test("golden messages name the output and the golden file; missing and extra items say so instead of a number")
  func goldenMessages() throws {
    let dataset = try Dataset(count: 6)
    let good = dataset.output("good.h5"), target = dataset.output("nightly.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    try FileManager.default.moveItem(atPath: dataset.image(5), toPath: dataset.image(9))
    let run = try dataset.run(["--output", target, "--golden", good])
    #expect(run.exitCode == 1)
    #expect(
      run.standardOutput.contains(
        "FAIL item 0005 stage golden check golden: missing: only in \(good), not in \(target)"))
    #expect(run.standardOutput.contains("FAIL item 0009 stage golden:back check golden: extra: not in \(good)"))
    #expect(!run.standardOutput.contains("inf") && !run.standardOutput.contains(".tmp-"), "\(run.standardOutput)")
    let messages = try OutputSummary.read(path: target).items.flatMap(\.reports).map(\.outcome.message)
    #expect(messages.allSatisfy { !$0.contains(".tmp-") && !$0.contains(".parts") })
  }

  // MARK: 7. allclose between different shapes

  @Test("allclose between tensors of different shapes is refused when planning, pointing at the shape check")
  func allcloseShapes() throws {
    let directory = Fixtures.temporaryDirectory()
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1, "inputs": {"x": {"random": {"shape": [1, 1, 8, 8]}}, "w": {"random": {"shape": [1, 1, 3, 3]}}},
     "stages": [{"id": "y", "op": "conv", "input": "x", "weight": "w"},
                {"id": "same", "op": "verify", "check": "allclose", "actual": "y", "expected": "x", "expect": "fail"}],
     "outputs": {"path": "out.h5"}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    let result = try ConvPipeProcess.run(["validate", job])
    #expect(result.exitCode == 2)
    #expect(
      result.standardError.contains(
        "stages[1] (id \"same\"): allclose compares tensors of one shape, but actual \"y\" is 1x1x6x6 and expected \"x\" is 1x1x8x8; to compare sizes, use check \"shape\""
      ), "\(result.standardError)")
  }

  @Test("a check expected to fail that holds says so in its FAIL line")
  func expectedToFailButHeld() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-expect-fail")
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1, "inputs": {"x": {"random": {"shape": [1, 1, 8, 8]}}},
     "stages": [{"id": "y", "op": "flip", "input": "x"}, {"id": "z", "op": "flip", "input": "y"},
                {"id": "same", "op": "verify", "check": "allclose", "actual": "z", "expected": "x", "expect": "fail"}],
     "outputs": {"path": "out.h5"}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    let result = try ConvPipeProcess.run(["run", job])
    #expect(result.exitCode == 1)
    #expect(
      result.standardOutput.contains("FAIL item main stage same check allclose: expected to fail, but held: "),
      "\(result.standardOutput)")
  }

  // MARK: 8. exit codes from the table

  @Test("usage errors exit 2 with the value out of range named; inspect of another HDF5 file exits 3 saying what it is")
  func exitCodes() throws {
    let dataset = try Dataset(count: 2)
    let unknown = try dataset.run(["--frobnicate"])
    #expect(unknown.exitCode == 2)
    #expect(unknown.standardError.contains("--frobnicate"))
    let threads = try dataset.run(["--threads", "-1"])
    #expect(threads.exitCode == 2)
    #expect(threads.standardError.contains("--threads -1 is out of range"), "\(threads.standardError)")
    let rtol = try ConvPipeProcess.run(["diff", "a.h5", "b.h5", "--rtol", "-1"])
    #expect(rtol.exitCode == 2)
    #expect(rtol.standardError.contains("--rtol -1.0 is out of range"), "\(rtol.standardError)")
    let other = dataset.output("other.h5")
    try FileManager.default.createDirectory(atPath: dataset.output(""), withIntermediateDirectories: true)
    let file = try HDF5File.create(other)
    try file.writeTensor(try Tensor(shape: [2], values: [1.0, 2.0]), to: "/weights/conv1")
    try file.close()
    let inspect = try ConvPipeProcess.run(["inspect", other])
    #expect(inspect.exitCode == 3)
    #expect(
      inspect.standardError.contains("not written by convpipe") && inspect.standardError.contains("/weights/conv1"))
  }

  // MARK: 9. one problem on every item is one message, in plain words

  @Test("a channel mismatch on mixed-size images is one line with the fix; HDF5 failures in plain words")
  func groupedProblems() throws {
    let directory = Fixtures.temporaryDirectory()
    let images = directory.appendingPathComponent("images")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    for index in 0..<30 {
      let size = 8 + index % 3
      try PNGImage(
        width: size, height: size, channels: 1, bitDepth: 8, samples: Array(repeating: 9, count: size * size)
      )
      .write(path: images.appendingPathComponent(String(format: "%02d.png", index)).path)
    }
    let data = directory.appendingPathComponent("data.h5").path
    let file = try HDF5File.create(data)
    try file.writeTensor(try Tensor(shape: [1, 8, 8, 3], values: Array(repeating: Float(1), count: 192)), to: "/nhwc")
    try file.close()
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1,
     "inputs": {"image": {"png": "images/*.png"}, "w": {"random": {"shape": [4, 3, 3, 3]}},
                "cube": {"hdf5": "data.h5", "dataset": "/nhwc"}},
     "stages": [{"id": "y", "op": "conv", "input": "image", "weight": "w"},
                {"id": "z", "op": "conv", "input": "cube", "weight": "w"}],
     "outputs": {"path": "out.h5"}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    let result = try ConvPipeProcess.run(["validate", job])
    #expect(result.exitCode == 2)
    let lines = result.standardError.split(separator: "\n").map(String.init)
    #expect(lines.count == 2, "\(result.standardError)")
    #expect(
      lines.contains {
        $0.contains("stages[0] (id \"y\"): item 00 and 29 more: weight 4x3x3x3 expects 3 input channels")
          && $0.contains("add \"channels\": \"rgb\" to inputs.image")
      })
    #expect(
      lines.contains { $0.contains("stages[1] (id \"z\"): ") && $0.contains("add \"layout\": \"NHWC\" to inputs.cube") }
    )

    let missing = directory.appendingPathComponent("missing.json").path
    try """
    {"convpipe": 1, "inputs": {"x": {"hdf5": "nope.h5", "dataset": "/x"}, "y": {"hdf5": "data.h5", "dataset": "/nchw"}},
     "stages": [], "outputs": {"path": "out.h5"}}
    """.write(toFile: missing, atomically: true, encoding: .utf8)
    let plain = try ConvPipeProcess.run(["run", missing])
    #expect(plain.exitCode == 3)
    #expect(plain.standardError.contains("inputs.x: \(directory.path)/nope.h5: no such file"), "\(plain.standardError)")
    #expect(
      plain.standardError.contains("inputs.y: \(data): no dataset /nchw; its datasets are /nhwc"),
      "\(plain.standardError)")
    #expect(!plain.standardError.contains("errno"))

    let dataset = try Dataset(count: 3)
    let notHDF5 = dataset.output("golden.txt")
    try FileManager.default.createDirectory(atPath: dataset.output(""), withIntermediateDirectories: true)
    try Data("text".utf8).write(to: URL(fileURLWithPath: notHDF5))
    let golden = try dataset.run(["--golden", notHDF5, "--quiet"])
    #expect(golden.exitCode == 3)
    #expect(golden.standardError.contains("--golden \(notHDF5): not an HDF5 file"), "\(golden.standardError)")
  }

  @Test(
    "a full disk says so in plain words, keeps the previous file and leaves nothing beside it",
    .enabled(if: getuid() == 0, "mounts a small tmpfs, which needs root (CI runs as root)"))
  func fullDisk() throws {
    let dataset = try Dataset(count: 40, size: 48)
    try Self.onSmallDisk(dataset, size: "1m") { target in
      let run = try dataset.run(["--output", target, "--quiet"])
      #expect(run.exitCode == 3)
      #expect(
        run.standardError.contains("\(target): no space left on device for the output of 40 items"),
        "\(run.standardError)")
      #expect(run.standardError.contains("(1.0 MiB of it kept for HDF5's records)"), "\(run.standardError)")
      #expect(!run.standardError.contains("errno"))
      #expect(run.standardError.split(separator: "\n").count == 1, "one line: nothing was done before the refusal")
    }
  }

  @Test(
    "a disk another program fills during the run: exit 3, one error, no crash, nothing left, the target as it was",
    .enabled(if: getuid() == 0, "mounts a small tmpfs, which needs root (CI runs as root)"))
  func diskFilledDuringTheRun() throws {
    let dataset = try Dataset(count: 400, size: 48)
    try Self.onSmallDisk(dataset, size: "24m", keep: ["filler"]) { target in
      // A filler that takes the rest of the disk shortly after the run starts:
      // whenever it lands, the run stops with exit 3 (libhdf5 1.10 crashed when
      // closing a file on a full disk: exit 139 before the file was emptied first).
      let filler = Process()
      filler.executableURL = URL(fileURLWithPath: "/bin/sh")
      let folder = (target as NSString).deletingLastPathComponent
      filler.arguments = ["-c", "sleep 0.05; dd if=/dev/zero of='\(folder)/filler' bs=1M count=64 2>/dev/null"]
      try filler.run()
      let run = try dataset.run(["--output", target, "--quiet", "--threads", "1"])
      filler.waitUntilExit()
      #expect(run.exitCode == 3, "\(run.standardError)")
      #expect(run.standardError.contains("\(target): no space left on device"), "\(run.standardError)")
    }
  }

  /// Runs `body` with the path of a target holding `previous` on a tmpfs of
  /// `size` in `dataset`'s folder, then checks that the target is as it was
  /// and nothing but it, its lock and `keep` is left beside it.
  static func onSmallDisk(_ dataset: Dataset, size: String, keep: [String] = [], _ body: (String) throws -> Void)
    throws
  {
    let mount = dataset.directory.appendingPathComponent("small").path
    try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
    #expect(shell("mount -t tmpfs -o size=\(size) tmpfs '\(mount)'") == 0)
    defer { _ = shell("umount '\(mount)'") }
    let target = mount + "/out.h5"
    try Data("previous".utf8).write(to: URL(fileURLWithPath: target))
    try body(target)
    #expect(Dataset.bytes(target) == Data("previous".utf8))
    let left = try FileManager.default.contentsOfDirectory(atPath: mount).filter {
      !(["out.h5"] + keep).contains($0) && !$0.hasSuffix(".lock")
    }
    #expect(left == [], "left beside the output: \(left)")
  }

  static func shell(_ command: String) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    guard (try? process.run()) != nil else { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
  }

  // MARK: 10 and 13. validate on mixed sizes; output_size naming a tensor

  @Test("output_size naming the image brings odd and even sizes back; validate prints each distinct plan once")
  func outputSizeFromTensor() throws {
    let directory = Fixtures.temporaryDirectory()
    let images = directory.appendingPathComponent("images")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    for (index, size) in [9, 10, 9, 11, 10].enumerated() {
      try PNGImage(
        width: size, height: size + 1, channels: 1, bitDepth: 8,
        samples: (0..<(size * (size + 1))).map { UInt16($0 % 200) }
      )
      .write(path: images.appendingPathComponent("\(index).png").path)
    }
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1, "inputs": {"image": {"png": "images/*.png"}, "w": {"random": {"shape": [2, 1, 3, 3], "seed": 3}, "dtype": "float32"}},
     "stages": [{"id": "down", "op": "conv", "input": "image", "weight": "w", "stride": 2, "padding": 1},
                {"id": "up", "op": "conv_transpose", "input": "down", "weight": "w", "stride": 2, "padding": 1, "output_size": "image"},
                {"id": "size", "op": "verify", "check": "shape", "actual": "up", "expected": "image"}],
     "outputs": {"path": "out.h5"}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    let validate = try ConvPipeProcess.run(["validate", job])
    #expect(validate.exitCode == 0, "\(validate.standardError)")
    #expect(validate.standardOutput.contains("3 distinct sets of input shapes"))
    #expect(validate.standardOutput.contains("plan 1 of 3: 2 items, e.g. \"0\""))
    #expect(validate.standardOutput.contains("plan 3 of 3: 1 item, e.g. \"3\""))
    #expect(validate.standardOutput.contains("output_size 10 -> output_padding 1"))
    #expect(validate.standardOutput.contains("output_size 9 -> output_padding 0"))
    let run = try ConvPipeProcess.run(["run", job])
    #expect(run.exitCode == 0, "\(run.standardOutput)\(run.standardError)")
    #expect(run.standardOutput.contains("5 passed, 0 failed"))
  }

  // MARK: 11. --keep-going

  @Test(
    "--keep-going records a corrupt image under /failed, writes the rest and exits 4; with --resume, --incremental, --golden and --log"
  )
  func keepGoing() throws {
    let dataset = try Dataset(count: 12)
    let good = dataset.output("good.h5"), target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    let original = try Data(contentsOf: URL(fileURLWithPath: dataset.image(3)))
    try dataset.corruptImage(3)
    let run = try dataset.run([
      "--output", target, "--keep-going", "--golden", good, "--log", dataset.output("night.jsonl"),
    ])
    #expect(run.exitCode == 4, "\(run.standardOutput)\(run.standardError)")
    #expect(run.standardOutput.contains("FAILED item 0003: "))
    let file = try HDF5File.open(target)
    #expect(try file.attribute("items_failed", of: "/") == .int(1))
    #expect(try file.attribute("items", of: "/") == .int(11))
    guard case .string(let message)? = try file.attribute("message", of: "/failed/0003") else {
      Issue.record("no /failed/0003 message")
      return
    }
    #expect(message.contains("0003.png") && !message.contains("\n"))
    let line = try Dataset.log(dataset.output("night.jsonl")).first { $0["item"]?.stringValue == "0003" }
    #expect(line?["status"]?.stringValue == "failed")
    #expect(line?["error"]?.stringValue == message)
    let failedOnly = try ConvPipeProcess.run(["inspect", target, "--failed"])
    #expect(failedOnly.standardOutput.contains("failed item 0003: "))

    // A changed image on top: a failed check too makes it 1.
    try dataset.writeImage(8, variant: 5)
    #expect(
      try dataset.run(["--output", target, "--keep-going", "--golden", good, "--incremental", "--quiet"]).exitCode == 1)

    // Fixed: the failed item is computed, not reused; the result equals a full run.
    try original.write(to: URL(fileURLWithPath: dataset.image(3)))
    try dataset.writeImage(8)
    let fixed = try dataset.run([
      "--output", target, "--keep-going", "--incremental", "--log", dataset.output("fixed.jsonl"), "--quiet",
    ])
    #expect(fixed.exitCode == 0)
    let computed = try Dataset.log(dataset.output("fixed.jsonl")).filter { $0["status"]?.stringValue == "computed" }
    #expect(computed.map { $0["item"]?.stringValue } == ["0003", "0008"])
    #expect(Dataset.bytes(target) == Dataset.bytes(good))
  }

  // MARK: 12. SIGTERM

  /// Starts `run` of `dataset` into `target` (`result.h5`) with `--log log`,
  /// and returns once it has journalled 20 finished items.
  static func startRun(_ dataset: Dataset, output target: String, log: String) throws -> Process {
    let process = Process()
    process.executableURL = ConvPipeProcess.executable
    process.arguments = ["run", dataset.job, "--output", target, "--quiet", "--log", log]
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    while dataset.journaledItems("result.h5") < 20 && process.isRunning && Date() < deadline { usleep(2_000) }
    return process
  }

  @Test(
    "SIGTERM stops a run within seconds: no temporary output, finished items kept, --resume ends with the uninterrupted bytes"
  )
  func sigterm() throws {
    let dataset = try Dataset(count: 400, size: 24)
    let reference = dataset.output("reference.h5"), target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", reference, "--quiet"]).exitCode == 0)
    let process = try Self.startRun(dataset, output: target, log: dataset.output("stopped.jsonl"))
    let signalled = Date()
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    #expect(Date().timeIntervalSince(signalled) < 5)
    #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
    #expect(!FileManager.default.fileExists(atPath: target))
    #expect(dataset.siblings(".result.h5.").filter { $0.contains(".tmp-") } == [], "no temporary output")
    #expect(dataset.siblings(".result.h5.resume").count == 2, "finished items kept for --resume")
    let summary = try Dataset.log(dataset.output("stopped.jsonl")).last?["summary"]
    #expect(summary?["exit_code"]?.intValue == 143)
    #expect(summary?["signal"]?.stringValue == "SIGTERM")
    let resumed = try dataset.run(["--output", target, "--resume", "--log", dataset.output("resumed.jsonl"), "--quiet"])
    #expect(resumed.exitCode == 0)
    #expect(
      try Dataset.log(dataset.output("resumed.jsonl")).filter { $0["status"]?.stringValue == "reused" }.count >= 20)
    #expect(Dataset.bytes(target) == Dataset.bytes(reference))
    #expect(dataset.siblings(".result.h5.").filter { !$0.hasSuffix(".lock") && !$0.hasSuffix(".inputs") } == [])
    let shellStatus = Self.shell(
      "'\(ConvPipeProcess.executable.path)' run '\(dataset.job)' --output '\(target)' --quiet & sleep 0.05; kill -TERM $!; wait $!; exit $?"
    )
    #expect(shellStatus == 143, "a shell reports 128 + SIGTERM")
  }

  @Test(
    "the same SIGTERM again within a second (GNU timeout signals the process, then its group) stops the run as one does"
  )
  func repeatedSigterm() throws {
    let dataset = try Dataset(count: 400, size: 24)
    let target = dataset.output("result.h5")
    let process = try Self.startRun(dataset, output: target, log: dataset.output("stopped.jsonl"))
    // A few copies a millisecond apart (sent together, libdispatch would see them as one).
    for _ in 0..<8 where process.isRunning {
      kill(process.processIdentifier, SIGTERM)
      usleep(1_000)
    }
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
    #expect(dataset.siblings(".result.h5.").filter { $0.contains(".tmp-") } == [], "no temporary output")
    #expect(dataset.siblings(".result.h5.resume").count == 2, "finished items kept for --resume")
    let summary = try Dataset.log(dataset.output("stopped.jsonl")).last?["summary"]
    #expect(summary?["exit_code"]?.intValue == 143)
  }

  @Test(
    "a SIGTERM sent before convpipe listens, while its parent blocked it, still stops the run (143, nothing written)")
  func sigtermPendingAtStart() throws {
    let dataset = try Dataset(count: 20)
    let target = dataset.output("result.h5")
    // perl blocks SIGTERM, sends it to itself, and becomes convpipe with it pending (as a shell started
    // from a test thread, whose mask blocks every signal, hands on a `kill` that comes before the exec).
    let status = Self.shell(
      "perl -e 'use POSIX; sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM)); kill \"TERM\", $$; exec @ARGV' "
        + "'\(ConvPipeProcess.executable.path)' run '\(dataset.job)' --output '\(target)' --quiet")
    #expect(status == 143)
    #expect(!FileManager.default.fileExists(atPath: target))
  }

  @Test(
    "--keep-going with --resume: a run stopped by SIGTERM and resumed writes the bytes of an uninterrupted --keep-going run"
  )
  func keepGoingResume() throws {
    let dataset = try Dataset(count: 400, size: 24)
    try dataset.corruptImage(3)
    let reference = dataset.output("reference.h5"), target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", reference, "--keep-going", "--quiet"]).exitCode == 4)
    let process = Process()
    process.executableURL = ConvPipeProcess.executable
    process.arguments = ["run", dataset.job, "--output", target, "--keep-going", "--quiet"]
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    while dataset.journaledItems("result.h5") < 20 && process.isRunning && Date() < deadline { usleep(2_000) }
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    let resumed = try dataset.run([
      "--output", target, "--keep-going", "--resume", "--log", dataset.output("resumed.jsonl"), "--quiet",
    ])
    #expect(resumed.exitCode == 4)
    let log = try Dataset.log(dataset.output("resumed.jsonl"))
    #expect(
      log.first { $0["item"]?.stringValue == "0003" }?["status"]?.stringValue == "failed",
      "a failed item is tried again")
    #expect(Dataset.bytes(target) == Dataset.bytes(reference))
  }

  // MARK: 14. inspect filters

  @Test("inspect --failed, --item and --json; saved matrices are listed")
  func inspectFilters() throws {
    let output = Fixtures.temporaryDirectory().appendingPathComponent("qa.h5").path
    #expect(
      try ConvPipeProcess.run([
        "run", Fixtures.path("pipelines/seed-qa-gradient-and-flip.json"), "--output", output, "--quiet",
      ]).exitCode == 0)
    let all = try ConvPipeProcess.run(["inspect", output])
    #expect(all.standardOutput.contains("  matrices\n    unrolled"), "\(all.standardOutput)")
    let failed = try ConvPipeProcess.run(["inspect", output, "--failed"])
    #expect(failed.exitCode == 0)
    #expect(!failed.standardOutput.contains("item main"), "no item has a failed check")
    let json = try ConvPipeProcess.run(["inspect", output, "--item", "main", "--json"])
    let parsed = try JSONParser.parse(json.standardOutput)
    #expect(parsed["items"]?.arrayValue?.first?["matrices"]?.arrayValue?.first?["shape"]?.arrayValue?.count == 2)
    #expect(parsed["checks_failed"]?.intValue == 0)
    let none = try ConvPipeProcess.run(["inspect", output, "--item", "nope"])
    #expect(none.exitCode == 3)
  }

  // MARK: 15. diff and --golden agree

  @Test("diff REFERENCE NEW and --golden give the same relative error for the same change")
  func diffAgreesWithGolden() throws {
    let dataset = try Dataset(count: 5)
    let good = dataset.output("good.h5"), changed = dataset.output("changed.h5"), target = dataset.output("tonight.h5")
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    try Self.changeOneValue(of: target, to: changed, item: "0002", tensor: "back", delta: 0.5)
    try FileManager.default.copyItem(atPath: changed, toPath: good)
    #expect(try dataset.run(["--output", target, "--golden", good, "--quiet"]).exitCode == 1)
    let golden = try OutputSummary.read(path: target).items.first { $0.id == "0002" }?.reports.first {
      $0.name == "golden:back"
    }
    let report = dataset.output("diff.json")
    let diff = try ConvPipeProcess.run(["diff", good, target, "--report", report])
    #expect(diff.exitCode == 1)
    let entry = try JSONParser.parse(String(contentsOfFile: report, encoding: .utf8))["differences"]?.arrayValue?.first
    #expect(entry?["max_rel_error"]?.doubleValue == golden?.outcome.maxRelError)
    #expect(entry?["max_abs_error"]?.doubleValue == golden?.outcome.maxAbsError)
    let line =
      "item 0002 tensor back: max abs error \(golden?.outcome.maxAbsError ?? 0), max rel error \(golden?.outcome.maxRelError ?? 0): \(golden?.outcome.message ?? "")"
    #expect(diff.standardOutput.split(separator: "\n").first.map(String.init) == line)
  }

  @Test("diff lists its differences in item order either way round, an item failed on one side among them")
  func diffInItemOrder() throws {
    let dataset = try Dataset(count: 5)
    let good = dataset.output("good.h5"), target = dataset.output("tonight.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    try dataset.corruptImage(1)
    #expect(try dataset.run(["--output", target, "--keep-going", "--quiet"]).exitCode == 4)
    let changed = dataset.output("changed.h5")
    try Self.changeOneValue(of: target, to: changed, item: "0003", tensor: "back", delta: 0.5)
    for (reference, new) in [(good, changed), (changed, good)] {
      let diff = try ConvPipeProcess.run(["diff", reference, new])
      #expect(diff.exitCode == 1)
      let items = diff.standardOutput.split(separator: "\n").compactMap { line in
        line.hasPrefix("item ") ? String(line.split(separator: " ")[1]).filter { $0 != ":" } : nil
      }
      #expect(items == ["0001", "0003"], "\(diff.standardOutput)")
      #expect(diff.standardOutput.contains("item 0001: \(reference == good ? "" : "extra: ")failed in \(changed): "))
    }
  }

  @Test("--max-memory bounds the items at once together, and validate --threads checks the same sum as run")
  func maxMemoryCountsThreads() throws {
    let dataset = try Dataset(count: 30)
    let peak = try #require(try PreparedJob.prepare(path: dataset.job, maxMemory: .max).plans.map(\.peakBytes).max())
    let limit = String(peak * 3 / 2)
    for command in [["validate"], ["run", "--quiet", "--output", dataset.output("result.h5")]] {
      let one = try ConvPipeProcess.run(command + [dataset.job, "--max-memory", limit, "--threads", "1"])
      #expect(one.exitCode == 0, "\(command): \(one.standardError)")
      let two = try ConvPipeProcess.run(command + [dataset.job, "--max-memory", limit, "--threads", "2"])
      #expect(two.exitCode == 2, "\(command)")
      #expect(two.standardError.contains("per item, 2 items at once"), "\(two.standardError)")
    }
    let plan = try ConvPipeProcess.run(["validate", dataset.job, "--threads", "2"])
    #expect(plan.standardOutput.contains("per item at once"))
    #expect(plan.standardOutput.contains(", 2 items at once: "), "\(plan.standardOutput)")
  }

  @Test("an output replaced by a run keeps its permissions: a read-only one stays read-only")
  func replacedOutputKeepsItsMode() throws {
    let dataset = try Dataset(count: 6)
    let target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    func mode() -> mode_t {
      var info = stat()
      return stat(target, &info) == 0 ? info.st_mode & 0o7777 : 0
    }
    #expect(chmod(target, 0o444) == 0)
    try dataset.writeImage(2, variant: 7)
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    #expect(mode() == 0o444)
    #expect(chmod(target, 0o640) == 0)
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    #expect(mode() == 0o640)
  }

  @Test(
    "--shard writing over the job's own output, and --max-memory 0 or -5, are refused before anything runs (exit 2)")
  func shardOverJobOutputRefused() throws {
    let dataset = try Dataset(count: 6)
    let full = dataset.output("result.h5")
    #expect(try dataset.run(["--output", full, "--quiet"]).exitCode == 0)
    let job = try String(contentsOfFile: dataset.job, encoding: .utf8)
    let jobOutput = try #require(try JSONParser.parse(job)["outputs"]?["path"]?.stringValue)
    let target = URL(fileURLWithPath: dataset.job).deletingLastPathComponent().appendingPathComponent(jobOutput).path
    if !FileManager.default.fileExists(atPath: target) {
      #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    }
    let before = Dataset.bytes(target)
    let part = try ConvPipeProcess.run(["run", dataset.job, "--shard", "1/4", "--output", target])
    #expect(part.exitCode == 2)
    #expect(part.standardError.contains("is the job's outputs.path, the merged file's"), "\(part.standardError)")
    #expect(Dataset.bytes(target) == before)
    for size in ["0", "-5"] {
      let refused = try ConvPipeProcess.run(["run", dataset.job, "--output", full, "--max-memory", size])
      #expect(refused.exitCode == 2)
      #expect(
        refused.standardError.contains("--max-memory \(size) is not a size above zero"), "\(refused.standardError)")
    }
  }

  // MARK: - Found by a new user's trial

  @Test("more than 4,095 items are written: item ids are a dataset, not a root attribute")
  func manyItems() throws {
    let directory = Fixtures.temporaryDirectory()
    let images = directory.appendingPathComponent("images")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    let image = try PNGImage(width: 2, height: 2, channels: 1, bitDepth: 8, samples: [1, 2, 3, 4])
    for index in 0..<4_200 {
      try image.write(path: images.appendingPathComponent(String(format: "%05d.png", index)).path)
    }
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1, "inputs": {"image": {"png": "images/*.png"}}, "stages": [{"id": "f", "op": "flip", "input": "image"}],
     "outputs": {"path": "out.h5"}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    let run = try ConvPipeProcess.run(["run", job, "--quiet"])
    #expect(run.exitCode == 0, "\(run.standardError)")
    let file = try HDF5File.open(directory.appendingPathComponent("out.h5").path)
    #expect(try OutputComparison.itemIDs(of: file).count == 4_200)
    #expect(try file.attribute("items", of: "/") == .int(4_200))
  }

  @Test("one gray image among RGB ones fails alone: recorded with --keep-going, exit 3 at its turn without")
  func oddImageIsAnItemFailure() throws {
    let dataset = try Dataset(count: 6)
    try PNGImage(width: 16, height: 16, channels: 1, bitDepth: 8, samples: Array(repeating: 9, count: 256)).write(
      path: dataset.image(3))
    let target = dataset.output("result.h5")
    let kept = try dataset.run(["--output", target, "--keep-going", "--log", dataset.output("kept.jsonl")])
    #expect(kept.exitCode == 4, "\(kept.standardOutput)\(kept.standardError)")
    #expect(
      kept.standardOutput.contains("FAILED item 0003: ") && kept.standardOutput.contains("expects 3 input channels"))
    let stopped = try dataset.run([
      "--output", dataset.output("other.h5"), "--log", dataset.output("stopped.jsonl"), "--threads", "1",
    ])
    #expect(stopped.exitCode == 3)
    #expect(try Dataset.log(dataset.output("stopped.jsonl")).last?["summary"]?["exit_code"]?.intValue == 3)
    let validate = try ConvPipeProcess.run(["validate", dataset.job])
    #expect(validate.exitCode == 2, "validate still calls it a problem of the job")
  }

  @Test("--quiet prints nothing when every check passes and the failures when one does not")
  func quietPrintsFailures() throws {
    let dataset = try Dataset(count: 5)
    let good = dataset.output("good.h5"), changed = dataset.output("changed.h5")
    let pass = try dataset.run(["--output", good, "--quiet"])
    #expect(pass.exitCode == 0 && pass.standardOutput.isEmpty && pass.standardError.isEmpty)
    try Self.changeOneValue(of: good, to: changed, item: "0002", tensor: "back")
    let fail = try dataset.run(["--output", dataset.output("night.h5"), "--golden", changed, "--quiet"])
    #expect(fail.exitCode == 1)
    #expect(fail.standardOutput.contains("FAIL item 0002 stage golden:back"))
    #expect(!fail.standardError.contains("items/s"), "no progress line")
  }

  @Test("the log ends with a summary on every path: a missing log folder, an invalid job, a locked output")
  func logSummaryOnEveryPath() throws {
    let dataset = try Dataset(count: 300, size: 24)
    let log = dataset.directory.appendingPathComponent("logs/deep/night.jsonl").path
    try FileManager.default.removeItem(atPath: dataset.directory.appendingPathComponent("images").path)
    let empty = try dataset.run([
      "--log", log, "--report", dataset.directory.appendingPathComponent("reports/night.json").path,
    ])
    #expect(empty.exitCode == 3)
    #expect(try Dataset.log(log).last?["summary"]?["exit_code"]?.intValue == 3)
    #expect(FileManager.default.fileExists(atPath: dataset.directory.appendingPathComponent("reports/night.json").path))

    let invalid = dataset.directory.appendingPathComponent("invalid.json").path
    try #"{"convpipe": 1, "inputs": {}, "stages": [{"id": "x", "op": "convolve"}]}"#.write(
      toFile: invalid, atomically: true, encoding: .utf8)
    let bad = try ConvPipeProcess.run(["run", invalid, "--output", dataset.output("x.h5"), "--log", log])
    #expect(bad.exitCode == 2)
    let summary = try Dataset.log(log).last?["summary"]
    #expect(summary?["exit_code"]?.intValue == 2)
    #expect(summary?["error"]?.stringValue?.contains("convolve") == true)

    let busy = try Dataset(count: 300, size: 24)
    let first = Process()
    first.executableURL = ConvPipeProcess.executable
    first.arguments = [
      "run", busy.job, "--output", busy.output("result.h5"), "--quiet", "--threads", "1", "--log",
      busy.output("first.jsonl"),
    ]
    try first.run()
    let deadline = Date().addingTimeInterval(60)
    while busy.journaledItems("result.h5") == 0 && first.isRunning && Date() < deadline { usleep(2_000) }
    let second = try busy.run(["--output", busy.output("result.h5"), "--log", busy.output("second.jsonl")])
    let sameLog = try busy.run(["--output", busy.output("result.h5"), "--log", busy.output("first.jsonl")])
    first.waitUntilExit()
    #expect(second.exitCode == 3 && sameLog.exitCode == 3)
    #expect(try Dataset.log(busy.output("second.jsonl")).last?["summary"]?["exit_code"]?.intValue == 3)
    #expect(
      try Dataset.log(busy.output("first.jsonl")).last?["summary"]?["exit_code"]?.intValue == 0,
      "the running run's log is left alone")
  }

  @Test(
    "a command line that cannot be read or is refused still ends --log and --report with its summary (exit 2); a side file that is refused, or an HDF5 file, is left alone"
  )
  func commandLineErrorsStillReport() throws {
    let dataset = try Dataset(count: 2)
    let report = dataset.output("night.json"), log = dataset.output("night.jsonl")
    try FileManager.default.createDirectory(atPath: dataset.output(""), withIntermediateDirectories: true)
    func summary(_ path: String) throws -> JSONValue? {
      try JSONParser.parse(
        String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").last.map(String.init) ?? "")
    }
    for (arguments, words) in [
      (["--threads", "0"], "--threads 0 is out of range"), (["--incremntal"], "Unknown option '--incremntal'"),
      (["--rtol", "-1"], "--rtol"),
    ] {
      try #"{"exit_code": 0, "stale": true}"#.write(toFile: report, atomically: true, encoding: .utf8)
      let run = try dataset.run(arguments + ["--report=" + report, "--log", log])
      #expect(run.exitCode == 2)
      let written = try summary(report), logged = try summary(log)?["summary"]
      #expect(written?["exit_code"]?.intValue == 2 && logged?["exit_code"]?.intValue == 2, "\(arguments)")
      #expect(written?["error"]?.stringValue?.contains(words) == true, "\(String(describing: written))")
    }
    // --log names the output: the log is refused and left alone, the report still written.
    let output = dataset.output("result.h5")
    #expect(try dataset.run(["--output", output, "--quiet"]).exitCode == 0)
    let bytes = Dataset.bytes(output)
    let refused = try dataset.run(["--output", output, "--log", output, "--report", report])
    #expect(refused.exitCode == 2)
    #expect(Dataset.bytes(output) == bytes)
    #expect(try summary(report)?["error"]?.stringValue?.contains("is the output; name another file") == true)
    // An unreadable command line whose --report names an HDF5 file leaves it alone.
    let unreadable = try dataset.run(["--threads", "0", "--report", output])
    #expect(unreadable.exitCode == 2 && Dataset.bytes(output) == bytes)
    // Nor one naming the job (JSON too), wherever the job stands among the arguments, or given as the
    // job forgotten; nor a file convpipe did not write; nor a file named after the option that follows.
    let job = Dataset.bytes(dataset.job)
    let jobFirst = try ConvPipeProcess.run(["run", "--incremntal", dataset.job, "--report=" + dataset.job])
    let forgotten = try ConvPipeProcess.run(["run", "--report", dataset.job])
    #expect(jobFirst.exitCode == 2 && forgotten.exitCode == 2 && Dataset.bytes(dataset.job) == job)
    let notes = dataset.output("notes.txt")
    try "my notes".write(toFile: notes, atomically: true, encoding: .utf8)
    #expect(try dataset.run(["--threads", "0", "--report", notes]).exitCode == 2)
    #expect(try String(contentsOfFile: notes, encoding: .utf8) == "my notes")
    let cwd = FileManager.default.currentDirectoryPath
    #expect(try dataset.run(["--threads", "0", "--log", "--quiet"]).exitCode == 2)
    #expect(!FileManager.default.fileExists(atPath: cwd + "/--quiet"))
  }

  @Test("the output's lock file is gone once a run ends, written or failed")
  func lockFileRemoved() throws {
    let dataset = try Dataset(count: 3)
    let output = dataset.output("result.h5")
    #expect(try dataset.run(["--output", output, "--quiet"]).exitCode == 0)
    #expect(dataset.siblings(".result.h5.lock").isEmpty)
    try dataset.corruptImage(1)
    #expect(try dataset.run(["--output", output, "--quiet"]).exitCode == 3)
    #expect(dataset.siblings(".result.h5.lock").isEmpty)
  }

  @Test("a --log whose folder cannot be made says which part of its path is in the way, and nothing is written")
  func logFolderInTheWay() throws {
    let dataset = try Dataset(count: 2)
    let blocker = dataset.output("night")  // a file where a folder of the log's path should be
    try FileManager.default.createDirectory(atPath: dataset.output(""), withIntermediateDirectories: true)
    try Data().write(to: URL(fileURLWithPath: blocker))
    let run = try dataset.run(["--output", dataset.output("result.h5"), "--log", blocker + "/logs/night.jsonl"])
    #expect(run.exitCode == 3)
    #expect(
      run.standardError.contains("cannot write the log: \(blocker) is a file, not a folder"), "\(run.standardError)")
    #expect(!FileManager.default.fileExists(atPath: dataset.output("result.h5")))
  }

  @Test("--log or --report naming the output, the golden file or the job is refused before anything is touched")
  func sidePathsCannotClobber() throws {
    let dataset = try Dataset(count: 3)
    let good = dataset.output("good.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    let before = Dataset.bytes(good)
    for arguments in [
      ["--output", good, "--report", good], ["--golden", good, "--log", good], ["--report", dataset.job],
    ] {
      let result = try dataset.run(arguments)
      #expect(result.exitCode == 2, "\(arguments): \(result.standardError)")
    }
    #expect(Dataset.bytes(good) == before)
  }

  @Test("inspect counts the golden file's missing items as the run did; diff refuses a file convpipe did not write")
  func inspectAndDiffAgreeWithTheRun() throws {
    let dataset = try Dataset(count: 5)
    let good = dataset.output("good.h5"), target = dataset.output("night.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    try FileManager.default.removeItem(atPath: dataset.image(1))
    #expect(try dataset.run(["--output", target, "--golden", good, "--quiet"]).exitCode == 1)
    let file = try HDF5File.open(target)
    let inspect = try JSONParser.parse(try ConvPipeProcess.run(["inspect", target, "--json"]).standardOutput)
    #expect(try file.attribute("checks", of: "/") == .int(inspect["checks"]?.intValue ?? -1))
    #expect(try file.attribute("checks_failed", of: "/") == .int(inspect["checks_failed"]?.intValue ?? -1))
    #expect(inspect["golden_missing_items"]?.arrayValue?.first?.stringValue == "0001")
    let foreign = dataset.output("foreign.h5")
    let other = try HDF5File.create(foreign)
    try other.writeTensor(try Tensor(shape: [2], values: [1.0, 2.0]), to: "/data")
    try other.close()
    for pair in [[target, foreign], [foreign, target]] {
      let diff = try ConvPipeProcess.run(["diff"] + pair)
      #expect(diff.exitCode == 3, "\(diff.standardOutput)")
      #expect(diff.standardError.contains("not written by convpipe"))
    }
  }

  @Test("SIGTERM while the job is being planned still ends the log with its summary, exit 143")
  func sigtermWhilePlanning() throws {
    let directory = Fixtures.temporaryDirectory()
    let images = directory.appendingPathComponent("images")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    let image = try PNGImage(width: 2, height: 2, channels: 1, bitDepth: 8, samples: [1, 2, 3, 4])
    for index in 0..<6_000 {
      try image.write(path: images.appendingPathComponent(String(format: "%05d.png", index)).path)
    }
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1, "inputs": {"image": {"png": "images/*.png"}}, "stages": [{"id": "f", "op": "flip", "input": "image"}],
     "outputs": {"path": "out/out.h5"}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = ConvPipeProcess.executable
    let log = directory.appendingPathComponent("night.jsonl").path
    process.arguments = ["run", job, "--quiet", "--log", log]
    try process.run()
    usleep(150_000)
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
    #expect(try Dataset.log(log).last?["summary"]?["exit_code"]?.intValue == 143)
    let left =
      (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("out").path)) ?? []
    #expect(left.filter { $0.contains(".tmp-") || $0.contains("nosync") } == [])
  }

  @Test(
    "--incremental says why it computes every item: on standard error, and with --quiet (which prints only what needs attention) in the log only; --rtol without --golden is a usage error"
  )
  func incrementalNotices() throws {
    let dataset = try Dataset(count: 4)
    let target = dataset.output("result.h5")
    #expect(try dataset.run(["--output", target, "--quiet"]).exitCode == 0)
    let why = "the job or its shared inputs changed since it was written; --incremental computes every item"
    for seed in [2, 3] {
      var text = try String(contentsOfFile: dataset.job, encoding: .utf8)
      text = text.replacingOccurrences(of: #""seed": \#(seed - 1)"#, with: #""seed": \#(seed)"#)
      try text.write(toFile: dataset.job, atomically: true, encoding: .utf8)
      let quiet = seed == 2
      let log = dataset.output("night-\(seed).jsonl")
      let changed = try dataset.run(["--output", target, "--incremental", "--log", log] + (quiet ? ["--quiet"] : []))
      #expect(changed.exitCode == 0)
      #expect(changed.standardError.contains(why) == !quiet, "\(changed.standardError)")
      #expect(try Dataset.log(log).first?["notice"]?.stringValue?.hasSuffix(why) == true)
    }
    let tolerance = try dataset.run(["--output", target, "--rtol", "1e-3"])
    #expect(tolerance.exitCode == 2)
    #expect(tolerance.standardError.contains("--golden"))
  }

  @Test(
    "scripts/nightly.sh: the first night makes last-good, a night with nothing changed keeps the output, a changed image fails the next and keeps last-good"
  )
  func nightlyScript() throws {
    let dataset = try Dataset(count: 6)
    let out = dataset.output("")
    func night() throws -> (Int32, String) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Fixtures.path("scripts/nightly.sh"))
      process.arguments = [dataset.job, out]
      process.environment = ["CONVPIPE": ConvPipeProcess.executable.path, "PATH": "/usr/bin:/bin"]
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      return (process.terminationStatus, text)
    }
    let first = try night()
    #expect(first.0 == 0 && first.1.isEmpty)
    let lastGood = Dataset.bytes(out + "/last-good.h5")
    #expect(lastGood != nil)
    func summary() throws -> JSONValue {
      try JSONParser.parse(String(contentsOfFile: out + "/job-summary.json", encoding: .utf8))
    }
    sleep(2)  // last-good older than the two-second window
    #expect(try night().0 == 0, "compared with last-good, written")
    #expect(try summary()["output_kept"]?.boolValue == false)
    #expect(try night().0 == 0)
    #expect(try summary()["output_kept"]?.boolValue == true, "nothing changed: kept as it is")
    #expect(Dataset.bytes(out + "/last-good.h5") == lastGood, "a passing night is not copied over last-good")
    try dataset.writeImage(2, variant: 3)
    let second = try night()
    #expect(second.0 == 1)
    #expect(second.1.contains("FAIL item 0002 stage golden:back"))
    #expect(Dataset.bytes(out + "/last-good.h5") == lastGood)
    #expect(try summary()["reused"]?.intValue == 5)
    let logs = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".jsonl") }
    #expect(logs.count == 4, "one log per night, even two nights in the same second: \(logs)")
  }
}
