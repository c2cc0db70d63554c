/// The parameters of a convolution (PyTorch's `conv{1,2,3}d`, N-d here).
///
/// For each spatial dimension with input size `in`, kernel `k`, stride `s`,
/// dilation `d` and padding `pb`/`pe`:
/// `out = floor((in + pb + pe - d(k-1) - 1) / s) + 1`, which must be at least 1.
/// `"same"`: `out = ceil(in / s)`, total padding `max((out-1)s + d(k-1) + 1 - in, 0)`,
/// `pb = total / 2` rounded down, `pe` the rest. `"valid"`: no padding.
public struct ConvParameters: Sendable, Equatable {
  public var stride: SpatialParameter
  public var padding: PaddingParameter
  public var dilation: SpatialParameter
  public var groups: Int
  public var paddingMode: PaddingMode

  public init(
    stride: SpatialParameter = .uniform(1), padding: PaddingParameter = .uniform(0),
    dilation: SpatialParameter = .uniform(1), groups: Int = 1, paddingMode: PaddingMode = .zeros
  ) {
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
    self.paddingMode = paddingMode
  }

  /// Resolves every size for an input, weight and optional bias shape, or throws
  /// every rule they break.
  ///
  /// Padding must be non-negative; with `padding_mode` `reflect` each of `pb`, `pe`
  /// must be smaller than `in`, with `circular` at most `in` (as in PyTorch).
  public func geometry(input: [Int], weight: [Int], bias: [Int]? = nil) throws(ShapeError) -> ConvGeometry {
    var check = ConvShapeCheck(
      direction: .forward, input: input, weight: weight, bias: bias,
      stride: stride, dilation: dilation, groups: groups)
    let names = check.names
    let pairs: [PadPair]? =
      switch padding {
      case .valid: Array(repeating: PadPair(0, 0), count: names.count)
      case .same: nil
      default: check.rules.collect { () throws(ShapeError) in try padding.resolvePairs("padding", count: names.count) }
      }
    try check.rules.check()
    var axes: [ConvAxis] = []
    for j in names.indices {
      let size = input[j + 2], k = check.kernel[j], s = check.stride[j], d = check.dilation[j]
      let extent = dilatedExtent(kernel: k, dilation: d)
      var pair: PadPair
      var prefix = ""
      if let pairs {
        pair = pairs[j]
      } else {
        let (out, total) = samePadding(input: size, kernel: k, stride: s, dilation: d)
        pair = PadPair(splitting: total)
        prefix =
          "same: out = ceil(\(size) / \(s)) = \(out), total padding max((\(out)-1)*\(s) + \(d)*(\(k)-1) + 1 - \(size), 0) = \(total) -> \(pair); "
      }
      let name = names[j]
      check.rules.require(pair.begin >= 0 && pair.end >= 0, "padding \(pair) must not be negative (\(name))")
      switch paddingMode {
      case .zeros, .replicate: break
      case .reflect:
        check.rules.require(
          pair.begin < size && pair.end < size,
          "padding \(pair) with padding_mode reflect must be smaller than the input size \(size) (\(name))")
      case .circular:
        check.rules.require(
          pair.begin <= size && pair.end <= size,
          "padding \(pair) with padding_mode circular must be at most the input size \(size) (\(name))")
      }
      let output = floorDivide(size + pair.total - extent, s) + 1
      let formula = "floor((\(size) + \(pair.begin) + \(pair.end) - \(d)*(\(k)-1) - 1) / \(s)) + 1 = \(output)"
      check.rules.require(
        output >= 1,
        "output size \(formula) must be at least 1: the dilated kernel \(extent) is larger than the padded input \(size + pair.total) (\(name))"
      )
      axes.append(
        ConvAxis(
          name: name, input: size, kernel: k, stride: s, dilation: d,
          padBegin: pair.begin, padEnd: pair.end, outputPadding: 0, output: output,
          arithmetic: "\(name): \(prefix)\(formula)"))
    }
    try check.rules.check()
    return ConvGeometry(
      direction: .forward, batch: input[0], inputChannels: check.inputChannels,
      outputChannels: check.outputChannels, groups: groups, axes: axes, paddingMode: paddingMode)
  }
}
