import ConvJob
import Foundation
import HDF5IO
import PositionedJSON
import Testing
import TestSupport

/// The reports a run writes: attributes as the spec lists them, saved matrices,
/// the closing summary and the `--report` JSON.
@Suite("Verification reports")
struct ReportTests {
  static let reportAttributes = [
    "check", "passed", "held", "expect", "max_abs_error", "max_rel_error", "mismatched", "count", "rtol", "atol",
    "message",
  ]

  @Test("the Q&A pipeline writes every report attribute, the 4x16 unrolled matrix and a JSON summary")
  func seedPipelineReports() throws {
    let directory = Fixtures.temporaryDirectory()
    let output = directory.appendingPathComponent("qa.h5").path, json = directory.appendingPathComponent("qa.json").path
    let run = try ConvPipeProcess.run([
      "run", Fixtures.path("pipelines/seed-qa-gradient-and-flip.json"), "--output", output, "--report", json,
    ])
    #expect(run.exitCode == 0, "\(run.standardError)")
    let file = try HDF5File.open(output)
    let reports = try file.children(of: "/items/main/reports")
    #expect(reports.count == 6)
    for report in reports {
      let names = Set(try file.attributeNames(of: "/items/main/reports/\(report)"))
      #expect(names.isSuperset(of: Self.reportAttributes), "\(report) has \(names.sorted())")
    }
    #expect(try file.datasetInfo("/items/main/matrices/unrolled").shape == [4, 16])
    #expect(try file.attribute("expect", of: "/items/main/reports/unflipped_kernel_differs") == .string("fail"))
    #expect(try file.attribute("held", of: "/items/main/reports/unflipped_kernel_differs") == .int(0))
    #expect(try file.attribute("passed", of: "/items/main/reports/unflipped_kernel_differs") == .int(1))
    let summary = try JSONParser.parse(String(contentsOfFile: json, encoding: .utf8))
    #expect(summary["checks"]?.intValue == 6)
    #expect(summary["passed"]?.intValue == 6)
    #expect(summary["failed"]?.arrayValue?.isEmpty == true)
    #expect(summary["checks_failed"]?.intValue == 0)
    #expect(summary["exit_code"]?.intValue == 0)
  }

  @Test("a failed check is one summary line with item, stage, check and max error, and one JSON entry")
  func failedCheckSummary() throws {
    let directory = Fixtures.temporaryDirectory()
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1, "inputs": {"x": {"random": {"shape": [1, 1, 5, 5], "seed": 1}}, "w": {"random": {"shape": [1, 1, 3, 3], "seed": 2}}},
     "stages": [{"id": "y", "op": "conv", "input": "x", "weight": "w"},
                {"id": "back", "op": "conv_transpose", "input": "y", "weight": "w"},
                {"id": "inverse", "op": "verify", "check": "allclose", "actual": "back", "expected": "x"},
                {"id": "recovered", "op": "verify", "check": "shape", "actual": "back", "expected": "x"}],
     "outputs": {"path": "out.h5"}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    let json = directory.appendingPathComponent("report.json").path
    let run = try ConvPipeProcess.run(["run", job, "--report", json])
    #expect(run.exitCode == 1)
    let lines = run.standardOutput.split(separator: "\n").map(String.init)
    #expect(
      lines.contains {
        $0.hasPrefix("FAIL item main stage inverse check allclose: max abs error ") && $0.contains("worst at [0, 0, ")
      })
    #expect(lines.last == "1 passed, 1 failed")
    let summary = try JSONParser.parse(String(contentsOfFile: json, encoding: .utf8))
    let failed = summary["failed"]?.arrayValue ?? []
    #expect(failed.count == 1)
    #expect(failed.first?["stage"]?.stringValue == "inverse")
    #expect(failed.first?["item"]?.stringValue == "main")
    #expect(summary["exit_code"]?.intValue == 1)
  }
}

@Suite("Output compression")
struct OutputCompressionTests {
  static func run(compression: String) throws -> (Int, ConvPipeProcess.Result) {
    let directory = Fixtures.temporaryDirectory()
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1, "inputs": {"x": {"random": {"shape": [1, 1, 400, 400], "distribution": "uniform", "seed": 3}}},
     "stages": [{"id": "y", "op": "stride", "input": "x", "stride": 1}],
     "outputs": {"path": "out.h5", "tensors": ["x", "y"]\(compression)}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    let result = try ConvPipeProcess.run(["run", job, "--quiet"])
    let size =
      (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("out.h5").path))?[.size]
      as? Int ?? 0
    return (size, result)
  }

  @Test("uncompressed by default, gzip with outputs.compression, a bad level refused")
  func compression() throws {
    let (plain, plainRun) = try Self.run(compression: "")
    let (compressed, compressedRun) = try Self.run(compression: ", \"compression\": 6")
    #expect(plainRun.exitCode == 0 && compressedRun.exitCode == 0)
    #expect(plain > 2 * 400 * 400 * 8, "two float64 400x400 tensors stored as they are: \(plain) bytes")
    #expect(compressed < plain * 9 / 10, "shuffle + gzip shrink uniform doubles: \(compressed) of \(plain) bytes")
    let (_, refused) = try Self.run(compression: ", \"compression\": 12")
    #expect(refused.exitCode == 2)
    #expect(refused.standardError.contains("outputs: compression: 12 is not a gzip level: give 0 (none) to 9"))
  }
}
