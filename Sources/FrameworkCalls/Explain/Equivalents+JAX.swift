import ConvCore

extension Emitter {
  /// `jax.lax.conv_general_dilated` (and `conv_transpose` with
  /// `transpose_kernel=True`), with `dimension_numbers` in PyTorch's layout:
  /// signed padding pairs express every crop and pad, `lhs_dilation` the zeros
  /// between input cells; `jnp.pad` first for a padding mode; `jax.vjp` for the
  /// adjoint of a padded convolution; the bias added after (lax takes none).
  func jax() -> EquivalentCall {
    let letters = String(spatialLetters(min(rank, 3)))
    guard rank <= 3 else {
      return .impossible(
        .jax,
        "this \(rank)-d convolution would need dimension_numbers with \(rank) spatial letters; convpipe writes up to 3",
        dtype: dtype)
    }
    let specs = ArgumentValue.list(["NC\(letters)", "OI\(letters)", "NC\(letters)"].map { .string($0) })
    let dilationArgument: [(name: String, value: ArgumentValue)] =
      dilation.allSatisfy { $0 == 1 } ? [] : [("rhs_dilation", .ints(dilation))]
    func biasSuffix(_ lowering: FrameworkLowering) -> String {
      guard hasBias, let axis = biasAxis(in: lowering) else { return "" }
      return " + b.reshape(\(PythonText.tuple(Self.vectorShape(axis: axis, count: rank + 2))))"
    }
    let biasReason: String? = hasBias ? "jax.lax takes no bias: added after" : nil
    func join(_ parts: [String?]) -> String? {
      let text = parts.compactMap { $0 }.joined(separator: "; ")
      return text.isEmpty ? nil : text
    }
    let jaxModes: [PaddingMode: String] = [.reflect: "reflect", .replicate: "edge", .circular: "wrap"]
    if transposed && mode != .zeros { return jaxAdjoint(specs: specs, modeName: jaxModes[mode] ?? "constant") }
    if !transposed {
      let api = FrameworkAPI.jaxConvGeneralDilated
      var arguments: [(name: String, value: ArgumentValue)] = [("window_strides", .ints(stride))]
      var x = "x"
      var input = inputShape
      if mode == .zeros {
        arguments.append(("padding", .pairs(edges.map { [$0.begin, $0.end] })))
      } else {
        let pairs = [[0, 0], [0, 0]] + forwardPads.map { [$0.pad.begin, $0.pad.end] }
        x =
          "jnp.pad(x\(inputSlice(channelsLast: false) ?? ""), \(ArgumentValue.pairs(pairs).python(tuples: true)), mode=\"\(jaxModes[mode] ?? "constant")\")"
        input = paddedInputShape
        arguments.append(("padding", .pairs(Array(repeating: [0, 0], count: rank))))
      }
      if let inputDilation = canonical.inputDilation { arguments.append(("lhs_dilation", .ints(inputDilation))) }
      arguments += dilationArgument + [("dimension_numbers", specs)]
      if groups > 1 { arguments.append(("feature_group_count", .int(groups))) }
      let candidate = Candidate(api: api, arguments: arguments, input: input, weight: weightShape)
      let lowering =
        mode == .zeros ? matches(candidate, dtype: dtype, biasInCall: false) : candidate.lower(dtype: dtype)
      guard let lowering, lowering.outputShape == outputShape else {
        return .impossible(.jax, "no jax.lax call reproduces it (\(geometry.summary))", dtype: dtype)
      }
      let call = PythonText.call(api.rawValue, [x, "w"], arguments, tuples: true) + biasSuffix(lowering)
      let modeReason = mode == .zeros ? nil : "jax.lax pads with zeros: jnp.pad mode \"\(jaxModes[mode] ?? "")\" first"
      return finish(
        .jax, mode == .zeros && !hasBias ? .exact : .composition, lowering: lowering, call: call,
        reason: join([modeReason, biasReason]), bias: hasBias)
    }
    // Transposed: padding of the dilated input, (d(k-1) - crop) at each end.
    let pads = zip(extents, edges).map { [$0 - 1 - $1.begin, $0 - 1 - $1.end] }
    if groups == 1 {
      let api = FrameworkAPI.jaxConvTranspose
      let arguments: [(name: String, value: ArgumentValue)] =
        [("strides", .ints(stride)), ("padding", .pairs(pads))] + dilationArgument
        + [("dimension_numbers", specs), ("transpose_kernel", .bool(true))]
      let candidate = Candidate(api: api, arguments: arguments, input: inputShape, weight: weightShape)
      if let lowering = matches(candidate, dtype: dtype, biasInCall: false) {
        return finish(
          .jax, hasBias ? .composition : .exact, lowering: lowering,
          call: PythonText.call(api.rawValue, ["x", "w"], arguments, tuples: true) + biasSuffix(lowering),
          reason: biasReason, bias: hasBias)
      }
    }
    // Groups: conv_general_dilated over the zero-inserted input with the flipped, group-swapped kernel;
    // at stride 1 no zeros go in, and JAX computes the forward convolution that is the stage's in that form.
    let api = FrameworkAPI.jaxConvGeneralDilated
    let unstrided = stride.allSatisfy { $0 == 1 }
    let arguments: [(name: String, value: ArgumentValue)] =
      [("window_strides", .ints(Array(repeating: 1, count: rank))), ("padding", .pairs(pads))]
      + (unstrided ? [] : [("lhs_dilation", .ints(stride))])
      + dilationArgument + [("dimension_numbers", specs)] + (groups > 1 ? [("feature_group_count", .int(groups))] : [])
    let swapped = [outputChannels, weightShape[0] / groups] + kernel
    let candidate = Candidate(api: api, arguments: arguments, input: inputShape, weight: swapped)
    // At stride 1 the call is matched against the forward form of the stage built from the same pads and
    // kernel; that this form is the stage is the identity conv_transpose(x, W) = conv(pad(x), flip(swap(W))),
    // which generate.py --check-explain confirms in JAX.
    let forward = unstrided ? forwardSignature(pads: pads, weight: swapped) : nil
    guard let lowering = matches(candidate, dtype: dtype, biasInCall: false, signature: forward) else {
      return .impossible(.jax, "no jax.lax call reproduces it (\(geometry.summary))", dtype: dtype)
    }
    return finish(
      .jax, .composition, lowering: lowering,
      call: PythonText.call(api.rawValue, ["x", "w"], arguments, tuples: true) + biasSuffix(lowering),
      reason: join([
        "jax.lax.conv_transpose has no feature groups: conv_general_dilated\(unstrided ? "" : " with lhs_dilation"), the kernel flipped and its in and out channels swapped within each group (in the binding of w)",
        biasReason,
      ]), bias: hasBias, weight: unstrided ? flippedGroupSwap(to: swapped) : nil)
  }

  /// The stage's transposed convolution at stride 1 (of zeros padding) as the
  /// forward convolution it is: of the input padded by `pads` (a negative one
  /// crops) with `weight`, the kernel flipped and its in and out channels swapped within each group.
  private func forwardSignature(pads: [[Int]], weight: [Int]) -> CanonicalConvolution.Signature {
    CanonicalConvolution.Signature(
      transposed: false, input: inputShape, weight: weight, stride: stride, dilation: dilation, groups: groups,
      mode: .zeros, inputDilation: Array(repeating: 1, count: rank),
      edges: pads.map { CanonicalConvolution.SignedPair($0[0], $0[1]) }, output: outputShape)
  }

  /// The convolution's weight `[C_in, C_out/groups, k...]` to `swapped`,
  /// `[C_out, C_in/groups, k...]`: in and out channels swapped within each group, the kernel flipped.
  private func flippedGroupSwap(to swapped: [Int]) -> [TensorTransform] {
    let grouped = [groups, weightShape[0] / groups, weightShape[1]] + kernel
    return [
      .reshape(from: weightShape, to: grouped), .permute([0, 2, 1] + Array(3..<(rank + 3))),
      .reshape(from: [groups, weightShape[1], weightShape[0] / groups] + kernel, to: swapped),
      .flip(Array(2..<(rank + 2))),
    ]
  }

  /// The adjoint of a convolution with a padding mode: `jax.vjp` of the forward convolution.
  private func jaxAdjoint(specs: ArgumentValue, modeName: String) -> EquivalentCall {
    let pairs = [[0, 0], [0, 0]] + geometry.axes.map { [$0.padBegin, $0.padEnd] }
    var arguments: [(name: String, value: ArgumentValue)] = [
      ("window_strides", .ints(stride)), ("padding", .pairs(Array(repeating: [0, 0], count: rank))),
    ]
    if dilation.contains(where: { $0 != 1 }) { arguments.append(("rhs_dilation", .ints(dilation))) }
    arguments.append(("dimension_numbers", specs))
    if groups > 1 { arguments.append(("feature_group_count", .int(groups))) }
    let conv = PythonText.call(
      FrameworkAPI.jaxConvGeneralDilated.rawValue,
      ["jnp.pad(t, \(ArgumentValue.pairs(pairs).python(tuples: true)), mode=\"\(modeName)\")", "w"], arguments,
      tuples: true)
    var call =
      "jax.vjp(lambda t: \(conv), jnp.zeros(\(PythonText.tuple(geometry.outputShape)), dtype=x.dtype))[1](x)[0]"
    if hasBias { call += " + b.reshape(\(PythonText.tuple(Self.vectorShape(axis: 1, count: rank + 2))))" }
    let axes = spatialText(rank)
    return EquivalentCall(
      framework: .jax, kind: .composition, api: .jaxConvGeneralDilated, call: call, backend: nil,
      bindings: canonicalBindings,
      result: canonical.output.simplified,
      layouts:
        "x [N, C_in, \(axes)], w [C_in, C_out/groups, \(kernelText(rank))] as OI\(axes.replacingCommas) -> [N, C_out, \(axes)]",
      reason:
        "jax.lax pads with zeros: the adjoint of conv_general_dilated over jnp.pad mode \"\(modeName)\", through jax.vjp",
      dtype: dtype, notes: [])
  }
}

extension String {
  /// `H, W` as `HW`.
  fileprivate var replacingCommas: String { split(separator: ",").map { $0.trimmingSpaces }.joined() }
}

extension Substring {
  fileprivate var trimmingSpaces: String { String(drop { $0 == " " }) }
}
