import ConvChecks
import ConvCore
import ConvJob
import Foundation
import HDF5IO
import PositionedJSON
import Testing
import TestSupport

/// The conformance cases through the command: each case becomes a job whose
/// inputs are the case's datasets, with one op stage and one allclose check.
@Suite("PyTorch conformance cases through convpipe run")
struct ConformanceCommandTests {
  /// A job for `testCase`, reading its datasets from `file` (the fixture, or a perturbed copy).
  static func job(for testCase: ConformanceCase, contents: ConformanceCase.Contents, file: String, output: String)
    -> String
  {
    var stage = String(contents.stage.dropLast())  // drop the closing brace, append ids and names
    stage += ", \"id\": \"result\", \"input\": \"input\""
    var inputs = [
      "\"input\": {\"hdf5\": \(JSONValue.quoted(file)), \"dataset\": \"\(testCase.group)/input\"}",
      "\"expected\": {\"hdf5\": \(JSONValue.quoted(file)), \"dataset\": \"\(testCase.group)/expected\"}",
    ]
    for role in ["weight", "bias"] where contents.tensors[role] != nil {
      stage += ", \"\(role)\": \"\(role)\""
      inputs.append("\"\(role)\": {\"hdf5\": \(JSONValue.quoted(file)), \"dataset\": \"\(testCase.group)/\(role)\"}")
    }
    stage += "}"
    return """
      {"convpipe": 1, "name": "\(testCase.name)",
       "inputs": {\(inputs.joined(separator: ", "))},
       "stages": [\(stage),
         {"id": "check", "op": "verify", "check": "allclose", "actual": "result", "expected": "expected",
          "rtol": \(contents.rtol), "atol": \(contents.atol)}],
       "outputs": {"path": \(JSONValue.quoted(output)), "tensors": ["result"]}}
      """
  }

  @Test("every case passes and writes PyTorch's result", arguments: ConformanceCase.all)
  func matches(_ testCase: ConformanceCase) throws {
    let contents = try testCase.load()
    let directory = Fixtures.temporaryDirectory()
    let output = directory.appendingPathComponent("out.h5").path
    let jobPath = directory.appendingPathComponent("job.json").path
    try Self.job(for: testCase, contents: contents, file: Fixtures.conformanceCases, output: output)
      .write(toFile: jobPath, atomically: true, encoding: .utf8)
    let run = try ConvPipeProcess.run(["run", jobPath, "--quiet"])
    #expect(run.exitCode == 0, "\(run.standardError)")
    let written = try HDF5File.open(output).readTensor("/items/main/tensors/result")
    guard let expected = contents.tensors["expected"] else { throw FixtureError("no expected") }
    #expect(written.shape == expected.shape)
    let comparison = Allclose(rtol: contents.rtol, atol: contents.atol).compare(written, expected)
    #expect(comparison.held, "\(comparison.message)")
  }

  @Test(
    "a perturbed expected value makes the run exit 1 with passed = 0",
    arguments: ConformanceCase.all.enumerated().filter { $0.offset % 15 == 0 }.map(\.element))
  func perturbed(_ testCase: ConformanceCase) throws {
    let contents = try testCase.load()
    let directory = Fixtures.temporaryDirectory()
    let copy = directory.appendingPathComponent("perturbed.h5").path
    let file = try HDF5File.create(copy)
    for (name, tensor) in contents.tensors {
      var values = tensor.doubles
      if name == "expected" { values[values.count / 2] += 1e-3 + 1e-3 * abs(values[values.count / 2]) }
      try file.writeTensor(try Tensor(shape: tensor.shape, values: values), to: "\(testCase.group)/\(name)")
    }
    try file.close()
    let output = directory.appendingPathComponent("out.h5").path
    let jobPath = directory.appendingPathComponent("job.json").path
    try Self.job(for: testCase, contents: contents, file: copy, output: output).write(
      toFile: jobPath, atomically: true, encoding: .utf8)
    let run = try ConvPipeProcess.run(["run", jobPath])
    #expect(run.exitCode == 1)
    #expect(run.standardOutput.contains("0 passed, 1 failed"))
    #expect(run.standardOutput.contains("FAIL item main stage check check allclose"))
    let report = try HDF5File.open(output)
    #expect(try report.attribute("passed", of: "/items/main/reports/check") == .int(0))
    #expect(try report.attribute("mismatched", of: "/items/main/reports/check") == .int(1))
  }
}
