import ConvChecks
import ConvCore
import Foundation
import HDF5IO

/// Runs a prepared job: worker threads load and compute items (or find them
/// unchanged in an earlier output), and one writer, which computes items too
/// while it has none to write, copies each into the output in item order
/// (see ``ItemScheduler``, ``ItemStorage``), so the file is the
/// same whatever the thread count and finishing order. Every item is written
/// once; the output replaces the target only when complete.
package enum JobRunner {
  /// Runs `prepared`. Throws only when the run cannot start (no output path,
  /// an output that is a directory: problems of the job; the output locked by
  /// another run, not writable, or a log that cannot be written: data errors);
  /// once started, every outcome, failures and signals included, is in the
  /// result, the log and the progress callback. `onItem` is called by the
  /// writer, in item order, with the items done and in all.
  package static func run(
    _ prepared: PreparedJob, options: RunOptions, onNotice: (@Sendable (RunNotice) -> Void)? = nil,
    onItem: (@Sendable (ItemEvent, Int, Int) -> Void)? = nil
  ) throws(JobProblems) -> RunResult {
    let started = Date()
    let job = prepared.job
    let target = try OutputDestination.check(job: job, outputOption: options.outputPath)
    let pngOutputs = PNGOutputs(run: prepared, target: target)
    try pngOutputs?.checkDestination(target: target, job: job.file)
    let lock = try OutputLock(target: target)
    defer { lock.release() }
    let resumeFiles = ResumeFiles(target: target)
    resumeFiles.tidy(keep: options.resume)
    let log = try options.logPath.map { path throws(JobProblems) in try RunLog(path: path) }
    let recovered: String?
    do { recovered = try OutputUndo.recover(target: target) } catch { throw .file(target, error.message) }
    if let recovered {
      onNotice?(RunNotice(recovered))
      log?.notice(recovered)
    }
    var run = RunState(
      prepared: prepared, options: options, target: target, pngOutputs: pngOutputs, log: log, onNotice: onNotice,
      onItem: onItem)
    run.execute(resumeFiles: resumeFiles)
    let result = run.result(seconds: Date().timeIntervalSince(started))
    log?.summary(RunSummary(result: result))
    return result
  }
}

extension JobRunner {
  /// For a run that did not start — an invalid job (exit 2), an input that
  /// could not be read or an output locked by another run (exit 3), a signal
  /// while planning, a command line refused — writes the summary line of the
  /// log at `logPath` all the same, so a scheduled run's log always ends with
  /// one, and returns the result for `--report`. The log is left alone when
  /// another run is writing it.
  package static func recordUnstarted(
    _ problems: JobProblems?, signal: Int32? = nil, outputPath: String?, logPath: String?
  ) -> RunResult {
    let result = RunResult(
      outputPath: outputPath ?? "", items: 0, computed: 0, reused: 0, failedItems: [], checks: 0, failed: [],
      seconds: 0,
      error: problems.map { $0.description.replacingOccurrences(of: "\n", with: "; ") },
      invalid: problems?.isDataError == false,
      signal: signal, keptForResume: 0)
    if let logPath, let log = try? RunLog(path: logPath) { log.summary(RunSummary(result: result)) }
    return result
  }
}
