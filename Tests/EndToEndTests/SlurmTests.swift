import ConvJob
import Foundation
import HDF5IO
import Synchronization
import Testing
import TestSupport

/// The one-node Slurm of `scripts/slurm-up.sh` (munged, slurmctld and slurmd on
/// this machine, Debian's slurm-wlm installed with apt-get if needed), brought
/// up once for the suite; `scripts/slurm-down.sh` stops it afterwards when this
/// suite started it (the scripts stop only the daemons they started, by pid).
struct OneNodeSlurm: SuiteTrait, TestScoping {
  enum Status: Sendable {
    case notStarted
    case up
    case unavailable(String)
  }

  static let status = Mutex(Status.notStarted)

  func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? { test.isSuite ? self : nil }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let startedHere = Self.bringUp()
    defer { if startedHere { Self.bringDown() } }
    try await function()
  }

  /// Whether Slurm is up; records an issue saying why not otherwise.
  static func ready(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    switch status.withLock({ $0 }) {
    case .up: return true
    case .unavailable(let reason): Issue.record(Comment(rawValue: reason), sourceLocation: sourceLocation)
    case .notStarted: Issue.record("the one-node Slurm was not brought up", sourceLocation: sourceLocation)
    }
    return false
  }

  static var stateDirectory: String {
    ProcessInfo.processInfo.environment["CONVPIPE_SLURM_STATE"] ?? "/run/convpipe-slurm"
  }

  /// The pids the scripts recorded for the daemons they started.
  static func recordedDaemons() -> [String: String] {
    var found: [String: String] = [:]
    for daemon in ["munged", "slurmctld", "slurmd"] {
      found[daemon] = try? String(contentsOfFile: "\(stateDirectory)/\(daemon).pid", encoding: .utf8)
    }
    return found
  }

  /// Runs `slurm-up.sh`; true when it started a daemon that was not running before.
  static func bringUp() -> Bool {
    guard getuid() == 0 else {
      status.withLock {
        $0 = .unavailable(
          "the Slurm tests bring up a one-node Slurm with scripts/slurm-up.sh, which needs root (apt-get, daemons); run swift test as root, or set CONVPIPE_SKIP_SLURM=1 to skip them"
        )
      }
      return false
    }
    let before = recordedDaemons()
    let up = Script.run("/bin/bash", [Fixtures.path("scripts/slurm-up.sh")], timeout: 300)
    guard up.exitCode == 0 else {
      status.withLock {
        $0 = .unavailable(
          "scripts/slurm-up.sh could not bring up Slurm (exit \(up.exitCode)): \(up.standardError.trimmingCharacters(in: .whitespacesAndNewlines)); where slurm-wlm cannot be installed, set CONVPIPE_SKIP_SLURM=1 to skip these tests"
        )
      }
      return false
    }
    status.withLock { $0 = .up }
    return recordedDaemons().contains { before[$0.key] != $0.value }
  }

  static func bringDown() {
    let down = Script.run("/bin/bash", [Fixtures.path("scripts/slurm-down.sh")], timeout: 120)
    if down.exitCode != 0 { Issue.record("scripts/slurm-down.sh: exit \(down.exitCode): \(down.standardError)") }
    status.withLock { $0 = .notStarted }
  }
}

/// A program run with a time limit: killed (with its process group) when it
/// takes longer, so a wait that never ends fails the test instead of hanging it.
enum Script {
  struct Result {
    let exitCode: Int32
    let standardOutput: String
    let standardError: String
  }

  static func run(_ executable: String, _ arguments: [String], timeout: Double) -> Script.Result {
    let directory = Fixtures.temporaryDirectory("convpipe-script")
    let output = directory.appendingPathComponent("stdout"), error = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    _ = FileManager.default.createFile(atPath: error.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    guard let out = try? FileHandle(forWritingTo: output), let err = try? FileHandle(forWritingTo: error) else {
      return Script.Result(exitCode: -1, standardOutput: "", standardError: "cannot capture output")
    }
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch {
      return Script.Result(exitCode: -1, standardOutput: "", standardError: "\(error)")
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(50_000) }
    var timedOut = false
    if process.isRunning {
      timedOut = true
      process.terminate()
    }
    process.waitUntilExit()
    try? out.close()
    try? err.close()
    let standardError = (try? String(contentsOf: error, encoding: .utf8)) ?? ""
    return Script.Result(
      exitCode: timedOut ? -2 : process.terminationStatus,
      standardOutput: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
      standardError: timedOut ? "timed out after \(Int(timeout)) s\n" + standardError : standardError)
  }
}

/// `convpipe submit --slurm` against a real Slurm on this machine: a 4-task
/// array job and its merge over a generated dataset give the single run's
/// bytes, with failing checks and items too; a missing part is refused; a
/// failed task fails `--wait` with its exit code, and submitting again redoes
/// only the missing work.
@Suite(
  "Slurm: array jobs and merge on a one-node cluster", .serialized, OneNodeSlurm(),
  .enabled(
    if: ProcessInfo.processInfo.environment["CONVPIPE_SKIP_SLURM"] != "1",
    "CONVPIPE_SKIP_SLURM=1: the Slurm tests are skipped (they need root and Debian's slurm-wlm)"))
struct SlurmTests {
  /// `convpipe submit JOB --slurm --tasks 4 --output OUTPUT --wait ...`, with a time limit.
  static func submit(_ dataset: Dataset, output: String, _ options: [String] = []) -> Script.Result {
    Script.run(
      ConvPipeProcess.executable.path,
      ["submit", dataset.job, "--slurm", "--tasks", "4", "--output", output, "--wait"] + options, timeout: 240)
  }

  /// The job id after `label` in submit's output (`array job 12: ...`).
  static func jobID(_ label: String, in text: String) -> String? {
    text.split(separator: "\n").first { $0.hasPrefix(label + " ") }?.dropFirst(label.count + 1)
      .prefix { $0.isNumber }.description
  }

  /// A dataset whose images were last written a minute ago (so unchanged ones
  /// are not hashed again: the stat cache distrusts files written within two seconds).
  static func dataset(count: Int) throws -> Dataset {
    let dataset = try Dataset(count: count)
    for index in 0..<count { try age(dataset.image(index)) }
    return dataset
  }

  static func age(_ path: String) throws {
    try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: path)
  }

  @Test("a 4-task array job and its merge, submitted with --wait, write the single run's bytes")
  func arrayJobEqualsSingleRun() throws {
    guard OneNodeSlurm.ready() else { return }
    let dataset = try Self.dataset(count: 40)
    let single = dataset.output("single.h5"), merged = dataset.output("slurm/result.h5")
    #expect(try dataset.run(["--output", single, "--quiet"]).exitCode == 0)
    let submit = Self.submit(dataset, output: merged)
    #expect(submit.exitCode == 0, "\(submit.standardOutput)\(submit.standardError)")
    #expect(submit.standardOutput.contains("wrote \(merged): 40 items, 40 checks"), "\(submit.standardOutput)")
    #expect(Dataset.bytes(merged) != nil && Dataset.bytes(merged) == Dataset.bytes(single), "the same bytes")
    let array = try #require(Self.jobID("array job", in: submit.standardOutput))
    let tasks = Script.run("/usr/bin/scontrol", ["show", "job", "-o", array], timeout: 60)
    let records = SlurmJobRecord.records(tasks.standardOutput)
    #expect(records.count == 4 && records.allSatisfy { $0.state == "COMPLETED" }, "\(tasks.standardOutput)")
    #expect(Set(records.compactMap(\.arrayTaskID)) == ["0", "1", "2", "3"])

    // A missing part: the merge of three of the four parts the tasks wrote names the fourth and writes nothing.
    let parts = (0..<4).map { dataset.output("slurm/result.h5.shards/part-\($0)-of-4.h5") }
    let partial = dataset.output("partial.h5")
    let merge = try ConvPipeProcess.run(["merge", "--output", partial, parts[0], parts[1], parts[3]])
    #expect(merge.exitCode == 2)
    #expect(merge.standardError.contains("missing part: no part given for shard 2/4"), "\(merge.standardError)")
    #expect(!FileManager.default.fileExists(atPath: partial))
  }

  @Test("failing checks and items do not fail their tasks: --golden and --keep-going, merge exits 1, same bytes")
  func checksAndItemsFailInTheMerge() throws {
    guard OneNodeSlurm.ready() else { return }
    let dataset = try Self.dataset(count: 40)
    let good = dataset.output("good.h5"), changed = dataset.output("changed.h5")
    #expect(try dataset.run(["--output", good, "--quiet"]).exitCode == 0)
    try NightlyRunTests.changeOneValue(of: good, to: changed, item: "0011", tensor: "back")
    try dataset.corruptImage(27)
    let options = ["--golden", changed, "--keep-going"]
    let single = dataset.output("single.h5"), merged = dataset.output("slurm/result.h5")
    let run = try dataset.run(["--output", single] + options)
    #expect(run.exitCode == 1)
    let submit = Self.submit(dataset, output: merged, options)
    #expect(submit.exitCode == 1, "\(submit.standardOutput)\(submit.standardError)")
    #expect(submit.standardOutput.contains("FAIL item 0011 stage golden:back"), "\(submit.standardOutput)")
    #expect(submit.standardOutput.contains("FAILED item 0027: "))
    #expect(Dataset.bytes(merged) == Dataset.bytes(single), "the same bytes as the single --golden --keep-going run")
  }

  @Test("a failed task fails --wait with its exit code and log; submitting again redoes only the missing work")
  func failedTaskThenResubmit() throws {
    guard OneNodeSlurm.ready() else { return }
    let dataset = try Self.dataset(count: 40)
    let single = dataset.output("single.h5"), merged = dataset.output("slurm/result.h5")
    #expect(try dataset.run(["--output", single, "--quiet"]).exitCode == 0)
    // the last image of its shard, so that the task finishes the others first
    let broken = try #require((0..<40).last { Shard.index(of: String(format: "%04d", $0), count: 4) == 1 })
    try dataset.corruptImage(broken)
    let failed = Self.submit(dataset, output: merged)
    #expect(failed.exitCode == 3, "\(failed.standardOutput)\(failed.standardError)")
    let array = Self.jobID("array job", in: failed.standardOutput) ?? "?"
    #expect(failed.standardError.contains("tasks of array job \(array) failed"), "\(failed.standardError)")
    #expect(failed.standardError.contains("task 1 of array job \(array): FAILED, exit 3; its log: "))
    #expect(failed.standardError.contains(String(format: "%04d.png", broken)), "the task's error, from its log")
    #expect(!FileManager.default.fileExists(atPath: merged), "nothing merged")

    let shards = dataset.output("slurm/result.h5.shards")
    let parts = (0..<4).map { "\(shards)/part-\($0)-of-4.h5" }
    func inode(_ path: String) -> NSNumber? {
      (try? FileManager.default.attributesOfItem(atPath: path))?[.systemFileNumber] as? NSNumber
    }
    let before = parts.map(inode)
    #expect(before[1] == nil && before.enumerated().allSatisfy { $0.offset == 1 || $0.element != nil })
    try dataset.writeImage(broken)
    let again = Self.submit(dataset, output: merged)
    #expect(again.exitCode == 0, "\(again.standardOutput)\(again.standardError)")
    #expect(Dataset.bytes(merged) == Dataset.bytes(single), "the resubmitted merge equals the single run")
    for index in [0, 2, 3] { #expect(inode(parts[index]) == before[index], "part \(index) was kept as it is") }
    let log = try Dataset.log("\(shards)/logs/part-1-of-4.jsonl").filter { $0["item"] != nil }
    let computed = log.filter { $0["status"]?.stringValue == "computed" }.map { $0["item"]?.stringValue }
    #expect(computed == [String(format: "%04d", broken)], "task 1 took up what it had finished: \(computed)")
  }

  @Test(
    "SIGINT stops --wait, not the jobs: one line names them and how to follow or stop them, then exit by the signal")
  func interruptedWait() throws {
    guard OneNodeSlurm.ready() else { return }
    let dataset = try Self.dataset(count: 4)
    let output = dataset.output("held/result.h5")
    let process = Process()
    process.executableURL = ConvPipeProcess.executable
    // Held jobs never start: the wait lasts until the signal.
    process.arguments = [
      "submit", dataset.job, "--slurm", "--tasks", "2", "--output", output, "--wait", "--sbatch", "--hold",
    ]
    let directory = Fixtures.temporaryDirectory("convpipe-script")
    let written = directory.appendingPathComponent("stdout"), error = directory.appendingPathComponent("stderr")
    for file in [written, error] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
    process.standardOutput = try FileHandle(forWritingTo: written)
    process.standardError = try FileHandle(forWritingTo: error)
    try process.run()
    func said() -> String { (try? String(contentsOf: error, encoding: .utf8)) ?? "" }
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline && process.isRunning && !said().contains("waiting for merge job") { usleep(100_000) }
    kill(process.processIdentifier, SIGINT)
    let stopDeadline = Date().addingTimeInterval(30)
    while process.isRunning && Date() < stopDeadline { usleep(100_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    let text = said()
    let submitted = (try? String(contentsOf: written, encoding: .utf8)) ?? ""
    let array = Self.jobID("array job", in: submitted) ?? "?", merge = Self.jobID("merge job", in: submitted) ?? "?"
    _ = Script.run("/usr/bin/scancel", [array, merge], timeout: 30)
    #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT, "\(text)")
    #expect(
      text.contains(
        "stopped waiting: array job \(array) and merge job \(merge) keep running; scontrol show job \(merge) follows them, scancel \(array) \(merge) stops them"
      ), "\(text)")
  }
}
