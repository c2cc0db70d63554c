/// The distributions of a seeded random tensor.
public enum RandomDistribution: String, Sendable, CaseIterable {
  /// Standard normal: mean 0, standard deviation 1.
  case normal
  /// Uniform on [0, 1).
  case uniform
}

/// A deterministic pseudo-random source: the same seed gives the same tensor on
/// every machine.
///
/// The generator is SplitMix64 (Steele, Lea and Flood 2014): the state advances
/// by 0x9E3779B97F4A7C15 and each output is the state mixed by
/// `z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB; z ^ (z >> 31)`.
/// A uniform double in [0, 1) is the top 53 bits times 2^-53. Normal values use the
/// Box-Muller transform on two uniforms u1, u2: `sqrt(-2 ln(1 - u1)) * cos(2 pi u2)`
/// (one normal per pair, so the sequence does not depend on caching). Float32
/// tensors round the double values. Only IEEE arithmetic and libm's `log`,
/// `cos` and `sqrt` are involved.
public struct SeededRandom: Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform on [0, 1): the top 53 bits times 2^-53.
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// Standard normal by Box-Muller.
  public mutating func normal() -> Double {
    let u1 = uniform(), u2 = uniform()
    return (-2 * log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// `count` values of `distribution`.
  public mutating func values(_ count: Int, distribution: RandomDistribution) -> [Double] {
    (0..<count).map { _ in distribution == .normal ? normal() : uniform() }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
