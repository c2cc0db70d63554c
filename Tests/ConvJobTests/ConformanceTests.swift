import ConvChecks
import ConvCore
import ConvJob
@testable import ConvKernels
import Testing
import TestSupport

/// Every case at every vector level the processor has (``VectorInstructions``,
/// asked for by each test's task) and by each way of convpipe's own lowering
/// (``LoweringChoice``), in float64 and float32, and in float32 through oneDNN.
@Suite("PyTorch conformance cases through the op layer")
struct ConformanceTests {
  static let levels = VectorInstructions.allCases.filter { $0 <= VectorInstructions.processor }

  @Test("the fixture holds all 150 cases")
  func caseCount() {
    #expect(ConformanceCase.all.count == 150)
  }

  @Test("float64 result matches PyTorch", arguments: levels, ConformanceCase.all)
  func matchesPyTorch(level: VectorInstructions, _ testCase: ConformanceCase) throws {
    try VectorInstructions.$requested.withValue(level) {
      for lowering in LoweringChoice.allCases {
        try LoweringChoice.$requested.withValue(lowering) { try checkFloat64(testCase) }
      }
    }
  }

  @Test("float32 result matches PyTorch at float32 tolerance", arguments: levels, ConformanceCase.all)
  func matchesPyTorchInFloat32(level: VectorInstructions, _ testCase: ConformanceCase) throws {
    try VectorInstructions.$requested.withValue(level) {
      try ConvolutionEngine.$requested.withValue(.own) {
        for lowering in LoweringChoice.allCases {
          try LoweringChoice.$requested.withValue(lowering) { try checkFloat32(testCase) }
        }
      }
    }
  }

  @Test(
    "float32 through oneDNN matches PyTorch at float32 tolerance",
    .enabled(if: VectorInstructions.available > .baseline),
    arguments: ConformanceCase.all)
  func matchesPyTorchThroughOneDNN(_ testCase: ConformanceCase) throws {
    try ConvolutionEngine.$requested.withValue(.onednn) { try checkFloat32(testCase) }
  }

  /// oneDNN's deconvolution computes wrong values (and writes outside its
  /// result) for some negative end paddings, an output padding beyond the end
  /// crop: those layers stay convpipe's own.
  @Test("oneDNN implements every conformance case's convolution but those with output padding beyond the end crop")
  func oneDNNCoverage() throws {
    var missing: [String] = [], expected: [String] = [], convolutions = 0
    for testCase in ConformanceCase.all {
      let contents = try testCase.load()
      let operation = try StageParameters.operation(fromJSON: contents.stage, file: testCase.name)
      guard let input = contents.tensors["input"],
        case .convolution(let geometry) = try operation.plan(
          input: input.shape, weight: contents.tensors["weight"]?.shape, bias: contents.tensors["bias"]?.shape)
      else { continue }
      convolutions += 1
      if OneDNNConvolution.forGeometry(geometry.zeroPadded) == nil { missing.append(testCase.name) }
      if geometry.axes.contains(where: { $0.outputPadding > $0.padEnd }) {
        expected.append(testCase.name)
      }
    }
    #expect(missing == expected)
    #expect(missing.count * 3 < convolutions, "oneDNN computes most convolutions")
  }

  private func checkFloat64(_ testCase: ConformanceCase) throws {
    let contents = try testCase.load()
    let operation = try StageParameters.operation(fromJSON: contents.stage, file: testCase.name)
    guard let input = contents.tensors["input"], let expected = contents.tensors["expected"] else {
      throw FixtureError("case \(testCase.name) lacks input or expected")
    }
    let weight = contents.tensors["weight"], bias = contents.tensors["bias"]
    let plan = try operation.plan(input: input.shape, weight: weight?.shape, bias: bias?.shape)
    #expect(plan.outputShape == expected.shape, "planned shape")
    let actual = try plan.apply(input: input, weight: weight, bias: bias)
    #expect(actual.shape == expected.shape)
    #expect(actual.dtype == .float64)
    let comparison = Allclose(rtol: contents.rtol, atol: contents.atol).compare(actual, expected)
    #expect(comparison.held, "\(comparison.message) for \(contents.stage)")
  }

  private func checkFloat32(_ testCase: ConformanceCase) throws {
    let contents = try testCase.load()
    let operation = try StageParameters.operation(fromJSON: contents.stage, file: testCase.name)
    guard let input = contents.tensors["input"]?.converted(to: .float32), let expected = contents.tensors["expected"]
    else {
      throw FixtureError("case \(testCase.name) lacks input or expected")
    }
    let weight = contents.tensors["weight"]?.converted(to: .float32),
      bias = contents.tensors["bias"]?.converted(to: .float32)
    let actual = try operation.plan(input: input.shape, weight: weight?.shape, bias: bias?.shape).apply(
      input: input, weight: weight, bias: bias)
    #expect(actual.dtype == .float32)
    let comparison = Allclose(rtol: 1e-4, atol: 1e-5).compare(actual, expected)
    #expect(comparison.held, "\(comparison.message) for \(contents.stage)")
  }
}
