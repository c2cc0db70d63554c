import ConvCore

extension Emitter {
  /// ONNX `Conv` / `ConvTranspose` with explicit `pads` (begins, then ends) and
  /// `output_padding`, run by onnxruntime, in float32 (its CPU provider has no
  /// float64 kernel); a slice of the input for negative padding.
  func onnx() -> EquivalentCall {
    let runType: DType = .float32
    let dtypeNote: String? =
      dtype == .float64
      ? "onnxruntime's CPU provider has no float64 kernel for \(transposed ? "ConvTranspose" : "Conv"): the call runs in float32"
      : nil
    if canonical.inputDilation != nil {
      return .impossible(.onnx, "ONNX Conv takes no input dilation with a stride (JAX's lhs_dilation)", dtype: runType)
    }
    if mode != .zeros {
      return .impossible(
        .onnx,
        transposed
          ? "ONNX ConvTranspose has no padding mode, and the adjoint of a \(mode.rawValue)-padded convolution is no ONNX node"
          : "ONNX Conv pads with zeros; a Pad node (mode reflect, edge or wrap) before it would do it, as a second node, which one onnx_run call does not build",
        dtype: runType)
    }
    let api: FrameworkAPI = transposed ? .onnxConvTranspose : .onnxConv
    func biasSuffix(_ lowering: FrameworkLowering) -> String {
      guard hasBias, !channelBias, let axis = biasAxis(in: lowering) else { return "" }
      return " + b.reshape(\(PythonText.tuple(Self.vectorShape(axis: axis, count: rank + 2))))"
    }
    func join(_ parts: [String?]) -> String? {
      let text = parts.compactMap { $0 }.joined(separator: "; ")
      return text.isEmpty ? nil : text
    }
    let biasReason: String? =
      hasBias && !channelBias ? "the bias along another axis than the channels, added after" : nil
    let tensors = ["\"\(api.shortName)\"", "x", "w"] + (channelBias ? ["b"] : [])
    var arguments: [(name: String, value: ArgumentValue)] = []
    var input = inputShape, x = "x"
    if !transposed {
      let pads = forwardPads
      if cropsInput {
        x = "x" + (inputSlice(channelsLast: false) ?? "")
        input = croppedInputShape
      }
      if pads.contains(where: { $0.pad.total > 0 }) {
        arguments.append(("pads", .ints(pads.map(\.pad.begin) + pads.map(\.pad.end))))
      }
    } else {
      let crops = transposedCrops
      guard crops.allSatisfy({ $0.zeros.begin == 0 }) else {
        return .impossible(
          .onnx, "zeros before the full result (\(transposedReason)): ConvTranspose's pads cannot be negative",
          dtype: runType)
      }
      if crops.contains(where: { $0.crop.total > 0 }) {
        arguments.append(("pads", .ints(crops.map(\.crop.begin) + crops.map(\.crop.end))))
      }
      let extra = crops.map(\.zeros.end)
      for (j, op) in extra.enumerated() where op >= stride[j] {
        return .impossible(
          .onnx,
          "\(op) zero\(op == 1 ? "" : "s") after the full result along \(geometry.axes[j].name) need output_padding \(op), which onnxruntime refuses at stride \(stride[j]) (it requires output_padding below the stride, although the specification allows it below max(stride, dilation))",
          dtype: runType)
      }
      if extra.contains(where: { $0 > 0 }) { arguments.append(("output_padding", .ints(extra))) }
    }
    if stride.contains(where: { $0 != 1 }) { arguments.append(("strides", .ints(stride))) }
    if dilation.contains(where: { $0 != 1 }) { arguments.append(("dilations", .ints(dilation))) }
    if groups != 1 { arguments.append(("group", .int(groups))) }
    let candidate = Candidate(
      api: api, arguments: arguments, input: input, weight: weightShape, bias: channelBias ? [outputChannels] : nil)
    let lowering =
      cropsInput && !transposed
      ? candidate.lower(dtype: runType).flatMap { $0.outputShape == outputShape ? $0 : nil }
      : matches(candidate, dtype: runType)
    guard let lowering else {
      return .impossible(.onnx, "no ONNX node reproduces it (\(geometry.summary))", dtype: runType)
    }
    let call = PythonText.call(
      "onnx_run", Array(tensors.prefix(1)) + [x] + tensors.dropFirst(2), arguments, tuples: false)
    let composed = cropsInput && !transposed
    return finish(
      .onnx, composed || biasReason != nil ? .composition : .exact, lowering: lowering,
      call: call + biasSuffix(lowering),
      reason: join([
        composed ? "negative padding: a slice of the input first (pads are non-negative)" : nil, biasReason, dtypeNote,
      ]),
      dtype: runType)
  }
}
