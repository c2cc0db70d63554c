import ConvJob
import Foundation
import HDF5IO
import Testing
import TestSupport

/// Every job in pipelines/, run by the built binary.
@Suite("Example pipelines run with exit 0")
struct PipelineTests {
  static let pipelines: [String] = {
    let directory = Fixtures.path("pipelines")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted()
  }()

  @Test("there are example pipelines")
  func pipelinesExist() {
    #expect(Self.pipelines.contains("quick-start.json"))
  }

  @Test("validate, run and inspect", arguments: pipelines)
  func runs(_ name: String) throws {
    let job = Fixtures.path("pipelines/\(name)")
    let output = Fixtures.temporaryDirectory().appendingPathComponent("out.h5").path
    let validate = try ConvPipeProcess.run(["validate", job])
    #expect(validate.exitCode == 0, "\(validate.standardError)")
    #expect(validate.standardOutput.contains("stages"))
    let run = try ConvPipeProcess.run(["run", job, "--output", output])
    #expect(run.exitCode == 0, "\(run.standardOutput)\(run.standardError)")
    #expect(run.standardOutput.contains(" passed, 0 failed"))
    let summary = try OutputSummary.read(path: output)
    #expect(summary.attributes["convpipe_version"] == .string(ConvPipeVersion.current))
    #expect(summary.attributes["checks_failed"] == .int(0))
    for key in ["job_name", "job_sha256", "items", "checks"] {
      #expect(summary.attributes[key] != nil, "root attribute \(key)")
    }
    #expect(!summary.items.isEmpty)
    #expect(summary.items.allSatisfy { $0.reports.allSatisfy(\.passed) })
    let inspect = try ConvPipeProcess.run(["inspect", output])
    #expect(inspect.exitCode == 0)
    #expect(inspect.standardOutput.contains("item "))
  }
}
