import ConvChecks
import ConvCore
import Testing

@Suite("Gradient check: central differences of <op(x), g> against A^T g")
struct GradientCheckTests {
  @Test("holds for random convolutions", arguments: RandomCase.seeds, [DType.float64, .float32])
  func holdsForConv(seed: UInt64, dtype: DType) throws { try holds(seed: seed, dtype: dtype, transposed: false) }

  @Test("holds for random transposed convolutions", arguments: RandomCase.seeds, [DType.float64, .float32])
  func holdsForTransposed(seed: UInt64, dtype: DType) throws { try holds(seed: seed, dtype: dtype, transposed: true) }

  private func holds(seed: UInt64, dtype: DType, transposed: Bool) throws {
    let random = try RandomCase.make(seed: seed, transposed: transposed, dtype: dtype)
    let outcome = try GradientCheck(seed: seed).check(geometry: random.geometry, weight: random.weight, bias: random.bias, dtype: dtype)
    #expect(outcome.held, "\(random): \(outcome.message)")
    #expect(outcome.count == min(16, random.input.count))
  }

  @Test("samples every position, each once, when there are fewer than samples")
  func fewPositions() throws {
    let geometry = try ConvParameters().geometry(input: [1, 1, 5], weight: [1, 1, 2])
    let weight = try Tensor(shape: [1, 1, 2], values: [0.5, -2.0])
    let outcome = try GradientCheck(samples: 16).check(geometry: geometry, weight: weight, dtype: .float64)
    #expect(outcome.held && outcome.count == 5, "\(outcome.message)")
  }

  @Test("refuses no samples and a step that is not positive")
  func invalidSettings() throws {
    let geometry = try ConvParameters().geometry(input: [1, 1, 5], weight: [1, 1, 2])
    let weight = try Tensor(shape: [1, 1, 2], values: [0.5, -2.0])
    #expect(throws: CheckError.invalidSetting("samples 0 must be at least 1")) {
      try GradientCheck(samples: 0).check(geometry: geometry, weight: weight, dtype: .float64)
    }
    #expect(throws: CheckError.invalidSetting("eps 0.0 must be positive and finite")) {
      try GradientCheck(eps: 0).check(geometry: geometry, weight: weight, dtype: .float64)
    }
  }

  @Test("fails when A stands in for A^T", arguments: [DType.float64, .float32])
  func forwardAsTranspose(dtype: DType) throws {
    let geometry = try WrongOperators.squareConv.geometry(input: WrongOperators.convInput, weight: WrongOperators.convWeight)
    let weight = WrongOperators.tensors([WrongOperators.convWeight], dtype: dtype)[0]
    let outcome = try GradientCheck().check(
      inputShape: geometry.inputShape, outputShape: geometry.outputShape, dtype: dtype,
      forward: { try geometry.apply(input: $0, weight: weight) },
      transposed: { try geometry.apply(input: $0, weight: weight) })
    expectFailure(outcome)
  }

  @Test("fails when the transpose uses group 0's weights for every group", arguments: [DType.float64, .float32])
  func missingGroupOffset(dtype: DType) throws {
    let geometry = try WrongOperators.squareConv.geometry(input: WrongOperators.convInput, weight: WrongOperators.convWeight)
    let weight = WrongOperators.tensors([WrongOperators.convWeight], dtype: dtype)[0]
    let groupZero = try WrongOperators.groupZeroEverywhere(weight, groups: 2)
    let outcome = try GradientCheck(samples: 64).check(
      inputShape: geometry.inputShape, outputShape: geometry.outputShape, dtype: dtype,
      forward: { try geometry.apply(input: $0, weight: weight) },
      transposed: { try geometry.applyTransposed($0, weight: groupZero) })
    expectFailure(outcome)
  }

  @Test("fails when the transpose crops one cell off", arguments: [DType.float64, .float32])
  func offByOneCrop(dtype: DType) throws {
    let geometry = try WrongOperators.transposed.geometry(input: WrongOperators.transposedInput, weight: WrongOperators.transposedWeight)
    let shifted = try WrongOperators.shiftedTransposed.geometry(input: WrongOperators.transposedInput, weight: WrongOperators.transposedWeight)
    let weight = WrongOperators.tensors([WrongOperators.transposedWeight], dtype: dtype)[0]
    let outcome = try GradientCheck().check(
      inputShape: geometry.inputShape, outputShape: geometry.outputShape, dtype: dtype,
      forward: { try geometry.apply(input: $0, weight: weight) },
      transposed: { try shifted.applyTransposed($0, weight: weight) })
    expectFailure(outcome)
  }

  private func expectFailure(_ outcome: CheckOutcome) {
    #expect(!outcome.held, "\(outcome.message)")
    #expect(outcome.message.contains("central differences") && outcome.message.contains("worst at ["), "\(outcome.message)")
    #expect(outcome.message.contains("; samples [0] = input ["), "\(outcome.message)")
  }
}
