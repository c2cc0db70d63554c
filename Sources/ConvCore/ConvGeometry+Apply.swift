extension ConvGeometry {
  /// Computes the convolution (or transposed convolution) in the input's element
  /// type, converting weight and bias to it, then adds the bias per output channel.
  ///
  /// A forward convolution whose `paddingMode` is not `zeros` first pads its input
  /// explicitly with that mode, then convolves without padding.
  public func apply(input: Tensor, weight: Tensor, bias: Tensor? = nil) throws(ShapeError) -> Tensor {
    var rules = RuleCollector()
    rules.require(input.shape == inputShape, "input is \(input.shape.shapeDescription), the plan expects \(inputShape.shapeDescription)")
    rules.require(weight.shape == weightShape, "weight is \(weight.shape.shapeDescription), the plan expects \(weightShape.shapeDescription)")
    if let bias { rules.require(bias.shape == [outputChannels], "bias is \(bias.shape.shapeDescription), the plan expects \(outputChannels)") }
    try rules.check()
    switch input.dtype {
    case .float32: return compute(Float.self, input: input, weight: weight, bias: bias)
    case .float64: return compute(Double.self, input: input, weight: weight, bias: bias)
    }
  }

  private func compute<T: TensorElement>(_ type: T.Type, input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    let (kernelInput, zeroPadded) = explicitlyPadded(input)
    var output = zeroPadded.directKernel(input: kernelInput.values(as: T.self), weight: weight.values(as: T.self))
    if let bias {
      let perChannel = bias.values(as: T.self)
      let volume = axes.map(\.output).reduce(1, *)
      for plane in 0..<(batch * outputChannels) {
        let value = perChannel[plane % outputChannels]
        for i in (plane * volume)..<((plane + 1) * volume) { output[i] += value }
      }
    }
    return Tensor(uncheckedShape: outputShape, values: output)
  }

  /// The input padded with `paddingMode` and the geometry of a zero-padded
  /// convolution over it; the input and `self` unchanged when no copy is needed.
  private func explicitlyPadded(_ input: Tensor) -> (Tensor, ConvGeometry) {
    guard direction == .forward, paddingMode != .zeros else { return (input, self) }
    let pads = axes.map { AxisRemap.pad(PadPair($0.padBegin, $0.padEnd), PadMode(rawValue: paddingMode.rawValue) ?? .zeros) }
    let remap = RemapGeometry(inputShape: input.shape, axes: pads, axisNames: axes.map(\.name), fill: 0)
    let padded = input.gathered(tables: remap.offsetTables(), fill: 0)
    let unpaddedAxes = axes.map { axis in
      ConvAxis(
        name: axis.name, input: axis.input + axis.padBegin + axis.padEnd, kernel: axis.kernel,
        stride: axis.stride, dilation: axis.dilation, padBegin: 0, padEnd: 0,
        outputPadding: 0, output: axis.output, arithmetic: axis.arithmetic)
    }
    let geometry = ConvGeometry(
      direction: .forward, batch: batch, inputChannels: inputChannels,
      outputChannels: outputChannels, groups: groups, axes: unpaddedAxes, paddingMode: .zeros)
    return (padded, geometry)
  }
}

extension RemapGeometry {
  /// Applies the remapping to a tensor of `inputShape`.
  public func apply(_ input: Tensor) throws(ShapeError) -> Tensor {
    guard input.shape == inputShape else {
      throw ShapeError(["input is \(input.shape.shapeDescription), the plan expects \(inputShape.shapeDescription)"])
    }
    return input.gathered(tables: offsetTables(), fill: fill)
  }
}

extension Permutation {
  /// Reorders the tensor's axes.
  public func apply(_ input: Tensor) throws(ShapeError) -> Tensor {
    _ = try outputShape(input: input.shape)
    return input.gathered(tables: offsetTables(input: input.shape), fill: 0)
  }
}
