import ConvChecks
import ConvCore
import Testing

@Suite("Direct check: conv_transpose = stride-1 conv of the zero-inserted, padded input with the flipped kernel")
struct DirectCheckTests {
  @Test(
    "holds for random transposed convolutions with zero padding, refuses the other padding modes",
    arguments: RandomCase.seeds, [DType.float64, .float32])
  func holds(seed: UInt64, dtype: DType) throws {
    let random = try RandomCase.make(seed: seed, transposed: true, dtype: dtype)
    let check = {
      try DirectCheck.check(
        geometry: random.geometry, input: random.input, weight: random.weight, bias: random.bias,
        output: try random.output())
    }
    guard random.geometry.paddingMode == .zeros else {
      #expect(throws: CheckError.paddingModeNotCovered(random.geometry.paddingMode)) { try check() }
      return
    }
    let outcome = try check()
    #expect(outcome.held, "\(random): \(outcome.message)")
  }

  @Test("the kernel transform is W'[g*outPer + o, i, k] = W[g*inPer + i, o, K-1-k]")
  func kernelTransform() throws {
    let shape = [4, 3, 2, 3], groups = 2, inPer = 2, outPer = 3
    let weight = try Tensor(shape: shape, values: (0..<72).map(Double.init))
    let transformed = try DirectCheck.flippedSwappedKernel(weight, groups: groups)
    #expect(transformed.shape == [6, 2, 2, 3])
    let w = weight.doubles, t = transformed.doubles
    for flat in t.indices {
      let index = multiIndex(flat, shape: transformed.shape)
      let (g, o, i) = (index[0] / outPer, index[0] % outPer, index[1])
      let source = [g * inPer + i, o, 1 - index[2], 2 - index[3]]
      #expect(t[flat] == w[source.enumerated().reduce(0) { $0 * shape[$1.offset] + $1.element }], "W' at \(index)")
    }
    #expect(throws: CheckError.kernelGroups(shape: shape, groups: 3)) {
      try DirectCheck.flippedSwappedKernel(weight, groups: 3)
    }
  }

  @Test("fails with an unflipped kernel", arguments: [DType.float64, .float32])
  func unflippedKernel(dtype: DType) throws {
    let (geometry, operands) = try Self.transposedCase(dtype: dtype)
    let outcome = try DirectCheck.check(
      geometry: geometry, input: operands[0], weight: operands[1], bias: operands[2],
      output: try geometry.apply(input: operands[0], weight: operands[1], bias: operands[2]),
      kernelTransform: WrongOperators.swappedUnflippedKernel)
    expectFailure(outcome)
  }

  @Test("fails on an output cropped one cell off", arguments: [DType.float64, .float32])
  func offByOneCrop(dtype: DType) throws {
    let (geometry, operands) = try Self.transposedCase(dtype: dtype)
    let shifted = try WrongOperators.shiftedTransposed.geometry(
      input: WrongOperators.transposedInput, weight: WrongOperators.transposedWeight, bias: [6])
    let outcome = try DirectCheck.check(
      geometry: geometry, input: operands[0], weight: operands[1], bias: operands[2],
      output: try shifted.apply(input: operands[0], weight: operands[1], bias: operands[2]))
    expectFailure(outcome)
  }

  @Test("fails on an output that used group 0's weights for every group", arguments: [DType.float64, .float32])
  func missingGroupOffset(dtype: DType) throws {
    let (geometry, operands) = try Self.transposedCase(dtype: dtype)
    let groupZero = try WrongOperators.groupZeroEverywhere(operands[1], groups: 2)
    let outcome = try DirectCheck.check(
      geometry: geometry, input: operands[0], weight: operands[1], bias: operands[2],
      output: try geometry.apply(input: operands[0], weight: groupZero, bias: operands[2]))
    expectFailure(outcome)
  }

  @Test("refuses a forward convolution")
  func forwardGeometry() throws {
    let geometry = try WrongOperators.squareConv.geometry(
      input: WrongOperators.convInput, weight: WrongOperators.convWeight)
    let operands = WrongOperators.tensors([WrongOperators.convInput, WrongOperators.convWeight], dtype: .float64)
    #expect(throws: CheckError.requiresTransposedGeometry) {
      try DirectCheck.check(geometry: geometry, input: operands[0], weight: operands[1], output: operands[0])
    }
  }

  private static func transposedCase(dtype: DType) throws -> (ConvGeometry, [Tensor]) {
    let geometry = try WrongOperators.transposed.geometry(
      input: WrongOperators.transposedInput, weight: WrongOperators.transposedWeight, bias: [6])
    return (
      geometry,
      WrongOperators.tensors([WrongOperators.transposedInput, WrongOperators.transposedWeight, [6]], dtype: dtype)
    )
  }

  private func expectFailure(_ outcome: CheckOutcome) {
    #expect(!outcome.held, "\(outcome.message)")
    #expect(outcome.message.contains("conv_transpose output against the direct convolution"), "\(outcome.message)")
    #expect(outcome.message.contains("worst at ["), "\(outcome.message)")
  }
}
