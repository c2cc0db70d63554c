import ConvCore
import Testing

/// The problems a shape check throws, or nil when it succeeds.
func shapeProblems<T>(_ body: () throws(ShapeError) -> T) -> [String]? {
  do {
    _ = try body()
    return nil
  } catch {
    return error.problems
  }
}

/// Expects `body` to throw a `ShapeError` with a problem containing each of `fragments`
/// (each fragment may be found in a different problem).
func expectProblems<T>(
  _ fragments: [String], minimumCount: Int = 1, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws(ShapeError) -> T
) {
  guard let problems = shapeProblems(body) else {
    Issue.record("expected a ShapeError containing \(fragments), but the check passed", sourceLocation: sourceLocation)
    return
  }
  #expect(problems.count >= minimumCount, "problems: \(problems)", sourceLocation: sourceLocation)
  for fragment in fragments {
    #expect(problems.contains { $0.contains(fragment) }, "no problem contains \"\(fragment)\": \(problems)",
      sourceLocation: sourceLocation)
  }
}

/// A table row for a shape rule that should hold.
struct ValidShapeCase: Sendable, CustomTestStringConvertible {
  let name: String
  let operation: Operation
  let input: [Int]
  var weight: [Int]? = nil
  var bias: [Int]? = nil
  let expected: [Int]
  /// For convolutions, the resolved `[begin, end]` padding (crop) of each spatial axis.
  var pads: [PadPair]? = nil
  /// For transposed convolutions, the resolved output_padding of each spatial axis.
  var outputPadding: [Int]? = nil

  var testDescription: String { name }

  func plan() throws(ShapeError) -> OperationPlan {
    try operation.plan(input: input, weight: weight, bias: bias)
  }
}

/// A table row for a shape rule that should be refused, with the words its problems must contain.
struct InvalidShapeCase: Sendable, CustomTestStringConvertible {
  let name: String
  let operation: Operation
  let input: [Int]
  var weight: [Int]? = nil
  var bias: [Int]? = nil
  let fragments: [String]
  /// At least this many problems (several broken rules are all reported).
  var minimumCount = 1

  var testDescription: String { name }

  func plan() throws(ShapeError) -> OperationPlan {
    try operation.plan(input: input, weight: weight, bias: bias)
  }
}

/// Checks a valid row: output shape and, where given, resolved padding and output_padding.
func checkValid(_ row: ValidShapeCase, sourceLocation: SourceLocation = #_sourceLocation) {
  let plan: OperationPlan
  do {
    plan = try row.plan()
  } catch {
    Issue.record("\(row.name): unexpected problems \(error.problems)", sourceLocation: sourceLocation)
    return
  }
  #expect(plan.outputShape == row.expected, sourceLocation: sourceLocation)
  guard case .convolution(let geometry) = plan else { return }
  if let pads = row.pads {
    #expect(geometry.axes.map { PadPair($0.padBegin, $0.padEnd) } == pads, sourceLocation: sourceLocation)
  }
  if let outputPadding = row.outputPadding {
    #expect(geometry.axes.map(\.outputPadding) == outputPadding, sourceLocation: sourceLocation)
  }
  #expect(geometry.inputShape == row.input, sourceLocation: sourceLocation)
  if let weight = row.weight { #expect(geometry.weightShape == weight, sourceLocation: sourceLocation) }
}

/// Checks an invalid row: every fragment appears among the problems.
func checkInvalid(_ row: InvalidShapeCase, sourceLocation: SourceLocation = #_sourceLocation) {
  expectProblems(row.fragments, minimumCount: row.minimumCount, sourceLocation: sourceLocation) { () throws(ShapeError) in
    try row.plan()
  }
}

/// A tensor of `dtype` from literal values (converted from float64, exact for the small integers used here).
func tensor(_ shape: [Int], _ values: [Double], as dtype: DType = .float64) -> Tensor {
  try! Tensor(shape: shape, values: values).converted(to: dtype)
}

/// `1, 2, ..., n` as doubles.
func countingValues(_ n: Int) -> [Double] { (1...n).map(Double.init) }
