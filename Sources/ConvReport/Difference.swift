import ConvJob
import ConvChecks
import ConvCore

/// `actual - expected` cell by cell, and its worst cell, for a heat map.
///
/// Cells that are equal (equal infinities, or NaN on both sides) differ by 0;
/// the worst cell is the first whose difference is NaN or infinite, else the
/// one of largest magnitude.
package struct Difference: Sendable {
  package let values: [Double]
  package let shape: [Int]
  /// Flat index of the worst cell.
  package let worst: Int
  /// The two sides' values at the worst cell.
  package let actual: Double
  package let expected: Double

  /// nil when the shapes differ or the tensors are empty.
  package init?(actual: Tensor, expected: Tensor) {
    guard actual.shape == expected.shape, actual.count > 0 else { return nil }
    let (a, e) = (actual.doubles, expected.doubles)
    var values = [Double](repeating: 0, count: a.count)
    var worst = 0, worstMagnitude = -1.0
    for index in a.indices {
      let same = a[index] == e[index] || (a[index].isNaN && e[index].isNaN)
      let difference = same ? 0 : a[index] - e[index]
      values[index] = difference
      let magnitude = difference.isFinite ? abs(difference) : .infinity
      if magnitude > worstMagnitude {
        worst = index
        worstMagnitude = magnitude
      }
    }
    self.values = values
    self.shape = actual.shape
    self.worst = worst
    self.actual = a[worst]
    self.expected = e[worst]
  }

  /// `worst at [0, 1, 4, 4]: actual 316, expected 52.2, difference 264`.
  package var worstDescription: String {
    "worst at \(multiIndex(worst, shape: shape)): actual \(formatNumber(actual)), expected \(formatNumber(expected)), "
      + "difference \(formatNumber(values[worst]))"
  }
}
