import ConvCore
import Foundation
import FrameworkCalls
import PositionedJSON
import Testing
import TestSupport

/// Framework stages through the built binary: one recorded case per API run as a
/// job reading the fixture's datasets; `explain` on the porting pipeline, as text
/// and as the JSON `generate.py --check-explain` reads.
@Suite("Framework stages and explain through the command")
struct FrameworkStageCommandTests {
  /// The first positive case of each API (and, for Keras, of each backend it is recorded for).
  static let cases: [FrameworkCase] = {
    var seen: Set<String> = []
    var chosen: [FrameworkCase] = []
    for testCase in FrameworkCase.all {
      guard let contents = try? testCase.load(), contents.isPositive, contents.disagreement == nil else { continue }
      let key = contents.op + (contents.backend ?? "")
      if seen.insert(key).inserted { chosen.append(testCase) }
    }
    return chosen
  }()

  @Test("a case of every API", arguments: cases)
  func runsCase(_ testCase: FrameworkCase) throws {
    let contents = try testCase.load()
    let directory = Fixtures.temporaryDirectory("convpipe-framework")
    let file = JSONValue.quoted(Fixtures.frameworkCases)
    var inputs = [
      "\"x\": {\"hdf5\": \(file), \"dataset\": \"\(testCase.group)/input\"}",
      "\"expected\": {\"hdf5\": \(file), \"dataset\": \"\(testCase.group)/expected\"}",
      "\"w\": {\"hdf5\": \(file), \"dataset\": \"\(testCase.group)/weight\"}",
    ]
    var stage =
      "{\"id\": \"result\", \"op\": \"\(contents.op)\", \"input\": \"x\", \"weight\": \"w\", \"args\": \(contents.args)"
    if contents.bias != nil {
      inputs.append("\"b\": {\"hdf5\": \(file), \"dataset\": \"\(testCase.group)/bias\"}")
      stage += ", \"bias\": \"b\""
    }
    if contents.backend == "jax" { stage += ", \"backend\": \"jax\"" }
    stage += "}"
    let job = """
      {"convpipe": 1, "name": "\(testCase.name)", "inputs": {\(inputs.joined(separator: ", "))},
       "stages": [\(stage),
         {"id": "check", "op": "verify", "check": "allclose", "actual": "result", "expected": "expected",
          "rtol": \(contents.rtol), "atol": \(contents.atol)}],
       "outputs": {"path": "out.h5", "tensors": ["result"]}}
      """
    let path = directory.appendingPathComponent("job.json").path
    try job.write(toFile: path, atomically: true, encoding: .utf8)
    let validate = try ConvPipeProcess.run(["validate", path])
    #expect(validate.exitCode == 0, "\(validate.standardError)")
    #expect(validate.standardOutput.contains(contents.op), "validate names the API")
    let run = try ConvPipeProcess.run(["run", path, "--quiet"], in: directory)
    #expect(run.exitCode == 0, "\(testCase): \(run.standardOutput)\(run.standardError)")
  }

  static let porting = Fixtures.path("pipelines/porting-tf-same-transpose.json")

  @Test("explain prints every framework's call for the TensorFlow stage")
  func explainText() throws {
    let result = try ConvPipeProcess.run(["explain", Self.porting, "up"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let text = result.standardOutput
    for expected in [
      "up: tf.nn.conv2d_transpose(input x 1x16x16x8, weight w 3x3x4x8) -> 1x32x32x4 float64",
      "conv_transpose stride [2, 2], padding [[0, 1], [0, 1]], output_padding [0, 0]",
      "PyTorch: composition", "torch.nn.functional.conv_transpose2d(x, w, stride=(2, 2))[:, :, :32, :32]",
      "TensorFlow: one call",
      "tf.nn.conv2d_transpose(x, w, output_shape=[1, 32, 32, 4], strides=[2, 2], padding=\"SAME\")",
      "Keras 3: one call", "JAX: one call", "transpose_kernel=True", "ONNX: one call in float32",
      "onnx_run(\"ConvTranspose\", x, w, pads=[0, 0, 1, 1], strides=[2, 2])",
    ] {
      #expect(text.contains(expected), "explain prints \(expected)")
    }
    #expect(!text.contains("keras_up:"), "only the stage asked for")
  }

  @Test("explain --json: five calls per conv-like stage, bindings and results")
  func explainJSON() throws {
    let result = try ConvPipeProcess.run(["explain", Self.porting, "--json"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let root = try JSONParser.parse(result.standardOutput)
    let stages = root["stages"]?.arrayValue ?? []
    #expect(stages.compactMap { $0["id"]?.stringValue } == ["up", "keras_up", "usual_port", "full", "core"])
    for stage in stages {
      let calls = stage["calls"]?.arrayValue ?? []
      #expect(calls.compactMap { $0["framework"]?.stringValue } == Framework.allCases.map(\.rawValue))
      for call in calls where call["kind"]?.stringValue != "impossible" {
        #expect(call["call"]?.stringValue?.isEmpty == false)
        #expect(call["bind"]?["x"]?["tensor"]?.stringValue != nil)
        #expect(call["bind"]?["w"]?["operand"]?.stringValue == "weight")
      }
    }
    let up = stages.first { $0["id"]?.stringValue == "up" }
    let torch = up?["calls"]?.arrayValue?.first
    #expect(torch?["bind"]?["x"]?["transforms"]?.jsonText == "[{\"permute\": [0, 3, 1, 2]}]")
    #expect(torch?["result"]?.jsonText == "[{\"permute\": [0, 2, 3, 1]}]")
  }

  @Test("explain refuses a stage that is not conv-like, and a missing one")
  func explainRefuses() throws {
    for (stage, words) in [("keras_agrees", "not a conv-like stage"), ("nowhere", "no stage \"nowhere\"")] {
      let result = try ConvPipeProcess.run(["explain", Self.porting, stage])
      #expect(result.exitCode == 2)
      #expect(result.standardError.contains(words), "\(result.standardError)")
    }
  }
}
