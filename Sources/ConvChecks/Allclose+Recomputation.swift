import ConvCore

extension DType {
  /// The least precise of `types`: float32 if any is float32. A result that passed
  /// through float32 anywhere carries float32 rounding.
  static func coarsest(_ types: [DType]) -> DType {
    types.contains(.float32) ? .float32 : .float64
  }
}

extension Allclose {
  /// The tolerance for an operator's result against the same value computed another
  /// way, when the least precise type involved is `precision`:
  ///
  /// - float64: `rtol 1e-10`, `atol 1e-12 * scale`;
  /// - float32: `rtol 1e-4`, `atol 1e-5 * scale`;
  ///
  /// with `scale = max(1, max|expected|)`. A sum of `K` products rounds with relative
  /// error about `sqrt(K) u` (at worst `K u`) of the sum of the terms' magnitudes, `u`
  /// being 1.1e-16 or 6e-8; `rtol` leaves room for `K` in the thousands. Elements that
  /// cancel to near zero keep an absolute error of that size, bounded by the
  /// magnitude of the largest element, hence `atol` in units of `scale`.
  public static func recomputation(precision: DType, expected: Tensor) -> Allclose {
    let scale = expected.doubles.reduce(1) { max($0, abs($1)) }
    switch precision {
    case .float64: return Allclose(rtol: 1e-10, atol: 1e-12 * scale)
    case .float32: return Allclose(rtol: 1e-4, atol: 1e-5 * scale)
    }
  }
}
