import ConvJob
import Foundation
import Synchronization
import Testing
import TestSupport

/// A Slurm that answers from a script: each call to a program gets the next
/// answer given for it; sleeping moves the clock.
final class ScriptedSlurm: SlurmClient {
  private struct State {
    var answers: [String: [ProgramResult]] = [:]
    var calls: [[String]] = []
    var clock = 0.0
    var sleeps: [Double] = []
  }
  private let state = Mutex(State())

  /// Answers `program`'s next calls with `answers`, in turn (the last one again when they run out).
  func answer(_ program: String, _ answers: ProgramResult...) {
    state.withLock { $0.answers[program, default: []] += answers }
  }

  var calls: [[String]] { state.withLock { $0.calls } }
  var sleeps: [Double] { state.withLock { $0.sleeps } }

  func run(_ program: String, _ arguments: [String]) throws(RunFailure) -> ProgramResult {
    try state.withLock { (state) throws(RunFailure) -> ProgramResult in
      state.calls.append([program] + arguments)
      guard var queue = state.answers[program], let next = queue.first else {
        throw RunFailure("\(program): not found on PATH")
      }
      if queue.count > 1 { queue.removeFirst() }
      state.answers[program] = queue
      return next
    }
  }

  func sleep(_ seconds: Double) {
    state.withLock {
      $0.clock += seconds
      $0.sleeps.append(seconds)
    }
  }

  func now() -> Double { state.withLock { $0.clock } }
}

/// `scontrol show job -o` lines as Slurm 22.05 printed them here (trimmed after ExitCode).
enum SlurmLines {
  static let cancelledMerge =
    "JobId=7 JobName=convpipe-throughput-40-merge UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901756 Nice=0 Account=(null) QOS=(null) JobState=CANCELLED Reason=DependencyNeverSatisfied Dependency=afterok:6_*(failed) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:00 Command=/tmp/s2/ds/slurm/result.h5.shards/merge.sh WorkDir=/tmp/s2/ds"
  static let failedTask =
    "JobId=10 ArrayJobId=6 ArrayTaskId=2 JobName=convpipe-throughput-40 UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901757 Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:00 Command=/tmp/s2/ds/slurm/result.h5.shards/task.sh"

  static func job(_ id: String, _ state: String, reason: String = "None", exit: String = "0:0", task: String? = nil)
    -> ProgramResult
  {
    let array = task.map { " ArrayJobId=1 ArrayTaskId=\($0)" } ?? ""
    return ProgramResult(
      status: 0,
      output:
        "JobId=\(id)\(array) JobName=convpipe-x UserId=root(0) JobState=\(state) Reason=\(reason) Dependency=(null) ExitCode=\(exit) WorkDir=/a b\n"
    )
  }

  static func tasks(_ lines: [(task: String, state: String, exit: String)]) -> ProgramResult {
    ProgramResult(
      status: 0,
      output: lines.enumerated().map { number, task in
        "JobId=\(20 + number) ArrayJobId=1 ArrayTaskId=\(task.task) JobName=convpipe-x JobState=\(task.state) Reason=None ExitCode=\(task.exit)"
      }.joined(separator: "\n") + "\n")
  }

  static let invalid = ProgramResult(
    status: 1, output: "", error: "slurm_load_jobs error: Invalid job id specified\n")
  static let unreachable = ProgramResult(
    status: 1, output: "", error: "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n")
}

@Suite("Slurm submission: scripts, sbatch and scontrol, and the wait, without Slurm")
struct SlurmSubmissionTests {
  static func submission(tasks: Int = 4, output: String = "out/result.h5", runOptions: [String] = [])
    -> SlurmSubmission
  {
    SlurmSubmission(
      convpipe: "/opt/convpipe/bin/convpipe", job: "jobs/night.json", output: output, tasks: tasks,
      runOptions: runOptions, sbatchArguments: ["--partition=batch", "--time=1:00:00"], jobName: "night run",
      workingDirectory: "/srv/data")
  }

  @Test("the task script runs shard $SLURM_ARRAY_TASK_ID with --resume --incremental; every path is absolute")
  func taskScript() {
    let script = Self.submission(runOptions: ["--golden", "/srv/last good.h5", "--keep-going"]).taskScript
    #expect(script.hasPrefix("#!/bin/bash\n"))
    #expect(script.contains("#SBATCH --job-name=convpipe-night_run\n"))
    #expect(script.contains("#SBATCH --array=0-3\n"))
    #expect(script.contains("#SBATCH --output=/srv/data/out/result.h5.shards/logs/%A_%a.out\n"))
    #expect(
      script.contains(
        "/opt/convpipe/bin/convpipe run /srv/data/jobs/night.json --shard \"$k/4\" --output /srv/data/out/result.h5.shards/part-\"$k\"-of-4.h5"
      ))
    #expect(script.contains("--resume --incremental --threads \"${SLURM_CPUS_PER_TASK:-1}\""))
    #expect(script.contains("--golden '/srv/last good.h5' --keep-going"))
    #expect(script.contains("case $status in 0|1|4) exit 0 ;; *) exit $status ;; esac"))
  }

  @Test("the merge script names each of the N parts, in shard order, and nothing else")
  func mergeScript() {
    let submission = Self.submission(tasks: 3, output: "/shared/out dir/result.h5")
    let script = submission.mergeScript
    #expect(script.contains("#SBATCH --output=\"/shared/out dir/result.h5.shards/logs/merge-%j.out\"\n"))
    #expect(
      script.contains(
        """
        exec /opt/convpipe/bin/convpipe merge --output '/shared/out dir/result.h5' \\
          '/shared/out dir/result.h5.shards/part-0-of-3.h5' \\
          '/shared/out dir/result.h5.shards/part-1-of-3.h5' \\
          '/shared/out dir/result.h5.shards/part-2-of-3.h5'

        """))
    #expect(!script.contains("*"), "no glob: stale parts of another N are never picked up")
  }

  @Test("sbatch gets --parsable, the merge afterok and --kill-on-invalid-dep=yes, --sbatch arguments after convpipe's")
  func sbatchArguments() {
    let submission = Self.submission()
    #expect(
      submission.arrayArguments == [
        "--parsable", "--partition=batch", "--time=1:00:00", "/srv/data/out/result.h5.shards/task.sh",
      ])
    #expect(
      submission.mergeArguments(array: "41") == [
        "--parsable", "--dependency=afterok:41", "--kill-on-invalid-dep=yes", "--partition=batch", "--time=1:00:00",
        "/srv/data/out/result.h5.shards/merge.sh",
      ])
  }

  @Test("sbatch --parsable prints an id, or id;cluster")
  func parsableOutput() {
    #expect(SlurmSubmission.jobID(fromParsable: "12\n") == "12")
    #expect(SlurmSubmission.jobID(fromParsable: "12;cluster\n") == "12")
    #expect(SlurmSubmission.jobID(fromParsable: "Submitted batch job 12\n") == nil)
    #expect(SlurmSubmission.jobID(fromParsable: "") == nil)
  }

  /// Runs the task script as task `task` with a stand-in convpipe that records its
  /// arguments and exits with `code`; returns the script's exit status and the arguments.
  static func runTaskScript(convpipeExit code: Int32, task: Int = 2) throws -> (Int32, String) {
    let directory = Fixtures.temporaryDirectory("convpipe-task-script")
    let fake = directory.appendingPathComponent("convpipe").path
    let recorded = directory.appendingPathComponent("arguments").path
    try "#!/bin/bash\nprintf '%s\\n' \"$@\" > '\(recorded)'\nexit \(code)\n"
      .write(toFile: fake, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
    let submission = SlurmSubmission(
      convpipe: fake, job: "job.json", output: "out/result.h5", tasks: 4, jobName: "x",
      workingDirectory: directory.path)
    let script = directory.appendingPathComponent("task.sh").path
    try submission.taskScript.write(toFile: script, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [script]
    process.environment = ["SLURM_ARRAY_TASK_ID": "\(task)", "PATH": "/usr/bin:/bin"]
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOfFile: recorded, encoding: .utf8)) ?? "")
  }

  @Test(
    "the task script exits 0 when convpipe wrote the part (0, 1, 4) and with convpipe's code otherwise",
    arguments: [(0, 0), (1, 0), (4, 0), (2, 2), (3, 3), (130, 130), (143, 143)] as [(Int32, Int32)])
  func taskExitCodes(convpipe: Int32, task: Int32) throws {
    let (status, arguments) = try Self.runTaskScript(convpipeExit: convpipe)
    #expect(status == task)
    let lines = arguments.split(separator: "\n")
    #expect(lines.starts(with: ["run"]))
    #expect(lines.contains("2/4"))
    #expect(lines.contains { $0.hasSuffix("/out/result.h5.shards/part-2-of-4.h5") })
    #expect(lines.contains("--resume") && lines.contains("--incremental"))
  }

  @Test("scontrol show job -o lines: the first JobState, Reason, ExitCode and ArrayTaskId tokens")
  func records() {
    #expect(
      SlurmJobRecord(line: SlurmLines.cancelledMerge)
        == SlurmJobRecord(jobID: "7", state: "CANCELLED", reason: "DependencyNeverSatisfied"))
    #expect(
      SlurmJobRecord(line: SlurmLines.failedTask)
        == SlurmJobRecord(
          jobID: "10", arrayTaskID: "2", state: "FAILED", reason: "NonZeroExitCode", exitStatus: 3))
    #expect(SlurmJobRecord(line: "JobId=3 JobState=CANCELLED ExitCode=0:15")?.exitSignal == 15)
    #expect(SlurmJobRecord(line: "slurm_load_jobs error: Invalid job id specified") == nil)
    #expect(SlurmJobRecord(line: SlurmLines.failedTask)?.summary == "FAILED, exit 3")
    #expect(
      SlurmJobRecord(line: "JobId=3 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15")?.summary
        == "TIMEOUT by signal 15 (TimeLimit)")
  }

  static func wait(_ slurm: ScriptedSlurm) -> SlurmWait.Report {
    SlurmWait(client: slurm, submission: submission(), array: "1", merge: "2").wait()
  }

  @Test("pending, running, then completed: exit 0 and the merge's log; one poll a second")
  func completed() {
    let slurm = ScriptedSlurm()
    slurm.answer(
      "scontrol", SlurmLines.job("2", "PENDING", reason: "Dependency"), SlurmLines.job("2", "RUNNING"),
      SlurmLines.job("2", "COMPLETED"))
    let report = Self.wait(slurm)
    #expect(report.status == .success)
    #expect(report.lines == [])
    #expect(report.mergeLog == "/srv/data/out/result.h5.shards/logs/merge-2.out")
    #expect(slurm.sleeps == [1, 1])
    #expect(slurm.calls.allSatisfy { $0 == ["scontrol", "show", "job", "-o", "2"] })
  }

  @Test("a merge that exits 1, 4 or 3 gives that exit status")
  func mergeExitCodes() {
    for (exit, status) in [("1:0", ConvJob.ExitStatus.checksFailed), ("4:0", .itemsFailed), ("3:0", .dataError)] {
      let slurm = ScriptedSlurm()
      slurm.answer("scontrol", SlurmLines.job("2", "FAILED", reason: "NonZeroExitCode", exit: exit))
      let report = Self.wait(slurm)
      #expect(report.status == status, "\(exit)")
      #expect(report.mergeLog != nil)
      #expect(report.lines.isEmpty == (status != .dataError))
    }
  }

  @Test("a merge cancelled for a failed task: the failed tasks with exit codes, the first one's code")
  func failedTasks() {
    let slurm = ScriptedSlurm()
    slurm.answer(
      "scontrol", SlurmLines.job("2", "RUNNING"), ProgramResult(status: 0, output: SlurmLines.cancelledMerge))
    slurm.answer(
      "scontrol",
      SlurmLines.tasks([
        ("3", "COMPLETED", "0:0"), ("2", "CANCELLED", "0:15"), ("1", "FAILED", "3:0"), ("0", "COMPLETED", "0:0"),
      ]))
    let report = Self.wait(slurm)
    #expect(report.status == .dataError)
    #expect(report.lines.first == "merge job 2: cancelled, not run: tasks of array job 1 failed")
    #expect(report.lines.contains("task 1 of array job 1: FAILED, exit 3"))
    #expect(report.lines.contains("task 2 of array job 1: CANCELLED by signal 15"))
    #expect(report.lines.last?.contains("submit again") == true)
    #expect(slurm.calls.last == ["scontrol", "show", "job", "-o", "1"])
  }

  @Test("a merge left pending on a dependency that cannot be met is cancelled, not waited for")
  func pendingForEver() {
    let slurm = ScriptedSlurm()
    slurm.answer(
      "scontrol", SlurmLines.job("2", "PENDING", reason: "DependencyNeverSatisfied"),
      SlurmLines.tasks([("1", "FAILED", "2:0")]))
    slurm.answer("scancel", ProgramResult(status: 0, output: ""))
    let report = Self.wait(slurm)
    #expect(slurm.calls.contains(["scancel", "2"]))
    #expect(report.status == .invalid, "task 1 found the job invalid")
    #expect(report.lines.contains("task 1 of array job 1: FAILED, exit 2"))
  }

  @Test(
    "the failed tasks' code: 2 invalid, 143 stopped, a launch failure 3, tasks cancelled while running 143, before they ran 3"
  )
  func taskStatus() {
    func status(_ state: String, _ exit: String) -> ConvJob.ExitStatus {
      let slurm = ScriptedSlurm()
      slurm.answer("scontrol", SlurmLines.job("2", "CANCELLED", reason: "DependencyNeverSatisfied"))
      slurm.answer("scontrol", SlurmLines.tasks([("0-3", state, exit)]))
      return Self.wait(slurm).status
    }
    #expect(status("FAILED", "2:0") == .invalid)
    #expect(status("FAILED", "143:0") == .stopped(signal: SIGTERM))
    #expect(status("FAILED", "0:53") == .dataError)
    #expect(status("TIMEOUT", "0:15") == .stopped(signal: SIGTERM))
    #expect(status("TIMEOUT", "0:9") == .dataError)
    #expect(status("CANCELLED", "0:0") == .stopped(signal: SIGTERM))
    #expect(status("CANCELLED NodeList=", "0:0") == .dataError, "cancelled while pending: no convpipe ran")
    // As Slurm 22.05 shows a task cancelled while it waited for --begin.
    let pending = SlurmJobRecord(
      line: "JobId=3 JobState=CANCELLED Reason=BeginTime ExitCode=0:0 RunTime=00:00:00 ReqNodeList=(null) NodeList=")
    #expect(pending?.summary == "CANCELLED before it started")
  }

  @Test("a merge cancelled by hand, timed out or lost with its node")
  func otherEnds() {
    for (state, reason, status) in [
      ("CANCELLED", "None", ConvJob.ExitStatus.stopped(signal: SIGTERM)),
      ("TIMEOUT", "TimeLimit", .stopped(signal: SIGTERM)),
      ("NODE_FAIL", "NodeDown", .dataError),
    ] {
      let slurm = ScriptedSlurm()
      slurm.answer("scontrol", SlurmLines.job("2", state, reason: reason))
      let report = Self.wait(slurm)
      #expect(report.status == status, "\(state)")
      #expect(report.lines.first?.hasPrefix("merge job 2: \(state)") == true)
    }
  }

  @Test("a job Slurm forgot ends the wait at once; an unreachable controller is retried, then given up")
  func unknownAndUnreachable() {
    let forgotten = ScriptedSlurm()
    forgotten.answer("scontrol", SlurmLines.invalid)
    let report = Self.wait(forgotten)
    #expect(report.status == .dataError)
    #expect(report.lines.first?.contains("Slurm no longer knows it") == true)
    #expect(forgotten.calls.count == 1)

    let flaky = ScriptedSlurm()
    flaky.answer("scontrol", SlurmLines.unreachable, SlurmLines.unreachable, SlurmLines.job("2", "COMPLETED"))
    #expect(Self.wait(flaky).status == .success)

    let down = ScriptedSlurm()
    down.answer("scontrol", SlurmLines.unreachable)
    let gaveUp = Self.wait(down)
    #expect(gaveUp.status == .dataError)
    #expect(gaveUp.lines.first?.contains("Unable to contact slurm controller") == true)
    #expect(down.now() >= 300 && down.now() < 320)
  }

  @Test("after a minute of waiting, one poll every 5 seconds")
  func backoff() {
    var answers = Array(repeating: SlurmLines.job("2", "RUNNING"), count: 70)
    answers.append(SlurmLines.job("2", "COMPLETED"))
    let scripted = ScriptedSlurm()
    for answer in answers { scripted.answer("scontrol", answer) }
    #expect(Self.wait(scripted).status == .success)
    #expect(scripted.sleeps.prefix(60).allSatisfy { $0 == 1 })
    #expect(scripted.sleeps.dropFirst(60).allSatisfy { $0 == 5 })
  }

  @Test("submit writes both scripts, submits the array then the merge, and cancels the array if the merge fails")
  func submit() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-submit")
    let submission = SlurmSubmission(
      convpipe: "/bin/convpipe", job: "job.json", output: "out/result.h5", tasks: 2, jobName: "x",
      workingDirectory: directory.path)
    let slurm = ScriptedSlurm()
    slurm.answer("sbatch", ProgramResult(status: 0, output: "41\n"), ProgramResult(status: 0, output: "42;cluster\n"))
    let (array, merge) = try submission.submit(with: slurm)
    #expect((array, merge) == ("41", "42"))
    #expect(
      slurm.calls == [["sbatch"] + submission.arrayArguments, ["sbatch"] + submission.mergeArguments(array: "41")])
    #expect(try String(contentsOfFile: submission.taskScriptPath, encoding: .utf8) == submission.taskScript)
    #expect(FileManager.default.isExecutableFile(atPath: submission.mergeScriptPath))
    #expect(FileManager.default.fileExists(atPath: submission.logs), "the log directory exists before sbatch")

    let refused = ScriptedSlurm()
    refused.answer(
      "sbatch", ProgramResult(status: 0, output: "41\n"),
      ProgramResult(
        status: 1, output: "", error: "sbatch: error: Batch job submission failed: Invalid partition name\n"))
    refused.answer("scancel", ProgramResult(status: 0, output: ""))
    #expect {
      try submission.submit(with: refused)
    } throws: { error in
      let message = (error as? RunFailure)?.message ?? ""
      return message.contains("Invalid partition name") && message.contains("array job 41 was cancelled")
    }
    #expect(refused.calls.last == ["scancel", "41"])

    let garbled = ScriptedSlurm()
    garbled.answer("sbatch", ProgramResult(status: 0, output: "Submitted batch job 41\n"))
    #expect(throws: RunFailure.self) { try submission.submit(with: garbled) }
  }
}
