import ConvChecks
import ConvCore
import Testing

@Suite("Adjoint check: <A x, y> = <x, A^T y>")
struct AdjointCheckTests {
  @Test("holds for random convolutions", arguments: RandomCase.seeds, [DType.float64, .float32])
  func holdsForConv(seed: UInt64, dtype: DType) throws { try holds(seed: seed, dtype: dtype, transposed: false) }

  @Test("holds for random transposed convolutions", arguments: RandomCase.seeds, [DType.float64, .float32])
  func holdsForTransposed(seed: UInt64, dtype: DType) throws { try holds(seed: seed, dtype: dtype, transposed: true) }

  private func holds(seed: UInt64, dtype: DType, transposed: Bool) throws {
    let random = try RandomCase.make(seed: seed, transposed: transposed, dtype: dtype)
    let outcome = try AdjointCheck(seed: seed).check(geometry: random.geometry, weight: random.weight, dtype: dtype)
    #expect(outcome.held, "\(random): \(outcome.message)")
    #expect(outcome.rtol == (dtype == .float64 ? 1e-10 : 1e-4))
  }

  @Test("fails with a message when the transpose returns the wrong shape")
  func wrongShape() throws {
    let geometry = try WrongOperators.transposed.geometry(
      input: WrongOperators.transposedInput, weight: WrongOperators.transposedWeight)
    let weight = WrongOperators.tensors([WrongOperators.transposedWeight], dtype: .float64)[0]
    let outcome = try AdjointCheck().check(
      inputShape: geometry.inputShape, outputShape: geometry.outputShape, dtype: .float64,
      forward: { try geometry.apply(input: $0, weight: weight) }, transposed: { $0 })
    #expect(!outcome.held)
    #expect(outcome.message == "A^T y is 2x6x10x12, expected 2x4x5x6")
  }

}
