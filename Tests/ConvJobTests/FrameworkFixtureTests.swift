import ConvChecks
import ConvCore
import ConvJob
import FrameworkCalls
import Testing
import TestSupport

/// Every case recorded from the real frameworks (`Tests/Fixtures/frameworks`),
/// decoded as a job's stage is, lowered and run through the core operations,
/// and compared with the framework's own result at the case's tolerance; every
/// call the framework refused is refused, with the API named. Keras cases run
/// on both backends' rules where the fixture says what each does.
@Suite("Framework calls against the frameworks' own results")
struct FrameworkFixtureTests {
  @Test("the fixture holds its 398 cases (346 computed, 52 refused), of every framework")
  func caseCount() throws {
    let cases = FrameworkCase.all
    #expect(cases.count == 398)
    #expect(try cases.filter { try $0.load().isPositive }.count == 346)
    for framework in Framework.allCases {
      #expect(cases.contains { $0.name.hasPrefix(framework.rawValue + "-") }, "\(framework) has cases")
    }
  }

  /// The lowering of `stage` for the case's tensors, or the problems it throws.
  static func lower(_ contents: FrameworkCase.Contents, backend: String? = nil) throws -> FrameworkLowering {
    let call = try StageParameters.frameworkCall(fromJSON: contents.stage(backend: backend), file: "fixture")
    return try call.lower(
      input: contents.input.shape, weight: contents.weight.shape, bias: contents.bias?.shape, dtype: contents.dtype)
  }

  static func expectMatch(
    _ contents: FrameworkCase.Contents, backend: String?, expected: Tensor, _ testCase: FrameworkCase
  ) throws {
    let lowering: FrameworkLowering
    do { lowering = try lower(contents, backend: backend) } catch {
      Issue.record("\(testCase) (backend \(backend ?? "default")) was refused: \(error)")
      return
    }
    #expect(lowering.outputShape == expected.shape, "\(testCase): planned shape")
    let actual = try lowering.apply(input: contents.input, weight: contents.weight, bias: contents.bias)
    #expect(actual.dtype == contents.dtype)
    let comparison = Allclose(rtol: contents.rtol, atol: contents.atol).compare(actual, expected)
    #expect(comparison.held, "\(testCase) (backend \(backend ?? "default")): \(comparison.message); \(contents.call)")
  }

  static func expectRefusal(_ contents: FrameworkCase.Contents, backend: String?, _ testCase: FrameworkCase) {
    do {
      let lowering = try lower(contents, backend: backend)
      Issue.record(
        "\(testCase) (backend \(backend ?? "default")) computed \(lowering.outputShape.shapeDescription); the framework refused: \(contents.errorTensorFlow ?? contents.error ?? "")"
      )
    } catch let problems as JobProblems {
      let text = problems.description
      #expect(text.contains(contents.op), "\(testCase): \(text) names the API")
    } catch let error as FrameworkCallError {
      #expect(!error.problems.isEmpty)
      #expect(error.description.hasPrefix(contents.op + ": "), "\(testCase): \(error) names the API")
      #expect(error.problems.allSatisfy { $0.message.count > 20 }, "\(testCase): \(error) says why")
    } catch {
      Issue.record("\(testCase): unexpected error \(error)")
    }
  }

  @Test("each case, computed or refused as the framework did", arguments: FrameworkCase.all)
  func matchesFramework(_ testCase: FrameworkCase) throws {
    let contents = try testCase.load()
    guard contents.framework == "keras" else {
      if let expected = contents.expected {
        try Self.expectMatch(contents, backend: nil, expected: expected, testCase)
      } else {
        Self.expectRefusal(contents, backend: nil, testCase)
      }
      return
    }
    let backends = (contents.backend ?? "tensorflow,jax").split(separator: ",").map(String.init)
    guard let expected = contents.expected else {
      for backend in ["tensorflow", "jax"] { Self.expectRefusal(contents, backend: backend, testCase) }
      return
    }
    // The TensorFlow backend (the default): its result, or its refusal where only JAX computed.
    if backends.contains("tensorflow") {
      try Self.expectMatch(contents, backend: nil, expected: expected, testCase)
    } else {
      Self.expectRefusal(contents, backend: "tensorflow", testCase)
    }
    // The JAX backend: `expected_jax` where the backends differ, else `expected`.
    try Self.expectMatch(contents, backend: "jax", expected: contents.expectedJAX ?? expected, testCase)
  }
}
