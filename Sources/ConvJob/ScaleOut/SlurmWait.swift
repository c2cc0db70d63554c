import Foundation

/// `submit --wait`: waits for the merge job and says how it ended, as
/// scripts/README.md recommends for clusters without accounting (no `sacct`).
///
/// It polls `scontrol show job -o <merge>` (every second for the first minute,
/// then every 5 s; Slurm keeps a finished job's record for MinJobAge, 300 s by
/// default) until the merge's state is final. The merge waits for the array
/// (`afterok`), so a failed task always shows as the merge cancelled with
/// Reason=DependencyNeverSatisfied — then one `scontrol show job -o <array>`
/// names the tasks that did not complete, with their exit codes and logs. A
/// merge left pending on that reason (a cluster ignoring
/// `--kill-on-invalid-dep`) is cancelled rather than waited for for ever.
package struct SlurmWait {
  package let client: any SlurmClient
  package let submission: SlurmSubmission
  package let array: String
  package let merge: String
  /// How long `scontrol` may fail to reach the controller before the wait gives up.
  package var unreachableLimit: Double = 300

  package init(client: any SlurmClient, submission: SlurmSubmission, array: String, merge: String) {
    self.client = client
    self.submission = submission
    self.array = array
    self.merge = merge
  }

  /// How the wait ended: the exit status for `submit --wait`, lines for
  /// standard error, and the merge's log when it ran (its summary, for standard output).
  package struct Report: Sendable, Equatable {
    package let status: ExitStatus
    package let lines: [String]
    package let mergeLog: String?
  }

  /// Seconds between polls, after `elapsed` seconds of waiting: 1, then 5 after the first minute.
  static func interval(after elapsed: Double) -> Double { elapsed < 60 ? 1 : 5 }

  /// Waits until the merge has ended.
  package func wait() -> Report {
    let started = client.now()
    var unreachableSince: Double?
    while true {
      let answer: ProgramResult
      do { answer = try client.run("scontrol", ["show", "job", "-o", merge]) } catch {
        return Report(status: .dataError, lines: [error.message], mergeLog: nil)
      }
      let said = (answer.output + " " + answer.error).trimmingCharacters(in: .whitespacesAndNewlines)
      if answer.status != 0 || SlurmJobRecord.records(answer.output).isEmpty {
        if said.contains("Invalid job id") {
          return Report(
            status: .dataError,
            lines: [
              "merge job \(merge): Slurm no longer knows it (finished jobs are forgotten after MinJobAge); how it ended is unknown: see the logs in \(submission.logs)"
            ], mergeLog: nil)
        }
        let since = unreachableSince ?? client.now()
        unreachableSince = since
        if client.now() - since >= unreachableLimit {
          return Report(
            status: .dataError,
            lines: [
              "merge job \(merge): scontrol failed for \(Int(unreachableLimit)) s (\(said)); the jobs may still run: scontrol show job \(merge)"
            ], mergeLog: nil)
        }
        client.sleep(Self.interval(after: client.now() - started))
        continue
      }
      unreachableSince = nil
      let record = SlurmJobRecord.records(answer.output)[0]
      if record.dependencyFailed {
        if !record.isFinal { _ = try? client.run("scancel", [merge]) }
        return tasksFailed()
      }
      if record.isFinal { return finished(record) }
      client.sleep(Self.interval(after: client.now() - started))
    }
  }

  /// The report of a merge that ran, or was stopped.
  private func finished(_ record: SlurmJobRecord) -> Report {
    let log = submission.mergeLog(job: merge)
    switch record.state {
    case "COMPLETED":
      return Report(status: .success, lines: [], mergeLog: log)
    case "FAILED" where record.exitSignal == 0:
      let status = ExitStatus(code: record.exitStatus) ?? .dataError
      return Report(
        status: status,
        lines: status == .checksFailed || status == .itemsFailed
          ? [] : ["merge job \(merge): \(record.summary); its log: \(log)"],
        mergeLog: log)
    default:
      return Report(
        status: Self.status(of: record), lines: ["merge job \(merge): \(record.summary); its log: \(log)"],
        mergeLog: nil)
    }
  }

  /// The report of a merge that never ran because tasks failed: each task
  /// that did not complete, with its exit code and log; the status is the
  /// first such task's (its convpipe exit code, or 3).
  private func tasksFailed() -> Report {
    var lines = ["merge job \(merge): cancelled, not run: tasks of array job \(array) failed"]
    let answer = try? client.run("scontrol", ["show", "job", "-o", array])
    let failed = SlurmJobRecord.records(answer?.output ?? "").filter { $0.state != "COMPLETED" }
      .sorted {
        (Int($0.arrayTaskID?.prefix { $0.isNumber } ?? "") ?? 0)
          < (Int($1.arrayTaskID?.prefix { $0.isNumber } ?? "") ?? 0)
      }
    guard let first = failed.first else {
      lines.append("array job \(array): Slurm no longer lists its tasks; see the logs in \(submission.logs)")
      return Report(status: .dataError, lines: lines, mergeLog: nil)
    }
    for task in failed {
      let id = task.arrayTaskID ?? "?"
      let log = submission.taskLog(array: array, task: id)
      var line = "task \(id) of array job \(array): \(task.summary)"
      line += FileManager.default.fileExists(atPath: log) ? "; its log: \(log)" : ""
      lines.append(line)
      if let last = Self.lastLines(of: log, count: 2) { lines += last.map { "  \($0)" } }
    }
    lines.append(
      "fix what failed and submit again: each task takes up what it finished (--resume) and keeps unchanged parts")
    return Report(status: Self.status(of: first), lines: lines, mergeLog: nil)
  }

  /// The exit status a job that did not complete stands for: its convpipe
  /// exit code (2 invalid, 3 data error, 130/143 stopped), a stop by SIGINT or
  /// SIGTERM (Slurm's scancel and time limit) of a job that ran, or 3 (a job
  /// cancelled before it started ran no convpipe to stop).
  static func status(of record: SlurmJobRecord) -> ExitStatus {
    if !record.started { return .dataError }
    if record.exitSignal != 0 {
      return [SIGINT, SIGTERM].contains(record.exitSignal) ? .stopped(signal: record.exitSignal) : .dataError
    }
    if let status = ExitStatus(code: record.exitStatus), status != .success {
      return [ExitStatus.invalid, .dataError, .stopped(signal: SIGINT), .stopped(signal: SIGTERM)].contains(status)
        ? status : .dataError
    }
    return ["CANCELLED", "TIMEOUT", "PREEMPTED", "DEADLINE"].contains(record.state)
      ? .stopped(signal: SIGTERM) : .dataError
  }

  /// The last `count` lines of the text file at `path`, if it can be read.
  static func lastLines(of path: String, count: Int) -> [String]? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    return lines.isEmpty ? nil : Array(lines.suffix(count))
  }
}
