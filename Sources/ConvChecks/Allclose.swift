import ConvCore

/// Element-wise closeness, as `torch.allclose` / `numpy.allclose`: holds when the
/// shapes are equal and `|a - e| <= atol + rtol * |e|` for every element. NaNs
/// are equal to each other only with `equalNaN`; infinities must match exactly.
public struct Allclose: Sendable, Equatable {
  public var rtol: Double
  public var atol: Double
  public var equalNaN: Bool

  public init(rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false) {
    self.rtol = rtol
    self.atol = atol
    self.equalNaN = equalNaN
  }

  /// Compares `actual` with `expected`, reporting the worst element by its multi-index.
  public func compare(_ actual: Tensor, _ expected: Tensor) -> CheckOutcome {
    guard actual.shape == expected.shape else {
      return CheckOutcome(
        held: false, mismatched: max(actual.count, expected.count), count: max(actual.count, expected.count),
        rtol: rtol, atol: atol,
        message: "shapes differ: actual \(actual.shape.shapeDescription), expected \(expected.shape.shapeDescription)")
    }
    return compare(actual.doubles, expected.doubles, shape: actual.shape)
  }

  /// Compares two equally long flat arrays laid out in `shape`. The worst
  /// element is, among the elements outside the tolerance, the one furthest
  /// outside it (`|a - e| - (atol + rtol*|e|)` largest, a NaN or infinity
  /// involved furthest); when every element is within it, the one of the
  /// largest `|a - e|`; the first of those that tie. A NaN on either side
  /// (both, without `equalNaN`) or unequal infinities make an element's error
  /// infinite, so `maxAbsError` is infinite; the message counts the NaN ones.
  public func compare(_ a: [Double], _ e: [Double], shape: [Int]) -> CheckOutcome {
    var maxAbs = 0.0, maxRel = 0.0, mismatched = 0, notANumber = 0
    // Ordered by how far outside the tolerance, or while every element is within it, by the difference.
    var worst: (index: Int, order: Double)?
    for i in a.indices {
      let (x, y) = (a[i], e[i])
      let difference: Double, close: Bool
      if x.isNaN || y.isNaN {
        close = equalNaN && x.isNaN && y.isNaN
        difference = close ? 0 : .infinity
      } else if x.isInfinite || y.isInfinite {
        close = x == y
        difference = close ? 0 : .infinity
      } else {
        difference = abs(x - y)
        close = difference <= atol + rtol * abs(y)
      }
      maxAbs = max(maxAbs, difference)
      maxRel = max(maxRel, difference == 0 ? 0 : (y == 0 || !y.isFinite ? .infinity : difference / abs(y)))
      let excess = difference - (atol + rtol * abs(y))
      if !close {
        mismatched += 1
        if x.isNaN || y.isNaN { notANumber += 1 }
        let order = excess.isNaN ? .infinity : excess  // a NaN or an infinity involved: as far out as can be
        if mismatched == 1 || worst.map({ order > $0.order }) ?? true { worst = (i, order) }
      } else if mismatched == 0, worst.map({ difference > $0.order }) ?? true {
        worst = (i, difference)
      }
    }
    var message = "\(mismatched) of \(a.count) elements outside atol + rtol*|expected| (rtol \(rtol), atol \(atol))"
    if notANumber > 0 { message += ", \(notANumber) of them NaN (an error counted as infinite)" }
    if let worst {
      message +=
        "; worst at \(multiIndex(worst.index, shape: shape)): actual \(a[worst.index]), expected \(e[worst.index])"
    }
    return CheckOutcome(
      held: mismatched == 0, maxAbsError: maxAbs, maxRelError: maxRel, mismatched: mismatched,
      count: a.count, rtol: rtol, atol: atol, message: message)
  }
}

/// The multi-index `[n, c, h, w]` of flat row-major position `flat` in `shape`.
public func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
  var remainder = flat
  var index = Array(repeating: 0, count: shape.count)
  for axis in shape.indices.reversed() where shape[axis] > 0 {
    index[axis] = remainder % shape[axis]
    remainder /= shape[axis]
  }
  return index
}
