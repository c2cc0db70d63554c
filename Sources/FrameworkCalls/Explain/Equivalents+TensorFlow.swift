import ConvCore

extension Emitter {
  /// `tf.nn.conv{1,2,3}d` / `conv{1,2,3}d_transpose` in NWC/NHWC/NDHWC: "SAME",
  /// "VALID", explicit pairs (2-d only); `tf.pad` first or a slice after
  /// otherwise; the bias added after (tf.nn takes none). Where the CPU runtime
  /// refuses a call in float64, the call runs in float32.
  func tensorFlow() -> EquivalentCall {
    guard (1...3).contains(rank) else {
      return .impossible(.tensorflow, "TensorFlow has 1-d to 3-d convolutions; this one is \(rank)-d", dtype: dtype)
    }
    if canonical.inputDilation != nil {
      return .impossible(
        .tensorflow, "tf.nn convolutions take no input dilation with a stride (JAX's lhs_dilation)", dtype: dtype)
    }
    if transposed && groups > 1 {
      return .impossible(
        .tensorflow,
        "TensorFlow has no grouped transposed convolution (\"filter and out_backprop must have the same out_depth\")",
        dtype: dtype)
    }
    if transposed && mode != .zeros {
      return .impossible(
        .tensorflow,
        "a transposed convolution with padding_mode \(mode.rawValue) (the adjoint of a \(mode.rawValue)-padded convolution) is no tf.nn call; tf.GradientTape of tf.pad and conv\(rank)d computes it, in statements, not one call",
        dtype: dtype)
    }
    if !transposed && groups > 1 && rank == 3 {
      return .impossible(
        .tensorflow, "TensorFlow's CPU Conv3D kernel refuses grouped 3-d convolutions (in float32 and float64)",
        dtype: dtype)
    }
    if mode == .replicate || mode == .circular {
      return .impossible(
        .tensorflow,
        "tf.pad has no \(mode.rawValue) mode (CONSTANT, REFLECT, SYMMETRIC), and tf.nn convolutions pad with zeros",
        dtype: dtype)
    }
    let api: FrameworkAPI =
      transposed
      ? [.tfConv1dTranspose, .tfConv2dTranspose, .tfConv3dTranspose][rank - 1]
      : [.tfConv1d, .tfConv2d, .tfConv3d][rank - 1]
    let strideName = api == .tfConv1d ? "stride" : "strides"
    let strideValue: ArgumentValue = api == .tfConv3d ? .ints([1] + stride + [1]) : .ints(stride)
    let dilationArgument: [(name: String, value: ArgumentValue)] =
      dilation.allSatisfy { $0 == 1 }
      ? [] : [("dilations", api == .tfConv3d ? .ints([1] + dilation + [1]) : .ints(dilation))]
    let channelsLastAxes = spatialAxes(channelsLast: true)
    // The runtime's float64 refusals: try float32 where float64 is refused.
    let dtypes: [DType] = dtype == .float64 ? [.float64, .float32] : [dtype]
    func lower(_ arguments: [(name: String, value: ArgumentValue)], input: [Int], exact: Bool) -> (
      FrameworkLowering, DType
    )? {
      for type in dtypes {
        let candidate = Candidate(api: api, arguments: arguments, input: input, weight: Self.kernelLast(weightShape))
        if exact, let lowering = matches(candidate, dtype: type, biasInCall: false) { return (lowering, type) }
        if !exact, let lowering = candidate.lower(dtype: type) { return (lowering, type) }
      }
      return nil
    }
    func biasSuffix(_ lowering: FrameworkLowering) -> String {
      guard hasBias, let axis = biasAxis(in: lowering) else { return "" }
      return axis == rank + 1
        ? " + b" : " + tf.reshape(b, \(PythonText.list(Self.vectorShape(axis: axis, count: rank + 2))))"
    }
    func dtypeNote(_ type: DType) -> String? {
      type == dtype ? nil : "TensorFlow's CPU kernel refuses this call in float64; it runs in float32 (oneDNN)"
    }
    func join(_ parts: [String?]) -> String? {
      let text = parts.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "; ")
      return text.isEmpty ? nil : text
    }
    let biasReason: String? = hasBias ? "tf.nn takes no bias: added after" : nil
    if !transposed {
      if mode == .zeros, !cropsInput {
        var paddings: [ArgumentValue] = [.string("SAME"), .string("VALID")]
        if rank == 2 {
          paddings.append(.pairs([[0, 0]] + forwardPads.map { [$0.pad.begin, $0.pad.end] } + [[0, 0]]))
        }
        for padding in paddings {
          let arguments = [(strideName, strideValue), ("padding", padding)] + dilationArgument
          if let (lowering, type) = lower(arguments, input: Self.channelsLast(inputShape), exact: true) {
            let call = PythonText.call(api.rawValue, ["x", "w"], arguments, tuples: false) + biasSuffix(lowering)
            return finish(
              .tensorflow, hasBias ? .composition : .exact, lowering: lowering, call: call,
              reason: join([biasReason, dtypeNote(type)]), dtype: type, bias: hasBias)
          }
        }
      }
      var x = "x" + (inputSlice(channelsLast: true) ?? "")
      if padsInput {
        let pairs = [[0, 0]] + forwardPads.map { [$0.pad.begin, $0.pad.end] } + [[0, 0]]
        x =
          "tf.pad(\(x), \(ArgumentValue.pairs(pairs).python(tuples: false))\(mode == .reflect ? ", mode=\"REFLECT\"" : ""))"
      }
      let arguments = [(strideName, strideValue), ("padding", .string("VALID"))] + dilationArgument
      guard let (lowering, type) = lower(arguments, input: Self.channelsLast(paddedInputShape), exact: false),
        lowering.outputShape == Self.channelsLast(outputShape)
      else { return .impossible(.tensorflow, "no tf.nn call reproduces it (\(geometry.summary))", dtype: dtype) }
      let call = PythonText.call(api.rawValue, [x, "w"], arguments, tuples: false) + biasSuffix(lowering)
      let why =
        mode == .reflect
        ? "tf.nn convolutions pad with zeros: tf.pad mode \"REFLECT\" first"
        : "padding \(forwardPads.map(\.pad)) is neither \"SAME\" nor \"VALID\"\(rank == 2 ? "" : " and \(api.shortName) takes no explicit pairs"): tf.pad first"
      return finish(
        .tensorflow, .composition, lowering: lowering, call: call, reason: join([why, biasReason, dtypeNote(type)]),
        dtype: type, bias: hasBias)
    }
    // Transposed: output_shape, then the padding whose rule gives these crops.
    let outputShapeValue = ArgumentValue.ints(Self.channelsLast(outputShape))
    var paddings: [ArgumentValue] = [.string("SAME"), .string("VALID")]
    let crops = transposedCrops
    if rank == 2, !crops.contains(where: { $0.zeros.begin > 0 }) {
      paddings.append(.pairs([[0, 0]] + crops.map { [$0.crop.begin, $0.crop.end] } + [[0, 0]]))
    }
    for padding in paddings {
      let arguments =
        [("output_shape", outputShapeValue), ("strides", .ints(stride)), ("padding", padding)] + dilationArgument
      if let (lowering, type) = lower(arguments, input: Self.channelsLast(inputShape), exact: true) {
        let call = PythonText.call(api.rawValue, ["x", "w"], arguments, tuples: false) + biasSuffix(lowering)
        return finish(
          .tensorflow, hasBias ? .composition : .exact, lowering: lowering, call: call,
          reason: join([biasReason, dtypeNote(type)]), dtype: type, bias: hasBias)
      }
    }
    // The full result ("VALID" at the full size), then a slice and zeros.
    let full = [inputShape[0]] + fullSizes + [outputChannels]
    let arguments =
      [("output_shape", ArgumentValue.ints(full)), ("strides", .ints(stride)), ("padding", .string("VALID"))]
      + dilationArgument
    guard let (lowering, type) = lower(arguments, input: Self.channelsLast(inputShape), exact: false) else {
      return .impossible(.tensorflow, "no tf.nn call reproduces it (\(geometry.summary))", dtype: dtype)
    }
    var call = PythonText.call(api.rawValue, ["x", "w"], arguments, tuples: false)
    call += cropSlice(crops.map(\.crop), sizes: fullSizes, spatialAxes: channelsLastAxes, count: rank + 2) ?? ""
    if crops.contains(where: { $0.zeros.total > 0 }) {
      let pairs = [[0, 0]] + crops.map { [$0.zeros.begin, $0.zeros.end] } + [[0, 0]]
      call = "tf.pad(\(call), \(ArgumentValue.pairs(pairs).python(tuples: false)))"
    }
    call += biasSuffix(lowering)
    return finish(
      .tensorflow, .composition, lowering: lowering, call: call,
      reason: join([
        "no padding of \(api.shortName) gives these crops (\"SAME\" crops by its own rule, \"VALID\" none\(rank == 2 ? ", explicit pairs need output_padding below the stride" : "")): the full result sliced (\(transposedReason))",
        biasReason, dtypeNote(type),
      ]), dtype: type, bias: hasBias)
  }
}
