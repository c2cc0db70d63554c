import ConvCore

extension ConvGeometry {
  /// Computes the operator `A x` plus bias per output channel, in the input's
  /// element type (weight and bias are converted to it).
  ///
  /// A forward convolution whose `paddingMode` is not `zeros` is `A = C P`: the
  /// input is first padded explicitly with that mode (`P`), then convolved
  /// without padding (`C`). A transposed convolution with such a mode is the
  /// adjoint of that forward convolution, `A^T = P^T C^T` (``adjointForward``).
  public func apply(input: Tensor, weight: Tensor, bias: Tensor? = nil) throws(ShapeError) -> Tensor {
    try checkOperands(
      [("input", input.shape, inputShape), ("weight", weight.shape, weightShape)]
        + (bias.map { [("bias", $0.shape, [outputChannels])] } ?? []))
    if let forward = adjointForward {
      let output = try forward.applyTransposed(input, weight: weight)
      guard let bias else { return output }
      switch input.dtype {
      case .float32: return addingBias(Float.self, output, bias)
      case .float64: return addingBias(Double.self, output, bias)
      }
    }
    switch input.dtype {
    case .float32: return forward(Float.self, input: input, weight: weight, bias: bias)
    case .float64: return forward(Double.self, input: input, weight: weight, bias: bias)
    }
  }

  /// Computes the transposed operator `A^T g` for an output-shaped `upstream`
  /// (no bias): the gradient of `<A x, g>` with respect to `x`. With a padding
  /// mode, `A^T = P^T C^T`, where `P^T` adds each padded cell back onto the cell
  /// it copied.
  public func applyTransposed(_ upstream: Tensor, weight: Tensor) throws(ShapeError) -> Tensor {
    try checkOperands([("upstream", upstream.shape, outputShape), ("weight", weight.shape, weightShape)])
    if let forward = adjointForward { return try forward.apply(input: upstream, weight: weight) }
    switch upstream.dtype {
    case .float32: return adjoint(Float.self, upstream: upstream, weight: weight)
    case .float64: return adjoint(Double.self, upstream: upstream, weight: weight)
    }
  }

  private func forward<T: BLASElement>(_ type: T.Type, input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    var values = input.values(as: T.self)
    if let padding = paddingRemap() { values = gather(values, tables: padding.offsetTables(), fill: 0) }
    var output = zeroPadded.kernel(source: values, weight: weight.values(as: T.self), adjoint: false)
    if let bias { addBias(bias.values(as: T.self), to: &output) }
    return Tensor(uncheckedShape: outputShape, values: output)
  }

  private func addingBias<T: TensorElement>(_ type: T.Type, _ output: Tensor, _ bias: Tensor) -> Tensor {
    var values = output.values(as: T.self)
    addBias(bias.values(as: T.self), to: &values)
    return Tensor(uncheckedShape: outputShape, values: values)
  }

  /// Adds `perChannel[c]` to every cell of output channel `c`.
  private func addBias<T: TensorElement>(_ perChannel: [T], to output: inout [T]) {
    let volume = axes.map(\.output).reduce(1, *)
    output.withUnsafeMutableBufferPointer { cells in
      for plane in 0..<(batch * outputChannels) {
        let value = perChannel[plane % outputChannels]
        for i in (plane * volume)..<((plane + 1) * volume) { cells[i] += value }
      }
    }
  }

  private func adjoint<T: BLASElement>(_ type: T.Type, upstream: Tensor, weight: Tensor) -> Tensor {
    let padded = zeroPadded.kernel(
      source: upstream.values(as: T.self), weight: weight.values(as: T.self), adjoint: true)
    guard let sources = paddedSources() else { return Tensor(uncheckedShape: inputShape, values: padded) }
    var folded = [T](repeating: 0, count: inputShape.reduce(1, *))
    for (cell, source) in sources.enumerated() { folded[source] += padded[cell] }
    return Tensor(uncheckedShape: inputShape, values: folded)
  }

  /// How `apply` computes this geometry in `dtype` here: `oneDNN`, or convpipe's
  /// own `products`, `products and scatter-add`, `taps (cells)` or `taps (channels)`
  /// (``MatrixLowering``), for `convpipe bench` to print beside each time. A
  /// transposed layer with a padding mode is its forward layer's adjoint
  /// (``adjointForward``), which is always convpipe's own.
  public func computePath(_ dtype: DType) -> String {
    guard let forward = adjointForward else { return zeroPadded.kernelPath(dtype, adjoint: false) }
    return forward.zeroPadded.kernelPath(dtype, adjoint: true)
  }

  /// The path ``kernel(source:weight:adjoint:)`` takes.
  private func kernelPath(_ dtype: DType, adjoint: Bool) -> String {
    if !adjoint, dtype == .float32, ConvolutionEngine.usesOneDNN(self), OneDNNConvolution.forGeometry(self) != nil {
      return "oneDNN"
    }
    let lowering = MatrixLowering.cached(self, adjoint: adjoint, elementBytes: dtype.byteWidth)
    if lowering.usesProducts { return lowering.scatters ? "products and scatter-add" : "products" }
    return lowering.tapLanes == .channels ? "taps (channels)" : "taps (cells)"
  }

  /// The zero-padded operator `A x` (or `A^T x` when `adjoint`): in float32
  /// through oneDNN where ``ConvolutionEngine`` chooses it, else lowered to
  /// products or tap-by-tap loops (``MatrixLowering``).
  private func kernel<T: BLASElement>(source: [T], weight: [T], adjoint: Bool) -> [T] {
    if !adjoint, ConvolutionEngine.usesOneDNN(self), let source = source as? [Float], let weight = weight as? [Float],
      let result = OneDNNConvolution.apply(self, input: source, weight: weight) as? [T]
    {
      return result
    }
    return MatrixLowering.cached(self, adjoint: adjoint, elementBytes: MemoryLayout<T>.size).run(
      source: source, weight: weight)
  }
}
