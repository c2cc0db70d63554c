import ConvCore

extension Emitter {
  /// `torch.nn.functional.conv{1,2,3}d` / `conv_transpose{1,2,3}d`: symmetric padding
  /// (or crops) per axis; `F.pad` first for other padding and the padding modes,
  /// a slice after for asymmetric crops; the adjoint through `torch.func.vjp` for
  /// a transposed convolution with a padding mode, which PyTorch refuses.
  func torch() -> EquivalentCall {
    guard (1...3).contains(rank) else {
      return .impossible(.torch, "PyTorch has 1-d to 3-d convolutions; this one is \(rank)-d", dtype: dtype)
    }
    if canonical.inputDilation != nil {
      return .impossible(
        .torch,
        "PyTorch's convolutions take no input dilation (zeros between the input's cells, JAX's lhs_dilation) with a stride; conv_transpose is the form with stride 1",
        dtype: dtype)
    }
    let api: FrameworkAPI =
      transposed
      ? [.torchConvTranspose1d, .torchConvTranspose2d, .torchConvTranspose3d][rank - 1]
      : [.torchConv1d, .torchConv2d, .torchConv3d][rank - 1]
    var common: [(name: String, value: ArgumentValue)] = [("stride", .ints(stride))]
    let tail: [(name: String, value: ArgumentValue)] =
      (dilation.allSatisfy { $0 == 1 } ? [] : [("dilation", .ints(dilation))])
      + (groups == 1 ? [] : [("groups", .int(groups))])
    let biasName = channelBias ? ["b"] : (hasBias ? ["None"] : [])
    func candidate(_ arguments: [(name: String, value: ArgumentValue)], input: [Int], bias: Bool) -> Candidate {
      Candidate(api: api, arguments: arguments, input: input, weight: weightShape, bias: bias ? [outputChannels] : nil)
    }
    func text(_ x: String, _ arguments: [(name: String, value: ArgumentValue)], bias: [String]) -> String {
      PythonText.call(api.rawValue, [x, "w"] + bias, arguments, tuples: true)
    }
    func addBias(_ call: String, _ lowering: FrameworkLowering) -> String {
      guard !channelBias, hasBias, let axis = biasAxis(in: lowering) else { return call }
      return "\(call) + b.reshape(\(PythonText.tuple(Self.vectorShape(axis: axis, count: rank + 2))))"
    }
    if !transposed {
      let pads = forwardPads
      if mode == .zeros, !cropsInput, pads.allSatisfy({ $0.pad.begin == $0.pad.end }) {
        common.append(("padding", .ints(pads.map(\.pad.begin))))
        let arguments = common + tail
        if let lowering = matches(candidate(arguments, input: inputShape, bias: channelBias), dtype: dtype) {
          return finish(
            .torch, hasBias && !channelBias ? .composition : .exact, lowering: lowering,
            call: addBias(text("x", arguments, bias: biasName), lowering),
            reason: hasBias && !channelBias ? "the bias along another axis than the channels, added after" : nil)
        }
      }
      // F.pad first: asymmetric padding, a padding mode, or negative padding (a slice).
      var x = "x" + (inputSlice(channelsLast: false) ?? "")
      if padsInput {
        let flat = pads.reversed().flatMap { [$0.pad.begin, $0.pad.end] }
        let modeText = mode == .zeros ? "" : ", mode=\"\(mode.rawValue)\""
        x = "torch.nn.functional.pad(\(x), \(PythonText.tuple(flat))\(modeText))"
      }
      let arguments = common + tail
      guard
        let lowering = candidate(arguments, input: paddedInputShape, bias: channelBias).lower(dtype: dtype),
        lowering.outputShape == outputShape
      else { return .impossible(.torch, "no PyTorch call reproduces it (\(geometry.summary))", dtype: dtype) }
      let reason =
        mode != .zeros
        ? "torch.nn.functional.conv\(rank)d takes no padding_mode: F.pad with mode \"\(mode.rawValue)\" first"
        : (cropsInput ? "negative padding: a slice of the input first" : "")
          + (padsInput && cropsInput ? "; " : "")
          + (padsInput ? "padding \(pads.map(\.pad)) is not the same at both ends: F.pad first" : "")
      return finish(
        .torch, .composition, lowering: lowering, call: addBias(text(x, arguments, bias: biasName), lowering),
        reason: reason)
    }
    if mode != .zeros { return torchAdjoint(api: api) }
    // Transposed: padding p crops p at both ends; output_padding adds cells at the end.
    var padding: [Int] = [], extra: [Int] = [], exact = true
    for (j, edge) in edges.enumerated() {
      let op = edge.begin - edge.end
      if edge.begin >= 0, op >= 0, op < max(stride[j], dilation[j]) {
        padding.append(edge.begin)
        extra.append(op)
      } else {
        exact = false
      }
    }
    if exact {
      let arguments =
        common + [("padding", .ints(padding))]
        + (extra.allSatisfy { $0 == 0 } ? [] : [("output_padding", .ints(extra))])
        + tail
      if let lowering = matches(candidate(arguments, input: inputShape, bias: channelBias), dtype: dtype) {
        return finish(
          .torch, hasBias && !channelBias ? .composition : .exact, lowering: lowering,
          call: addBias(text("x", arguments, bias: biasName), lowering),
          reason: hasBias && !channelBias ? "the bias along another axis than the channels, added after" : nil)
      }
    }
    // The full result, then a slice (and zeros, with the bias after them).
    let crops = transposedCrops
    let zeros = crops.contains { $0.zeros.total > 0 }
    let arguments = common + tail
    guard
      let lowering = candidate(arguments, input: inputShape, bias: channelBias && !zeros).lower(dtype: dtype)
    else { return .impossible(.torch, "no PyTorch call reproduces it (\(geometry.summary))", dtype: dtype) }
    var call = text("x", arguments, bias: channelBias && !zeros ? ["b"] : (hasBias ? ["None"] : []))
    call +=
      cropSlice(crops.map(\.crop), sizes: fullSizes, spatialAxes: spatialAxes(channelsLast: false), count: rank + 2)
      ?? ""
    if zeros {
      let flat = crops.reversed().flatMap { [$0.zeros.begin, $0.zeros.end] }
      call = "torch.nn.functional.pad(\(call), \(PythonText.tuple(flat)))"
    }
    if hasBias && (zeros || !channelBias), let axis = biasAxis(in: lowering) ?? (channelBias ? 1 : nil) {
      call += " + b.reshape(\(PythonText.tuple(Self.vectorShape(axis: axis, count: rank + 2))))"
    }
    return finish(
      .torch, .composition, lowering: lowering, call: call,
      reason:
        "not one call: padding crops both ends alike and output_padding adds at the end only; the full result sliced (\(transposedReason))"
    )
  }

  /// The adjoint of `conv` with a padding mode: `torch.func.vjp` of the forward
  /// convolution, applied to the stage's input.
  private func torchAdjoint(api: FrameworkAPI) -> EquivalentCall {
    let forward: FrameworkAPI = [.torchConv1d, .torchConv2d, .torchConv3d][rank - 1]
    let pads = geometry.axes.reversed().flatMap { [$0.padBegin, $0.padEnd] }
    var arguments: [(name: String, value: ArgumentValue)] = [("stride", .ints(stride))]
    if dilation.contains(where: { $0 != 1 }) { arguments.append(("dilation", .ints(dilation))) }
    if groups != 1 { arguments.append(("groups", .int(groups))) }
    let conv = PythonText.call(
      forward.rawValue,
      ["torch.nn.functional.pad(t, \(PythonText.tuple(pads)), mode=\"\(mode.rawValue)\")", "w", "None"], arguments,
      tuples: true)
    var call =
      "torch.func.vjp(lambda t: \(conv), torch.zeros(\(PythonText.tuple(geometry.outputShape)), dtype=x.dtype))[1](x)[0]"
    if hasBias { call += " + b.reshape(\(PythonText.tuple(Self.vectorShape(axis: 1, count: rank + 2))))" }
    let axes = spatialText(rank)
    return EquivalentCall(
      framework: .torch, kind: .composition, api: api, call: call, backend: nil, bindings: canonicalBindings,
      result: canonical.output.simplified,
      layouts: "x [N, C_in, \(axes)], w [C_in, C_out/groups, \(kernelText(rank))] -> [N, C_out, \(axes)]",
      reason:
        "PyTorch refuses padding_mode \(mode.rawValue) for transposed convolutions (a long-standing request): the adjoint of conv\(rank)d with F.pad mode \"\(mode.rawValue)\", through torch.func.vjp",
      dtype: dtype, notes: [])
  }
}
