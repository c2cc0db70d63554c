import Foundation

/// `convpipe submit JOB --slurm --tasks N --output OUT.h5`: the two batch
/// scripts and how they are submitted.
///
/// - `OUT.h5.shards/task.sh`, an array job of N tasks: task K runs
///   `convpipe run JOB --shard K/N --output OUT.h5.shards/part-K-of-N.h5
///   --resume --incremental` (so a job submitted again redoes only what is
///   missing or changed, and keeps an unchanged part as it is) and exits 0 when
///   convpipe exits 0, 1 or 4 — the part is written, and the merge reports its
///   checks and failed items — and with convpipe's code otherwise;
/// - `OUT.h5.shards/merge.sh`, submitted with `--dependency=afterok:<array>
///   --kill-on-invalid-dep=yes` (a failed task cancels it instead of leaving it
///   pending for ever): `convpipe merge --output OUT.h5` and the N part files,
///   named one by one (parts of an earlier submission with another N are never
///   picked up).
///
/// Logs go to `OUT.h5.shards/logs/` (`<array>_<task>.out`, `merge-<job>.out`,
/// and each shard's `--log`, `part-K-of-N.jsonl`); the directories exist before
/// `sbatch` runs (Slurm fails a task whose `--output` directory is missing).
/// Every path in the scripts is absolute.
package struct SlurmSubmission: Sendable {
  /// The convpipe binary the tasks run (a path every node sees).
  package let convpipe: String
  package let job: String
  package let output: String
  package let tasks: Int
  /// Options every shard's `convpipe run` gets besides (`--golden G`, `--keep-going`, ...).
  package let runOptions: [String]
  /// `--sbatch` arguments, given to both `sbatch` calls after convpipe's own.
  package let sbatchArguments: [String]
  /// The Slurm job name (no spaces).
  package let name: String
  /// The tasks' and the merge's working directory.
  package let workingDirectory: String

  /// Paths are made absolute against `workingDirectory`; `jobName` becomes
  /// `convpipe-<jobName>` with anything but letters, digits, `.`, `_` and `-` as `_`.
  package init(
    convpipe: String, job: String, output: String, tasks: Int, runOptions: [String] = [],
    sbatchArguments: [String] = [], jobName: String, workingDirectory: String
  ) {
    func absolute(_ path: String) -> String {
      let url =
        path.hasPrefix("/")
        ? URL(fileURLWithPath: path) : URL(fileURLWithPath: workingDirectory).appendingPathComponent(path)
      return url.standardizedFileURL.path
    }
    self.convpipe = absolute(convpipe)
    self.job = absolute(job)
    self.output = absolute(output)
    self.tasks = tasks
    self.runOptions = runOptions
    self.sbatchArguments = sbatchArguments
    self.workingDirectory = absolute(workingDirectory)
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    name = "convpipe-" + String(jobName.map { allowed.contains($0) ? $0 : "_" })
  }

  /// `OUT.h5.shards`: the scripts, the parts and the logs.
  package var directory: String { output + ".shards" }
  package var logs: String { directory + "/logs" }
  package var taskScriptPath: String { directory + "/task.sh" }
  package var mergeScriptPath: String { directory + "/merge.sh" }

  /// The part file of shard `index`.
  package func part(_ index: Int) -> String { "\(directory)/\(Shard.partFileName(index: index, count: tasks))" }

  /// The log file Slurm writes for task `task` of array job `array`.
  package func taskLog(array: String, task: String) -> String { "\(logs)/\(array)_\(task).out" }
  /// The log file Slurm writes for the merge job `job`.
  package func mergeLog(job: String) -> String { "\(logs)/merge-\(job).out" }

  /// The array job's script.
  package var taskScript: String {
    let last = tasks - 1
    let part = Shell.quoted("\(directory)/part-") + "\"$k\"" + Shell.quoted("-of-\(tasks).h5")
    let log = Shell.quoted("\(logs)/part-") + "\"$k\"" + Shell.quoted("-of-\(tasks).jsonl")
    let options = runOptions.isEmpty ? "" : " " + runOptions.map(Shell.quoted).joined(separator: " ")
    return """
      #!/bin/bash
      # Written by convpipe submit: task K of this array job runs shard K of \(tasks) of
      # \(job)
      # into \(directory)/part-K-of-\(tasks).h5; merge.sh merges the parts into
      # \(output)
      #SBATCH --job-name=\(name)
      #SBATCH --array=0-\(last)
      #SBATCH --cpus-per-task=1
      #SBATCH --output=\(Self.directive(logs + "/", pattern: "%A_%a.out"))
      #SBATCH --chdir=\(Self.directive(workingDirectory))
      set -u
      k=${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is an array job}
      # --resume and --incremental: a task run again redoes only what is missing or changed.
      \(Shell.quoted(convpipe)) run \(Shell.quoted(job)) --shard "$k/\(tasks)" --output \(part) \\
        --resume --incremental --threads "${SLURM_CPUS_PER_TASK:-1}" --log \(log)\(options)
      status=$?
      # 1 (a check failed) and 4 (items failed with --keep-going) wrote the part: the merge reports them.
      # Anything else (2 invalid job, 3 unreadable input, 130/143 stopped) fails the task, and the merge
      # is cancelled (afterok); submitting again takes up what this task finished.
      case $status in 0|1|4) exit 0 ;; *) exit $status ;; esac

      """
  }

  /// The merge job's script.
  package var mergeScript: String {
    let parts = (0..<tasks).map { "  " + Shell.quoted(part($0)) }.joined(separator: " \\\n")
    return """
      #!/bin/bash
      # Written by convpipe submit: merges the \(tasks) parts of
      # \(job)
      # into \(output) once every task of the array job has succeeded
      # (submitted with --dependency=afterok:<array job> --kill-on-invalid-dep=yes).
      #SBATCH --job-name=\(name)-merge
      #SBATCH --cpus-per-task=1
      #SBATCH --output=\(Self.directive(logs + "/", pattern: "merge-%j.out"))
      #SBATCH --chdir=\(Self.directive(workingDirectory))
      exec \(Shell.quoted(convpipe)) merge --output \(Shell.quoted(output)) \\
      \(parts)

      """
  }

  /// A path as the value of an `#SBATCH` line: `%` doubled where Slurm would
  /// read a file name pattern, then `pattern`; in double quotes when it holds a space.
  private static func directive(_ path: String, pattern: String = "") -> String {
    let value = (pattern.isEmpty ? path : path.replacingOccurrences(of: "%", with: "%%")) + pattern
    return value.contains(where: \.isWhitespace) ? "\"\(value)\"" : value
  }

  /// `sbatch`'s arguments for the array job.
  package var arrayArguments: [String] { ["--parsable"] + sbatchArguments + [taskScriptPath] }

  /// `sbatch`'s arguments for the merge job, which waits for array job `array`.
  package func mergeArguments(array: String) -> [String] {
    ["--parsable", "--dependency=afterok:\(array)", "--kill-on-invalid-dep=yes"] + sbatchArguments + [mergeScriptPath]
  }

  /// What `--dry-run` prints: each script under the command that would submit it.
  package var dryRun: String {
    """
    # \(taskScriptPath), submitted with:
    #   sbatch \(arrayArguments.map(Shell.quoted).joined(separator: " "))
    \(taskScript)
    # \(mergeScriptPath), submitted with:
    #   sbatch \(mergeArguments(array: "<array job id>").map(Shell.quoted).joined(separator: " "))
    \(mergeScript)
    """
  }

  /// The job id `sbatch --parsable` printed (`12`, or `12;cluster` on a multi-cluster setup), if it printed one.
  package static func jobID(fromParsable output: String) -> String? {
    let id = output.split(separator: "\n").first.map { $0.split(separator: ";").first ?? "" } ?? ""
    let trimmed = id.trimmingCharacters(in: .whitespaces)
    return !trimmed.isEmpty && trimmed.allSatisfy(\.isASCII) && trimmed.allSatisfy(\.isNumber) ? trimmed : nil
  }
}

/// Quoting for the shell scripts convpipe writes.
package enum Shell {
  /// `text` as one word for bash: as it is when it is plain, else in single quotes.
  package static func quoted(_ text: String) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+%@")
    if !text.isEmpty && text.allSatisfy({ plain.contains($0) }) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

extension SlurmSubmission {
  /// Writes the scripts (and makes the directories for the parts and logs),
  /// submits the array job and then the merge job, and returns their ids. When
  /// the merge cannot be submitted, the array job is cancelled.
  package func submit(with client: any SlurmClient) throws(RunFailure) -> (array: String, merge: String) {
    if let reason = makeDirectories(logs) {
      throw RunFailure("\(directory): cannot write the batch scripts: \(reason)")
    }
    do {
      try taskScript.write(toFile: taskScriptPath, atomically: true, encoding: .utf8)
      try mergeScript.write(toFile: mergeScriptPath, atomically: true, encoding: .utf8)
      for script in [taskScriptPath, mergeScriptPath] {
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
      }
    } catch {
      throw RunFailure("\(directory): cannot write the batch scripts: \(error.localizedDescription)")
    }
    let array = try sbatch(arrayArguments, client: client, what: "the array job")
    do {
      return (array, try sbatch(mergeArguments(array: array), client: client, what: "the merge job"))
    } catch {
      _ = try? client.run("scancel", [array])
      throw RunFailure(error.message + "; array job \(array) was cancelled")
    }
  }

  private func sbatch(_ arguments: [String], client: any SlurmClient, what: String) throws(RunFailure) -> String {
    let result = try client.run("sbatch", arguments)
    let said = (result.error + " " + result.output).trimmingCharacters(in: .whitespacesAndNewlines)
    guard result.status == 0 else {
      throw RunFailure("sbatch could not submit \(what) (exit \(result.status)): \(said)")
    }
    guard let id = Self.jobID(fromParsable: result.output) else {
      throw RunFailure("sbatch submitted \(what) but printed no job id: \(said)")
    }
    return id
  }
}
