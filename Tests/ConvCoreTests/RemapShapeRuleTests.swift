import ConvCore
import ConvKernels
import Testing
import TestSupport

/// `pad`, `crop`, `stride`, `unstride`, `output_padding` and `flip` sizes, per the job format.
@Suite("remap op shape rules")
struct RemapShapeRuleTests {
  static func remap(_ operation: RemapOperation) -> Operation { .remap(operation) }
  static func pad(_ pads: PaddingParameter, _ mode: PadMode = .zeros, value: Double = 0) -> Operation {
    .remap(.pad(pads: pads, mode: mode, value: value))
  }

  static let valid: [ValidShapeCase] = [
    .init(name: "pad 2 on 1-d: 5 + 2 + 2", operation: pad(.uniform(2)), input: [1, 1, 5], expected: [1, 1, 9]),
    .init(
      name: "pad asymmetric pairs on 2-d", operation: pad(.pairs([PadPair(1, 0), PadPair(0, 3)]), .constant, value: 7),
      input: [2, 3, 4, 5], expected: [2, 3, 5, 8]),
    .init(
      name: "pad per-dimension reflect on 3-d", operation: pad(.perDimension([1, 0, 2]), .reflect),
      input: [1, 1, 3, 3, 3], expected: [1, 1, 5, 3, 7]),
    .init(
      name: "reflect pad in - 1", operation: pad(.pairs([PadPair(2, 2)]), .reflect), input: [1, 1, 3],
      expected: [1, 1, 7]),
    .init(
      name: "circular pad equal to the input size", operation: pad(.uniform(3), .circular), input: [1, 1, 3],
      expected: [1, 1, 9]),
    .init(
      name: "replicate pad beyond the input size", operation: pad(.uniform(5), .replicate), input: [1, 1, 2],
      expected: [1, 1, 12]),
    .init(
      name: "crop pairs on 2-d", operation: remap(.crop(.pairs([PadPair(1, 1), PadPair(0, 2)]))),
      input: [1, 1, 5, 5], expected: [1, 1, 3, 3]),
    .init(
      name: "crop leaving exactly 1", operation: remap(.crop(.pairs([PadPair(1, 1)]))), input: [1, 1, 3],
      expected: [1, 1, 1]),
    .init(
      name: "crop uniform on 3-d", operation: remap(.crop(.uniform(1))), input: [1, 2, 3, 4, 5],
      expected: [1, 2, 1, 2, 3]),
    .init(
      name: "stride 2 on 7: ceil(7/2) = 4", operation: remap(.stride(.uniform(2))), input: [1, 1, 7],
      expected: [1, 1, 4]),
    .init(
      name: "stride [2, 3] on 8x7", operation: remap(.stride(.perDimension([2, 3]))), input: [1, 1, 8, 7],
      expected: [1, 1, 4, 3]),
    .init(
      name: "stride larger than the input keeps 1", operation: remap(.stride(.uniform(5))), input: [1, 1, 3],
      expected: [1, 1, 1]),
    .init(
      name: "unstride 2 on 4: (4-1)*2 + 1 = 7", operation: remap(.unstride(.uniform(2))), input: [1, 1, 4],
      expected: [1, 1, 7]),
    .init(
      name: "unstride [3, 1] on 2-d", operation: remap(.unstride(.perDimension([3, 1]))), input: [1, 2, 3, 5],
      expected: [1, 2, 7, 5]),
    .init(
      name: "unstride of a single cell", operation: remap(.unstride(.uniform(3))), input: [1, 1, 1],
      expected: [1, 1, 1]),
    .init(
      name: "output_padding [1, 0] on 2-d", operation: remap(.outputPadding(.perDimension([1, 0]))),
      input: [1, 1, 4, 4], expected: [1, 1, 5, 4]),
    .init(
      name: "output_padding 1 on 3-d", operation: remap(.outputPadding(.uniform(1))), input: [2, 1, 2, 3, 4],
      expected: [2, 1, 3, 4, 5]),
    .init(name: "flip keeps the shape", operation: remap(.flip), input: [2, 3, 4, 5], expected: [2, 3, 4, 5]),
  ]

  static let invalid: [InvalidShapeCase] = [
    .init(
      name: "negative pad", operation: pad(.pairs([PadPair(-1, 0)])), input: [1, 1, 4],
      fragments: ["pads [-1, 0] must not be negative (use crop to remove cells) (L)"]),
    .init(
      name: "reflect pad equal to the input size", operation: pad(.uniform(3), .reflect), input: [1, 1, 3],
      fragments: ["pads [3, 3] with mode reflect must be smaller than the input size 3 (L)"]),
    .init(
      name: "reflect pad on a single cell", operation: pad(.pairs([PadPair(0, 1)]), .reflect), input: [1, 1, 1],
      fragments: ["reflect", "must be smaller than the input size 1"]),
    .init(
      name: "circular pad larger than the input", operation: pad(.pairs([PadPair(0, 4)]), .circular), input: [1, 1, 3],
      fragments: ["pads [0, 4] with mode circular must be at most the input size 3 (L)"]),
    .init(
      name: "pads with 3 values on 2-d", operation: pad(.perDimension([1, 1, 1])), input: [1, 1, 4, 4],
      fragments: ["pads has 3 values but the input has 2 spatial dimensions"]),
    .init(
      name: "pads with 1 pair on 2-d", operation: pad(.pairs([PadPair(1, 1)])), input: [1, 1, 4, 4],
      fragments: ["pads has 1 pairs but the input has 2 spatial dimensions"]),
    .init(
      name: "pads \"same\" is for convolutions only", operation: pad(.same), input: [1, 1, 4],
      fragments: ["pads \"same\" is not accepted here"]),
    .init(
      name: "crops leaving no cell", operation: remap(.crop(.pairs([PadPair(2, 1)]))), input: [1, 1, 3],
      fragments: ["crops [2, 1] leave 3 - 2 - 1 = 0 cells; at least 1 must remain (L)"]),
    .init(
      name: "crops leaving a negative count", operation: remap(.crop(.uniform(3))), input: [1, 1, 4],
      fragments: ["leave 4 - 3 - 3 = -2 cells"]),
    .init(
      name: "negative crop", operation: remap(.crop(.pairs([PadPair(-1, 0)]))), input: [1, 1, 3],
      fragments: ["crops [-1, 0] must not be negative"]),
    .init(
      name: "stride 0", operation: remap(.stride(.perDimension([1, 0]))), input: [1, 1, 4, 4],
      fragments: ["stride 0 must be at least 1 (W)"]),
    .init(
      name: "unstride -1", operation: remap(.unstride(.uniform(-1))), input: [1, 1, 4],
      fragments: ["stride -1 must be at least 1 (L)"]),
    .init(
      name: "stride list of the wrong length", operation: remap(.stride(.perDimension([2, 2]))), input: [1, 1, 4],
      fragments: ["stride has 2 values but the input has 1 spatial dimensions"]),
    .init(
      name: "negative output_padding amount", operation: remap(.outputPadding(.uniform(-1))), input: [1, 1, 4],
      fragments: ["amount -1 must not be negative (L)"]),
    .init(
      name: "input without a spatial axis", operation: remap(.flip), input: [2, 3],
      fragments: ["input must be [N, C, spatial...]"]),
    .init(
      name: "crops breaking the rule on every axis reports each",
      operation: remap(.crop(.pairs([PadPair(2, 2), PadPair(0, 0), PadPair(5, 0)]))), input: [1, 1, 4, 4, 5],
      fragments: [
        "leave 4 - 2 - 2 = 0 cells; at least 1 must remain (D)",
        "leave 5 - 5 - 0 = 0 cells; at least 1 must remain (W)",
      ],
      minimumCount: 2),
    .init(
      name: "pads breaking different rules on each axis reports each",
      operation: pad(.pairs([PadPair(-1, 0), PadPair(0, 9)]), .reflect), input: [1, 1, 4, 4],
      fragments: [
        "must not be negative (use crop to remove cells) (H)",
        "with mode reflect must be smaller than the input size 4 (W)",
      ],
      minimumCount: 2),
  ]

  @Test("valid parameters give the hand-computed output shape", arguments: valid)
  func validShape(_ row: ValidShapeCase) { checkValid(row) }

  @Test("invalid parameters are refused with every broken rule named", arguments: invalid)
  func invalidShape(_ row: InvalidShapeCase) { checkInvalid(row) }

  @Test("applying to a tensor of another shape is refused")
  func applyChecksTheShape() throws {
    let geometry = try RemapOperation.flip.geometry(input: [1, 1, 3])
    expectProblems(["input is 1x1x4, the plan expects 1x1x3"]) { () throws(ShapeError) in
      try geometry.apply(tensor([1, 1, 4], [1, 2, 3, 4]))
    }
  }
}
