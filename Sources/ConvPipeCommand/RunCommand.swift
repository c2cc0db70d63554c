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
        convpipe run job.json --output out/nightly.h5 --report out/nightly.json

      The output file is written under a temporary name beside the target and renamed \
      when the run completes: an earlier file is replaced only by a finished run.
      """)

  @Argument(help: "The job file (JSON).")
  var job: String

  @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the HDF5 file (overrides outputs.path).", valueName: "path"))
  var output: String?

  @OptionGroup var memory: MemoryOptions

  @Option(name: .long, help: ArgumentHelp("Also write the run's summary as JSON to this file.", valueName: "file.json"))
  var report: String?

  @Flag(name: .shortAndLong, help: "Print nothing but errors.")
  var quiet = false

  func run() throws {
    let limit = try memory.limit()
    let prepared: PreparedJob
    do { prepared = try PreparedJob.prepare(path: job, maxMemory: limit) } catch { throw fail(error, dataExit: 3) }
    let result: RunResult
    do {
      result = try JobRunner.run(prepared, outputPath: output)
    } catch let problems as JobProblems {
      throw fail(problems, dataExit: 3)
    } catch {
      printError("\(error)")
      throw ExitCode(3)
    }
    let summary = RunSummary(result: result)
    if !quiet { print(summary.text) }
    if let report {
      do { try summary.json.write(toFile: report, atomically: true, encoding: .utf8) } catch {
        printError("\(report): cannot write the report: \(error.localizedDescription)")
        throw ExitCode(3)
      }
    }
    if result.exitCode != 0 { throw ExitCode(result.exitCode) }
  }
}
