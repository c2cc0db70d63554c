import ConvCore
import ConvKernels
import Testing
import TestSupport

/// The printed arithmetic: one line per spatial axis with the numbers filled in.
@Suite("printed arithmetic")
struct PlanArithmeticTests {
  struct ArithmeticCase: Sendable, CustomTestStringConvertible {
    let name: String
    let operation: Operation
    let input: [Int]
    var weight: [Int]? = nil
    let lines: [String]
    var testDescription: String { name }
  }

  static let cases: [ArithmeticCase] = [
    .init(
      name: "conv in 8, padding 1, k 3, stride 2",
      operation: .conv(ConvParameters(stride: .uniform(2), padding: .uniform(1))), input: [1, 1, 8, 8],
      weight: [1, 1, 3, 3],
      lines: ["H: floor((8 + 1 + 1 - 1*(3-1) - 1) / 2) + 1 = 4", "W: floor((8 + 1 + 1 - 1*(3-1) - 1) / 2) + 1 = 4"]),
    .init(
      name: "conv 3-d with pairs and dilation",
      operation: .conv(
        ConvParameters(
          padding: .pairs([PadPair(0, 1), PadPair(2, 0), PadPair(0, 0)]), dilation: .perDimension([1, 2, 1]))),
      input: [1, 1, 4, 5, 6], weight: [1, 1, 2, 3, 1],
      lines: [
        "D: floor((4 + 0 + 1 - 1*(2-1) - 1) / 1) + 1 = 4",
        "H: floor((5 + 2 + 0 - 2*(3-1) - 1) / 1) + 1 = 3",
        "W: floor((6 + 0 + 0 - 1*(1-1) - 1) / 1) + 1 = 6",
      ]),
    .init(
      name: "conv same, stride 2, in 7, k 3",
      operation: .conv(ConvParameters(stride: .uniform(2), padding: .same)), input: [1, 1, 7], weight: [1, 1, 3],
      lines: [
        "L: same: out = ceil(7 / 2) = 4, total padding max((4-1)*2 + 1*(3-1) + 1 - 7, 0) = 2 -> [1, 1]; "
          + "floor((7 + 1 + 1 - 1*(3-1) - 1) / 2) + 1 = 4"
      ]),
    .init(
      name: "conv_transpose stride 2, padding 1, output_padding 1",
      operation: .convTranspose(
        ConvTransposeParameters(stride: .uniform(2), padding: .uniform(1), outputPadding: .uniform(1))),
      input: [1, 1, 4], weight: [1, 1, 3],
      lines: ["L: (4-1)*2 + 1*(3-1) + 1 - 1 - 1 + 1 = 8"]),
    .init(
      name: "conv_transpose same, stride 2, k 3",
      operation: .convTranspose(ConvTransposeParameters(stride: .uniform(2), padding: .same)), input: [1, 1, 4],
      weight: [1, 1, 3],
      lines: [
        "L: same: out = 4*2 = 8, total crop (4-1)*2 + 1*(3-1) + 1 - 8 = 1 -> [0, 1]; (4-1)*2 + 1*(3-1) + 1 - 0 - 1 + 0 = 8"
      ]),
    .init(
      name: "conv_transpose output_size picks output_padding",
      operation: .convTranspose(
        ConvTransposeParameters(stride: .uniform(2), padding: .uniform(1), outputSize: [8, 7])),
      input: [1, 1, 4, 4], weight: [1, 1, 3, 3],
      lines: [
        "H: output_size 8 -> output_padding 1; (4-1)*2 + 1*(3-1) + 1 - 1 - 1 + 1 = 8",
        "W: output_size 7 -> output_padding 0; (4-1)*2 + 1*(3-1) + 1 - 1 - 1 + 0 = 7",
      ]),
    .init(
      name: "pad", operation: .remap(.pad(pads: .pairs([PadPair(1, 2)]), mode: .reflect, value: 0)), input: [1, 1, 5],
      lines: ["L: 5 + 1 + 2 = 8"]),
    .init(
      name: "crop", operation: .remap(.crop(.pairs([PadPair(1, 2), PadPair(0, 0)]))), input: [1, 1, 6, 4],
      lines: ["H: 6 - 1 - 2 = 3", "W: 4 - 0 - 0 = 4"]),
    .init(name: "stride", operation: .remap(.stride(.uniform(3))), input: [1, 1, 8], lines: ["L: ceil(8 / 3) = 3"]),
    .init(
      name: "unstride", operation: .remap(.unstride(.uniform(2))), input: [1, 1, 4], lines: ["L: (4-1)*2 + 1 = 7"]),
    .init(
      name: "output_padding", operation: .remap(.outputPadding(.uniform(2))), input: [1, 1, 5], lines: ["L: 5 + 2 = 7"]),
    .init(
      name: "flip", operation: .remap(.flip), input: [1, 1, 2, 5, 3],
      lines: ["D: 2 (reversed)", "H: 5 (reversed)", "W: 3 (reversed)"]),
    .init(
      name: "permute", operation: .permute(Permutation(axes: [1, 0, 2, 3])), input: [4, 3, 5, 5],
      lines: ["axes [1, 0, 2, 3]: 4x3x5x5 -> 3x4x5x5"]),
  ]

  @Test("the plan prints the size rule with its numbers", arguments: cases)
  func arithmetic(_ row: ArithmeticCase) throws {
    let plan = try row.operation.plan(input: row.input, weight: row.weight)
    #expect(plan.arithmetic == row.lines)
  }

  @Test("a refused output size prints its arithmetic in the problem")
  func refusedSizePrintsArithmetic() {
    expectProblems(["output size floor((2 + 0 + 0 - 1*(3-1) - 1) / 1) + 1 = 0 must be at least 1"]) {
      () throws(ShapeError) in
      try ConvParameters().geometry(input: [1, 1, 2], weight: [1, 1, 3])
    }
  }

  @Test("ShapeError describes every problem, in order")
  func errorDescription() {
    let error = ShapeError(["first", "second"])
    #expect(error.description == "first; second")
  }
}
