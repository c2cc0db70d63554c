import ConvCore

/// Shape recovery: whether two tensors have the same spatial sizes (or the same
/// shape, with `allAxes`), as a transposed convolution should give back its
/// convolution's input size.
public struct ShapeComparison: Sendable, Equatable {
  public var allAxes: Bool

  public init(allAxes: Bool = false) { self.allAxes = allAxes }

  public func compare(actual: [Int], expected: [Int]) -> CheckOutcome {
    let a = allAxes ? actual : Array(actual.dropFirst(2))
    let e = allAxes ? expected : Array(expected.dropFirst(2))
    let which = allAxes ? "shapes" : "spatial sizes"
    let differing = a.count == e.count ? zip(a, e).filter { $0 != $1 }.count : max(a.count, e.count)
    let held = a == e
    return CheckOutcome(
      held: held, mismatched: differing, count: max(a.count, e.count),
      message: held
        ? "\(which) equal: \(a.shapeDescription)"
        : "\(which) differ: actual \(a.shapeDescription), expected \(e.shapeDescription)")
  }
}
