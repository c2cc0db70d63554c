import ConvChecks
import ConvCore
import Foundation
import HDF5IO

/// The version written into output files and printed by `--version`.
package enum ConvPipeVersion {
  package static let current = "0.1.0"
}

/// How a run goes about its work.
package struct RunOptions: Sendable {
  /// Where to write (overrides `outputs.path`).
  package var outputPath: String?
  /// Items processed at once.
  package var threads: Int
  /// Take up the items a stopped or killed run had finished.
  package var resume: Bool
  /// Reuse items of the existing output whose inputs and graph are unchanged.
  package var incremental: Bool
  /// Compare every kept tensor with this earlier output.
  package var golden: String?
  package var goldenComparison: OutputComparison
  /// Write JSON lines, one per item and a summary, here.
  package var logPath: String?
  /// Record items that fail and go on, instead of stopping at the first.
  package var keepGoing: Bool
  /// The signals that stop the run; the command installs them before it plans.
  package var stop: RunStop

  package init(
    outputPath: String? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount, resume: Bool = false,
    incremental: Bool = false, golden: String? = nil, goldenComparison: OutputComparison = OutputComparison(),
    logPath: String? = nil, keepGoing: Bool = false, stop: RunStop
  ) {
    self.outputPath = outputPath
    self.threads = threads
    self.resume = resume
    self.incremental = incremental
    self.golden = golden
    self.goldenComparison = goldenComparison
    self.logPath = logPath
    self.keepGoing = keepGoing
    self.stop = stop
  }
}

/// Runs a prepared job: worker threads load and compute items (or find them
/// unchanged in an earlier output), and one writer copies each into the output
/// in item order (see ``ItemScheduler``, ``ItemStorage``), so the file is the
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
    _ prepared: PreparedJob, options: RunOptions, onNotice: (@Sendable (String) -> Void)? = nil,
    onItem: (@Sendable (ItemEvent, Int, Int) -> Void)? = nil
  ) throws(JobProblems) -> RunResult {
    let started = Date()
    let job = prepared.job
    let target = try OutputDestination.check(job: job, outputOption: options.outputPath)
    let lock = try OutputLock(target: target)
    defer { lock.release() }
    let resumeFiles = ResumeFiles(target: target)
    resumeFiles.tidy(keep: options.resume)
    let log = try options.logPath.map { path throws(JobProblems) in try RunLog(path: path) }
    var run = RunState(prepared: prepared, options: options, target: target, log: log, onNotice: onNotice, onItem: onItem)
    run.execute(resumeFiles: resumeFiles)
    let result = run.result(seconds: Date().timeIntervalSince(started))
    log?.summary(RunSummary(result: result))
    return result
  }
}

extension JobRunner {
  /// For a run that did not start — an invalid job (exit 2), an input that
  /// could not be read or an output locked by another run (exit 3), a signal
  /// while planning — writes the log's summary line all the same, so a
  /// scheduled run's log always ends with one, and returns the result for
  /// `--report`. The log is left alone when another run is writing it.
  package static func recordUnstarted(
    _ problems: JobProblems?, signal: Int32? = nil, outputPath: String?, options: RunOptions
  ) -> RunResult {
    let result = RunResult(
      outputPath: outputPath ?? "", items: 0, computed: 0, reused: 0, failedItems: [], checks: 0, failed: [], seconds: 0,
      error: problems.map { $0.description.replacingOccurrences(of: "\n", with: "; ") }, invalid: problems?.isDataError == false,
      signal: signal, keptForResume: 0)
    if let path = options.logPath, let log = try? RunLog(path: path) { log.summary(RunSummary(result: result)) }
    return result
  }
}

/// Checks the output's path before any work: it must be given, must not be a
/// directory, and its directory must exist or be creatable.
enum OutputDestination {
  static func check(job: Job, outputOption: String?) throws(JobProblems) -> String {
    let fromOption = outputOption != nil
    guard let target = outputOption ?? job.outputs.path else {
      throw JobProblems([JobProblem(file: job.file, location: "outputs", message: "path is required unless --output is given")])
    }
    var isDirectory: ObjCBool = false
    if target.hasSuffix("/") || (FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) && isDirectory.boolValue) {
      let message = "\(target) is a directory; name the HDF5 file to write, e.g. \(target.hasSuffix("/") ? target : target + "/")\(job.name).h5"
      if fromOption { throw JobProblems([JobProblem(file: "--output", location: "", message: message)]) }
      throw JobProblems([JobProblem(file: job.file, location: "outputs.path", message: message)])
    }
    let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
    do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
      throw .file(target, "cannot create the output directory: \(JobDecoder.describe(error))")
    }
    guard access(directory, W_OK) == 0 else {
      throw .file(target, "cannot write in \(directory): \(String(cString: strerror(errno)))")
    }
    return target
  }
}
