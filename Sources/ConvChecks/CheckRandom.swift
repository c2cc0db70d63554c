import ConvCore

/// The seeded generator every check draws its random tensors and positions from:
/// the core's SplitMix64 (``SeededRandom``), so that a check's `seed` names the
/// same data on every platform and in every release.
public struct CheckRandom: Sendable {
  private var generator: SeededRandom

  public init(seed: UInt64) { generator = SeededRandom(seed: seed) }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 { generator.next() }

  /// Uniform in `[-1, 1)`: `2 u - 1` with `u = m / 2^p` from the top `p` bits `m`
  /// of `next()`, `p` the precision of `T` (53 for Double, 24 for Float), so the
  /// value is exact in `T` and never rounds up to 1.
  public mutating func uniform<T: TensorElement>(_ type: T.Type = Double.self) -> T {
    let precision = T.significandBitCount + 1
    let fraction = Double(next() >> UInt64(64 - precision)) / Double(sign: .plus, exponent: precision, significand: 1)
    return T(2 * fraction - 1)
  }

  /// Uniform in `0..<bound` (`bound` at least 1): the high word of `next() * bound`.
  public mutating func index(below bound: Int) -> Int {
    Int(next().multipliedFullWidth(by: UInt64(max(bound, 1))).high)
  }

  /// `min(count, bound)` distinct indices in `0..<bound`, by Floyd's algorithm: for
  /// `j` from `bound - count` to `bound - 1` draw `t` in `0...j` and take `t`, or `j`
  /// when `t` was taken already.
  public mutating func distinctIndices(_ count: Int, below bound: Int) -> [Int] {
    let wanted = min(max(count, 0), max(bound, 0))
    var chosen: [Int] = [], taken = Set<Int>()
    for j in (bound - wanted)..<max(bound, 0) {
      let t = index(below: j + 1)
      let pick = taken.contains(t) ? j : t
      taken.insert(pick)
      chosen.append(pick)
    }
    return chosen
  }

  /// A tensor of `shape` whose elements, in row-major order, are successive
  /// `uniform` values drawn in `dtype`.
  public mutating func tensor(shape: [Int], dtype: DType) -> Tensor {
    switch dtype {
    case .float32: tensor(shape: shape, of: Float.self)
    case .float64: tensor(shape: shape, of: Double.self)
    }
  }

  private mutating func tensor<T: TensorElement>(shape: [Int], of type: T.Type) -> Tensor {
    Tensor(shape: shape, of: T.self) { values in
      for i in values.indices { values[i] = uniform(T.self) }
    }
  }
}
