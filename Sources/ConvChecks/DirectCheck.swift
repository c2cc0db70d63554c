import ConvCore
import ConvKernels

/// The direct-convolution check: a transposed convolution equals a stride-1
/// convolution of its zero-inserted, padded input with the flipped kernel.
///
/// Per spatial dimension with stride `s`, dilation `d`, kernel `k`, crops `pb`, `pe`
/// and `output_padding` `op`: insert `s - 1` zeros between input neighbours
/// (un-stride), pad `d(k-1) - pb` cells before and `d(k-1) - pe + op` after (crop
/// where an amount is negative), then convolve with stride 1, dilation `d`,
/// `groups` and the bias, using ``flippedSwappedKernel(_:groups:)``. The check
/// compares the stage's actual output with that recomputation using
/// ``Allclose/recomputation(precision:expected:)``. It covers zero padding only:
/// a transposed convolution with another `padding_mode` is refused
/// (``CheckError/paddingModeNotCovered(_:)``).
public enum DirectCheck {
  /// A transposed convolution's weight `W [C_in, C_out/g, k...]` as the equivalent
  /// direct convolution's weight `W' [C_out, C_in/g, k...]`: every spatial axis
  /// reversed and the in and out channels swapped within each group,
  /// `W'[g*outPer + o, i, k] = W[g*inPer + i, o, K - 1 - k]` with `inPer = C_in/g`,
  /// `outPer = C_out/g`.
  public static func flippedSwappedKernel(_ weight: Tensor, groups: Int) throws -> Tensor {
    guard weight.rank >= 3, groups >= 1, weight.shape[0] % groups == 0 else {
      throw CheckError.kernelGroups(shape: weight.shape, groups: groups)
    }
    let inPerGroup = weight.shape[0] / groups, outPerGroup = weight.shape[1], kernel = weight.spatialShape
    let flipped = try remap(.flip, weight)
    let grouped = try flipped.reshaped([groups, inPerGroup, outPerGroup] + kernel)
    let swapped = try Permutation(axes: [0, 2, 1] + Array(3..<(3 + kernel.count))).apply(grouped)
    return try swapped.reshaped([groups * outPerGroup, inPerGroup] + kernel)
  }

  /// Recomputes the transposed convolution `geometry` as the direct convolution
  /// described above, in the input's element type. `kernelTransform` turns the
  /// weight and `groups` into the direct weight; it is the part under test when
  /// it is not ``flippedSwappedKernel(_:groups:)``.
  public static func recompute(
    geometry: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor? = nil,
    kernelTransform: (Tensor, Int) throws -> Tensor = flippedSwappedKernel
  ) throws -> Tensor {
    guard geometry.direction == .transposed else { throw CheckError.requiresTransposedGeometry }
    guard geometry.paddingMode == .zeros else { throw CheckError.paddingModeNotCovered(geometry.paddingMode) }
    try CheckError.requireOperand("input", input, geometry.inputShape)
    try CheckError.requireOperand("weight", weight, geometry.weightShape)
    try CheckError.requireOperand("bias", bias, [geometry.outputChannels])
    let axes = geometry.axes
    let begins = axes.map { $0.dilation * ($0.kernel - 1) - $0.padBegin }
    let ends = axes.map { $0.dilation * ($0.kernel - 1) - $0.padEnd + $0.outputPadding }
    let pads = zip(begins, ends).map { PadPair(max($0, 0), max($1, 0)) }
    let crops = zip(begins, ends).map { PadPair(max(-$0, 0), max(-$1, 0)) }
    let unstrided = try remap(.unstride(.perDimension(axes.map(\.stride))), input)
    let padded = try remap(.pad(pads: .pairs(pads), mode: .zeros, value: 0), unstrided)
    let cropped = try remap(.crop(.pairs(crops)), padded)
    let kernel = try kernelTransform(weight, geometry.groups)
    let direct = try ConvParameters(dilation: .perDimension(axes.map(\.dilation)), groups: geometry.groups)
      .geometry(input: cropped.shape, weight: kernel.shape, bias: bias?.shape)
    return try direct.apply(input: cropped, weight: kernel, bias: bias)
  }

  /// Compares the actual `output` of the transposed convolution `geometry` with
  /// ``recompute(geometry:input:weight:bias:kernelTransform:)``. Throws
  /// ``CheckError`` for a forward geometry or operands of the wrong shape.
  public static func check(
    geometry: ConvGeometry, input: Tensor, weight: Tensor, bias: Tensor? = nil, output: Tensor,
    kernelTransform: (Tensor, Int) throws -> Tensor = flippedSwappedKernel
  ) throws -> CheckOutcome {
    let expected = try recompute(
      geometry: geometry, input: input, weight: weight, bias: bias, kernelTransform: kernelTransform)
    let precision = DType.coarsest([input.dtype, weight.dtype, output.dtype] + (bias.map { [$0.dtype] } ?? []))
    var outcome = Allclose.recomputation(precision: precision, expected: expected).compare(output, expected)
    outcome.message =
      "conv_transpose output against the direct convolution of the zero-inserted, padded input with the flipped kernel: \(outcome.message)"
    return outcome
  }

  private static func remap(_ operation: RemapOperation, _ tensor: Tensor) throws -> Tensor {
    try operation.geometry(input: tensor.shape).apply(tensor)
  }
}
