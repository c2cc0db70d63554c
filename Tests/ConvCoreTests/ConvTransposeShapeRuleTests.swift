import ConvCore
import ConvKernels
import Testing
import TestSupport

/// `conv_transpose`: full = (in-1)s + d(k-1) + 1, out = full - pb - pe + output_padding;
/// `same`: out = in*s; `output_size` chooses output_padding; `valid` is refused.
@Suite("conv_transpose shape rules")
struct ConvTransposeShapeRuleTests {
  static func transpose(
    stride: SpatialParameter = .uniform(1), padding: PaddingParameter = .uniform(0),
    outputPadding: SpatialParameter = .uniform(0), outputSize: [Int]? = nil,
    dilation: SpatialParameter = .uniform(1), groups: Int = 1, mode: PaddingMode = .zeros
  ) -> Operation {
    .convTranspose(
      ConvTransposeParameters(
        stride: stride, padding: padding, outputPadding: outputPadding, outputSize: outputSize,
        dilation: dilation, groups: groups, paddingMode: mode))
  }

  static let valid: [ValidShapeCase] = [
    .init(
      name: "padding_mode reflect, stride 2, padding 1, output_padding 1: the adjoint of conv on 8 padded by [1, 1]",
      operation: transpose(stride: .uniform(2), padding: .uniform(1), outputPadding: .uniform(1), mode: .reflect),
      input: [1, 2, 4, 4], weight: [2, 3, 3, 3], expected: [1, 3, 8, 8], pads: [PadPair(1, 1), PadPair(1, 1)],
      outputPadding: [1, 1]),
    .init(
      name: "padding_mode circular with \"same\"",
      operation: transpose(stride: .uniform(2), padding: .same, mode: .circular),
      input: [1, 1, 3], weight: [1, 1, 4], expected: [1, 1, 6], pads: [PadPair(1, 1)]),
    .init(
      name: "1-d defaults: full = 4 + 3 - 1 = 6", operation: transpose(), input: [1, 1, 4], weight: [1, 1, 3],
      expected: [1, 1, 6]),
    .init(
      name: "2-d Q&A: 2x2 by 3x3 gives 4x4", operation: transpose(), input: [1, 1, 2, 2], weight: [1, 1, 3, 3],
      expected: [1, 1, 4, 4]),
    .init(
      name: "2-d stride 2, padding 1, output_padding 1: 9 - 2 + 1 = 8",
      operation: transpose(stride: .uniform(2), padding: .uniform(1), outputPadding: .uniform(1)),
      input: [1, 2, 4, 4], weight: [2, 3, 3, 3], expected: [1, 3, 8, 8], pads: [PadPair(1, 1), PadPair(1, 1)],
      outputPadding: [1, 1]),
    .init(
      name: "2-d asymmetric crop pairs and per-dimension stride",
      operation: transpose(stride: .perDimension([2, 1]), padding: .pairs([PadPair(1, 0), PadPair(0, 2)])),
      input: [1, 1, 5, 4], weight: [1, 1, 3, 2], expected: [1, 1, 10, 3], pads: [PadPair(1, 0), PadPair(0, 2)]),
    .init(
      name: "1-d dilation 2 allows output_padding 1 at stride 1",
      operation: transpose(outputPadding: .uniform(1), dilation: .uniform(2)),
      input: [1, 1, 5], weight: [1, 1, 3], expected: [1, 1, 10], outputPadding: [1]),
    .init(
      name: "2-d per-dimension output_padding [0, 2] at stride 3",
      operation: transpose(stride: .uniform(3), outputPadding: .perDimension([0, 2])),
      input: [1, 1, 2, 2], weight: [1, 1, 2, 2], expected: [1, 1, 5, 7], outputPadding: [0, 2]),
    .init(
      name: "output_size [8, 8] chooses output_padding 1",
      operation: transpose(stride: .uniform(2), padding: .uniform(1), outputSize: [8, 8]),
      input: [1, 1, 4, 4], weight: [1, 1, 3, 3], expected: [1, 1, 8, 8], outputPadding: [1, 1]),
    .init(
      name: "output_size [7, 8] chooses output_padding [0, 1]",
      operation: transpose(stride: .uniform(2), padding: .uniform(1), outputSize: [7, 8]),
      input: [1, 1, 4, 4], weight: [1, 1, 3, 3], expected: [1, 1, 7, 8], outputPadding: [0, 1]),
    .init(
      name: "output_size as the whole shape [N, C, 8, 7]",
      operation: transpose(stride: .uniform(2), padding: .uniform(1), outputSize: [1, 1, 8, 7]),
      input: [1, 1, 4, 4], weight: [1, 1, 3, 3], expected: [1, 1, 8, 7], outputPadding: [1, 0]),
    // Per the spec (output_padding < max(s, d)); PyTorch's output_size alone would refuse 10 here
    // ("valid sizes range from [9] to [9]") although output_padding=1 is accepted.
    .init(
      name: "output_size reaches output_padding 1 through dilation 2 at stride 1",
      operation: transpose(outputSize: [10], dilation: .uniform(2)),
      input: [1, 1, 5], weight: [1, 1, 3], expected: [1, 1, 10], outputPadding: [1]),
    .init(
      name: "1-d same, stride 2, k 3: out 8, crop [0, 1]", operation: transpose(stride: .uniform(2), padding: .same),
      input: [1, 1, 4], weight: [1, 1, 3], expected: [1, 1, 8], pads: [PadPair(0, 1)]),
    .init(
      name: "2-d same, stride 2, k 4: out 10, crop [1, 1]", operation: transpose(stride: .uniform(2), padding: .same),
      input: [1, 1, 5, 5], weight: [1, 1, 4, 4], expected: [1, 1, 10, 10], pads: [PadPair(1, 1), PadPair(1, 1)]),
    .init(
      name: "1-d same, stride 3, k 5: out 6, crop [1, 1]", operation: transpose(stride: .uniform(3), padding: .same),
      input: [1, 1, 2], weight: [1, 1, 5], expected: [1, 1, 6], pads: [PadPair(1, 1)]),
    .init(
      name: "3-d same at stride 1 keeps the size", operation: transpose(padding: .same),
      input: [1, 2, 3, 4, 5], weight: [2, 1, 3, 3, 3], expected: [1, 1, 3, 4, 5],
      pads: [PadPair(1, 1), PadPair(1, 1), PadPair(1, 1)]),
    .init(
      name: "3-d per-dimension stride [1, 2, 3]", operation: transpose(stride: .perDimension([1, 2, 3])),
      input: [1, 1, 2, 3, 4], weight: [1, 2, 2, 2, 2], expected: [1, 2, 3, 6, 11]),
    .init(
      name: "groups 2: C_out = 3 x 2", operation: transpose(groups: 2),
      input: [1, 4, 3], weight: [4, 3, 2], expected: [1, 6, 4]),
    .init(
      name: "depthwise: groups 3, stride 2", operation: transpose(stride: .uniform(2), groups: 3),
      input: [2, 3, 3, 3], weight: [3, 1, 3, 3], expected: [2, 3, 7, 7]),
    .init(
      name: "bias [C_out] with groups", operation: transpose(groups: 2),
      input: [1, 2, 3], weight: [2, 2, 3], bias: [4], expected: [1, 4, 5]),
  ]

  static let invalid: [InvalidShapeCase] = [
    .init(
      name: "padding_mode reflect: output_padding must be below the stride, not max(s, d)",
      operation: transpose(outputPadding: .uniform(1), dilation: .uniform(2), mode: .reflect),
      input: [1, 1, 5], weight: [1, 1, 3],
      fragments: ["output_padding 1 with padding_mode reflect must be smaller than the stride 1"]),
    .init(
      name: "padding_mode reflect: the crops must be below the output size",
      operation: transpose(padding: .pairs([PadPair(3, 0)]), mode: .reflect), input: [1, 1, 2], weight: [1, 1, 4],
      fragments: ["padding [3, 0] with padding_mode reflect must be smaller than the output size 2 (L)"]),
    .init(
      name: "padding_mode circular: the crops at most the output size",
      operation: transpose(padding: .pairs([PadPair(0, 3)]), mode: .circular), input: [1, 1, 2], weight: [1, 1, 4],
      fragments: ["padding [0, 3] with padding_mode circular must be at most the output size 2 (L)"]),
    .init(
      name: "output_padding equal to the stride",
      operation: transpose(stride: .uniform(2), outputPadding: .uniform(2)), input: [1, 1, 4, 4], weight: [1, 1, 3, 3],
      fragments: [
        "output_padding 2 must be smaller than max(stride 2, dilation 1) = 2 (H)",
        "output_padding 2 must be smaller than max(stride 2, dilation 1) = 2 (W)",
      ], minimumCount: 2),
    .init(
      name: "output_padding 1 at stride 1 and dilation 1",
      operation: transpose(outputPadding: .uniform(1)), input: [1, 1, 4], weight: [1, 1, 3],
      fragments: ["output_padding 1 must be smaller than max(stride 1, dilation 1) = 1 (L)"]),
    .init(
      name: "negative output_padding",
      operation: transpose(stride: .uniform(2), outputPadding: .uniform(-1)), input: [1, 1, 4], weight: [1, 1, 3],
      fragments: ["output_padding -1 must not be negative (L)"]),
    .init(
      name: "output_padding list of the wrong length",
      operation: transpose(stride: .uniform(2), outputPadding: .perDimension([1])), input: [1, 1, 4, 4],
      weight: [1, 1, 3, 3],
      fragments: ["output_padding has 1 values but the input has 2 spatial dimensions"]),
    .init(
      name: "padding valid", operation: transpose(padding: .valid), input: [1, 1, 4], weight: [1, 1, 3],
      fragments: ["padding \"valid\" is not accepted for conv_transpose"]),
    .init(
      name: "output_size above the reachable range",
      operation: transpose(stride: .uniform(2), padding: .uniform(1), outputSize: [9, 8]), input: [1, 1, 4, 4],
      weight: [1, 1, 3, 3],
      fragments: ["output_size 9 is not reachable: sizes 7 to 8 are (H)"]),
    .init(
      name: "output_size below the reachable range",
      operation: transpose(stride: .uniform(2), padding: .uniform(1), outputSize: [6]), input: [1, 1, 4],
      weight: [1, 1, 3],
      fragments: ["output_size 6 is not reachable: sizes 7 to 8 are (L)"]),
    .init(
      name: "output_size with the wrong number of values",
      operation: transpose(outputSize: [5]), input: [1, 1, 4, 4], weight: [1, 1, 3, 3],
      fragments: ["output_size has 1 values but the input has 2 spatial dimensions"]),
    .init(
      name: "output_padding and output_size together",
      operation: transpose(stride: .uniform(2), outputPadding: .uniform(1), outputSize: [10]), input: [1, 1, 4],
      weight: [1, 1, 3],
      fragments: ["give output_padding or output_size, not both"]),
    .init(
      name: "same with output_padding",
      operation: transpose(stride: .uniform(2), padding: .same, outputPadding: .uniform(1)), input: [1, 1, 4],
      weight: [1, 1, 3],
      fragments: ["output_padding cannot be combined with padding \"same\""]),
    .init(
      name: "same with output_size",
      operation: transpose(stride: .uniform(2), padding: .same, outputSize: [8]), input: [1, 1, 4], weight: [1, 1, 3],
      fragments: ["output_size cannot be combined with padding \"same\""]),
    .init(
      name: "same when the full size is below in*stride",
      operation: transpose(stride: .uniform(2), padding: .same), input: [1, 1, 4], weight: [1, 1, 1],
      fragments: ["padding \"same\" needs the full size (4-1)*2 + 1*(1-1) + 1 = 7 to be at least in*stride = 8 (L)"]),
    .init(
      name: "weight's first axis is not the input channels", operation: transpose(),
      input: [1, 3, 4], weight: [2, 1, 3], fragments: ["weight 2x1x3 expects 2 input channels, the input has 3"]),
    .init(
      name: "input channels not divisible by groups", operation: transpose(groups: 2),
      input: [1, 3, 4], weight: [3, 1, 3], fragments: ["input channels 3 must be divisible by groups 2"]),
    .init(
      name: "bias of the wrong length", operation: transpose(),
      input: [1, 2, 4], weight: [2, 3, 3], bias: [2], fragments: ["bias must be [3] (one per output channel), got 2"]),
    .init(
      name: "negative padding", operation: transpose(padding: .pairs([PadPair(-1, 0)])),
      input: [1, 1, 4], weight: [1, 1, 3], fragments: ["padding [-1, 0] must not be negative (L)"]),
    .init(
      name: "crop leaving no output", operation: transpose(padding: .uniform(1)),
      input: [1, 1, 1], weight: [1, 1, 1],
      fragments: ["output size (1-1)*1 + 1*(1-1) + 1 - 1 - 1 + 0 = -1 must be at least 1 (L)"]),
    .init(
      name: "stride 0 and dilation 0", operation: transpose(stride: .uniform(0), dilation: .uniform(0)),
      input: [1, 1, 4], weight: [1, 1, 3],
      fragments: ["stride 0 must be at least 1 (L)", "dilation 0 must be at least 1 (L)"], minimumCount: 2),
    .init(
      name: "one stage breaking several rules reports all of them",
      operation: transpose(
        stride: .uniform(2), padding: .valid, outputPadding: .perDimension([1, 1, 1]), outputSize: [8, 8], groups: 2),
      input: [1, 3, 4, 4], weight: [2, 1, 3, 3], bias: [5],
      fragments: [
        "\"valid\" is not accepted for conv_transpose", "give output_padding or output_size, not both",
        "output_padding has 3 values", "input channels 3 must be divisible by groups 2",
        "expects 2 input channels", "bias must be [2]",
      ], minimumCount: 6),
  ]

  @Test("valid parameters give the hand-computed output shape", arguments: valid)
  func validShape(_ row: ValidShapeCase) { checkValid(row) }

  @Test("invalid parameters are refused with every broken rule named", arguments: invalid)
  func invalidShape(_ row: InvalidShapeCase) { checkInvalid(row) }

  struct TorchCase: Sendable, CustomTestStringConvertible {
    let input, stride, padding, kernel, dilation, outputPadding: Int
    var testDescription: String {
      "in \(input) s \(stride) p \(padding) k \(kernel) d \(dilation) op \(outputPadding)"
    }
  }

  static let torchCases: [TorchCase] = [
    .init(input: 5, stride: 2, padding: 1, kernel: 3, dilation: 1, outputPadding: 1),
    .init(input: 7, stride: 3, padding: 2, kernel: 4, dilation: 2, outputPadding: 1),
    .init(input: 4, stride: 1, padding: 0, kernel: 5, dilation: 2, outputPadding: 1),
    .init(input: 3, stride: 4, padding: 3, kernel: 3, dilation: 1, outputPadding: 3),
    .init(input: 6, stride: 2, padding: 2, kernel: 2, dilation: 3, outputPadding: 2),
  ]

  @Test("symmetric padding matches PyTorch's (in-1)s - 2p + d(k-1) + output_padding + 1", arguments: torchCases)
  func pytorchFormula(_ row: TorchCase) throws {
    let parameters = ConvTransposeParameters(
      stride: .uniform(row.stride), padding: .uniform(row.padding), outputPadding: .uniform(row.outputPadding),
      dilation: .uniform(row.dilation))
    let geometry = try parameters.geometry(input: [1, 1, row.input], weight: [1, 1, row.kernel])
    let torch = (row.input - 1) * row.stride - 2 * row.padding + row.dilation * (row.kernel - 1) + row.outputPadding + 1
    #expect(geometry.outputShape == [1, 1, torch])
    #expect(geometry.direction == .transposed)
  }
}
