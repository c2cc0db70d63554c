import ConvChecks
import ConvCore

/// Fixed small configurations and deliberately wrong operators for the tests that
/// show each check can fail.
enum WrongOperators {
  /// A 2-d grouped convolution whose output has the input's shape (stride 1,
  /// padding 1, 3x3 kernel), so `A` can stand in for `A^T`.
  static let squareConv = ConvParameters(padding: .pairs([PadPair(1, 1), PadPair(1, 1)]), groups: 2)
  /// The same convolution with its padding shifted by one cell: same shape, wrong cells.
  static let shiftedConv = ConvParameters(padding: .pairs([PadPair(2, 0), PadPair(2, 0)]), groups: 2)
  static let convInput = [2, 4, 7, 6], convWeight = [4, 2, 3, 3]

  /// A grouped, strided transposed convolution with output_padding.
  static let transposed = ConvTransposeParameters(
    stride: .uniform(2), padding: .pairs([PadPair(1, 1), PadPair(1, 1)]), outputPadding: .uniform(1), groups: 2)
  /// The same transposed convolution cropped one cell further at the start: same shape, wrong cells.
  static let shiftedTransposed = ConvTransposeParameters(
    stride: .uniform(2), padding: .pairs([PadPair(2, 0), PadPair(2, 0)]), outputPadding: .uniform(1), groups: 2)
  static let transposedInput = [2, 4, 5, 6], transposedWeight = [4, 3, 3, 3]

  /// `weight` with group 0's block (the first `1/groups` of axis 0) copied into
  /// every group: an operator that forgets the group offset.
  static func groupZeroEverywhere(_ weight: Tensor, groups: Int) throws -> Tensor {
    let values = weight.doubles, block = weight.count / groups
    return try Tensor(shape: weight.shape, values: values.indices.map { values[$0 % block] }).converted(
      to: weight.dtype)
  }

  /// Only swaps the channels within each group, without flipping the kernel.
  static func swappedUnflippedKernel(_ weight: Tensor, groups: Int) throws -> Tensor {
    let flipBack = try RemapOperation.flip.geometry(input: weight.shape).apply(weight)
    return try DirectCheck.flippedSwappedKernel(flipBack, groups: groups)
  }

  /// Operands drawn in `dtype` for `shape`s, from one seeded generator.
  static func tensors(_ shapes: [[Int]], dtype: DType, seed: UInt64 = 7) -> [Tensor] {
    var random = CheckRandom(seed: seed)
    return shapes.map { random.tensor(shape: $0, dtype: dtype) }
  }
}
