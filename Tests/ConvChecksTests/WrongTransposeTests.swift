import ConvChecks
import ConvCore
import Testing

/// The two checks that test an operator against its claimed transpose fail,
/// with their own explanation, for each deliberately wrong transpose.
@Suite("Adjoint and gradient checks fail for a wrong transpose")
struct WrongTransposeTests {
  /// A check of `forward` against `transposed`, and what its failure message says.
  struct PairCheck: Sendable, CustomTestStringConvertible {
    let name: String
    let run:
      @Sendable (ConvGeometry, DType, @escaping (Tensor) throws -> Tensor, @escaping (Tensor) throws -> Tensor) throws
        -> CheckOutcome
    let explains: @Sendable (String) -> Bool
    var testDescription: String { name }
  }

  /// A wrong transpose: the geometry it claims to transpose, its weight, and the wrong operator.
  struct WrongTranspose: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable (DType) throws -> (ConvGeometry, Tensor, (Tensor) throws -> Tensor)
    var testDescription: String { name }
  }

  static let checks = [
    PairCheck(
      name: "adjoint",
      run: { geometry, dtype, forward, transposed in
        try AdjointCheck(seed: 3).check(
          inputShape: geometry.inputShape, outputShape: geometry.outputShape, dtype: dtype, forward: forward,
          transposed: transposed)
      },
      explains: { $0.contains("<A x, y> = ") && $0.contains("exceeds rtol") }),
    PairCheck(
      name: "gradient",
      run: { geometry, dtype, forward, transposed in
        try GradientCheck(samples: 64).check(
          inputShape: geometry.inputShape, outputShape: geometry.outputShape, dtype: dtype, forward: forward,
          transposed: transposed)
      },
      explains: {
        $0.contains("central differences") && $0.contains("worst at [") && $0.contains("; samples [0] = input [")
      }),
  ]

  static let wrongTransposes = [
    WrongTranspose(name: "A standing in for A^T") { dtype in
      let geometry = try WrongOperators.squareConv.geometry(
        input: WrongOperators.convInput, weight: WrongOperators.convWeight)
      let weight = WrongOperators.tensors([WrongOperators.convWeight], dtype: dtype)[0]
      return (geometry, weight, { try geometry.apply(input: $0, weight: weight) })
    },
    WrongTranspose(name: "group 0's weights for every group") { dtype in
      let geometry = try WrongOperators.squareConv.geometry(
        input: WrongOperators.convInput, weight: WrongOperators.convWeight)
      let weight = WrongOperators.tensors([WrongOperators.convWeight], dtype: dtype)[0]
      let groupZero = try WrongOperators.groupZeroEverywhere(weight, groups: 2)
      return (geometry, weight, { try geometry.applyTransposed($0, weight: groupZero) })
    },
    WrongTranspose(name: "a conv's transpose cropping one cell off") { dtype in
      let geometry = try WrongOperators.squareConv.geometry(
        input: WrongOperators.convInput, weight: WrongOperators.convWeight)
      let shifted = try WrongOperators.shiftedConv.geometry(
        input: WrongOperators.convInput, weight: WrongOperators.convWeight)
      let weight = WrongOperators.tensors([WrongOperators.convWeight], dtype: dtype)[0]
      return (geometry, weight, { try shifted.applyTransposed($0, weight: weight) })
    },
    WrongTranspose(name: "a transposed conv's transpose cropping one cell off") { dtype in
      let geometry = try WrongOperators.transposed.geometry(
        input: WrongOperators.transposedInput, weight: WrongOperators.transposedWeight)
      let shifted = try WrongOperators.shiftedTransposed.geometry(
        input: WrongOperators.transposedInput, weight: WrongOperators.transposedWeight)
      let weight = WrongOperators.tensors([WrongOperators.transposedWeight], dtype: dtype)[0]
      return (geometry, weight, { try shifted.applyTransposed($0, weight: weight) })
    },
  ]

  @Test("fails and explains", arguments: checks, wrongTransposes)
  func fails(check: PairCheck, wrong: WrongTranspose) throws {
    for dtype in [DType.float64, .float32] {
      let (geometry, weight, transposed) = try wrong.make(dtype)
      let outcome = try check.run(geometry, dtype, { try geometry.apply(input: $0, weight: weight) }, transposed)
      #expect(!outcome.held, "\(dtype): \(outcome.message)")
      #expect(check.explains(outcome.message), "\(dtype): \(outcome.message)")
    }
  }
}
