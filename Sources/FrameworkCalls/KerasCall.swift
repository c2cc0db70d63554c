import ConvCore

/// `keras.layers.Conv{1,2,3}D` and `Conv{1,2,3}DTranspose`, with the kernel and
/// bias as the layer stores them (`(k..., in/groups, filters)` and
/// `(k..., filters, in)`), on Keras's TensorFlow backend (the default) or its JAX
/// backend, whose transposed "same" rule and float64 CPU kernels differ.
public struct KerasCall: Sendable, Equatable {
  public let api: FrameworkAPI
  public let arguments: WrittenArguments
  public let backend: KerasBackend

  var filters = 0
  var kernelSize: IntArgument = .scalar(1)
  var strides: IntArgument = .scalar(1)
  var padding = "valid"
  var channelsFirst = false
  var dilationRate: IntArgument = .scalar(1)
  var groups = 1
  var useBias = true
  var outputPadding: IntArgument?

  private var rank: Int { api.spatialRank ?? 2 }
  private var layer: String { api.shortName }

  static let unsupported: [String: String] = {
    var reasons: [String: String] = [:]
    for name in ["kernel_initializer", "bias_initializer"] {
      reasons[name] = "it initialises a weight, and the job binds the kernel and bias as tensors"
    }
    for name in [
      "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
    ] {
      reasons[name] = "it acts in training only, and convpipe computes the layer's call"
    }
    for name in ["lora_rank", "lora_alpha"] { reasons[name] = "a LoRA update is not a convolution's arithmetic" }
    reasons["dtype"] = "convpipe computes in the tensors' element type (a stage's \"dtype\" casts the result)"
    return reasons
  }()

  init(api: FrameworkAPI, arguments: WrittenArguments, backend: KerasBackend, reader: inout ArgumentReader) {
    self.api = api
    self.arguments = arguments
    self.backend = backend
    if reader.required("filters", "the number of output channels") != nil, let value = reader.int("filters") {
      filters = value
      if value < 1 { reader.fail("filters", "invalid value \(value): expected a strictly positive value") }
    }
    if reader.required("kernel_size", "an integer or a tuple") != nil, let value = reader.ints("kernel_size") {
      kernelSize = value
    }
    if let value = reader.ints("strides") { strides = value }
    if let text = reader.string("padding") {
      let allowed = api == .kerasConv1D ? ["valid", "same", "causal"] : ["valid", "same"]
      if allowed.contains(text.lowercased()) {
        padding = text.lowercased()
      } else {
        reader.fail(
          "padding",
          "must be one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")) (case-insensitive), got \"\(text)\"")
      }
    }
    if let text = reader.string("data_format") {
      switch text {
      case "channels_last": channelsFirst = false
      case "channels_first": channelsFirst = true
      default: reader.fail("data_format", "must be \"channels_last\" or \"channels_first\", got \"\(text)\"")
      }
    }
    if let value = reader.ints("dilation_rate") { dilationRate = value }
    if !api.isTransposed, let value = reader.int("groups") {
      groups = value
      if value < 1 { reader.fail("groups", "the number of groups must be a positive integer, got \(value)") }
    }
    if api.isTransposed { outputPadding = reader.ints("output_padding") }
    if let value = reader.bool("use_bias") { useBias = value }
    if let value = reader.given("activation"), value != .string("linear") {
      reader.fail(
        "activation",
        "\(value) is not supported: convpipe computes the convolution and its bias; leave activation out (None) or \"linear\""
      )
    }
    _ = reader.string("name")
    _ = reader.bool("trainable")
    var known = ["filters", "kernel_size", "strides", "padding"]
    known += api.isTransposed ? ["output_padding"] : []
    known += ["data_format", "dilation_rate"] + (api.isTransposed ? [] : ["groups"])
    known += ["activation", "use_bias", "name", "trainable"]
    reader.finish(known: known, unsupported: Self.unsupported)
  }

  /// A tuple of `rank` values from an integer or a tuple, as Keras's `standardize_tuple`.
  private func tuple(_ name: String, _ value: IntArgument, minimum: Int, rules: inout CallRules) -> [Int] {
    let values = value.values
    guard values.count == 1 && value == .scalar(values[0]) || values.count == rank else {
      rules.fail(name, "the `\(name)` argument must be a tuple of \(rank) integers, received \(value)")
      return Array(repeating: max(minimum, 1), count: rank)
    }
    for v in values where v < minimum {
      rules.fail(name, "the `\(name)` argument must have values of at least \(minimum), received \(value)")
    }
    return values.count == rank ? values : Array(repeating: values[0], count: rank)
  }

  func lower(input: [Int], weight: [Int], bias: [Int]?, dtype: DType) throws(FrameworkCallError) -> FrameworkLowering {
    var rules = CallRules(api)
    guard input.count == rank + 2 else {
      throw FrameworkCallError(
        api,
        [
          CallProblem(
            nil,
            "the input must have \(rank + 2) axes (batch, \(rank) spatial, channels), got \(input.shapeDescription)")
        ])
    }
    let kernel = tuple("kernel_size", kernelSize, minimum: 1, rules: &rules)
    let stride = tuple("strides", strides, minimum: 1, rules: &rules)
    let dilation = tuple("dilation_rate", dilationRate, minimum: 1, rules: &rules)
    let extra = outputPadding.map { tuple("output_padding", $0, minimum: 0, rules: &rules) }
    if stride.contains(where: { $0 > 1 }), dilation.contains(where: { $0 > 1 }) {
      rules.fail(
        "dilation_rate",
        "`strides > 1` not supported in conjunction with `dilation_rate > 1`: received strides=\(stride) and dilation_rate=\(dilation)"
      )
    }
    if let extra {
      for (j, (op, s)) in zip(extra, stride).enumerated() where op >= s {
        rules.fail(
          "output_padding",
          "`output_padding` must be strictly less than `strides` for all dimensions: at dimension \(j), `output_padding` is \(op) but `strides` is \(s)"
        )
      }
    }
    let channelAxis = channelsFirst ? 1 : rank + 1
    let channels = input[channelAxis]
    if !api.isTransposed {
      rules.require(
        filters % groups == 0, "groups",
        "the number of filters \(filters) must be divisible by the number of groups \(groups)")
      rules.require(
        channels % groups == 0, "groups",
        "the number of input channels \(channels) must be divisible by the number of groups \(groups)")
    }
    let expectedKernel = kernel + (api.isTransposed ? [filters, channels] : [channels / max(groups, 1), filters])
    rules.require(
      weight == expectedKernel, "weight",
      "the layer builds its kernel as \(expectedKernel.tupleText) (kernel_size \(kernel.tupleText), \(api.isTransposed ? "filters \(filters), input channels \(channels)" : "input channels \(channels) / groups \(groups), filters \(filters)")), but the weight is \(weight.tupleText)"
    )
    if let bias {
      rules.require(useBias, "bias", "use_bias is false: the layer has no bias to bind")
      rules.require(bias == [filters], "bias", "the layer's bias is (\(filters),), but the bias is \(bias.tupleText)")
    }
    if backend == .tensorflow { refuseOnCPU(dtype: dtype, dilation: dilation, rules: &rules) }

    let spatial = spatialLetters(rank)
    let letters: [Character] = channelsFirst ? ["N", "C"] + spatial : ["N"] + spatial + ["C"]
    let format = channelsFirst ? "channels_first" : "channels_last"
    let layout = String(letters)
    let spatialAxes = channelsFirst ? Array(2..<(rank + 2)) : Array(1...rank)
    var builder = LoweringBuilder(api: api, input: input, weight: weight)
    if bias == nil, useBias {
      builder.notes.append("no bias bound: the layer's bias keeps its zero initial value")
    }
    let weightText =
      api.isTransposed ? "(\(kernelText(rank)), filters, in)" : "(\(kernelText(rank)), in/groups, filters)"
    return try rules.lowering { () throws(ShapeError) -> FrameworkLowering in
      try builder.input(
        .permute(Permutation(axes: permutation(from: letters, to: ["N", "C"] + spatial))),
        "input \(format) \(layout) -> [N, C, \(spatialText(rank))]")
      try builder.weight(
        .permute(Permutation(axes: [rank + 1, rank] + Array(0..<rank))),
        "kernel \(weightText) -> \(api.isTransposed ? "conv_transpose weight [in, filters" : "conv weight [filters, in/groups"), \(kernelText(rank))]"
      )
      let names = spatialAxisNames(count: rank)
      let operation: Operation
      if api.isTransposed {
        let axes = (0..<rank).map { j in
          TransposedAxis(
            name: names[j], input: input[spatialAxes[j]], kernel: kernel[j], stride: stride[j], dilation: dilation[j])
        }
        operation = try TransposedAxis.transposedConvolution(axes, builder: &builder) { j, axis in
          resolveTransposed(axis, outputPadding: extra?[j])
        }
      } else {
        let corePadding: PaddingParameter
        switch padding {
        case "same": corePadding = .same
        case "causal":
          corePadding = .pairs(zip(kernel, dilation).map { PadPair($1 * ($0 - 1), 0) })
          builder.arithmetic.append(
            "padding \"causal\": \(dilation[0])*(\(kernel[0])-1) = \(dilation[0] * (kernel[0] - 1)) zeros before the input, none after"
          )
        default: corePadding = .valid
        }
        for j in 0..<rank where padding == "valid" {
          let extent = dilatedExtent(kernel: kernel[j], dilation: dilation[j]), size = input[spatialAxes[j]]
          if extent > size {
            throw ShapeError([
              "padding \"valid\": the dilated kernel \(extent) is larger than the input \(size) (\(names[j])): Keras refuses an output size of zero or less"
            ])
          }
        }
        operation = .conv(
          ConvParameters(
            stride: .perDimension(stride), padding: corePadding, dilation: .perDimension(dilation), groups: groups))
      }
      try builder.convolve(operation, bias: bias)
      let placement = biasPlacement(bias: bias, outputLast: builder.outputShape.last)
      if placement != .convolution { try builder.convolve(operation, bias: nil) }
      try builder.output(
        .permute(Permutation(axes: permutation(from: ["N", "C"] + spatial, to: letters))),
        "output [N, C, \(spatialText(rank))] -> \(format) \(layout)")
      if case .axis(let axis) = placement {
        builder.notes.append(
          "the TensorFlow backend adds the bias along the last axis, not the channels: with channels_first, Keras's ops.add turns the bias reshaped to (1, \(filters), 1...) into tf.nn.bias_add with data_format NHWC because the output's last axis also has \(filters) cells (axis \(axis)); the JAX backend (\"backend\": \"jax\") adds it to the channels"
        )
      }
      return try builder.finish(
        bias: placement, layouts: NativeLayouts(input: layout, weight: weightText, output: layout))
    }
  }

  /// The TensorFlow backend adds a channels_first bias along the last axis when
  /// that axis has `filters` cells (and `filters > 1`); otherwise per channel.
  private func biasPlacement(bias: [Int]?, outputLast: Int?) -> BiasPlacement {
    guard bias != nil else { return .none }
    if backend == .tensorflow, channelsFirst, filters > 1, outputLast == filters { return .axis(rank + 1) }
    return .convolution
  }

  /// The output length Keras computes, then the backend's crops: TensorFlow's
  /// transposed-convolution rule for that length, or the JAX backend's padding.
  private func resolveTransposed(_ axis: TransposedAxis, outputPadding op: Int?) -> Result<
    TransposedAxis.Resolved, AxisProblem
  > {
    let s = axis.stride, dk = axis.extent, n = axis.input
    let length: Int, lengthText: String
    if padding == "valid" {
      let extra = op ?? (max(dk, s) - dk)
      length = axis.full + extra
      lengthText =
        op == nil
        ? "(\(n)-1)*\(s) + max(\(dk), \(s)) = \(length)" : "(\(n)-1)*\(s) + \(dk) + output_padding \(extra) = \(length)"
    } else if let op {
      length = (n - 1) * s + dk % 2 + op
      lengthText = "(\(n)-1)*\(s) + \(dk) % 2 + output_padding \(op) = \(length)"
    } else {
      length = n * s
      lengthText = "\(n)*\(s) = \(length)"
    }
    let head =
      "\(axis.name): padding \"\(padding)\", output_padding \(op.map(String.init) ?? "None"): length \(lengthText)"
    switch backend {
    case .tensorflow:
      switch axis.tensorFlow(output: length, padding: padding == "same" ? .same : .valid, explicit: nil) {
      case .success(let resolved):
        return .success(
          TransposedAxis.Resolved(
            crop: resolved.crop, appended: resolved.appended,
            arithmetic: "\(head); TensorFlow backend, \(resolved.arithmetic.dropFirst(axis.name.count + 2))"))
      case .failure(let sizes):
        return .failure(
          AxisProblem(
            message:
              "padding \"\(padding)\" with output_padding \(op.map(String.init) ?? "None") and kernel_size \(axis.kernel): the TensorFlow backend computes the output length \(lengthText) (\(axis.name)), which tf.nn.conv_transpose's \(padding.uppercased()) rule refuses: it takes \(sizes.sizeList) (\"Conv2DCustomBackpropInput: Size of out_backprop doesn't match computed\"); the JAX backend (\"backend\": \"jax\") computes it"
          ))
      }
    case .jax:
      let left: Int, right: Int
      if padding == "valid" {
        let extra = op ?? (max(dk, s) - dk)
        (left, right) = (dk - 1, dk - 1 + extra)
      } else {
        let total = op.map { dk + dk % 2 - 2 + $0 } ?? (s + dk - 2)
        left = min(total / 2 + total % 2, dk - 1)
        right = total - left
      }
      let crop = PadPair(max(dk - 1 - left, 0), max(dk - 1 - right, 0))
      let appended = max(right - (dk - 1), 0)
      guard length >= 1, dk - 1 - left >= 0 else {
        return .failure(AxisProblem(message: "the output length \(lengthText) (\(axis.name)) must be at least 1"))
      }
      var text =
        "\(head); JAX backend: jax.lax.conv_transpose padding (\(left), \(right)) -> crop \(crop)"
      if appended > 0 {
        text += ", \(appended) zero\(appended == 1 ? "" : "s") appended beyond the full size \(axis.full)"
      }
      return .success(TransposedAxis.Resolved(crop: crop, appended: appended, arithmetic: text))
    }
  }

  /// The TensorFlow backend's float64 CPU kernels: channels_first 1-d and 2-d
  /// convolutions without groups (grouped and 3-d ones go through XLA) and every
  /// channels_first or dilated transposed convolution are refused.
  private func refuseOnCPU(dtype: DType, dilation: [Int], rules: inout CallRules) {
    guard dtype == .float64 else { return }
    let fix =
      "in float32 it computes (give the inputs \"dtype\": \"float32\"), and so does the JAX backend (\"backend\": \"jax\")"
    if channelsFirst, api.isTransposed || (groups == 1 && rank < 3) {
      let message =
        api.isTransposed
        ? (rank == 3
          ? "Conv3DBackpropInputOpV2 only supports NDHWC on the CPU" : "Conv2DCustomBackpropInputOp only supports NHWC")
        : "The Conv2D op currently only supports the NHWC tensor format on the CPU"
      rules.fail(
        "data_format",
        "data_format \"channels_first\" in float64: the TensorFlow backend's CPU kernel refuses it (\"\(message)\"); \(fix)"
      )
    }
    if api.isTransposed, dilation.contains(where: { $0 > 1 }) {
      rules.fail(
        "dilation_rate",
        "dilation_rate \(dilation) in float64: the TensorFlow backend's CPU kernel refuses it (\"Current CPU implementations do not yet support dilation rates larger than 1\"); \(fix)"
      )
    }
  }
}

extension Array where Element == Int {
  /// `(3, 3, 2, 4)`, as Python prints a shape.
  var tupleText: String { count == 1 ? "(\(self[0]),)" : "(" + map(String.init).joined(separator: ", ") + ")" }
}
