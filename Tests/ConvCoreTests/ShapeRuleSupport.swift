import ConvCore
import ConvKernels
import Testing
import TestSupport

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
  expectProblems(row.fragments, minimumCount: row.minimumCount, sourceLocation: sourceLocation) {
    () throws(ShapeError) in
    try row.plan()
  }
}
