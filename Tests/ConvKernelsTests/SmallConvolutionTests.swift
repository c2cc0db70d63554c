import ConvCore
import ConvKernels
import Testing
import TestSupport

/// Convolutions and transposed convolutions small enough to compute by hand,
/// with PyTorch's semantics (cross-correlation; conv_transpose scatters x[i] w[k] to i*s + k*d - p).
@Suite("small convolutions by hand")
struct SmallConvolutionTests {
  struct ValueCase: Sendable, CustomTestStringConvertible {
    let name: String
    let operation: Operation
    let inputShape: [Int]
    let input: [Double]
    let weightShape: [Int]
    let weight: [Double]
    var bias: [Double]? = nil
    let expectedShape: [Int]
    let expected: [Double]
    var testDescription: String { name }
  }

  static func conv(
    stride: Int = 1, padding: PaddingParameter = .uniform(0), dilation: Int = 1, groups: Int = 1,
    mode: PaddingMode = .zeros
  ) -> Operation {
    .conv(
      ConvParameters(
        stride: .uniform(stride), padding: padding, dilation: .uniform(dilation), groups: groups, paddingMode: mode))
  }

  static func transpose(
    stride: Int = 1, padding: PaddingParameter = .uniform(0), outputPadding: Int = 0, groups: Int = 1
  ) -> Operation {
    .convTranspose(
      ConvTransposeParameters(
        stride: .uniform(stride), padding: padding, outputPadding: .uniform(outputPadding), groups: groups))
  }

  /// The Q&A's x = 1...16 as [1, 1, 4, 4]; here w = 1...9 (asymmetric, so a flip would show).
  static let qaInput = countingValues(16)
  static let ninePoint = countingValues(9)
  /// y[0,0] = 1*1+2*2+3*3 + 5*4+6*5+7*6 + 9*7+10*8+11*9 = 348; one step right adds sum(w) = 45, one step down 4*45.
  static let qaConv: [Double] = [348, 393, 528, 573]
  /// conv_transpose2d([[1, 2], [3, 4]], w = 1...9): the four scaled copies of w added at offsets (0,0), (0,1), (1,0), (1,1).
  static let qaTranspose: [Double] = [
    1, 4, 7, 6,
    7, 23, 33, 24,
    19, 53, 63, 42,
    21, 52, 59, 36,
  ]

  static let cases: [ValueCase] = [
    .init(
      name: "Q&A: conv of 1...16 by a 3x3 kernel", operation: conv(), inputShape: [1, 1, 4, 4], input: qaInput,
      weightShape: [1, 1, 3, 3], weight: ninePoint, expectedShape: [1, 1, 2, 2], expected: qaConv),
    .init(
      name: "Q&A conv with bias 0.5", operation: conv(), inputShape: [1, 1, 4, 4], input: qaInput,
      weightShape: [1, 1, 3, 3], weight: ninePoint, bias: [0.5], expectedShape: [1, 1, 2, 2],
      expected: qaConv.map { $0 + 0.5 }),
    .init(
      name: "Q&A: conv_transpose of a 2x2 by a 3x3 kernel", operation: transpose(), inputShape: [1, 1, 2, 2],
      input: [1, 2, 3, 4],
      weightShape: [1, 1, 3, 3], weight: ninePoint, expectedShape: [1, 1, 4, 4], expected: qaTranspose),
    // The same as conv2d(x, flip(w), padding=2): the guide's section 4.3 with the flipped kernel.
    .init(
      name: "Q&A conv with the flipped kernel and padding 2 equals the transpose",
      operation: conv(padding: .uniform(2)),
      inputShape: [1, 1, 2, 2], input: [1, 2, 3, 4], weightShape: [1, 1, 3, 3], weight: ninePoint.reversed(),
      expectedShape: [1, 1, 4, 4], expected: qaTranspose),
    // full = [1, 10, 100] + 2 * [1, 10, 100] shifted by 2 = [1, 10, 102, 20, 200], then one output_padding zero.
    .init(
      name: "1-d stride 2, output_padding 1 appends a zero", operation: transpose(stride: 2, outputPadding: 1),
      inputShape: [1, 1, 2], input: [1, 2], weightShape: [1, 1, 3], weight: [1, 10, 100],
      expectedShape: [1, 1, 6], expected: [1, 10, 102, 20, 200, 0]),
    .init(
      name: "1-d stride 2, output_padding 1, bias on every cell", operation: transpose(stride: 2, outputPadding: 1),
      inputShape: [1, 1, 2], input: [1, 2], weightShape: [1, 1, 3], weight: [1, 10, 100], bias: [0.5],
      expectedShape: [1, 1, 6], expected: [1.5, 10.5, 102.5, 20.5, 200.5, 0.5]),
    // PyTorch: padding 1 crops full[1...4] of the extended [1, 10, 102, 20, 200, 0].
    .init(
      name: "1-d stride 2, padding 1, output_padding 1 as PyTorch",
      operation: transpose(stride: 2, padding: .uniform(1), outputPadding: 1),
      inputShape: [1, 1, 2], input: [1, 2], weightShape: [1, 1, 3], weight: [1, 10, 100],
      expectedShape: [1, 1, 4], expected: [10, 102, 20, 200]),
    .init(
      name: "1-d asymmetric crop [0, 2] of the full result",
      operation: transpose(stride: 2, padding: .pairs([PadPair(0, 2)])),
      inputShape: [1, 1, 2], input: [1, 2], weightShape: [1, 1, 3], weight: [1, 10, 100],
      expectedShape: [1, 1, 3], expected: [1, 10, 102]),
    .init(
      name: "1-d same at stride 2 crops [0, 1]", operation: transpose(stride: 2, padding: .same),
      inputShape: [1, 1, 2], input: [1, 2], weightShape: [1, 1, 3], weight: [1, 10, 100],
      expectedShape: [1, 1, 4], expected: [1, 10, 102, 20]),
    // 1x1 kernel 2, stride 2: x lands on even cells, output_padding adds a zero row and column; bias 1 everywhere.
    .init(
      name: "2-d stride 2, output_padding 1, 1x1 kernel, bias", operation: transpose(stride: 2, outputPadding: 1),
      inputShape: [1, 1, 2, 2], input: [1, 2, 3, 4], weightShape: [1, 1, 1, 1], weight: [2], bias: [1],
      expectedShape: [1, 1, 4, 4],
      expected: [
        3, 1, 5, 1,
        1, 1, 1, 1,
        7, 1, 9, 1,
        1, 1, 1, 1,
      ]),
    // Channel 0 [1, 2, 3] by [1, 1]; channel 1 [10, 20, 30] by [1, -1]; no mixing.
    .init(
      name: "conv groups 2 keeps the groups apart", operation: conv(groups: 2), inputShape: [1, 2, 3],
      input: [1, 2, 3, 10, 20, 30],
      weightShape: [2, 1, 2], weight: [1, 1, 1, -1], expectedShape: [1, 2, 2], expected: [3, 5, -10, -10]),
    // Output channels 0, 1 read channel 0 ([1, 2]), 2, 3 read channel 1 ([3, 4]).
    .init(
      name: "conv groups 2 with two outputs per group", operation: conv(groups: 2), inputShape: [1, 2, 2],
      input: [1, 2, 3, 4],
      weightShape: [4, 1, 1], weight: [1, 2, 3, 4], bias: [0, 0, 0, 100],
      expectedShape: [1, 4, 2], expected: [1, 2, 2, 4, 9, 12, 112, 116]),
    .init(
      name: "conv_transpose groups 2 keeps the groups apart", operation: transpose(groups: 2), inputShape: [1, 2, 2],
      input: [1, 2, 3, 4],
      weightShape: [2, 1, 2], weight: [1, 1, 1, -1], expectedShape: [1, 2, 3], expected: [1, 3, 2, 3, 1, -4]),
    // Two input channels summed into one output: [1, 2, 3] * 1 + [10, 20, 30] * 2 by a 1-tap kernel.
    .init(
      name: "conv sums over input channels", operation: conv(), inputShape: [1, 2, 3], input: [1, 2, 3, 10, 20, 30],
      weightShape: [1, 2, 1], weight: [1, 2], expectedShape: [1, 1, 3], expected: [21, 42, 63]),
    // Batch items are convolved independently.
    .init(
      name: "conv over a batch of 2", operation: conv(), inputShape: [2, 1, 3], input: [1, 2, 3, 4, 5, 6],
      weightShape: [1, 1, 2], weight: [1, 10], bias: [1], expectedShape: [2, 1, 2], expected: [22, 33, 55, 66]),
    // out[o] = x[2o] + x[2o + 3] for x = 1...7: extent 4.
    .init(
      name: "conv stride 2, dilation 3", operation: conv(stride: 2, dilation: 3), inputShape: [1, 1, 7],
      input: countingValues(7),
      weightShape: [1, 1, 2], weight: [1, 1], expectedShape: [1, 1, 2], expected: [5, 9]),
    // [1, 2, 3] padded by 1 then summed over 3 taps, per padding_mode.
    .init(
      name: "conv padding_mode zeros", operation: conv(padding: .uniform(1)), inputShape: [1, 1, 3], input: [1, 2, 3],
      weightShape: [1, 1, 3], weight: [1, 1, 1], expectedShape: [1, 1, 3], expected: [3, 6, 5]),
    .init(
      name: "conv padding_mode reflect", operation: conv(padding: .uniform(1), mode: .reflect), inputShape: [1, 1, 3],
      input: [1, 2, 3],
      weightShape: [1, 1, 3], weight: [1, 1, 1], expectedShape: [1, 1, 3], expected: [5, 6, 7]),
    .init(
      name: "conv padding_mode replicate", operation: conv(padding: .uniform(1), mode: .replicate),
      inputShape: [1, 1, 3], input: [1, 2, 3],
      weightShape: [1, 1, 3], weight: [1, 1, 1], expectedShape: [1, 1, 3], expected: [4, 6, 8]),
    .init(
      name: "conv padding_mode circular", operation: conv(padding: .uniform(1), mode: .circular),
      inputShape: [1, 1, 3], input: [1, 2, 3],
      weightShape: [1, 1, 3], weight: [1, 1, 1], expectedShape: [1, 1, 3], expected: [6, 6, 6]),
    // same, stride 2, in 4, k 3: total 1 -> [0, 1]: windows [1, 2, 3] and [3, 4, 0].
    .init(
      name: "conv same at stride 2 pads at the end", operation: conv(stride: 2, padding: .same), inputShape: [1, 1, 4],
      input: [1, 2, 3, 4],
      weightShape: [1, 1, 3], weight: [1, 10, 100], expectedShape: [1, 1, 2], expected: [321, 43]),
  ]

  @Test("values match the hand computation in both element types", arguments: cases, DType.allCases)
  func values(_ row: ValueCase, dtype: DType) throws {
    let plan = try row.operation.plan(input: row.inputShape, weight: row.weightShape, bias: row.bias.map { [$0.count] })
    #expect(plan.outputShape == row.expectedShape)
    let output = try plan.apply(
      input: tensor(row.inputShape, row.input, as: dtype), weight: tensor(row.weightShape, row.weight, as: dtype),
      bias: row.bias.map { tensor([$0.count], $0, as: dtype) })
    #expect(output.shape == row.expectedShape)
    #expect(output.dtype == dtype)
    #expect(output.doubles == row.expected)
  }

  @Test("the result keeps the input's element type", arguments: DType.allCases, DType.allCases)
  func keepsInputType(input: DType, weight: DType) throws {
    let plan = try Operation.conv(ConvParameters()).plan(input: [1, 1, 4, 4], weight: [1, 1, 3, 3])
    let output = try plan.apply(
      input: tensor([1, 1, 4, 4], Self.qaInput, as: input), weight: tensor([1, 1, 3, 3], Self.ninePoint, as: weight))
    #expect(output.dtype == input)
    #expect(output.doubles == Self.qaConv)
  }

  @Test("operands of other shapes than planned are refused")
  func applyChecksOperands() throws {
    let plan = try Operation.conv(ConvParameters()).plan(input: [1, 1, 4, 4], weight: [1, 1, 3, 3], bias: [1])
    expectProblems(
      [
        "input is 1x1x5x4, the plan expects 1x1x4x4", "weight is 1x1x2x3, the plan expects 1x1x3x3",
        "bias is 2, the plan expects 1",
      ], minimumCount: 3
    ) { () throws(ShapeError) in
      try plan.apply(
        input: tensor([1, 1, 5, 4], countingValues(20)), weight: tensor([1, 1, 2, 3], countingValues(6)),
        bias: tensor([2], [0, 0]))
    }
    expectProblems(["a weight is required"]) { () throws(ShapeError) in
      try plan.apply(input: tensor([1, 1, 4, 4], Self.qaInput))
    }
  }
}
