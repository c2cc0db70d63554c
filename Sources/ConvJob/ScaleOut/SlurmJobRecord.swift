/// One line of `scontrol show job -o <id>`: a job, or one task (or a range of
/// tasks not started yet) of an array job.
///
/// ```
/// JobId=13 JobName=convpipe-x-merge UserId=root(0) ... JobState=CANCELLED Reason=DependencyNeverSatisfied
///   Dependency=afterok:12_*(failed) ... ExitCode=0:0 ...
/// JobId=14 ArrayJobId=12 ArrayTaskId=1 JobName=convpipe-x ... JobState=FAILED Reason=NonZeroExitCode ... ExitCode=3:0
/// ```
///
/// The values read here (JobId, ArrayTaskId, JobState, Reason, ExitCode) hold
/// no spaces; JobName and paths may, so each is the first ` Key=` token of the
/// line, and convpipe names its jobs without spaces. This key=value format has
/// been stable across Slurm versions, unlike `--json`.
package struct SlurmJobRecord: Sendable, Equatable {
  package let jobID: String
  /// The task (`1`) or tasks (`2-3`) of an array job this line is about.
  package let arrayTaskID: String?
  /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, ...
  package let state: String
  package let reason: String
  /// ExitCode `K:S`: the exit status K, or the signal S that ended the job.
  package let exitStatus: Int32
  package let exitSignal: Int32
  /// Whether the job was given a node (`NodeList` not empty; a job that ran
  /// for less than a second still shows `RunTime=00:00:00`): a job cancelled
  /// while pending never started convpipe.
  package let started: Bool

  package init(
    jobID: String, arrayTaskID: String? = nil, state: String, reason: String = "None", exitStatus: Int32 = 0,
    exitSignal: Int32 = 0, started: Bool = true
  ) {
    self.jobID = jobID
    self.arrayTaskID = arrayTaskID
    self.state = state
    self.reason = reason
    self.exitStatus = exitStatus
    self.exitSignal = exitSignal
    self.started = started
  }

  /// Nil for a line without JobId and JobState.
  package init?(line: String) {
    let padded = " " + line
    func value(_ key: String) -> String? {
      guard let start = padded.range(of: " \(key)=") else { return nil }
      return String(padded[start.upperBound...].prefix { !$0.isWhitespace })
    }
    guard let jobID = value("JobId"), let state = value("JobState") else { return nil }
    let exit = (value("ExitCode") ?? "0:0").split(separator: ":")
    self.init(
      jobID: jobID, arrayTaskID: value("ArrayTaskId"), state: state, reason: value("Reason") ?? "None",
      exitStatus: exit.first.flatMap { Int32($0) } ?? 0, exitSignal: exit.dropFirst().first.flatMap { Int32($0) } ?? 0,
      started: value("NodeList").map { !$0.isEmpty && $0 != "(null)" } ?? true)
  }

  /// The records of `scontrol show job -o` output, one per line.
  package static func records(_ output: String) -> [SlurmJobRecord] {
    output.split(separator: "\n").compactMap { SlurmJobRecord(line: String($0)) }
  }

  /// Whether the job has ended: Slurm changes nothing about it any more.
  package var isFinal: Bool { Self.finalStates.contains(state) }

  /// The states a job ends in (anything else — PENDING, RUNNING, CONFIGURING,
  /// COMPLETING, SUSPENDED, REQUEUED, ... — is still going).
  static let finalStates: Set<String> = [
    "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE",
  ]

  /// Whether this job waits for a dependency that can never be met (a task of
  /// the array it waits for failed): cancelled by Slurm for
  /// `--kill-on-invalid-dep=yes`, or, where that is ignored, pending for ever.
  package var dependencyFailed: Bool { reason == "DependencyNeverSatisfied" }

  /// `FAILED, exit 3`, `CANCELLED by signal 15`, `TIMEOUT (TimeLimit)`,
  /// `CANCELLED before it started`.
  package var summary: String {
    if state == "CANCELLED" && !started { return "CANCELLED before it started" }
    var text = state
    if exitSignal != 0 {
      text += " by signal \(exitSignal)"
    } else if exitStatus != 0 {
      text += ", exit \(exitStatus)"
    }
    if reason != "None" && !["NonZeroExitCode", "Dependency"].contains(reason) { text += " (\(reason))" }
    return text
  }
}
