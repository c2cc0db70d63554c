import ConvCore

/// `tf.nn.conv{1,2,3}d`, `tf.nn.conv{1,2,3}d_transpose` and `tf.nn.convolution`,
/// as TensorFlow's CPU runtime computes them: channels-last by default
/// (`NWC`, `NHWC`, `NDHWC`), filters `(k..., in/groups, out)` forward and
/// `(k..., out, in)` transposed, `SAME` padding with the odd cell at the end, and
/// a transposed convolution that is the gradient of the forward convolution of an
/// input of `output_shape`.
public struct TensorFlowCall: Sendable, Equatable {
  public let api: FrameworkAPI
  public let arguments: WrittenArguments

  enum Padding: Sendable, Equatable, CustomStringConvertible {
    case same, valid
    /// One `[before, after]` pair per axis of the data format, batch and channels included.
    case explicit([[Int]])

    var description: String {
      switch self {
      case .same: "\"SAME\""
      case .valid: "\"VALID\""
      case .explicit(let pairs): "\(pairs)"
      }
    }
  }

  var strides: IntArgument?
  var padding: Padding?
  var dataFormat: String?
  var dilations: IntArgument?
  var outputShape: [Int]?

  private var strideName: String { api == .tfConv1d ? "stride" : "strides" }

  init(api: FrameworkAPI, arguments: WrittenArguments, reader: inout ArgumentReader) {
    self.api = api
    self.arguments = arguments
    let strideName = api == .tfConv1d ? "stride" : "strides"
    let forward = !api.isTransposed && api != .tfConvolution
    if api.isTransposed {
      if reader.required("output_shape", "the output's shape") != nil { outputShape = reader.intList("output_shape") }
    }
    if api == .tfConvolution || reader.required(strideName, "an integer or a list") != nil {
      strides = reader.ints(strideName)
    }
    if let value = forward ? reader.required("padding", "\"SAME\", \"VALID\"") : reader.given("padding") {
      padding = Self.padding(value, api: api, reader: &reader)
    }
    if let text = reader.string("data_format") {
      if Self.dataFormats(api).contains(text) {
        dataFormat = text
      } else {
        reader.fail(
          "data_format",
          "\"\(text)\" is not one of \(Self.dataFormats(api).map { "\"\($0)\"" }.joined(separator: ", "))")
      }
    }
    dilations = reader.ints("dilations")
    _ = reader.string("name")
    let known =
      (api.isTransposed ? ["output_shape"] : []) + [strideName, "padding", "data_format", "dilations", "name"]
    reader.finish(known: known)
  }

  static func dataFormats(_ api: FrameworkAPI) -> [String] {
    switch api.spatialRank {
    case 1: ["NWC", "NCW"]
    case 2: ["NHWC", "NCHW"]
    case 3: ["NDHWC", "NCDHW"]
    default: ["NWC", "NCW", "NHWC", "NCHW", "NDHWC", "NCDHW"]
    }
  }

  /// Explicit padding pairs are taken by `conv2d` and `conv2d_transpose` only.
  static func takesExplicitPadding(_ api: FrameworkAPI) -> Bool { api == .tfConv2d || api == .tfConv2dTranspose }

  private static func padding(_ value: ArgumentValue, api: FrameworkAPI, reader: inout ArgumentReader) -> Padding? {
    switch value {
    case .string("SAME"): return .same
    case .string("VALID"): return .valid
    case .string(let text):
      reader.fail(
        "padding",
        "\"\(text)\" is not one of \"SAME\", \"VALID\"\(takesExplicitPadding(api) ? " or a list of [before, after] pairs" : "") (TensorFlow's padding strings are upper case)"
      )
    default:
      guard takesExplicitPadding(api) else {
        reader.fail(
          "padding", "expected \"SAME\" or \"VALID\", not \(value): \(api.shortName) takes no explicit padding")
        return nil
      }
      guard let pairs = value.pairList else {
        reader.fail("padding", "expected \"SAME\", \"VALID\" or a list of [before, after] pairs, got \(value)")
        return nil
      }
      return .explicit(pairs)
    }
    return nil
  }

  func lower(input: [Int], weight: [Int], dtype: DType) throws(FrameworkCallError) -> FrameworkLowering {
    var rules = CallRules(api)
    let count = api.spatialRank ?? (input.count - 2)
    guard (1...3).contains(count), input.count == count + 2 else {
      let expected = api.spatialRank.map { "\($0 + 2)" } ?? "3, 4 or 5"
      throw FrameworkCallError(
        api, [CallProblem(nil, "the input must have \(expected) axes, got \(input.shapeDescription)")])
    }
    let format = dataFormat ?? Self.dataFormats(.tfConvolution)[2 * (count - 1)]
    let channelsFirst = format.hasPrefix("NC")
    if api == .tfConvolution, let dataFormat, dataFormat.count != count + 2 {
      rules.fail(
        "data_format", "data_format \"\(dataFormat)\" is for \(dataFormat.count - 2)-d inputs, the input is \(count)-d")
    }
    let spatial = spatialLetters(count)
    let letters: [Character] = channelsFirst ? ["N", "C"] + spatial : ["N"] + spatial + ["C"]
    let channelAxis = channelsFirst ? 1 : count + 1
    let spatialAxes = channelsFirst ? Array(2..<(count + 2)) : Array(1...count)
    let names = spatialAxisNames(count: count)
    var notes: [String] = []
    let stride = resolve(
      strideName, strides, count: count, channelAxis: channelAxis, spatialAxes: spatialAxes, rules: &rules,
      notes: &notes)
    let dilation = resolve(
      "dilations", dilations, count: count, channelAxis: channelAxis, spatialAxes: spatialAxes, rules: &rules,
      notes: &notes)
    let channels = input[channelAxis]
    let kernel = Array(weight.prefix(count))
    var groups = 1
    let outputChannels: Int
    if api.isTransposed {
      outputChannels = weight[count]
      let inputChannels = weight[count + 1]
      if inputChannels != channels {
        rules.fail(
          "filters",
          channels % inputChannels == 0
            ? "filters \(weight.tupleText) (k..., out, in) has in \(inputChannels), the input has \(channels) channels: TensorFlow has no grouped transposed convolution (\"filter and out_backprop must have the same out_depth\")"
            : "filters \(weight.tupleText) (k..., out, in) has in \(inputChannels), the input has \(channels) channels")
      }
    } else {
      let perGroup = weight[count]
      outputChannels = weight[count + 1]
      if perGroup < 1 || channels % perGroup != 0 {
        rules.fail(
          "filters",
          "filters \(weight.tupleText) (k..., in, out) has in \(perGroup): the input's \(channels) channels must be a multiple of it"
        )
      } else {
        groups = channels / perGroup
        rules.require(
          outputChannels % groups == 0, "filters",
          "filters \(weight.tupleText) has out \(outputChannels), which must be divisible by the \(groups) groups the channels make (\(channels) / \(perGroup))"
        )
        if groups > 1, count == 3 {
          rules.fail(
            "filters",
            "a grouped 3-d convolution (in \(perGroup) per group, \(channels) channels): TensorFlow's CPU Conv3D kernel refuses it in float32 and float64 (\"Number of channels in filter (\(perGroup)) must match last dimension of input (\(channels))\")"
          )
        }
      }
    }
    if api == .tfConvolution, stride.contains(where: { $0 > 1 }), dilation.contains(where: { $0 > 1 }) {
      rules.fail(
        "dilations",
        "`strides > 1` not supported in conjunction with `dilation_rate > 1` (strides \(stride), dilations \(dilation)); tf.nn.conv2d computes it"
      )
    }
    refuseOnCPU(
      dtype: dtype, format: format, channelsFirst: channelsFirst, count: count, dilation: dilation, rules: &rules)
    var explicit: [PadPair]?
    if case .explicit(let pairs) = padding {
      explicit = explicitPairs(pairs, count: count, channelAxis: channelAxis, spatialAxes: spatialAxes, rules: &rules)
    }
    let paddingValue = padding ?? (api.isTransposed ? .same : .valid)
    var builder = LoweringBuilder(api: api, input: input, weight: weight)
    builder.notes = notes
    let weightText =
      api.isTransposed ? "(\(kernelText(count)), out, in)" : "(\(kernelText(count)), in/groups, out)"
    return try rules.lowering { () throws(ShapeError) -> FrameworkLowering in
      try builder.input(
        .permute(Permutation(axes: permutation(from: letters, to: ["N", "C"] + spatial))),
        "input \(format) -> [N, C, \(spatialText(count))]")
      let toCore = [count + 1, count] + Array(0..<count)
      try builder.weight(
        .permute(Permutation(axes: toCore)),
        "filters \(weightText) -> \(api.isTransposed ? "conv_transpose weight [in, out" : "conv weight [out, in/groups"), \(kernelText(count))]"
      )
      let operation: Operation
      if api.isTransposed {
        let wanted = try spatialOutput(
          input: input, channelAxis: channelAxis, spatialAxes: spatialAxes, outputChannels: outputChannels, count: count
        )
        let axes = (0..<count).map { j in
          TransposedAxis(
            name: names[j], input: input[spatialAxes[j]], kernel: kernel[j], stride: stride[j], dilation: dilation[j])
        }
        operation = try TransposedAxis.transposedConvolution(axes, builder: &builder) { j, axis in
          axis.tensorFlow(output: wanted[j], padding: paddingValue, explicit: explicit?[j]).mapError { sizes in
            AxisProblem(
              message:
                "output_shape \(outputShape ?? []) is not reachable: with strides \(axis.stride) and padding \(paddingValue) the size of \(axis.name) can be \(sizes.sizeList)"
            )
          }
        }
      } else {
        let corePadding: PaddingParameter
        switch paddingValue {
        case .same: corePadding = .same
        case .valid: corePadding = .valid
        case .explicit: corePadding = .pairs(explicit ?? [])
        }
        try requireNonEmpty(
          input: input, spatialAxes: spatialAxes, kernel: kernel, stride: stride, dilation: dilation,
          padding: corePadding, names: names)
        operation = .conv(
          ConvParameters(
            stride: .perDimension(stride), padding: corePadding, dilation: .perDimension(dilation), groups: groups))
      }
      try builder.convolve(operation, bias: nil)
      try builder.output(
        .permute(Permutation(axes: permutation(from: ["N", "C"] + spatial, to: letters))),
        "output [N, C, \(spatialText(count))] -> \(format)")
      return try builder.finish(bias: .none, layouts: NativeLayouts(input: format, weight: weightText, output: format))
    }
  }

  /// Strides or dilations: an integer, or a list of 1, `count` or `count + 2` values (data-format order,
  /// whose batch and channel entries must be 1); `conv3d` takes only the list of 5.
  private func resolve(
    _ name: String, _ value: IntArgument?, count: Int, channelAxis: Int, spatialAxes: [Int], rules: inout CallRules,
    notes: inout [String]
  ) -> [Int] {
    guard let value else { return Array(repeating: 1, count: count) }
    if api == .tfConv3d {
      guard case .list(let list) = value, list.count == 5 else {
        rules.fail(
          name,
          "\(name) must be a list of 5 integers for conv3d ([1, sd, sh, sw, 1] in NDHWC), got \(value) (\"Expected list for '\(name)'\" / \"must specify 5 dimensions\")"
        )
        return Array(repeating: 1, count: count)
      }
    }
    let values = value.values
    var result: [Int]
    switch values.count {
    case 1: result = Array(repeating: values[0], count: count)
    case count: result = values
    case count + 2:
      result = spatialAxes.map { values[$0] }
      if values[channelAxis] != 1 {
        rules.fail(
          name,
          "\(name) \(value) has \(values[channelAxis]) on the channel axis: TensorFlow does not support \(name) in the batch and depth dimensions"
        )
      }
      if values[0] != 1 {
        if api == .tfConv1d || api == .tfConv1dTranspose {
          // conv1d reshapes to conv2d and drops the batch entry without a word.
          notes.append(
            "\(name) \(value): TensorFlow's \(api.shortName) ignores the batch entry \(values[0]) (its documentation says \(name) is the step along the width only)"
          )
        } else {
          rules.fail(
            name,
            "\(name) \(value) has \(values[0]) on the batch axis: TensorFlow does not support \(name) in the batch and depth dimensions"
          )
        }
      }
    default:
      let lengths = Set([1, count, count + 2]).sorted().map(String.init).joined(separator: ", ")
      rules.fail(name, "\(name) should be of length \(lengths); got \(value) of length \(values.count)")
      result = Array(repeating: 1, count: count)
    }
    for v in result where v < 1 { rules.fail(name, "\(name) \(v) must be at least 1") }
    return result
  }

  /// The CPU runtime's refusals of the data format and dilations: its float64
  /// kernels are Eigen's, channels-last and (3-d, transposed) undilated only; float32
  /// runs oneDNN, except for a dilated transposed convolution with explicit padding,
  /// which both refuse (one message then, whatever the element type).
  private func refuseOnCPU(
    dtype: DType, format: String, channelsFirst: Bool, count: Int, dilation: [Int], rules: inout CallRules
  ) {
    let dilated = dilation.contains(where: { $0 > 1 })
    let explicitPadding = if case .explicit = padding { true } else { false }
    if api.isTransposed, dilated, explicitPadding {
      rules.fail(
        "dilations",
        "dilations \(dilation) with explicit padding: TensorFlow's CPU kernel refuses them in float32 and float64 (\"Current CPU implementations do not yet support dilation rates larger than 1\"); with padding \"SAME\" or \"VALID\" it computes them in float32"
      )
    }
    guard dtype == .float64 else { return }
    let cast = "in float32 (oneDNN) it computes: give the inputs \"dtype\": \"float32\""
    if channelsFirst {
      let message =
        api.isTransposed
        ? (count == 3
          ? "Conv3DBackpropInputOpV2 only supports NDHWC on the CPU" : "Conv2DCustomBackpropInputOp only supports NHWC")
        : (count == 3
          ? "CPU implementation of Conv3D currently only supports the NHWC tensor format"
          : "The Conv2D op currently only supports the NHWC tensor format on the CPU")
      rules.fail(
        "data_format",
        "data_format \"\(format)\" in float64: TensorFlow's CPU kernel refuses it (\"\(message)\"); \(cast)")
    }
    if dilated {
      if api.isTransposed, !explicitPadding {
        rules.fail(
          "dilations",
          "dilations \(dilation) in float64: TensorFlow's CPU kernel refuses them (\"Current CPU implementations do not yet support dilation rates larger than 1\"); \(cast)"
        )
      } else if api == .tfConv3d {
        rules.fail(
          "dilations",
          "dilations \(dilation) in float64: TensorFlow's CPU Conv3D kernel refuses them (\"CPU implementation of Conv3D currently only supports dilated rates of 1\"); \(cast), or use tf.nn.convolution, which dilates by itself"
        )
      }
    }
  }

  /// The spatial pairs of explicit padding, in data-format order with zero pairs for batch and channels.
  private func explicitPairs(_ pairs: [[Int]], count: Int, channelAxis: Int, spatialAxes: [Int], rules: inout CallRules)
    -> [PadPair]?
  {
    guard pairs.count == count + 2 else {
      rules.fail(
        "padding",
        "when padding is a list, it must be of size \(count + 2) (one pair per axis of the data format), got \(pairs.count)"
      )
      return nil
    }
    if pairs[0] != [0, 0] || pairs[channelAxis] != [0, 0] {
      rules.fail(
        "padding", "padding \(pairs): nonzero explicit padding in the batch or depth dimensions is not supported")
    }
    if pairs.joined().contains(where: { $0 < 0 }) {
      rules.fail("padding", "padding \(pairs): all elements of explicit padding must be nonnegative")
    }
    return spatialAxes.map { PadPair(pairs[$0][0], pairs[$0][1]) }
  }

  /// The spatial sizes of `output_shape`, checking its batch and channels.
  private func spatialOutput(input: [Int], channelAxis: Int, spatialAxes: [Int], outputChannels: Int, count: Int)
    throws(ShapeError) -> [Int]
  {
    let shape = outputShape ?? []
    if api == .tfConv2dTranspose, shape.count == count { return shape }
    guard shape.count == count + 2 else {
      throw ShapeError([
        "output_shape \(shape) must have \(count + 2) values\(api == .tfConv2dTranspose ? " (or the 2 spatial sizes)" : "")"
      ])
    }
    var problems: [String] = []
    if shape[0] != input[0] {
      problems.append("output_shape \(shape) has batch \(shape[0]), the input has \(input[0])")
    }
    if shape[channelAxis] != outputChannels {
      problems.append(
        "output_shape \(shape) has \(shape[channelAxis]) channels, the filters have \(outputChannels) out")
    }
    if !problems.isEmpty { throw ShapeError(problems) }
    return spatialAxes.map { shape[$0] }
  }

  /// TensorFlow returns an empty tensor for an output size of 0 and refuses a negative one; convpipe refuses both.
  private func requireNonEmpty(
    input: [Int], spatialAxes: [Int], kernel: [Int], stride: [Int], dilation: [Int], padding: PaddingParameter,
    names: [String]
  ) throws(ShapeError) {
    guard case .valid = padding else { return }
    var problems: [String] = []
    for j in kernel.indices {
      let extent = dilatedExtent(kernel: kernel[j], dilation: dilation[j]), size = input[spatialAxes[j]]
      if extent > size {
        problems.append(
          "padding \"VALID\": the dilated kernel \(extent) is larger than the input \(size) (\(names[j])): TensorFlow returns an empty tensor when the size is 0 (\(extent - size == 1 ? "here" : "not here: it refuses a negative size")); convpipe holds no empty tensors"
        )
      }
    }
    if !problems.isEmpty { throw ShapeError(problems) }
  }
}

/// One spatial axis of a transposed convolution, by the rules of the frameworks
/// that define it as the gradient of a forward convolution.
struct TransposedAxis {
  let name: String
  let input: Int
  let kernel: Int
  let stride: Int
  let dilation: Int

  /// `d(k-1) + 1`.
  var extent: Int { dilatedExtent(kernel: kernel, dilation: dilation) }
  /// `(in-1)s + d(k-1) + 1`.
  var full: Int { transposedFullSize(input: input, kernel: kernel, stride: stride, dilation: dilation) }
  var fullText: String { "(\(input)-1)*\(stride) + \(dilation)*(\(kernel)-1) + 1 = \(full)" }

  struct Resolved {
    /// Cells cropped from the start and the end of the full result.
    let crop: PadPair
    /// Zero cells appended to the full result before cropping.
    let appended: Int
    let arithmetic: String
    /// Where the runtime and the documentation differ along this axis.
    var notes: [String] = []
  }

  /// Resolves every axis with `resolve` (given its position) and returns the core transposed
  /// convolution they make (crops and output padding per axis), its arithmetic and
  /// notes added to `builder`; or throws every axis's problem.
  static func transposedConvolution(
    _ axes: [TransposedAxis], groups: Int = 1, builder: inout LoweringBuilder,
    _ resolve: (Int, TransposedAxis) -> Result<Resolved, AxisProblem>
  ) throws(ShapeError) -> Operation {
    var crops: [PadPair] = [], appended: [Int] = [], problems: [String] = []
    for (j, axis) in axes.enumerated() {
      switch resolve(j, axis) {
      case .success(let resolved):
        crops.append(resolved.crop)
        appended.append(resolved.appended)
        builder.arithmetic.append(resolved.arithmetic)
        builder.notes += resolved.notes
      case .failure(let problem): problems.append(problem.message)
      }
    }
    if !problems.isEmpty { throw ShapeError(problems) }
    return .convTranspose(
      ConvTransposeParameters(
        stride: .perDimension(axes.map(\.stride)), padding: .pairs(crops), outputPadding: .perDimension(appended),
        dilation: .perDimension(axes.map(\.dilation)), groups: groups))
  }

  /// TensorFlow: the gradient of the forward convolution of an input of size
  /// `output` with `padding`; the sizes accepted are those whose forward output is
  /// `input`, `stride` consecutive sizes. Fails with those sizes.
  func tensorFlow(output o: Int, padding: TensorFlowCall.Padding, explicit: PadPair?) -> Result<Resolved, SizeList> {
    let s = stride
    switch padding {
    case .same:
      let lowest = (input - 1) * s + 1
      guard o >= lowest && o <= input * s else { return .failure(SizeList(lowest: lowest, stride: s)) }
      let total = samePadding(input: o, kernel: kernel, stride: s, dilation: dilation).total
      let crop = PadPair(splitting: total)
      let appended = o + total - full
      var text =
        "\(name): SAME, output \(o): ceil(\(o) / \(s)) = \(input) = in; total padding max((\(input)-1)*\(s) + \(dilation)*(\(kernel)-1) + 1 - \(o), 0) = \(total) -> crop \(crop)"
      if total % 2 == 1 { text += " (the odd cell at the end)" }
      if appended > 0 {
        text +=
          "; output \(o) beyond the full size \(fullText): \(appended) zero\(appended == 1 ? "" : "s") appended at the end"
      }
      return .success(Resolved(crop: crop, appended: appended, arithmetic: text))
    case .valid, .explicit:
      let pair = explicit ?? PadPair(0, 0)
      let lowest = full - pair.total
      guard o >= max(lowest, 1) && o <= lowest + s - 1 else {
        return .failure(SizeList(lowest: lowest, stride: s))
      }
      let appended = o - lowest
      let label = padding == .valid ? "VALID" : "explicit \(pair)"
      var text =
        "\(name): \(label), output \(o): floor((\(o) + \(pair.total) - \(extent)) / \(s)) + 1 = \(input) = in; crop \(pair)"
      if appended > 0 {
        text += "; \(appended) zero\(appended == 1 ? "" : "s") appended beyond the full size \(fullText)"
      }
      return .success(Resolved(crop: pair, appended: appended, arithmetic: text))
    }
  }
}

/// Why one axis of a call has no result, as a sentence.
struct AxisProblem: Error {
  let message: String
}

/// The `stride` consecutive sizes from `lowest` (those at least 1), for messages: `31 or 32`, `6, 7 or 8`.
struct SizeList: Error {
  let lowest: Int
  let stride: Int

  var sizes: [Int] { (lowest..<(lowest + stride)).filter { $0 >= 1 } }

  var sizeList: String {
    let texts = sizes.map(String.init)
    if texts.isEmpty { return "none (the full size \(lowest) is below 1)" }
    if texts.count == 1 { return "only \(texts[0])" }
    return texts.dropLast().joined(separator: ", ") + " or " + texts[texts.count - 1]
  }
}

func spatialText(_ count: Int) -> String { spatialLetters(count).map(String.init).joined(separator: ", ") }
func kernelText(_ count: Int) -> String { spatialLetters(count).map { "k\($0.lowercased())" }.joined(separator: ", ") }
