import ArgumentParser
import ConvJob
import Foundation

struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a job and write one HDF5 file.",
    discussion: """
      Example:
        convpipe run pipelines/quick-start.json
        convpipe run pipelines/nightly-regression.json --golden out/last-good.h5 --log out/nightly.jsonl

      Items run on --threads threads and are written in item order, so the file is the same \
      for any thread count. It is written beside the target under a temporary name and renamed \
      when complete: an earlier file is replaced only by a finished run. A run stopped by a \
      signal or a failed item keeps what it finished in .<name>.resume; --resume takes it up.

      Exit codes: 0 every check passed; 1 a check failed; 2 the job or the command line is \
      invalid; 3 an input or the output could not be read or written; 4 items failed with \
      --keep-going; 130/143 stopped by SIGINT/SIGTERM.
      """)

  @Argument(help: "The job file (JSON).")
  var job: String

  @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the HDF5 file (overrides outputs.path).", valueName: "path"))
  var output: String?

  @OptionGroup var memory: MemoryOptions

  @Option(
    name: .shortAndLong, parsing: .unconditional,
    help: ArgumentHelp("Items processed at once (default: all cores).", valueName: "n"))
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Flag(help: "Take up the items a stopped or killed run of this job had finished.")
  var resume = false

  @Flag(help: "Reuse the items of the existing output whose inputs and stage graph are unchanged (by content hash).")
  var incremental = false

  @Flag(help: "Record an item whose input cannot be read or whose stages fail under /failed/<item>, and go on (exit 4).")
  var keepGoing = false

  @Option(help: ArgumentHelp("Compare every kept tensor with the same path in this earlier output, the reference; any difference exits 1.", valueName: "file.h5"))
  var golden: String?

  @OptionGroup var tolerance: ToleranceOptions

  @Option(name: .long, help: ArgumentHelp("Write one JSON line per item and a final summary here.", valueName: "file.jsonl"))
  var log: String?

  @Option(name: .long, help: ArgumentHelp("Also write the run's summary as JSON to this file.", valueName: "file.json"))
  var report: String?

  @Flag(name: .shortAndLong, help: "Print nothing but errors (no progress, no summary).")
  var quiet = false

  func validate() throws {
    guard threads >= 1 else { throw ValidationError("--threads \(threads) is out of range: give at least 1") }
  }

  func run() throws {
    let limit = try memory.limit()
    let options = RunOptions(
      outputPath: output, threads: threads, resume: resume, incremental: incremental, golden: golden,
      goldenComparison: tolerance.comparison, logPath: log, keepGoing: keepGoing)
    let (parsed, problems) = JobDecoder.read(path: job)
    guard let parsed else { throw JobProblems(problems) }
    let prepared: PreparedJob
    do {
      prepared = try PreparedJob.prepare(
        job: parsed, maxMemory: limit, concurrentItems: threads, earlierProblems: problems, itemFailuresAtRun: true)
    } catch {
      if error.isDataError, let result = JobRunner.recordFailureBeforeStart(error, job: parsed, options: options),
        let report {
        try writeReport(RunSummary(result: result).json, to: report)
      }
      throw error
    }
    let progress = quiet ? nil : ProgressDisplay()
    defer { progress?.finish() }
    let result = try JobRunner.run(prepared, options: options) { event, done, total in progress?.update(event, done: done, total: total) }
    progress?.finish()
    let summary = RunSummary(result: result)
    if let error = result.error { printError(error) }
    if result.wroteOutput {
      if !quiet { print(summary.text) }
    } else if let stopped = summary.notWritten {
      printError(stopped)
    }
    if let report { try writeReport(summary.json, to: report) }
    if let signal = result.signal { RunStop.raiseAgain(signal) }
    if result.status != .success { throw ExitCode(result.status) }
  }
}
