/// How the values of one picture become colours, and what its colour bar says.
///
/// Values with no negative one use viridis from the smallest value (the bar's
/// left end) to the largest; signed values, and every difference, use the
/// diverging RdBu map over `-m...m`, `m` the largest magnitude, so that 0 is
/// always the neutral middle. Only finite values set the range; NaN is drawn
/// as ``RGB/notANumber`` and infinities as the ends of the map.
package struct ValueScale: Sendable, Equatable {
  package enum Kind: Sendable, Equatable { case sequential, diverging }

  package let kind: Kind
  /// The values at the bar's left and right ends.
  package let low: Double
  package let high: Double
  /// Whether a NaN occurs (the legend then names its colour).
  package let hasNaN: Bool

  package var map: ColorMap { kind == .sequential ? .viridis : .redBlue }

  /// The scale for a tensor's values: sequential when none is negative, else diverging.
  package init(fitting values: [Double]) {
    let (low, high, hasNaN) = Self.finiteRange(values)
    if low >= 0 {
      self.init(kind: .sequential, low: low, high: high, hasNaN: hasNaN)
    } else {
      let magnitude = max(-low, high)
      self.init(kind: .diverging, low: -magnitude, high: magnitude, hasNaN: hasNaN)
    }
  }

  /// The diverging scale centred on 0, for differences of any sign.
  package init(symmetric values: [Double]) {
    let (low, high, hasNaN) = Self.finiteRange(values)
    let magnitude = max(abs(low), abs(high))
    self.init(kind: .diverging, low: -magnitude, high: magnitude, hasNaN: hasNaN)
  }

  package init(kind: Kind, low: Double, high: Double, hasNaN: Bool) {
    self.kind = kind
    self.low = low
    self.high = high
    self.hasNaN = hasNaN
  }

  /// The colour of `value`: its position between ``low`` and ``high`` in ``map``
  /// (the middle when the range is a single value).
  package func color(_ value: Double) -> RGB {
    guard !value.isNaN else { return .notANumber }
    let fraction = high > low ? (value - low) / (high - low) : 0.5
    return map.color(at: fraction)
  }

  /// The smallest and largest finite value (0, 0 when there is none), and whether a NaN occurs.
  private static func finiteRange(_ values: [Double]) -> (Double, Double, Bool) {
    var low = Double.infinity, high = -Double.infinity, hasNaN = false
    for value in values {
      if value.isNaN {
        hasNaN = true
      } else if value.isFinite {
        low = min(low, value)
        high = max(high, value)
      }
    }
    return low > high ? (0, 0, hasNaN) : (low, high, hasNaN)
  }
}
