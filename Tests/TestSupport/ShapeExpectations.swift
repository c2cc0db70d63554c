import ConvCore
import Testing

/// The problems a shape check throws, or nil when it succeeds.
public func shapeProblems<T>(_ body: () throws(ShapeError) -> T) -> [String]? {
  do {
    _ = try body()
    return nil
  } catch {
    return error.problems
  }
}

/// Expects `body` to throw a `ShapeError` with a problem containing each of `fragments`
/// (each fragment may be found in a different problem).
public func expectProblems<T>(
  _ fragments: [String], minimumCount: Int = 1, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws(ShapeError) -> T
) {
  guard let problems = shapeProblems(body) else {
    Issue.record("expected a ShapeError containing \(fragments), but the check passed", sourceLocation: sourceLocation)
    return
  }
  #expect(problems.count >= minimumCount, "problems: \(problems)", sourceLocation: sourceLocation)
  for fragment in fragments {
    #expect(
      problems.contains { $0.contains(fragment) }, "no problem contains \"\(fragment)\": \(problems)",
      sourceLocation: sourceLocation)
  }
}

/// A tensor of `dtype` from literal values (converted from float64, exact for the small integers used here).
public func tensor(_ shape: [Int], _ values: [Double], as dtype: DType = .float64) -> Tensor {
  try! Tensor(shape: shape, values: values).converted(to: dtype)
}

/// `1, 2, ..., n` as doubles.
public func countingValues(_ n: Int) -> [Double] { (1...n).map(Double.init) }
