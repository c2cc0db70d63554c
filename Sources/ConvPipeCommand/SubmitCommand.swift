import ArgumentParser
import ConvJob
import Foundation

struct SubmitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "submit",
    abstract: "Run a dataset job as a Slurm array job of N shards and a merge job.",
    discussion: """
      Example:
        convpipe submit job.json --slurm --tasks 4 --output out/result.h5 --wait
        convpipe submit job.json --slurm --tasks 64 --output /shared/out/result.h5 \\
          --sbatch=--partition=batch --sbatch=--time=2:00:00 \\
          --golden /shared/out/last-good.h5 --keep-going
        convpipe submit job.json --slurm --tasks 4 --output out/result.h5 --dry-run

      Writes OUT.h5.shards/task.sh, an array job of N tasks (task K runs `convpipe run JOB \
      --shard K/N --output OUT.h5.shards/part-K-of-N.h5 --resume --incremental`), and \
      OUT.h5.shards/merge.sh, which runs `convpipe merge` on the N parts into OUT.h5 once every \
      task has succeeded (--dependency=afterok, --kill-on-invalid-dep=yes); submits both with \
      sbatch and prints both job ids. A task exits 0 when its part is written, also when a \
      check failed or items failed (the merge reports those), and with convpipe's code \
      otherwise; Slurm then cancels the merge. Submitting again redoes only what is missing or \
      changed. Logs: OUT.h5.shards/logs/. Every path the scripts name is absolute, so the \
      job, the images, the output and this binary (or --convpipe) must be where every node \
      sees them.

      --wait polls `scontrol show job` until the merge has ended, prints its summary and exits \
      with its code (0, 1 or 4, or 2/3 when it failed); when tasks failed, it names them with \
      their exit codes and logs and exits with the first one's convpipe code (2, 3, 130, 143) \
      or 3. --dry-run prints the scripts and the sbatch commands and submits nothing.
      """)

  @Argument(help: "The job file (JSON).")
  var job: String

  @Flag(help: "Submit to Slurm (the scheduler submit knows; for Kubernetes see the README).")
  var slurm = false

  @Option(
    parsing: .unconditional, help: ArgumentHelp("Array tasks, one shard each (N of --shard K/N).", valueName: "n"))
  var tasks: Int

  @Option(
    name: .shortAndLong, help: ArgumentHelp("The merged HDF5 file (overrides outputs.path).", valueName: "path"))
  var output: String?

  @Flag(help: "Wait for the merge and exit with its code.")
  var wait = false

  @Flag(help: "Print the batch scripts and the sbatch commands; submit nothing.")
  var dryRun = false

  @Option(
    parsing: .unconditionalSingleValue,
    help: ArgumentHelp(
      "An argument for both sbatch calls, e.g. --sbatch=--partition=batch (repeat for more).", valueName: "arg"))
  var sbatch: [String] = []

  @Option(
    help: ArgumentHelp(
      "Compare every shard with this earlier output (run --golden); a difference exits 1.", valueName: "file.h5"))
  var golden: String?

  @OptionGroup var tolerance: ToleranceOptions

  @Flag(help: "Record failed items and go on in each shard (run --keep-going).")
  var keepGoing = false

  @OptionGroup var memory: MemoryOptions

  @Option(
    help: ArgumentHelp(
      "The convpipe binary the tasks run, where every node sees it (default: this one).", valueName: "path"))
  var convpipe: String?

  func validate() throws {
    if !slurm {
      throw ValidationError("give --slurm: Slurm is the scheduler submit knows (for Kubernetes, see the README)")
    }
    if tasks < 1 { throw ValidationError("--tasks \(tasks) is out of range: give at least 1") }
    if wait && dryRun { throw ValidationError("--wait and --dry-run exclude each other: a dry run submits nothing") }
    try tolerance.requireGolden(golden)
    _ = try memory.limit()
  }

  func run() throws {
    let parsed = try JobDecoder.load(path: job)
    let target = try OutputDestination.path(job: parsed, outputOption: output)
    try checkBeforeSubmitting(parsed)
    let here = FileManager.default.currentDirectoryPath
    var runOptions: [String] = []
    if let golden {
      runOptions += ["--golden", URL(fileURLWithPath: golden, relativeTo: URL(fileURLWithPath: here + "/")).path]
      if tolerance.rtol != 0 { runOptions += ["--rtol", "\(tolerance.rtol)"] }
      if tolerance.atol != 0 { runOptions += ["--atol", "\(tolerance.atol)"] }
    }
    if keepGoing { runOptions.append("--keep-going") }
    if let maxMemory = memory.maxMemory { runOptions += ["--max-memory", maxMemory] }
    let submission = SlurmSubmission(
      convpipe: try convpipe ?? Self.thisBinary(), job: job, output: target, tasks: tasks, runOptions: runOptions,
      sbatchArguments: sbatch, jobName: parsed.name, workingDirectory: here)
    if dryRun {
      print(submission.dryRun, terminator: "")
      return
    }
    _ = try OutputDestination.check(
      target: submission.output, file: output == nil ? job : "--output", location: output == nil ? "outputs.path" : "",
      example: parsed.name)
    let client = SystemSlurm()
    let (array, merge) = try submission.submit(with: client)
    print("array job \(array): \(tasks) task\(tasks == 1 ? "" : "s"), parts and logs in \(submission.directory)")
    print("merge job \(merge): writes \(submission.output) once every task has succeeded")
    // The ids go out now, not when --wait ends: a log or a signal must not lose them.
    fflush(nil)
    guard wait else { return }
    printError("waiting for merge job \(merge) (scontrol show job \(merge))")
    // A signal stops the waiting, not the jobs: say so, then end by it (130, 143).
    // Unblocked here, in case the parent started this process with them blocked.
    var mask = sigset_t()
    sigemptyset(&mask)
    for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&mask, number) }
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    let sources = [SIGINT, SIGTERM, SIGHUP].map { number in
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      signal(number, SIG_IGN)
      source.setEventHandler {
        printError(
          "stopped waiting: array job \(array) and merge job \(merge) keep running; scontrol show job \(merge) follows them, scancel \(array) \(merge) stops them"
        )
        RunStop.raiseAgain(number)
      }
      source.resume()
      return source
    }
    defer { for source in sources { source.cancel() } }
    let report = SlurmWait(client: client, submission: submission, array: array, merge: merge).wait()
    if let log = report.mergeLog, let text = try? String(contentsOfFile: log, encoding: .utf8) {
      print(text, terminator: text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
    }
    for line in report.lines { printError(line) }
    if report.status != .success { throw ExitCode(report.status) }
  }

  /// Refuses, before anything is written or submitted, what would fail every
  /// task: an input file that is missing (``InputCatalog/missingFiles(of:)``:
  /// exit 3, as `run` would), a `--golden` file that is not a convpipe output
  /// (exit 3), a `--convpipe` that is not an executable file (exit 2).
  private func checkBeforeSubmitting(_ job: Job) throws {
    let missing = InputCatalog.missingFiles(of: job)
    if !missing.isEmpty { throw JobProblems(missing) }
    if let golden {
      do { _ = try ConvpipeOutput.open(golden) } catch {
        throw RunFailure("--golden \(golden): \(error.cause ?? error.message); nothing was submitted")
      }
    }
    if let convpipe {
      var info = stat()
      guard stat(convpipe, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(convpipe, X_OK) == 0 else {
        throw ValidationError("--convpipe \(convpipe) is not an executable file")
      }
    }
  }

  /// The path of the running convpipe binary.
  static func thisBinary() throws -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    guard let path = Bundle.main.executablePath else {
      throw RunFailure("cannot tell where this convpipe binary is; give --convpipe PATH")
    }
    return path
  }
}
