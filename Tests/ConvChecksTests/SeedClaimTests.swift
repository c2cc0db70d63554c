import ConvChecks
import ConvCore
import Testing

/// The claims of the documents in /work/shared/seeds, made runnable.
@Suite("The seed documents' claims")
struct SeedClaimTests {
  /// The notebook: the input gradient of a conv_transpose (4 channels in, 1 out,
  /// 17x17 input, 9x9 kernel, no bias) is a plain convolution of the upstream
  /// gradient with the same weight.
  @Test("the input gradient of a conv_transpose is a plain conv of the upstream gradient")
  func transposeGradientIsConv() throws {
    let transposed = try ConvTransposeParameters().geometry(input: [1, 4, 17, 17], weight: [4, 1, 9, 9])
    let plain = try ConvParameters().geometry(input: transposed.outputShape, weight: [4, 1, 9, 9])
    #expect(transposed.outputShape == [1, 1, 25, 25] && plain.outputShape == [1, 4, 17, 17])
    let operands = WrongOperators.tensors([[4, 1, 9, 9], [1, 1, 25, 25]], dtype: .float32, seed: 0)
    let (weight, upstream) = (operands[0], operands[1])
    let gradient = try transposed.applyTransposed(upstream, weight: weight)
    let conv = try plain.apply(input: upstream, weight: weight)
    let outcome = Allclose.recomputation(precision: .float32, expected: conv).compare(gradient, conv)
    #expect(outcome.held, "\(outcome.message)")
    let finiteDifferences = try GradientCheck().check(
      inputShape: transposed.inputShape, outputShape: transposed.outputShape, dtype: .float32,
      forward: { try transposed.apply(input: $0, weight: weight) },
      transposed: { try plain.apply(input: $0, weight: weight) })
    #expect(finiteDifferences.held, "\(finiteDifferences.message)")
  }

  /// The Q&A: for a 4x4 input and a 3x3 kernel without padding, C is 4x16, and the
  /// input gradient is C^T times the upstream gradient, not C^T times the output.
  @Test("C^T times the upstream gradient is the backward pass; C^T times the output is not")
  func backwardIsTransposeOfC() throws {
    let geometry = try ConvParameters().geometry(input: [1, 1, 4, 4], weight: [1, 1, 3, 3])
    let x = try Tensor(shape: [1, 1, 4, 4], values: (1...16).map(Double.init))
    let weight = WrongOperators.tensors([[1, 1, 3, 3]], dtype: .float64, seed: 0)[0]
    let output = try geometry.apply(input: x, weight: weight)
    let result = try MatrixCheck().check(geometry: geometry, input: x, weight: weight, output: output)
    #expect(result.outcome.held, "\(result.outcome.message)")
    #expect(result.matrix.shape == [4, 16])
    let w = weight.doubles, c = result.matrix.doubles
    for (row, corner) in [0, 1, 4, 5].enumerated() {
      for k in 0..<9 {
        #expect(c[row * 16 + corner + (k / 3) * 4 + k % 3] == w[k], "C[\(row)] holds w[\(k / 3)] at its row")
      }
    }
    #expect(c.filter { $0 != 0 }.count == 36)

    // y1.sum().backward(): the upstream gradient is all ones.
    let upstream = try Tensor(shape: [1, 1, 2, 2], values: [Double](repeating: 1, count: 4))
    let gradient = try geometry.applyTransposed(upstream, weight: weight)
    let tolerance = Allclose.recomputation(precision: .float64, expected: gradient)
    let fromUpstream = try Tensor(
      shape: [1, 1, 4, 4], values: MatrixCheck.product(result.matrix, upstream, transposed: true))
    let fromOutput = try Tensor(
      shape: [1, 1, 4, 4], values: MatrixCheck.product(result.matrix, output, transposed: true))
    #expect(tolerance.compare(fromUpstream, gradient).held)
    let mistaken = tolerance.compare(fromOutput, gradient)
    #expect(!mistaken.held && mistaken.message.contains("worst at ["), "\(mistaken.message)")
  }

  /// The Q&A's second puzzle: conv_transpose2d(y, w) is conv2d(y, w, padding=2)
  /// only with the kernel flipped.
  @Test("a conv_transpose is a padded direct conv only with the flipped kernel")
  func directNeedsFlippedKernel() throws {
    let geometry = try ConvTransposeParameters().geometry(input: [1, 1, 2, 2], weight: [1, 1, 3, 3])
    let operands = WrongOperators.tensors([[1, 1, 2, 2], [1, 1, 3, 3]], dtype: .float64, seed: 1)
    let output = try geometry.apply(input: operands[0], weight: operands[1])
    let padded = try ConvParameters(padding: .uniform(2)).geometry(input: [1, 1, 2, 2], weight: [1, 1, 3, 3])
    let unflipped = try padded.apply(input: operands[0], weight: operands[1])
    let tolerance = Allclose.recomputation(precision: .float64, expected: output)
    #expect(!tolerance.compare(unflipped, output).held)
    #expect(try DirectCheck.check(geometry: geometry, input: operands[0], weight: operands[1], output: output).held)
    let flipped = try padded.apply(input: operands[0], weight: DirectCheck.flippedSwappedKernel(operands[1], groups: 1))
    #expect(tolerance.compare(flipped, output).held)
  }
}
