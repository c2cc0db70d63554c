import ConvCore
import ConvKernels
import Testing
import TestSupport

/// `conv`: out = floor((in + pb + pe - d(k-1) - 1) / s) + 1, at least 1; `same` the TensorFlow way.
@Suite("conv shape rules")
struct ConvShapeRuleTests {
  static func conv(
    stride: SpatialParameter = .uniform(1), padding: PaddingParameter = .uniform(0),
    dilation: SpatialParameter = .uniform(1), groups: Int = 1, mode: PaddingMode = .zeros
  ) -> Operation {
    .conv(ConvParameters(stride: stride, padding: padding, dilation: dilation, groups: groups, paddingMode: mode))
  }

  static let valid: [ValidShapeCase] = [
    .init(
      name: "1-d defaults: 10 - 3 + 1 = 8", operation: conv(), input: [1, 1, 10], weight: [1, 1, 3],
      expected: [1, 1, 8]),
    .init(
      name: "1-d stride 2 padding 1: floor((7+2-2-1)/2)+1 = 4",
      operation: conv(stride: .uniform(2), padding: .uniform(1)),
      input: [2, 3, 7], weight: [4, 3, 3], expected: [2, 4, 4], pads: [PadPair(1, 1)]),
    .init(
      name: "2-d Q&A: 4x4 by 3x3 gives 2x2", operation: conv(), input: [1, 1, 4, 4], weight: [1, 1, 3, 3],
      expected: [1, 1, 2, 2]),
    .init(
      name: "2-d in 8, padding 1, k 3, stride 2 gives 4", operation: conv(stride: .uniform(2), padding: .uniform(1)),
      input: [1, 1, 8, 8], weight: [1, 1, 3, 3], expected: [1, 1, 4, 4]),
    .init(
      name: "2-d asymmetric pairs and per-dimension stride",
      operation: conv(stride: .perDimension([1, 2]), padding: .pairs([PadPair(0, 2), PadPair(1, 0)])),
      input: [1, 2, 5, 6], weight: [3, 2, 3, 2], expected: [1, 3, 5, 3], pads: [PadPair(0, 2), PadPair(1, 0)]),
    .init(
      name: "2-d per-dimension padding list", operation: conv(padding: .perDimension([2, 0])),
      input: [1, 1, 5, 5], weight: [1, 1, 3, 3], expected: [1, 1, 7, 3], pads: [PadPair(2, 2), PadPair(0, 0)]),
    .init(
      name: "2-d dilation 2: extent 5", operation: conv(dilation: .uniform(2)),
      input: [1, 1, 9, 9], weight: [1, 1, 3, 3], expected: [1, 1, 5, 5]),
    .init(
      name: "2-d per-dimension dilation [2, 3]", operation: conv(dilation: .perDimension([2, 3])),
      input: [1, 1, 9, 10], weight: [1, 1, 3, 3], expected: [1, 1, 5, 4]),
    .init(
      name: "2-d valid with stride 2", operation: conv(stride: .uniform(2), padding: .valid),
      input: [1, 1, 6, 7], weight: [2, 1, 3, 3], expected: [1, 2, 2, 3], pads: [PadPair(0, 0), PadPair(0, 0)]),
    .init(
      name: "2-d same with stride 1 keeps the size", operation: conv(padding: .same),
      input: [1, 1, 5, 5], weight: [1, 1, 3, 3], expected: [1, 1, 5, 5], pads: [PadPair(1, 1), PadPair(1, 1)]),
    .init(
      name: "1-d same, stride 2, in 7, k 3: out 4, total 2", operation: conv(stride: .uniform(2), padding: .same),
      input: [1, 1, 7], weight: [1, 1, 3], expected: [1, 1, 4], pads: [PadPair(1, 1)]),
    .init(
      name: "1-d same, stride 2, in 8, k 3: out 4, total 1 -> [0, 1]",
      operation: conv(stride: .uniform(2), padding: .same),
      input: [1, 1, 8], weight: [1, 1, 3], expected: [1, 1, 4], pads: [PadPair(0, 1)]),
    .init(
      name: "1-d same, stride 2, dilation 2, in 10, k 3: out 5, total 3 -> [1, 2]",
      operation: conv(stride: .uniform(2), padding: .same, dilation: .uniform(2)),
      input: [1, 1, 10], weight: [1, 1, 3], expected: [1, 1, 5], pads: [PadPair(1, 2)]),
    .init(
      name: "1-d same, stride 3 > kernel 1: total max(-, 0) = 0", operation: conv(stride: .uniform(3), padding: .same),
      input: [1, 1, 10], weight: [1, 1, 1], expected: [1, 1, 4], pads: [PadPair(0, 0)]),
    .init(
      name: "3-d same with strides [2, 1, 3]", operation: conv(stride: .perDimension([2, 1, 3]), padding: .same),
      input: [1, 1, 5, 6, 7], weight: [1, 1, 3, 2, 4], expected: [1, 1, 3, 6, 3],
      pads: [PadPair(1, 1), PadPair(0, 1), PadPair(1, 2)]),
    .init(
      name: "3-d strides [1, 2, 3], padding [0, 1, 1]",
      operation: conv(stride: .perDimension([1, 2, 3]), padding: .perDimension([0, 1, 1])),
      input: [1, 2, 4, 5, 6], weight: [3, 2, 2, 3, 3], expected: [1, 3, 3, 3, 2]),
    .init(
      name: "groups 2: 4 input channels, 6 output channels", operation: conv(groups: 2),
      input: [1, 4, 5, 5], weight: [6, 2, 3, 3], expected: [1, 6, 3, 3]),
    .init(
      name: "depthwise: groups = channels = 3, padding 1", operation: conv(padding: .uniform(1), groups: 3),
      input: [2, 3, 6, 6], weight: [3, 1, 3, 3], expected: [2, 3, 6, 6]),
    .init(
      name: "depthwise with multiplier 2", operation: conv(groups: 3),
      input: [1, 3, 6], weight: [6, 1, 3], expected: [1, 6, 4]),
    .init(
      name: "bias [C_out] is accepted", operation: conv(), input: [1, 2, 5], weight: [4, 2, 3], bias: [4],
      expected: [1, 4, 3]),
    .init(
      name: "reflect padding in - 1 is allowed", operation: conv(padding: .uniform(2), mode: .reflect),
      input: [1, 1, 3], weight: [1, 1, 3], expected: [1, 1, 5]),
    .init(
      name: "circular padding equal to the input size is allowed",
      operation: conv(padding: .uniform(3), mode: .circular),
      input: [1, 1, 3], weight: [1, 1, 1], expected: [1, 1, 9]),
    .init(
      name: "replicate padding larger than the input is allowed",
      operation: conv(padding: .uniform(4), mode: .replicate),
      input: [1, 1, 2], weight: [1, 1, 1], expected: [1, 1, 10]),
    .init(
      name: "kernel as large as the padded input gives 1", operation: conv(padding: .pairs([PadPair(1, 0)])),
      input: [1, 1, 2], weight: [1, 1, 3], expected: [1, 1, 1]),
  ]

  static let invalid: [InvalidShapeCase] = [
    .init(
      name: "input channels not divisible by groups", operation: conv(groups: 2),
      input: [1, 3, 5, 5], weight: [4, 1, 3, 3], fragments: ["input channels 3 must be divisible by groups 2"]),
    .init(
      name: "output channels not divisible by groups", operation: conv(groups: 2),
      input: [1, 4, 5, 5], weight: [3, 2, 3, 3], fragments: ["weight's output channels 3 must be divisible by groups 2"]
    ),
    .init(
      name: "weight's input channels do not match the input", operation: conv(),
      input: [1, 3, 5, 5], weight: [2, 2, 3, 3], fragments: ["expects 2 input channels (2 x groups 1), the input has 3"]
    ),
    .init(
      name: "stride has 3 values on a 2-d input", operation: conv(stride: .perDimension([1, 2, 1])),
      input: [1, 1, 5, 5], weight: [1, 1, 3, 3],
      fragments: ["stride has 3 values but the input has 2 spatial dimensions"]),
    .init(
      name: "dilation has 1 value on a 2-d input", operation: conv(dilation: .perDimension([2])),
      input: [1, 1, 5, 5], weight: [1, 1, 3, 3],
      fragments: ["dilation has 1 values but the input has 2 spatial dimensions"]),
    .init(
      name: "padding has 3 values on a 2-d input", operation: conv(padding: .perDimension([1, 1, 1])),
      input: [1, 1, 5, 5], weight: [1, 1, 3, 3],
      fragments: ["padding has 3 values but the input has 2 spatial dimensions"]),
    .init(
      name: "padding has 1 pair on a 2-d input", operation: conv(padding: .pairs([PadPair(1, 1)])),
      input: [1, 1, 5, 5], weight: [1, 1, 3, 3],
      fragments: ["padding has 1 pairs but the input has 2 spatial dimensions"]),
    .init(
      name: "stride 0", operation: conv(stride: .perDimension([1, 0])),
      input: [1, 1, 5, 5], weight: [1, 1, 3, 3], fragments: ["stride 0 must be at least 1 (W)"]),
    .init(
      name: "dilation 0", operation: conv(dilation: .uniform(0)),
      input: [1, 1, 5], weight: [1, 1, 3], fragments: ["dilation 0 must be at least 1 (L)"]),
    .init(
      name: "groups 0", operation: conv(groups: 0),
      input: [1, 1, 5], weight: [1, 1, 3], fragments: ["groups 0 must be at least 1"]),
    .init(
      name: "kernel size 0", operation: conv(), input: [1, 1, 5], weight: [1, 1, 0],
      fragments: ["kernel size 0 must be at least 1 (L)"]),
    .init(
      name: "input size 0", operation: conv(), input: [1, 1, 0], weight: [1, 1, 1],
      fragments: ["input size 0 must be at least 1 (L)"]),
    .init(
      name: "bias of the wrong length", operation: conv(), input: [1, 1, 5], weight: [2, 1, 3], bias: [3],
      fragments: ["bias must be [2] (one per output channel), got 3"]),
    .init(
      name: "bias of the wrong rank", operation: conv(), input: [1, 1, 5], weight: [2, 1, 3], bias: [2, 1],
      fragments: ["bias must be [2]"]),
    .init(
      name: "negative padding", operation: conv(padding: .uniform(-1)), input: [1, 1, 5], weight: [1, 1, 3],
      fragments: ["padding [-1, -1] must not be negative (L)"]),
    .init(
      name: "negative padding in one pair", operation: conv(padding: .pairs([PadPair(0, 0), PadPair(2, -1)])),
      input: [1, 1, 5, 5], weight: [1, 1, 3, 3], fragments: ["padding [2, -1] must not be negative (W)"]),
    .init(
      name: "kernel larger than the padded input", operation: conv(), input: [1, 1, 2, 2], weight: [1, 1, 3, 3],
      fragments: [
        "must be at least 1", "the dilated kernel 3 is larger than the padded input 2 (H)",
        "the dilated kernel 3 is larger than the padded input 2 (W)",
      ], minimumCount: 2),
    .init(
      name: "dilated kernel larger than the padded input", operation: conv(padding: .uniform(1), dilation: .uniform(3)),
      input: [1, 1, 4], weight: [1, 1, 3], fragments: ["the dilated kernel 7 is larger than the padded input 6 (L)"]),
    .init(
      name: "reflect padding equal to the input size", operation: conv(padding: .uniform(3), mode: .reflect),
      input: [1, 1, 3, 3], weight: [1, 1, 3, 3],
      fragments: ["padding [3, 3] with padding_mode reflect must be smaller than the input size 3 (H)"]),
    .init(
      name: "reflect padding from same", operation: conv(padding: .same, mode: .reflect),
      input: [1, 1, 2], weight: [1, 1, 5], fragments: ["reflect", "must be smaller than the input size 2 (L)"]),
    .init(
      name: "circular padding larger than the input", operation: conv(padding: .uniform(3), mode: .circular),
      input: [1, 1, 2], weight: [1, 1, 1],
      fragments: ["padding [3, 3] with padding_mode circular must be at most the input size 2 (L)"]),
    .init(
      name: "weight of another rank", operation: conv(), input: [1, 1, 5, 5], weight: [1, 1, 3],
      fragments: ["weight has 3 axes but the input has 4"]),
    .init(
      name: "input without a spatial axis", operation: conv(), input: [1, 1], weight: [1, 1],
      fragments: ["input must be [N, C, spatial...] with at least one spatial dimension, got 2 axes"]),
    .init(name: "no weight", operation: conv(), input: [1, 1, 5], fragments: ["a weight is required"]),
    .init(
      name: "one stage breaking several rules reports all of them",
      operation: conv(stride: .uniform(0), dilation: .perDimension([1, 1, 1]), groups: 2),
      input: [1, 3, 5, 5], weight: [5, 2, 3, 3], bias: [4],
      fragments: [
        "stride 0 must be at least 1 (H)", "stride 0 must be at least 1 (W)",
        "dilation has 3 values", "input channels 3 must be divisible by groups 2",
        "weight's output channels 5 must be divisible by groups 2", "bias must be [5]",
      ],
      minimumCount: 6),
    .init(
      name: "negative padding and a too-large kernel on different axes are both reported",
      operation: conv(padding: .pairs([PadPair(-1, 0), PadPair(0, 0)])),
      input: [1, 1, 5, 2], weight: [1, 1, 3, 3],
      fragments: ["padding [-1, 0] must not be negative (H)", "larger than the padded input 2 (W)"], minimumCount: 2),
  ]

  @Test("valid parameters give the hand-computed output shape", arguments: valid)
  func validShape(_ row: ValidShapeCase) { checkValid(row) }

  @Test("invalid parameters are refused with every broken rule named", arguments: invalid)
  func invalidShape(_ row: InvalidShapeCase) { checkInvalid(row) }

  @Test("geometry and Operation.plan agree")
  func geometryMatchesPlan() throws {
    let parameters = ConvParameters(stride: .uniform(2), padding: .same, groups: 2)
    let geometry = try parameters.geometry(input: [2, 4, 9, 8], weight: [6, 2, 3, 3], bias: [6])
    #expect(
      try Operation.conv(parameters).plan(input: [2, 4, 9, 8], weight: [6, 2, 3, 3], bias: [6])
        == .convolution(geometry))
    #expect(geometry.outputShape == [2, 6, 5, 4])
    #expect(geometry.weightShape == [6, 2, 3, 3])
    #expect(geometry.direction == .forward)
  }
}
