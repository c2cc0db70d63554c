import ArgumentParser
import ConvJob
import Foundation

struct RunCommand: ParsableCommand, ComputingCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a job and write one HDF5 file.",
    discussion: """
      Example:
        convpipe run pipelines/quick-start.json
        convpipe run pipelines/nightly-regression.json --golden out/last-good.h5 --log out/nightly.jsonl
        convpipe run job.json --shard 2/4 --output out/parts/part-2-of-4.h5

      Items run on --threads threads and are written in item order, so the file is the same \
      for any thread count. It is written beside the target under a temporary name and renamed \
      when complete: an earlier file is replaced only by a finished run. A run stopped by a \
      signal or a failed item keeps what it finished in .<name>.resume; --resume takes it up.

      --shard K/N runs the items of shard K of N (0 <= K < N; an item's shard depends only on \
      its id) and writes a part file; `convpipe merge` makes the parts into the file one run \
      writes. Every other option works per shard.

      Exit codes: 0 every check passed; 1 a check failed; 2 the job or the command line is \
      invalid; 3 an input or the output could not be read or written; 4 items failed with \
      --keep-going; 130/143 stopped by SIGINT/SIGTERM.
      """)

  @Argument(help: "The job file (JSON).")
  var job: String

  @Option(
    name: .shortAndLong, help: ArgumentHelp("Where to write the HDF5 file (overrides outputs.path).", valueName: "path")
  )
  var output: String?

  @OptionGroup var memory: MemoryOptions

  @OptionGroup var threads: ItemThreadsOption

  @Flag(help: "Take up the items a stopped or killed run of this job had finished.")
  var resume = false

  @Flag(help: "Reuse the items of the existing output whose inputs and stage graph are unchanged (by content hash).")
  var incremental = false

  @Flag(
    help: "Record an item whose input cannot be read or whose stages fail under /failed/<item>, and go on (exit 4).")
  var keepGoing = false

  @Option(
    help: ArgumentHelp(
      "Compare every kept tensor with the same path in this earlier output, the reference; any difference exits 1.",
      valueName: "file.h5"))
  var golden: String?

  @OptionGroup var tolerance: ToleranceOptions

  @Option(
    name: .long, help: ArgumentHelp("Write one JSON line per item and a final summary here.", valueName: "file.jsonl"))
  var log: String?

  @Option(name: .long, help: ArgumentHelp("Also write the run's summary as JSON to this file.", valueName: "file.json"))
  var report: String?

  @Flag(
    name: .shortAndLong, help: "No progress line, and no summary when every check passed; failures are still printed.")
  var quiet = false

  @Option(
    help: ArgumentHelp(
      "Run only the items of shard K of N (0 <= K < N) and write a part file for `convpipe merge`; needs --output.",
      valueName: "K/N"))
  var shard: String?

  func validate() throws {
    try tolerance.requireGolden(golden)
    if let shard {
      guard Shard(shard) != nil else {
        throw ValidationError("--shard \(shard) is not a shard: give K/N with 0 <= K < N, e.g. --shard 0/4")
      }
      guard output != nil else {
        throw ValidationError("--shard needs --output naming the part file (outputs.path is the merged file's)")
      }
    }
  }

  func run() throws {
    let stop = RunStop()  // from here on a signal ends the command with its summary
    defer { stop.uninstall() }
    let options = RunOptions(
      outputPath: output, threads: threads.count, resume: resume,
      incremental: incremental, golden: golden, goldenComparison: tolerance.comparison, logPath: log,
      keepGoing: keepGoing,
      stop: stop)
    let (parsed, problems) = JobDecoder.read(path: job)
    let target = output ?? parsed?.outputs.path
    try checkSidePaths(target: target, jobOutput: parsed?.outputs.path)
    let result: RunResult
    do {
      guard let parsed else { throw JobProblems(problems) }
      let prepared = try PreparedJob.prepare(
        job: parsed, maxMemory: try memory.limit(), concurrentItems: options.threads, earlierProblems: problems,
        itemFailuresAtRun: true, shard: shard.flatMap(Shard.init))
      if let signal = stop.signal {
        result = JobRunner.recordUnstarted(nil, signal: signal, outputPath: target, logPath: log)
      } else {
        let progress = quiet ? nil : ProgressDisplay()
        defer { progress?.finish() }
        result = try JobRunner.run(
          prepared, options: options,
          onNotice: { [quiet] notice in if !quiet || !notice.isExpected { printError(notice.text) } },
          onItem: { event, done, total in progress?.update(event, done: done, total: total) })
      }
    } catch let problems as JobProblems {
      try Self.recordUnstarted(problems, outputPath: target, log: log, report: report)
      throw problems
    }
    let summary = RunSummary(result: result)
    try end(summary, quiet: quiet, notWritten: summary.notWritten, report: report)
  }

  /// Refuses an output that is the job file, a `--shard` part file named as
  /// the job's own output (`jobOutput`, the merged file's), and a `--log` or
  /// `--report` that names the output, the golden file, the job or each
  /// other: writing it would destroy that file.
  private func checkSidePaths(target: String?, jobOutput: String?) throws(JobProblems) {
    var problems: [JobProblem] = []
    if let shard = shard.flatMap(Shard.init), let target, let jobOutput, FileIdentity.same(target, jobOutput) {
      problems.append(
        JobProblem(
          file: "--output", location: "",
          message:
            "\(target) is the job's outputs.path, the merged file's; name the part file, e.g. parts/\(Shard.partFileName(index: shard.index, count: shard.count))"
        ))
    }
    if let target, FileIdentity.same(target, job) {
      problems.append(
        JobProblem(
          file: output == nil ? job : "--output", location: output == nil ? "outputs.path" : "",
          message: "\(target) is the job file; name another file"))
    }
    let others: [(String, String?)] = [("the output", target), ("the golden file", golden), ("the job", job)]
    for (option, path) in [("--log", log), ("--report", report)] {
      guard let path else { continue }
      for (what, other) in others where other.map({ FileIdentity.same($0, path) }) == true {
        problems.append(JobProblem(file: option, location: "", message: "\(path) is \(what); name another file"))
      }
    }
    if let log, let report, FileIdentity.same(log, report) {
      problems.append(
        JobProblem(file: "--report", location: "", message: "\(report) is the --log file; name another file"))
    }
    guard !problems.isEmpty else { return }
    // The side files not refused themselves still get the summary.
    let refused = Set(problems.map(\.file))
    try? Self.recordUnstarted(
      JobProblems(problems), outputPath: target, log: refused.contains("--log") ? nil : log,
      report: refused.contains("--report") ? nil : report)
    throw JobProblems(problems)
  }

  /// Writes the summary of a run that did not start into the `log` and the `report` given.
  private static func recordUnstarted(_ problems: JobProblems, outputPath: String?, log: String?, report: String?)
    throws(RunFailure)
  {
    let unstarted = JobRunner.recordUnstarted(problems, outputPath: outputPath, logPath: log)
    if let report { try writeReport(RunSummary(result: unstarted).json, to: report) }
  }

  /// For a `run` command line that could not be read (`message`: why; exit
  /// 2), the `--log` and `--report` it names, found by their spelling
  /// (`--log FILE`, `--log=FILE`; the last one given, as the parser takes it),
  /// still get the summary, so that a scheduled night leaves no earlier
  /// night's report behind as if it were its own. Only a missing file, an
  /// empty one or one convpipe wrote (a summary or a log: JSON with an
  /// `exit_code`) is written, and none that another argument names.
  static func recordUnreadable(_ arguments: [String], message: String) {
    guard arguments.first == "run" else { return }
    /// The argument giving `option`'s value (its own when spelled `--option=value`), and the value.
    func value(_ option: String) -> (index: Int, path: String)? {
      var found: (index: Int, path: String)?
      for (index, argument) in arguments.enumerated() {
        if argument == option, index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") {
          found = (index + 1, arguments[index + 1])
        } else if argument.hasPrefix(option + "=") {
          found = (index, String(argument.dropFirst(option.count + 1)))
        }
      }
      return found
    }
    func writable(_ option: String) -> String? {
      guard let (index, path) = value(option),
        !arguments.indices.contains(where: { $0 != index && FileIdentity.same(arguments[$0], path) })
      else { return nil }
      var info = stat()
      guard lstat(path, &info) == 0 else { return errno == ENOENT ? path : nil }
      // A regular file only (a terminal or a pipe could block the read), and one of convpipe's.
      guard info.st_mode & S_IFMT == S_IFREG, info.st_size <= 64 << 20,
        let contents = FileManager.default.contents(atPath: path)
      else { return nil }
      return contents.isEmpty || (contents.first == UInt8(ascii: "{") && contents.contains(#""exit_code":"#.utf8))
        ? path : nil
    }
    let problem = JobProblems([JobProblem(file: "command line", location: "", message: message)])
    try? recordUnstarted(
      problem, outputPath: value("--output")?.path, log: writable("--log"), report: writable("--report"))
  }
}
