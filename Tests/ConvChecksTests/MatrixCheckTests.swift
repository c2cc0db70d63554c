import ConvChecks
import ConvCore
import Testing

@Suite("Matrix check: y = C vec(x) + b and A^T = C^T")
struct MatrixCheckTests {
  @Test("holds for random convolutions", arguments: RandomCase.seeds, [DType.float64, .float32])
  func holdsForConv(seed: UInt64, dtype: DType) throws { try holds(seed: seed, dtype: dtype, transposed: false) }

  @Test("holds for random transposed convolutions", arguments: RandomCase.seeds, [DType.float64, .float32])
  func holdsForTransposed(seed: UInt64, dtype: DType) throws { try holds(seed: seed, dtype: dtype, transposed: true) }

  private func holds(seed: UInt64, dtype: DType, transposed: Bool) throws {
    let random = try RandomCase.make(seed: seed, transposed: transposed, dtype: dtype)
    let result = try MatrixCheck(seed: seed).check(
      geometry: random.geometry, input: random.input, weight: random.weight, bias: random.bias,
      output: try random.output())
    #expect(result.outcome.held, "\(random): \(result.outcome.message)")
    #expect(result.matrix.shape == [random.geometry.outputShape.reduce(1, *), random.geometry.inputShape.reduce(1, *)])
  }

  @Test("fails on an output computed with padding shifted by one", arguments: [DType.float64, .float32])
  func wrongOutput(dtype: DType) throws {
    let geometry = try WrongOperators.squareConv.geometry(
      input: WrongOperators.convInput, weight: WrongOperators.convWeight, bias: [4])
    let shifted = try WrongOperators.shiftedConv.geometry(
      input: WrongOperators.convInput, weight: WrongOperators.convWeight, bias: [4])
    let operands = WrongOperators.tensors([WrongOperators.convInput, WrongOperators.convWeight, [4]], dtype: dtype)
    let result = try MatrixCheck().check(
      geometry: geometry, input: operands[0], weight: operands[1], bias: operands[2],
      output: try shifted.apply(input: operands[0], weight: operands[1], bias: operands[2]))
    #expect(!result.outcome.held && !result.outputOutcome.held && result.transposeOutcome.held)
    #expect(result.outcome.message.contains("output = C vec(input) + bias FAILED: "), "\(result.outcome.message)")
    #expect(result.outcome.message.contains("worst at ["), "\(result.outcome.message)")
  }

  @Test("fails when the transpose uses group 0's weights for every group", arguments: [DType.float64, .float32])
  func missingGroupOffset(dtype: DType) throws {
    let geometry = try WrongOperators.transposed.geometry(
      input: WrongOperators.transposedInput, weight: WrongOperators.transposedWeight)
    let operands = WrongOperators.tensors(
      [WrongOperators.transposedInput, WrongOperators.transposedWeight], dtype: dtype)
    let groupZero = try WrongOperators.groupZeroEverywhere(operands[1], groups: 2)
    let result = try MatrixCheck().check(
      geometry: geometry, input: operands[0], weight: operands[1],
      output: try geometry.apply(input: operands[0], weight: operands[1]),
      transposed: { try geometry.applyTransposed($0, weight: groupZero) })
    #expect(!result.outcome.held && result.outputOutcome.held && !result.transposeOutcome.held)
    #expect(result.outcome.message.contains("A^T y = C^T vec(y) (seed 0) FAILED: "), "\(result.outcome.message)")
    #expect(result.transposeOutcome.message.contains("worst at ["), "\(result.transposeOutcome.message)")
    #expect(result.transposeOutcome.mismatched <= result.transposeOutcome.count / 2, "only the second group differs")
  }

  @Test("fails when A stands in for A^T")
  func forwardAsTranspose() throws {
    let geometry = try WrongOperators.squareConv.geometry(
      input: WrongOperators.convInput, weight: WrongOperators.convWeight)
    let operands = WrongOperators.tensors([WrongOperators.convInput, WrongOperators.convWeight], dtype: .float64)
    let result = try MatrixCheck().check(
      geometry: geometry, input: operands[0], weight: operands[1],
      output: try geometry.apply(input: operands[0], weight: operands[1]),
      transposed: { try geometry.apply(input: $0, weight: operands[1]) })
    #expect(!result.transposeOutcome.held && result.transposeOutcome.message.contains("worst at ["))
  }

  @Test("refuses a matrix above max_elements, also when rows * columns overflows")
  func tooLarge() throws {
    let geometry = try WrongOperators.squareConv.geometry(
      input: WrongOperators.convInput, weight: WrongOperators.convWeight)
    let operands = WrongOperators.tensors([WrongOperators.convInput, WrongOperators.convWeight], dtype: .float64)
    let output = try geometry.apply(input: operands[0], weight: operands[1])
    #expect(throws: CheckError.matrixTooLarge(rows: 336, columns: 336, elements: 112_896, maxElements: 100_000)) {
      try MatrixCheck(maxElements: 100_000).check(
        geometry: geometry, input: operands[0], weight: operands[1], output: output)
    }
    let side = largestAcceptedValue
    let huge = try ConvParameters().geometry(input: [1, 1, side, side], weight: [1, 1, 1, 1])
    #expect(
      throws: CheckError.matrixTooLarge(rows: side * side, columns: side * side, elements: nil, maxElements: 10_000_000)
    ) {
      try MatrixCheck().check(geometry: huge, input: operands[0], weight: operands[1], output: output)
    }
  }
}
