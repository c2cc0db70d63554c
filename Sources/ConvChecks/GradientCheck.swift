import ConvCore
import ConvKernels

/// The finite-difference gradient check of a transposed operator.
///
/// With `x` (input-shaped) and then `g` (output-shaped) drawn from ``CheckRandom``
/// seeded with `seed` in the compute type, `L(x) = <op(x), g>` has the analytic
/// gradient `A^T g` (the transposed operator applied to `g`). At `samples` distinct
/// input positions `i` (all positions when there are fewer; drawn from the same
/// generator) the central difference `fd = (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)`
/// is compared with `an = (A^T g)_i`. `op` runs in the compute type, `L` is
/// accumulated in Double, and the perturbed values `x_i ± eps` are rounded to the
/// compute type, so `fd` divides by the step actually taken (`2 eps` up to that
/// rounding). For an affine `op` (a convolution, with or without bias) `L` is linear
/// in `x_i`: the central difference has no truncation error, only rounding of about
/// `u K / eps` for the `K` products touching `x_i`, `u` the unit roundoff.
///
/// A sample holds when `|fd - an| <= tol + tol * |an|` (``Allclose`` with
/// `rtol = atol = tol`, within a factor 2 of `tol * max(1, |an|)`): `tol = 1e-6`
/// for float64 (`u/eps` is 1e-10) and `1e-2` for float32 (`u/eps` is 6e-5 with
/// `eps = 1e-3`, times `K` in the hundreds). The check holds when every sample does.
public struct GradientCheck: Sendable, Equatable {
  public var samples: Int
  /// The step; nil for ``defaultStep(for:)``.
  public var eps: Double?
  public var seed: UInt64

  public init(samples: Int = 16, eps: Double? = nil, seed: UInt64 = 0) {
    self.samples = samples
    self.eps = eps
    self.seed = seed
  }

  /// 1e-6 for float64, 1e-3 for float32.
  public static func defaultStep(for dtype: DType) -> Double { dtype == .float64 ? 1e-6 : 1e-3 }

  /// 1e-6 for float64, 1e-2 for float32.
  public static func tolerance(for dtype: DType) -> Double { dtype == .float64 ? 1e-6 : 1e-2 }

  /// Tests `transposed` as the gradient of `<forward(x), g>` for tensors of
  /// `inputShape` and `outputShape` in `dtype`. A result of the wrong shape fails
  /// the check; `samples` below 1 or an `eps` that is not positive and finite
  /// throws ``CheckError/invalidSetting(_:)``.
  public func check(
    inputShape: [Int], outputShape: [Int], dtype: DType,
    forward: (Tensor) throws -> Tensor, transposed: (Tensor) throws -> Tensor
  ) throws -> CheckOutcome {
    guard samples >= 1 else { throw CheckError.invalidSetting("samples \(samples) must be at least 1") }
    if let eps, !(eps > 0 && eps.isFinite) { throw CheckError.invalidSetting("eps \(eps) must be positive and finite") }
    return try CheckOutcome.catchingWrongShape {
      switch dtype {
      case .float32:
        try check(
          Float.self, inputShape: inputShape, outputShape: outputShape, forward: forward, transposed: transposed)
      case .float64:
        try check(
          Double.self, inputShape: inputShape, outputShape: outputShape, forward: forward, transposed: transposed)
      }
    }
  }

  /// Tests the geometry's own operators: `op = geometry.apply` with `weight` and
  /// `bias` (a bias shifts `L` by a constant and leaves the gradient unchanged) and
  /// `A^T g = geometry.applyTransposed`, computed in `dtype`.
  public func check(geometry: ConvGeometry, weight: Tensor, bias: Tensor? = nil, dtype: DType) throws -> CheckOutcome {
    try check(
      inputShape: geometry.inputShape, outputShape: geometry.outputShape, dtype: dtype,
      forward: { try geometry.apply(input: $0, weight: weight, bias: bias) },
      transposed: { try geometry.applyTransposed($0, weight: weight) })
  }

  private func check<T: TensorElement>(
    _ type: T.Type, inputShape: [Int], outputShape: [Int],
    forward: (Tensor) throws -> Tensor, transposed: (Tensor) throws -> Tensor
  ) throws -> CheckOutcome {
    var random = CheckRandom(seed: seed)
    let x = random.tensor(shape: inputShape, dtype: T.dtype)
    let g = random.tensor(shape: outputShape, dtype: T.dtype)
    let analytic = try requireShape(transposed(g), inputShape, of: "A^T g").doubles
    let positions = random.distinctIndices(samples, below: x.count)
    let step = eps ?? Self.defaultStep(for: T.dtype)
    let base = x.values(as: T.self)
    func loss(moving position: Int, to value: T) throws -> Double {
      var moved = base
      moved[position] = value
      let output = try requireShape(forward(try Tensor(shape: inputShape, values: moved)), outputShape, of: "op(x)")
      return innerProduct(output, g)
    }
    var differences: [Double] = [], vanished = 0
    for position in positions {
      let up = base[position] + T(step), down = base[position] - T(step)
      if up == down { vanished += 1 }
      let rise = try loss(moving: position, to: up) - loss(moving: position, to: down)
      differences.append(rise / (Double(up) - Double(down)))
    }
    let tolerance = Self.tolerance(for: T.dtype)
    var outcome = Allclose(rtol: tolerance, atol: tolerance)
      .compare(differences, positions.map { analytic[$0] }, shape: [positions.count])
    outcome.message =
      "central differences (eps \(step), \(T.dtype), seed \(seed)) against A^T g at \(positions.count) input positions: \(outcome.message)"
    if vanished > 0 {
      outcome.message =
        "eps \(step) is lost in \(T.dtype) at \(vanished) of \(positions.count) sampled inputs (x + eps and x - eps round to the same value: the difference is 0/0, NaN); give a larger eps (\(T.dtype)'s default is \(Self.defaultStep(for: T.dtype))); "
        + outcome.message
    }
    if !outcome.held {
      let places = positions.enumerated().map { "[\($0.offset)] = input \(multiIndex($0.element, shape: inputShape))" }
      outcome.message += "; samples \(places.joined(separator: ", "))"
    }
    return outcome
  }
}
