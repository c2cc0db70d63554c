import ConvCore

/// `torch.nn.functional.conv{1,2,3}d` and `conv_transpose{1,2,3}d`, with
/// `output_size` as `nn.ConvTranspose{1,2,3}d.forward` takes it. PyTorch's own
/// layouts (`[N, C, spatial...]`, weights `[C_out, C_in/groups, k...]` and
/// `[C_in, C_out/groups, k...]`) are the core's, so the lowering is the core op,
/// plus a batch of one for an unbatched `[C, spatial...]` input, as PyTorch accepts.
public struct TorchCall: Sendable, Equatable {
  public let api: FrameworkAPI
  public let arguments: WrittenArguments

  enum Padding: Sendable, Equatable {
    case explicit(IntArgument)
    case same
    case valid
  }

  var stride: IntArgument = .scalar(1)
  var padding: Padding = .explicit(.scalar(0))
  var dilation: IntArgument = .scalar(1)
  var groups = 1
  var outputPadding: IntArgument = .scalar(0)
  var outputSize: [Int]?

  static let forwardArguments = ["stride", "padding", "dilation", "groups"]
  static let transposedArguments = ["stride", "padding", "output_padding", "groups", "dilation", "output_size"]

  init(api: FrameworkAPI, arguments: WrittenArguments, reader: inout ArgumentReader) {
    self.api = api
    self.arguments = arguments
    if let value = reader.ints("stride") { stride = value }
    if let value = reader.given("padding") {
      switch value {
      case .string(let text) where !api.isTransposed:
        switch text {
        case "same": padding = .same
        case "valid": padding = .valid
        default:
          reader.fail(
            "padding",
            "invalid padding string \"\(text)\": \(api.shortName) takes \"valid\", \"same\", an integer or a tuple")
        }
      case .string:
        reader.fail(
          "padding",
          "must be an integer or a tuple of integers, not a string: \(api.shortName) has no \"same\" or \"valid\"")
      default:
        if let number = value.intValue {
          padding = .explicit(.scalar(number))
        } else if let list = value.intList {
          padding = .explicit(.list(list))
        } else {
          reader.fail("padding", "expected an integer or a tuple of integers, got \(value)")
        }
      }
    }
    if let value = reader.ints("dilation") { dilation = value }
    if let value = reader.int("groups") { groups = value }
    if api.isTransposed {
      if let value = reader.ints("output_padding") { outputPadding = value }
      outputSize = reader.intList("output_size")
    }
    reader.finish(
      known: api.isTransposed ? Self.transposedArguments : Self.forwardArguments,
      unsupported: [
        "padding_mode":
          "torch.nn.functional convolutions take no padding_mode (nn.Conv*d does); write a conv stage with padding_mode, or F.pad first"
      ])
  }

  private var spatialCount: Int { api.spatialRank ?? 2 }

  /// One value per spatial dimension from an integer or a list of one or `count` values, as PyTorch expands them.
  private func resolve(_ name: String, _ value: IntArgument, atLeast minimum: Int, rules: inout CallRules) -> [Int] {
    let values = value.values
    let count = spatialCount
    guard values.count == 1 || values.count == count else {
      rules.fail(
        name,
        "expected \(name) to be a single integer value or a list of \(count) values to match the convolution dimensions, but got \(name)=\(value)"
      )
      return Array(repeating: 1, count: count)
    }
    for value in values where value < minimum {
      rules.fail(name, "\(name) \(value) must be at least \(minimum)")
    }
    return values.count == 1 ? Array(repeating: values[0], count: count) : values
  }

  func lower(input: [Int], weight: [Int], bias: [Int]?) throws(FrameworkCallError) -> FrameworkLowering {
    var rules = CallRules(api)
    let count = spatialCount
    let batched = input.count == count + 2
    rules.require(
      batched || input.count == count + 1, nil,
      "expected \(count + 1)-d (unbatched) or \(count + 2)-d (batched) input to \(api.shortName), but got input of size \(input.shapeDescription)"
    )
    rules.require(
      weight.count == count + 2, "weight",
      "expected a \(count + 2)-d weight, got \(weight.shapeDescription)")
    let strides = resolve("stride", stride, atLeast: 1, rules: &rules)
    let dilations = resolve("dilation", dilation, atLeast: 1, rules: &rules)
    rules.require(groups >= 1, "groups", "groups \(groups) must be at least 1")
    var corePadding = PaddingParameter.uniform(0)
    switch padding {
    case .explicit(let value): corePadding = .perDimension(resolve("padding", value, atLeast: 0, rules: &rules))
    case .valid: corePadding = .valid
    case .same:
      corePadding = .same
      rules.require(
        strides.allSatisfy { $0 == 1 }, "padding",
        "padding=\"same\" is not supported for strided convolutions (stride \(strides))")
    }
    var builder = LoweringBuilder(api: api, input: input, weight: weight)
    let nativeOutput = batched ? "[N, C, \(spatialText(spatialCount))]" : "[C, \(spatialText(spatialCount))]"
    return try rules.lowering { () throws(ShapeError) -> FrameworkLowering in
      if !batched {
        try builder.input(.reshape([1] + input), "unbatched input [C, \(spatialText(spatialCount))]: a batch of one")
      }
      let operation: Operation
      if api.isTransposed {
        var parameters = ConvTransposeParameters(
          stride: .perDimension(strides), padding: corePadding, dilation: .perDimension(dilations), groups: groups)
        if let outputSize {
          parameters.outputPadding = .perDimension(
            try moduleOutputPadding(
              outputSize, input: builder.input, batched: batched, weight: weight, strides, dilations, &builder))
        } else {
          parameters.outputPadding = .perDimension(resolveOutputPadding())
        }
        operation = .convTranspose(parameters)
      } else {
        operation = .conv(
          ConvParameters(
            stride: .perDimension(strides), padding: corePadding, dilation: .perDimension(dilations), groups: groups))
      }
      try builder.convolve(operation, bias: bias)
      if !batched {
        try builder.output(.reshape(Array(builder.outputShape.dropFirst())), "back to the unbatched \(nativeOutput)")
      }
      return try builder.finish(
        bias: bias == nil ? .none : .convolution,
        layouts: NativeLayouts(
          input: nativeOutput,
          weight: api.isTransposed
            ? "[C_in, C_out/groups, \(kernelText(spatialCount))]" : "[C_out, C_in/groups, \(kernelText(spatialCount))]",
          output: nativeOutput))
    }
  }

  private func resolveOutputPadding() -> [Int] {
    let values = outputPadding.values
    return values.count == 1 ? Array(repeating: values[0], count: spatialCount) : values
  }

  /// `nn.ConvTranspose*d.forward(output_size=...)`: the sizes from the smallest,
  /// `(in-1)s - 2p + d(k-1) + 1`, to that plus `stride - 1` (stride only, even where
  /// `output_padding` may reach further through dilation), as PyTorch's `_output_padding`.
  /// `size` lists the spatial sizes, or the whole output shape: `[N, C, spatial...]`
  /// for a `batched` input, `[C, spatial...]` for an unbatched one (`input` is
  /// the input as convolved, with its batch of one).
  private func moduleOutputPadding(
    _ size: [Int], input: [Int], batched: Bool, weight: [Int], _ strides: [Int], _ dilations: [Int],
    _ builder: inout LoweringBuilder
  ) throws(ShapeError) -> [Int] {
    let count = spatialCount, nonSpatial = batched ? 2 : 1
    guard size.count == count || size.count == count + nonSpatial else {
      throw ShapeError([
        "for \(count + nonSpatial)-d input, output_size must have \(count) or \(count + nonSpatial) elements (got \(size.count))"
      ])
    }
    let wanted = Array(size.suffix(count))
    let pads: [Int]
    switch padding {
    case .explicit(let value):
      pads = value.values.count == 1 ? Array(repeating: value.values[0], count: count) : value.values
    case .same, .valid: pads = Array(repeating: 0, count: count)
    }
    let smallest = (0..<count).map { (j: Int) -> Int in
      transposedFullSize(input: input[j + 2], kernel: weight[j + 2], stride: strides[j], dilation: dilations[j])
        - 2 * pads[j]
    }
    let largest = zip(smallest, strides).map { $0 + $1 - 1 }
    let reachable = (0..<count).allSatisfy { wanted[$0] >= smallest[$0] && wanted[$0] <= largest[$0] }
    guard reachable else {
      throw ShapeError([
        "output_size \(wanted) is not reachable: nn.\(moduleName).forward accepts sizes from \(smallest) to \(largest) for an input of \(Array(input.dropFirst(2))) (the smallest size plus up to stride - 1, even where output_padding could reach further through dilation)"
      ])
    }
    let extra = zip(wanted, smallest).map { $0 - $1 }
    builder.arithmetic.append(
      "output_size \(wanted): nn.\(moduleName).forward picks output_padding \(extra) (sizes \(smallest) to \(largest))")
    if outputPadding != .scalar(0) {
      builder.notes.append("output_padding \(outputPadding) is ignored: nn.\(moduleName).forward uses output_size")
    }
    return extra
  }

  private var moduleName: String { "ConvTranspose\(spatialCount)d" }
}
