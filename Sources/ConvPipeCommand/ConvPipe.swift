import ArgumentParser
import ConvJob
import ConvKernels
import Foundation

/// The `convpipe` command: run, validate and inspect convolution-arithmetic jobs.
public struct ConvPipe: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "convpipe",
    abstract: "Convolution arithmetic on real data.",
    discussion: """
      A job file (JSON) names inputs (PNG images, HDF5 datasets, literal values, seeded random \
      tensors) and a graph of stages: conv, conv_transpose, pad, crop, stride, unstride, \
      output_padding, flip, permute and verify, or a convolution written as the call of \
      PyTorch, TensorFlow, Keras, JAX or ONNX (tf.nn.conv2d_transpose, ...). `convpipe run` \
      executes it and writes every result and verification report to one HDF5 file; \
      `convpipe explain` prints each convolution as every framework's call, or draws \
      one's arithmetic as an animated SVG picture (--svg).

      Exit codes: 0 all checks passed; 1 a check failed (the file is still written); \
      2 the job or the command line is invalid (nothing runs, nothing is written); 3 a runtime \
      or input-data error (no partial file is left); 4 items failed with --keep-going (the \
      file is written, the failed items recorded); 130/143 stopped by SIGINT/SIGTERM.
      """,
    version: ConvPipeVersion.current,
    subcommands: [
      RunCommand.self, ValidateCommand.self, ExplainCommand.self, InspectCommand.self, DiffCommand.self,
      ReportCommand.self, MergeCommand.self, SubmitCommand.self, BenchCommand.self,
    ])

  public init() {}

  /// Parses the command line and runs the command, ending the process with
  /// convpipe's exit status (``ExitStatus``): convpipe's own errors are printed
  /// as they describe themselves and mapped by ``ExitStatus/init(for:)``; a
  /// usage error (an unknown option, a value out of range) exits 2, not
  /// swift-argument-parser's 64, since the spec counts it as an invalid command line.
  ///
  /// Before anything, an invalid `CONVPIPE_VECTOR_LEVEL` ends the process (exit 2)
  /// and OpenBLAS's idle threads are stopped; commands that compute
  /// (``ComputingCommand``) then get OpenBLAS's kernel of the vector level in
  /// use (``OpenBLASCoreChoice``, which may restart the process), the others
  /// never pay for that restart.
  public static func runAndExit(_ arguments: [String]? = nil) -> Never {
    let given = arguments ?? Array(CommandLine.arguments.dropFirst())
    do {
      _ = try VectorInstructions.fromEnvironment()
    } catch {
      printError("convpipe: \(error)")
      RunCommand.recordUnreadable(given, message: "\(error)")
      Foundation.exit(ExitStatus.invalid.code)
    }
    OpenBLASKernel.stopIdleThreads()
    do {
      var command = try parseAsRoot(arguments)
      if command is ComputingCommand { OpenBLASCoreChoice.apply() }
      try command.run()
      Foundation.exit(ExitStatus.success.code)
    } catch let error as JobProblems {
      end(error)
    } catch let error as InvalidJob {
      end(error)
    } catch let error as RunFailure {
      end(error)
    } catch {
      guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
      printError("convpipe: " + message(for: error) + " (see convpipe help)")
      RunCommand.recordUnreadable(given, message: message(for: error))
      Foundation.exit(ExitStatus.invalid.code)
    }
  }

  private static func end(_ error: some Error & CustomStringConvertible) -> Never {
    printError(error.description)
    Foundation.exit(ExitStatus(for: error).code)
  }
}

extension ExitCode {
  /// The exit code of `status`, for commands that end without an error (1, 4, ...).
  init(_ status: ExitStatus) { self.init(status.code) }
}

/// Writes each line to standard error.
func printError(_ text: String) {
  FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Refuses a `--threads` below 1 (``ItemThreadsOption``, `bench`).
func checkThreads(_ threads: Int?) throws {
  if let threads, threads < 1 { throw ValidationError("--threads \(threads) is out of range: give at least 1") }
}

/// The `--threads` option shared by `run` and `validate`: the items computed at
/// once, which `--max-memory` bounds together.
struct ItemThreadsOption: ParsableArguments {
  @Option(
    name: .shortAndLong, parsing: .unconditional,
    help: ArgumentHelp(
      "Items processed at once, one core each (default: all cores); --max-memory bounds their working sets together.",
      valueName: "n"))
  var threads: Int?

  /// The items at once: `--threads`, else every core.
  var count: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

  func validate() throws { try checkThreads(threads) }
}

/// The `--max-memory` option shared by `run` and `validate`.
struct MemoryOptions: ParsableArguments {
  @Option(
    name: .long, parsing: .unconditional,
    help: ArgumentHelp(
      "Most memory the items run at once (--threads) may need together: each one's largest working set, e.g. 512M, 8G (default: half of this machine's memory).",
      valueName: "size"))
  var maxMemory: String?

  func limit() throws -> Int {
    guard let text = maxMemory else { return MemorySize.defaultLimit }
    guard let bytes = MemorySize.parse(text), bytes > 0 else {
      throw ValidationError("--max-memory \(text) is not a size above zero; write e.g. 512M, 8G or a number of bytes")
    }
    return bytes
  }
}

/// `--rtol` and `--atol`, shared by `run --golden` and `diff`.
struct ToleranceOptions: ParsableArguments {
  @Option(
    parsing: .unconditional, help: ArgumentHelp("Relative tolerance of comparisons (default 0: exact).", valueName: "r")
  )
  var rtol: Double = 0

  @Option(
    parsing: .unconditional, help: ArgumentHelp("Absolute tolerance of comparisons (default 0: exact).", valueName: "a")
  )
  var atol: Double = 0

  func validate() throws {
    for (name, value) in [("--rtol", rtol), ("--atol", atol)] where !(value >= 0) || value.isInfinite {
      throw ValidationError("\(name) \(value) is out of range: give a finite number, 0 or more")
    }
  }

  var comparison: OutputComparison { OutputComparison(rtol: rtol, atol: atol) }

  /// Refuses tolerances without `--golden` (`golden` nil): they are the golden comparison's.
  func requireGolden(_ golden: String?) throws {
    if golden == nil && (rtol != 0 || atol != 0) {
      throw ValidationError("--rtol and --atol set the tolerances of --golden; give --golden too")
    }
  }
}

/// Writes a `--report` file, failing (exit 3) when it cannot.
func writeReport(_ text: String, to path: String) throws(RunFailure) {
  try replaceFile(path, with: text, what: "the report")
}

/// A command that computes convolutions, whose OpenBLAS kernel must match the
/// processor (``OpenBLASCoreChoice``).
protocol ComputingCommand {}
