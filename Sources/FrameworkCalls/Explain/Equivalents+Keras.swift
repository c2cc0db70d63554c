import ConvCore

extension Emitter {
  /// `keras.layers.Conv{1,2,3}D` / `Conv{1,2,3}DTranspose`, channels_last, on the
  /// TensorFlow backend where it computes the call and on the JAX backend where
  /// only that one does: "same", "valid" or "causal", `output_padding` None or
  /// per axis; `keras.ops.pad` first or a slice after otherwise.
  func keras() -> EquivalentCall {
    guard (1...3).contains(rank) else {
      return .impossible(.keras, "Keras has 1-d to 3-d convolution layers; this one is \(rank)-d", dtype: dtype)
    }
    if canonical.inputDilation != nil {
      return .impossible(.keras, "Keras convolution layers take no input dilation (JAX's lhs_dilation)", dtype: dtype)
    }
    if transposed && groups > 1 {
      return .impossible(.keras, "Keras's transposed convolution layers have no groups argument", dtype: dtype)
    }
    if transposed && mode != .zeros {
      return .impossible(
        .keras,
        "no Keras layer computes the adjoint of a \(mode.rawValue)-padded convolution (Conv*DTranspose pads with zeros)",
        dtype: dtype)
    }
    if transposed && stride.contains(where: { $0 > 1 }) && dilation.contains(where: { $0 > 1 }) {
      return .impossible(
        .keras, "Keras refuses `strides > 1` in conjunction with `dilation_rate > 1` in Conv*DTranspose", dtype: dtype)
    }
    let api: FrameworkAPI =
      transposed
      ? [.kerasConv1DTranspose, .kerasConv2DTranspose, .kerasConv3DTranspose][rank - 1]
      : [.kerasConv1D, .kerasConv2D, .kerasConv3D][rank - 1]
    let filters = outputChannels
    let base: [(name: String, value: ArgumentValue)] = [("filters", .int(filters)), ("kernel_size", .ints(kernel))]
    let biasArgument: [(name: String, value: ArgumentValue)] = channelBias ? [] : [("use_bias", .bool(false))]
    let tensors = ["x", "w"] + (channelBias ? ["b"] : [])
    let dilationArgument: [(name: String, value: ArgumentValue)] =
      dilation.allSatisfy { $0 == 1 } ? [] : [("dilation_rate", .ints(dilation))]
    let groupArgument: [(name: String, value: ArgumentValue)] = groups == 1 ? [] : [("groups", .int(groups))]
    let weight = Self.kernelLast(weightShape)
    func candidate(_ arguments: [(name: String, value: ArgumentValue)], input: [Int], backend: KerasBackend)
      -> Candidate
    {
      Candidate(
        api: api, arguments: arguments, backend: backend, input: input, weight: weight,
        bias: channelBias ? [filters] : nil)
    }
    func text(_ x: String, _ arguments: [(name: String, value: ArgumentValue)]) -> String {
      PythonText.call("keras_run", ["\"\(api.shortName)\"", x] + tensors.dropFirst(), arguments, tuples: true)
    }
    func biasSuffix(_ lowering: FrameworkLowering) -> String {
      guard hasBias, !channelBias, let axis = biasAxis(in: lowering) else { return "" }
      return " + b.reshape(\(PythonText.tuple(Self.vectorShape(axis: axis, count: rank + 2))))"
    }
    let biasReason: String? =
      hasBias && !channelBias ? "the bias along another axis than the channels, added after" : nil
    func backendNote(_ backend: KerasBackend) -> String? {
      guard backend == .jax else { return nil }
      return mode == .replicate || mode == .circular
        ? "keras.ops.pad takes \"edge\" and \"wrap\" on the JAX backend only"
        : "the TensorFlow backend refuses this call; the JAX backend computes it"
    }
    func join(_ parts: [String?]) -> String? {
      let text = parts.compactMap { $0 }.joined(separator: "; ")
      return text.isEmpty ? nil : text
    }
    func firstMatch(_ options: [[(name: String, value: ArgumentValue)]], input: [Int]) -> (
      [(name: String, value: ArgumentValue)], FrameworkLowering, KerasBackend
    )? {
      for backend in KerasBackend.allCases {
        for arguments in options {
          if let lowering = matches(candidate(arguments, input: input, backend: backend), dtype: dtype) {
            return (arguments, lowering, backend)
          }
        }
      }
      return nil
    }
    if !transposed {
      let stridedAndDilated = stride.contains { $0 > 1 } && dilation.contains { $0 > 1 }
      if mode == .zeros, !cropsInput, !stridedAndDilated {
        var paddings = ["same", "valid"]
        if rank == 1 { paddings.append("causal") }
        let options = paddings.map { padding in
          base + [("strides", .ints(stride)), ("padding", .string(padding))] + dilationArgument + groupArgument
            + biasArgument
        }
        if let (arguments, lowering, backend) = firstMatch(options, input: Self.channelsLast(inputShape)) {
          return finish(
            .keras, biasReason == nil ? .exact : .composition, lowering: lowering,
            call: text("x", arguments) + biasSuffix(lowering), backend: backend,
            reason: join([biasReason, backendNote(backend)]))
        }
      }
      // keras.ops.pad first (and a subsample after when strided and dilated).
      var x = "x" + (inputSlice(channelsLast: true) ?? "")
      if padsInput {
        let pairs = [[0, 0]] + forwardPads.map { [$0.pad.begin, $0.pad.end] } + [[0, 0]]
        let modeName = [PaddingMode.reflect: "reflect", .replicate: "edge", .circular: "wrap"][mode]
        x =
          "keras.ops.convert_to_numpy(keras.ops.pad(\(x), \(ArgumentValue.pairs(pairs).python(tuples: true))\(modeName.map { ", mode=\"\($0)\"" } ?? "")))"
      }
      // keras.ops.pad takes "edge" and "wrap" on the JAX backend only (TensorFlow's tf.pad has no such modes).
      let backends: [KerasBackend] = mode == .replicate || mode == .circular ? [.jax] : KerasBackend.allCases
      let layerStride = stridedAndDilated ? Array(repeating: 1, count: rank) : stride
      let arguments =
        base + [("strides", .ints(layerStride))] + dilationArgument + groupArgument + biasArgument
      for backend in backends {
        guard
          let lowering = candidate(arguments, input: Self.channelsLast(paddedInputShape), backend: backend).lower(
            dtype: dtype)
        else { continue }
        var call = text(x, arguments)
        if stridedAndDilated { call += "[:, " + stride.map { "::\($0)" }.joined(separator: ", ") + ", :]" }
        call += biasSuffix(lowering)
        let why =
          (stridedAndDilated
            ? "Keras refuses strides > 1 with dilation_rate > 1: stride 1, then every \(stride)-th cell; " : "")
          + (mode != .zeros
            ? "Keras convolutions pad with zeros: keras.ops.pad mode \"\(mode == .reflect ? "reflect" : mode == .replicate ? "edge" : "wrap")\" first"
            : "padding \(forwardPads.map(\.pad)) is not Keras's \"same\" or \"valid\": keras.ops.pad first")
        return finish(
          .keras, .composition, lowering: lowering, call: call, backend: backend,
          reason: join([why, biasReason, backendNote(backend)]))
      }
      return .impossible(.keras, "no Keras layer reproduces it (\(geometry.summary))", dtype: dtype)
    }
    // Transposed: "same" or "valid" with output_padding None or per axis.
    var outputPaddings: [ArgumentValue?] = [nil]
    var tuples: [[Int]] = [[]]
    for s in stride { tuples = tuples.flatMap { prefix in (0..<s).map { prefix + [$0] } } }
    outputPaddings += tuples.prefix(256).map { .ints($0) }
    var options: [[(name: String, value: ArgumentValue)]] = []
    for padding in ["same", "valid"] {
      for op in outputPaddings {
        options.append(
          base + [("strides", .ints(stride)), ("padding", .string(padding))]
            + (op.map { [("output_padding", $0)] } ?? []) + dilationArgument + biasArgument)
      }
    }
    if let (arguments, lowering, backend) = firstMatch(options, input: Self.channelsLast(inputShape)) {
      return finish(
        .keras, biasReason == nil ? .exact : .composition, lowering: lowering,
        call: text("x", arguments) + biasSuffix(lowering), backend: backend,
        reason: join([biasReason, backendNote(backend)]))
    }
    // "valid" with output_padding 0 is the full result: slice it, add zeros and the bias after.
    let crops = transposedCrops
    let zeros = crops.contains { $0.zeros.total > 0 }
    let arguments: [(name: String, value: ArgumentValue)] =
      base + [
        ("strides", .ints(stride)), ("padding", .string("valid")),
        ("output_padding", .ints(Array(repeating: 0, count: rank))),
      ]
      + dilationArgument + (channelBias && !zeros ? [] : [("use_bias", .bool(false))])
    for backend in KerasBackend.allCases {
      let full = Candidate(
        api: api, arguments: arguments, backend: backend, input: Self.channelsLast(inputShape), weight: weight,
        bias: channelBias && !zeros ? [filters] : nil)
      guard let lowering = full.lower(dtype: dtype) else { continue }
      var call = PythonText.call(
        "keras_run", ["\"\(api.shortName)\"", "x", "w"] + (channelBias && !zeros ? ["b"] : []), arguments, tuples: true)
      call +=
        cropSlice(crops.map(\.crop), sizes: fullSizes, spatialAxes: spatialAxes(channelsLast: true), count: rank + 2)
        ?? ""
      if zeros {
        let pairs = [[0, 0]] + crops.map { [$0.zeros.begin, $0.zeros.end] } + [[0, 0]]
        call = "keras.ops.convert_to_numpy(keras.ops.pad(\(call), \(ArgumentValue.pairs(pairs).python(tuples: true))))"
      }
      if hasBias && (zeros || !channelBias), let axis = biasAxis(in: lowering) ?? (channelBias ? rank + 1 : nil) {
        call += " + b.reshape(\(PythonText.tuple(Self.vectorShape(axis: axis, count: rank + 2))))"
      }
      return finish(
        .keras, .composition, lowering: lowering, call: call, backend: backend,
        reason: join([
          "no padding and output_padding of \(api.shortName) give these crops: the full result (\"valid\", output_padding 0) sliced (\(transposedReason))",
          backendNote(backend),
        ]))
    }
    return .impossible(.keras, "no Keras layer reproduces it (\(geometry.summary))", dtype: dtype)
  }
}
