import ConvCore
import ConvKernels
import Testing
import TestSupport

@Suite("The operator, its transpose and its unrolled matrix agree")
struct OperatorIdentityTests {
  static let seeds = Array(UInt64(1)...60)

  @Test("<A x, y> = <x, A^T y>", arguments: seeds, [false, true])
  func adjointIdentity(seed: UInt64, transposed: Bool) throws {
    let case_ = RandomConvolution.make(seed: seed, transposed: transposed)
    var random = TestRandom(seed: seed + 1000)
    let x = random.tensor(case_.input), y = random.tensor(case_.geometry.outputShape), w = random.tensor(case_.weight)
    let left = dot(try case_.geometry.apply(input: x, weight: w), y)
    let right = dot(x, try case_.geometry.applyTransposed(y, weight: w))
    #expect(abs(left - right) <= 1e-10 * max(abs(left), 1), "\(case_)")
  }

  @Test("C x equals A x and C^T y equals A^T y", arguments: seeds, [false, true])
  func matrixIdentity(seed: UInt64, transposed: Bool) throws {
    let case_ = RandomConvolution.make(seed: seed, transposed: transposed)
    var random = TestRandom(seed: seed + 2000)
    let x = random.tensor(case_.input), y = random.tensor(case_.geometry.outputShape), w = random.tensor(case_.weight)
    let matrix = try case_.geometry.unrolledMatrix(weight: w).doubles
    let rows = y.count, columns = x.count
    let ax = try case_.geometry.apply(input: x, weight: w).doubles,
      aty = try case_.geometry.applyTransposed(y, weight: w).doubles
    let xs = x.doubles, ys = y.doubles
    for row in 0..<rows {
      let value = (0..<columns).reduce(0) { $0 + matrix[row * columns + $1] * xs[$1] }
      #expect(abs(value - ax[row]) <= 1e-12, "row \(row) of \(case_)")
    }
    for column in 0..<columns {
      let value = (0..<rows).reduce(0) { $0 + matrix[$1 * columns + column] * ys[$1] }
      #expect(abs(value - aty[column]) <= 1e-12, "column \(column) of \(case_)")
    }
  }
}

/// `conv_transpose` with `padding_mode` against its definition: the transpose of
/// the matrix of `conv` with that mode, built column by column from the forward
/// convolution applied to basis vectors (PyTorch refuses these modes for
/// transposed convolutions, so there is no framework to compare with).
@Suite("conv_transpose with padding_mode is the transpose of conv with that mode")
struct PaddingModeTransposeTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let mode: PaddingMode
    let input: [Int]
    let weight: [Int]
    let stride: [Int]
    let padding: [PadPair]
    let outputPadding: [Int]
    let dilation: [Int]
    let groups: Int
    var testDescription: String { "\(mode) input \(input) weight \(weight) stride \(stride) padding \(padding)" }
  }

  static let cases: [Case] = PaddingMode.allCases.flatMap { mode in
    [
      Case(
        mode: mode, input: [1, 2, 4], weight: [2, 1, 3], stride: [2], padding: [PadPair(1, 2)], outputPadding: [1],
        dilation: [1], groups: 1),
      Case(
        mode: mode, input: [2, 2, 3, 4], weight: [2, 2, 2, 3], stride: [2, 1], padding: [PadPair(1, 0), PadPair(2, 1)],
        outputPadding: [1, 0], dilation: [1, 2], groups: 2),
      Case(
        mode: mode, input: [1, 1, 2, 3, 2], weight: [1, 2, 2, 2, 3], stride: [1, 2, 2],
        padding: [PadPair(1, 0), PadPair(0, 1), PadPair(2, 0)], outputPadding: [0, 1, 0], dilation: [1, 1, 1],
        groups: 1),
    ]
  }

  @Test("A^T y = C^T y for C built from conv with the mode", arguments: cases)
  func transposeOfForwardMatrix(_ c: Case) throws {
    let transposed = try ConvTransposeParameters(
      stride: .perDimension(c.stride), padding: .pairs(c.padding), outputPadding: .perDimension(c.outputPadding),
      dilation: .perDimension(c.dilation), groups: c.groups, paddingMode: c.mode
    ).geometry(input: c.input, weight: c.weight)
    // The forward convolution with the mode, planned on its own from the transposed output's shape.
    let forward = try ConvParameters(
      stride: .perDimension(c.stride), padding: .pairs(c.padding), dilation: .perDimension(c.dilation),
      groups: c.groups, paddingMode: c.mode
    ).geometry(input: transposed.outputShape, weight: c.weight)
    #expect(forward.outputShape == transposed.inputShape)
    var random = TestRandom(seed: UInt64(c.input.reduce(7, *)))
    let w = random.tensor(c.weight), y = random.tensor(transposed.inputShape),
      b = random.tensor([transposed.outputChannels])
    let columns = saturatingProduct(forward.inputShape), rows = saturatingProduct(forward.outputShape)
    var matrix = [Double](repeating: 0, count: rows * columns)
    for column in 0..<columns {
      var basis = [Double](repeating: 0, count: columns)
      basis[column] = 1
      let image = try forward.apply(input: try Tensor(shape: forward.inputShape, values: basis), weight: w).doubles
      for row in 0..<rows { matrix[row * columns + column] = image[row] }
    }
    let actual = try transposed.apply(input: y, weight: w, bias: b).doubles
    let ys = y.doubles, bias = b.doubles
    let volume = columns / (transposed.batch * transposed.outputChannels)
    for column in 0..<columns {
      let expected =
        (0..<rows).reduce(0) { $0 + matrix[$1 * columns + column] * ys[$1] }
        + bias[(column / volume) % transposed.outputChannels]
      #expect(abs(actual[column] - expected) <= 1e-12, "cell \(column)")
    }
    // And its transpose is the forward convolution again.
    let x = random.tensor(forward.inputShape)
    #expect(
      try transposed.applyTransposed(x, weight: w).doubles == (try forward.apply(input: x, weight: w)).doubles)
  }
}
