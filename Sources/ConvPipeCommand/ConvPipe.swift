import ArgumentParser
import ConvJob
import Foundation

/// The `convpipe` command: run, validate and inspect convolution-arithmetic jobs.
public struct ConvPipe: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "convpipe",
    abstract: "Convolution arithmetic on real data.",
    discussion: """
      A job file (JSON) names inputs (PNG images, HDF5 datasets, literal values, seeded random \
      tensors) and a graph of stages: conv, conv_transpose, pad, crop, stride, unstride, \
      output_padding, flip, permute and verify. `convpipe run` executes it and writes every \
      result and verification report to one HDF5 file.

      Exit codes: 0 all checks passed; 1 a verify stage failed (the file is still written); \
      2 the job is invalid (nothing runs, nothing is written); 3 a runtime or input-data error \
      (no partial file is left).
      """,
    version: ConvPipeVersion.current,
    subcommands: [RunCommand.self, ValidateCommand.self, InspectCommand.self, DiffCommand.self, BenchCommand.self])

  public init() {}
}

/// Writes each line to standard error.
func printError(_ text: String) {
  FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Prints a job's problems, one per line, and exits 2 (or `dataExit` when every
/// problem lies in input data).
func fail(_ problems: JobProblems, dataExit: Int32) -> ExitCode {
  printError(problems.description)
  return ExitCode(problems.isDataError ? dataExit : 2)
}

/// The `--max-memory` option shared by `run` and `validate`.
struct MemoryOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp(
    "Largest working set one item may need, e.g. 512M, 8G (default: half of this machine's memory).",
    valueName: "size"))
  var maxMemory: String?

  func limit() throws -> Int {
    guard let text = maxMemory else { return MemorySize.defaultLimit }
    guard let bytes = MemorySize.parse(text) else {
      throw ValidationError("--max-memory \(text) is not a size; write e.g. 512M, 8G or a number of bytes")
    }
    return bytes
  }
}

/// `--rtol` and `--atol`, shared by `run --golden` and `diff`.
struct ToleranceOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Relative tolerance of comparisons (default 0: exact).", valueName: "r"))
  var rtol: Double = 0

  @Option(help: ArgumentHelp("Absolute tolerance of comparisons (default 0: exact).", valueName: "a"))
  var atol: Double = 0

  func validate() throws {
    guard rtol >= 0, atol >= 0 else { throw ValidationError("--rtol and --atol must not be negative") }
  }

  var comparison: OutputComparison { OutputComparison(rtol: rtol, atol: atol) }
}

/// Writes a `--report` file, exiting 3 when it cannot.
func writeReport(_ text: String, to path: String) throws {
  do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
    printError("\(path): cannot write the report: \(error.localizedDescription)")
    throw ExitCode(3)
  }
}
