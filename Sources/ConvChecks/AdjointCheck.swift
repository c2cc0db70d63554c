import ConvCore
import ConvKernels

/// The dot-product test that an operator `A^T` is the transpose (adjoint) of `A`.
///
/// Draws `x` (input-shaped) and then `y` (output-shaped) from ``CheckRandom`` seeded
/// with `seed`, in the compute type, and computes `l = <A x, y>` and `r = <x, A^T y>`
/// in Double. The claim `<A x, y> = <x, A^T y>` holds when
/// `|l - r| <= rtol * max(|l|, |r|, tiny)` (`tiny` the least normal Double).
/// `A` must be linear: a convolution without its bias.
public struct AdjointCheck: Sendable, Equatable {
  public var seed: UInt64
  /// The relative tolerance; nil for ``defaultRelativeTolerance(for:)``.
  public var rtol: Double?

  public init(seed: UInt64 = 0, rtol: Double? = nil) {
    self.seed = seed
    self.rtol = rtol
  }

  /// 1e-10 for float64, 1e-4 for float32: both inner products sum the same
  /// products in a different order, each term rounded in the compute type.
  public static func defaultRelativeTolerance(for dtype: DType) -> Double {
    dtype == .float64 ? 1e-10 : 1e-4
  }

  /// Tests `transposed` against `forward` for tensors of `inputShape` and
  /// `outputShape` drawn in `dtype`. A result of the wrong shape fails the check.
  public func check(
    inputShape: [Int], outputShape: [Int], dtype: DType,
    forward: (Tensor) throws -> Tensor, transposed: (Tensor) throws -> Tensor
  ) throws -> CheckOutcome {
    try CheckOutcome.catchingWrongShape {
      var random = CheckRandom(seed: seed)
      let x = random.tensor(shape: inputShape, dtype: dtype)
      let y = random.tensor(shape: outputShape, dtype: dtype)
      let left = innerProduct(try requireShape(forward(x), outputShape, of: "A x"), y)
      let right = innerProduct(x, try requireShape(transposed(y), inputShape, of: "A^T y"))
      let tolerance = rtol ?? Self.defaultRelativeTolerance(for: dtype)
      let difference = abs(left - right)
      let relative = difference / max(abs(left), abs(right), .leastNormalMagnitude)
      let held = relative <= tolerance
      return CheckOutcome(
        held: held, maxAbsError: difference, maxRelError: relative, mismatched: held ? 0 : 1, count: 1,
        rtol: tolerance, atol: 0,
        message:
          "<A x, y> = \(left), <x, A^T y> = \(right): relative error \(relative) \(held ? "<=" : "exceeds") rtol \(tolerance) (\(dtype), seed \(seed))"
      )
    }
  }

  /// Tests the geometry's own operators: `A x = geometry.apply` (no bias) and
  /// `A^T y = geometry.applyTransposed`, with `weight`, computed in `dtype`.
  public func check(geometry: ConvGeometry, weight: Tensor, dtype: DType) throws -> CheckOutcome {
    try check(
      inputShape: geometry.inputShape, outputShape: geometry.outputShape, dtype: dtype,
      forward: { try geometry.apply(input: $0, weight: weight) },
      transposed: { try geometry.applyTransposed($0, weight: weight) })
  }
}
