/// The parameters of a transposed convolution (PyTorch's `conv_transpose{1,2,3}d`,
/// N-d and with asymmetric padding here).
///
/// For each spatial dimension: `full = (in-1)s + d(k-1) + 1` and
/// `out = full - pb - pe + output_padding`. The result is the full transposed
/// convolution, extended by `output_padding` zero cells at the end, then cropped
/// by `pb` at the start and `pe` at the end. `output_padding` must be smaller than
/// `max(s, d)`; `output_size` chooses it. `"same"`: `out = in * s`, total crop
/// `full - in*s` (which must not be negative), `pb = total / 2` rounded down,
/// `pe` the rest. `"valid"` is refused: frameworks disagree on its meaning.
///
/// With a `paddingMode` other than `zeros` the operator is the exact adjoint of
/// the convolution with that mode, `A^T = P^T C^T`: the forward convolution reads
/// an input of this operator's output size, padded by `pb`/`pe` with the mode, at
/// the same stride, dilation and groups. Its output must be this operator's input,
/// so `output_padding` must then be smaller than the stride, and the mode's limits
/// on `pb`/`pe` (below the output size for `reflect`, at most it for `circular`)
/// apply to the output size.
public struct ConvTransposeParameters: Sendable, Equatable {
  public var stride: SpatialParameter
  public var padding: PaddingParameter
  public var outputPadding: SpatialParameter
  /// The wanted spatial output sizes (or the whole output shape), which pick `output_padding`.
  public var outputSize: [Int]?
  public var dilation: SpatialParameter
  public var groups: Int
  /// The padding mode of the convolution this operator is the adjoint of.
  public var paddingMode: PaddingMode

  public init(
    stride: SpatialParameter = .uniform(1), padding: PaddingParameter = .uniform(0),
    outputPadding: SpatialParameter = .uniform(0), outputSize: [Int]? = nil,
    dilation: SpatialParameter = .uniform(1), groups: Int = 1, paddingMode: PaddingMode = .zeros
  ) {
    self.stride = stride
    self.padding = padding
    self.outputPadding = outputPadding
    self.outputSize = outputSize
    self.dilation = dilation
    self.groups = groups
    self.paddingMode = paddingMode
  }

  /// Resolves every size for an input, weight and optional bias shape, or throws
  /// every rule they break.
  public func geometry(input: [Int], weight: [Int], bias: [Int]? = nil) throws(ShapeError) -> ConvGeometry {
    var check = ConvShapeCheck(
      direction: .transposed, input: input, weight: weight, bias: bias,
      stride: stride, dilation: dilation, groups: groups)
    let names = check.names
    let hasOutputPadding = outputPadding != .uniform(0)
    var pairs: [PadPair]?
    switch padding {
    case .valid:
      check.rules.fail(
        "padding \"valid\" is not accepted for conv_transpose: frameworks disagree on what it means; give explicit padding or \"same\""
      )
    case .same:
      check.rules.require(!hasOutputPadding, "output_padding cannot be combined with padding \"same\"")
      check.rules.require(outputSize == nil, "output_size cannot be combined with padding \"same\"")
    default:
      pairs = check.rules.collect { () throws(ShapeError) in try padding.resolvePairs("padding", count: names.count) }
    }
    check.rules.require(outputSize == nil || !hasOutputPadding, "give output_padding or output_size, not both")
    let wanted = outputSize.flatMap { size in
      check.rules.collect { () throws(ShapeError) in try Self.spatialOutputSize(size, input: input, count: names.count)
      }
    }
    let extra =
      check.rules.collect { () throws(ShapeError) in try outputPadding.resolve("output_padding", count: names.count) }
      ?? []
    try check.rules.check()
    var axes: [ConvAxis] = []
    for j in names.indices {
      let size = input[j + 2], k = check.kernel[j], s = check.stride[j], d = check.dilation[j], name = names[j]
      let full = transposedFullSize(input: size, kernel: k, stride: s, dilation: d)
      let fullText = "(\(size)-1)*\(s) + \(d)*(\(k)-1) + 1"
      var prefix = ""
      var pair: PadPair
      if let pairs {
        pair = pairs[j]
        check.rules.require(pair.begin >= 0 && pair.end >= 0, "padding \(pair) must not be negative (\(name))")
      } else {
        let total = full - size * s
        pair = PadPair(splitting: total)
        prefix = "same: out = \(size)*\(s) = \(size * s), total crop \(fullText) - \(size * s) = \(total) -> \(pair); "
        check.rules.require(
          total >= 0,
          "padding \"same\" needs the full size \(fullText) = \(full) to be at least in*stride = \(size * s) (\(name))")
      }
      var op = extra[j]
      if let wanted {
        op = wanted[j] - (full - pair.total)
        prefix += "output_size \(wanted[j]) -> output_padding \(op); "
        check.rules.require(
          op >= 0 && op < max(s, d),
          "output_size \(wanted[j]) is not reachable: sizes \(full - pair.total) to \(full - pair.total + max(s, d) - 1) are (\(name))"
        )
      } else {
        check.rules.require(op >= 0, "output_padding \(op) must not be negative (\(name))")
        check.rules.require(
          op < max(s, d),
          "output_padding \(op) must be smaller than max(stride \(s), dilation \(d)) = \(max(s, d)) (\(name))")
      }
      let output = full - pair.total + op
      let formula = "\(fullText) - \(pair.begin) - \(pair.end) + \(op) = \(output)"
      check.rules.require(output >= 1, "output size \(formula) must be at least 1 (\(name))")
      var suffix = ""
      if paddingMode != .zeros, output >= 1 {
        suffix = adjointRules(pair: pair, outputPadding: op, stride: s, output: output, name: name, rules: &check.rules)
      }
      axes.append(
        ConvAxis(
          name: name, input: size, kernel: k, stride: s, dilation: d,
          padBegin: pair.begin, padEnd: pair.end, outputPadding: op, output: output,
          arithmetic: "\(name): \(prefix)\(formula)\(suffix)"))
    }
    try check.rules.check()
    return ConvGeometry(
      direction: .transposed, batch: input[0], inputChannels: check.inputChannels,
      outputChannels: check.outputChannels, groups: groups, axes: axes, paddingMode: paddingMode)
  }

  /// The rules a padding mode adds: the forward convolution with that mode, on an
  /// input of size `output` padded by `pair`, must give back the input size, and
  /// the mode must be able to pad `output` by `pair`. Returns the arithmetic's suffix.
  private func adjointRules(
    pair: PadPair, outputPadding op: Int, stride s: Int, output: Int, name: String, rules: inout RuleCollector
  ) -> String {
    let mode = paddingMode.rawValue
    rules.require(
      op < s,
      "output_padding \(op) with padding_mode \(mode) must be smaller than the stride \(s): the operator is the adjoint of conv with padding_mode \(mode) on an input of the output's size, whose output must be this input (\(name))"
    )
    switch paddingMode {
    case .zeros, .replicate: break
    case .reflect:
      rules.require(
        pair.begin < output && pair.end < output,
        "padding \(pair) with padding_mode reflect must be smaller than the output size \(output) (\(name))")
    case .circular:
      rules.require(
        pair.begin <= output && pair.end <= output,
        "padding \(pair) with padding_mode circular must be at most the output size \(output) (\(name))")
    }
    return "; padding_mode \(mode): the adjoint of conv padding \(output) by \(pair) with \(mode)"
  }

  /// The spatial part of `output_size`, which may list the spatial sizes or the whole shape.
  private static func spatialOutputSize(_ size: [Int], input: [Int], count: Int) throws(ShapeError) -> [Int] {
    try requireBounded(size, "output_size")
    if size.count == count { return size }
    if size.count == count + 2 { return Array(size.dropFirst(2)) }
    throw ShapeError(["output_size has \(size.count) values but the input has \(count) spatial dimensions"])
  }
}
