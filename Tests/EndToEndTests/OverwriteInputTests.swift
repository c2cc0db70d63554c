import Foundation
import Testing
import TestSupport

/// A file a command writes that is one of its own inputs is refused before
/// any work (exit 2), in one line naming the option, the file and the rule,
/// and the input is left as it was.
@Suite("Outputs that would overwrite their own inputs", .serialized)
struct OverwriteInputTests {
  enum Command: String, CaseIterable, Sendable { case run, report, explain, diff }

  @Test(
    "run --output, report --html, explain --svg and diff --report naming an input exit 2", arguments: Command.allCases)
  func refused(command: Command) throws {
    let dataset = try Dataset(count: 2)
    let (job, a, b) = (dataset.job, dataset.output("a.h5"), dataset.output("b.h5"))
    for output in [a, b] { #expect(try dataset.run(["--output", output, "--quiet"]).exitCode == 0) }
    let (arguments, input, message): ([String], String, String) =
      switch command {
      case .run: (["run", job, "--output", job], job, "--output: \(job) is the job file")
      case .report: (["report", a, "--html", a], a, "--html: \(a) is the input file")
      case .explain: (["explain", job, "features", "--svg", job], job, "--svg: \(job) is the job file")
      case .diff: (["diff", a, b, "--report", a], a, "--report: \(a) is the reference file")
      }
    let before = Dataset.bytes(input)
    let result = try ConvPipeProcess.run(arguments)
    #expect(result.exitCode == 2, "\(command): \(result.standardError)")
    #expect(result.standardError == message + "; name another file\n", "\(command): \(result.standardError)")
    #expect(Dataset.bytes(input) == before, "\(command): the input is untouched")
  }

  @Test("a hard link to the input is the input too")
  func hardLink() throws {
    let dataset = try Dataset(count: 2)
    let link = dataset.directory.appendingPathComponent("linked.json").path
    try FileManager.default.linkItem(atPath: dataset.job, toPath: link)
    let before = Dataset.bytes(dataset.job)
    let result = try ConvPipeProcess.run(["run", dataset.job, "--output", link])
    #expect(result.exitCode == 2)
    #expect(result.standardError.contains("--output: \(link) is the job file"), "\(result.standardError)")
    #expect(Dataset.bytes(dataset.job) == before)
  }
}
