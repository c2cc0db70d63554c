import ConvCore
import ConvKernels
import Testing
import TestSupport

/// Zero-size axes, which a tensor read from HDF5 metadata can have. PyTorch keeps
/// an empty batch (so does convpipe) but refuses empty channel counts in a weight and empty spatial
/// axes for replicate padding; convpipe refuses every empty spatial axis and
/// empty weight ("input size 0 must be at least 1").
@Suite("zero-size axes")
struct EmptyAxisTests {
  static func remap(_ operation: RemapOperation) -> Operation { .remap(operation) }

  static let accepted: [ValidShapeCase] = [
    // F.conv1d(torch.zeros(0, 1, 5), torch.zeros(2, 1, 3)).shape == [0, 2, 3]
    .init(
      name: "conv keeps an empty batch", operation: .conv(ConvParameters()), input: [0, 1, 5], weight: [2, 1, 3],
      expected: [0, 2, 3])
  ]

  static let refusedByConv: [InvalidShapeCase] = [
    .init(
      name: "conv of an empty spatial axis", operation: .conv(ConvParameters()), input: [1, 1, 0], weight: [1, 1, 1],
      fragments: ["input size 0 must be at least 1 (L)"]),
    .init(
      name: "conv_transpose of an empty spatial axis", operation: .convTranspose(ConvTransposeParameters()),
      input: [1, 1, 0], weight: [1, 1, 1], fragments: ["input size 0 must be at least 1 (L)"]),
    .init(
      name: "reflect pad of an empty axis", operation: remap(.pad(pads: .uniform(0), mode: .reflect, value: 0)),
      input: [1, 1, 0], fragments: ["input size 0 must be at least 1 (L)"]),
    // PyTorch's x[..., ::2] keeps an empty axis empty; convpipe refuses empty axes throughout.
    .init(
      name: "stride of an empty axis", operation: remap(.stride(.uniform(2))), input: [1, 1, 0],
      fragments: ["input size 0 must be at least 1 (L)"]),
    .init(
      name: "crop of an empty axis", operation: remap(.crop(.uniform(0))), input: [1, 1, 0],
      fragments: ["input size 0 must be at least 1 (L)"]),
    // (0-1)*2 + 1 would be -1.
    .init(
      name: "unstride 2 of an empty axis", operation: remap(.unstride(.uniform(2))),
      input: [1, 1, 0], fragments: ["input size 0 must be at least 1 (L)"]),
    // F.pad(torch.zeros(1, 1, 0), (1, 1), mode="replicate") raises.
    .init(
      name: "replicate pad of an empty axis", operation: remap(.pad(pads: .uniform(1), mode: .replicate, value: 0)),
      input: [1, 1, 0], fragments: ["input size 0 must be at least 1 (L)"]),
    // F.conv1d(x, torch.zeros(0, 2, 3)) raises "expected weight to be at least 1 at dimension 0".
    .init(
      name: "conv weight with zero output channels", operation: .conv(ConvParameters()),
      input: [1, 2, 5], weight: [0, 2, 3], fragments: ["weight 0x2x3 has 0 output channels; it must have at least 1"]),
    // F.conv_transpose1d(x, torch.zeros(2, 0, 3)) raises "non-empty ... weight tensor expected".
    .init(
      name: "conv_transpose weight with zero output channels", operation: .convTranspose(ConvTransposeParameters()),
      input: [1, 2, 5], weight: [2, 0, 3], fragments: ["weight 2x0x3 has 0 output channels; it must have at least 1"]),
  ]

  @Test("empty batches and empty strided axes are planned as PyTorch does", arguments: accepted)
  func plannedAsPyTorch(_ row: ValidShapeCase) { checkValid(row) }

  @Test("an empty spatial axis or weight is refused", arguments: refusedByConv)
  func refusedEmptyAxis(_ row: InvalidShapeCase) { checkInvalid(row) }
}
