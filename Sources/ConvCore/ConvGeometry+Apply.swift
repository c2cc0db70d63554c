extension ConvGeometry {
  /// Computes the operator `A x` plus bias per output channel, in the input's
  /// element type (weight and bias are converted to it).
  ///
  /// A forward convolution whose `paddingMode` is not `zeros` is `A = C P`: the
  /// input is first padded explicitly with that mode (`P`), then convolved
  /// without padding (`C`).
  public func apply(input: Tensor, weight: Tensor, bias: Tensor? = nil) throws(ShapeError) -> Tensor {
    try checkOperands([("input", input.shape, inputShape), ("weight", weight.shape, weightShape)]
      + (bias.map { [("bias", $0.shape, [outputChannels])] } ?? []))
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
    switch upstream.dtype {
    case .float32: return adjoint(Float.self, upstream: upstream, weight: weight)
    case .float64: return adjoint(Double.self, upstream: upstream, weight: weight)
    }
  }

  /// The dense unrolled matrix `C` of the operator, `[outputs, inputs]` with
  /// `y = C x + bias` over the flattened (row-major) tensors, built from the
  /// operator's structure: each weight placed at the cells its taps connect.
  public func unrolledMatrix(weight: Tensor) throws(ShapeError) -> Tensor {
    try checkOperands([("weight", weight.shape, weightShape)])
    let rows = outputShape.reduce(1, *), columns = inputShape.reduce(1, *)
    let sources = paddedSources()
    let kernel = zeroPadded
    func build<T: TensorElement>(_ type: T.Type) -> Tensor {
      Tensor(shape: [rows, columns], of: T.self) { matrix in
        kernel.forEachMatrixEntry(weight: weight.values(as: T.self)) { row, column, value in
          matrix[row * columns + (sources?[column] ?? column)] += value
        }
      }
    }
    return weight.dtype == .float32 ? build(Float.self) : build(Double.self)
  }

  /// Checks each operand against its planned shape, and that the input and
  /// output element counts (and, for the matrix, their product) fit in `Int`.
  private func checkOperands(_ operands: [(String, [Int], [Int])]) throws(ShapeError) {
    var rules = RuleCollector()
    rules.require(saturatingProduct([saturatingProduct(inputShape), saturatingProduct(outputShape)]) < Int.max,
      "input \(inputShape.shapeDescription) and output \(outputShape.shapeDescription) have more elements than can be counted")
    for (name, actual, planned) in operands {
      rules.require(actual == planned, "\(name) is \(actual.shapeDescription), the plan expects \(planned.shapeDescription)")
    }
    try rules.check()
  }

  private func forward<T: BLASElement>(_ type: T.Type, input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    var values = input.values(as: T.self)
    if let padding = paddingRemap() { values = gather(values, tables: padding.offsetTables(), fill: 0) }
    var output = zeroPadded.kernel(source: values, weight: weight.values(as: T.self), adjoint: false)
    if let bias {
      let perChannel = bias.values(as: T.self)
      let volume = axes.map(\.output).reduce(1, *)
      output.withUnsafeMutableBufferPointer { cells in
        for plane in 0..<(batch * outputChannels) {
          let value = perChannel[plane % outputChannels]
          for i in (plane * volume)..<((plane + 1) * volume) { cells[i] += value }
        }
      }
    }
    return Tensor(uncheckedShape: outputShape, values: output)
  }

  private func adjoint<T: BLASElement>(_ type: T.Type, upstream: Tensor, weight: Tensor) -> Tensor {
    let padded = zeroPadded.kernel(source: upstream.values(as: T.self), weight: weight.values(as: T.self), adjoint: true)
    guard let sources = paddedSources() else { return Tensor(uncheckedShape: inputShape, values: padded) }
    var folded = [T](repeating: 0, count: inputShape.reduce(1, *))
    for (cell, source) in sources.enumerated() { folded[source] += padded[cell] }
    return Tensor(uncheckedShape: inputShape, values: folded)
  }

  /// The zero-padded operator `A x` (or `A^T x` when `adjoint`), lowered to
  /// products or tap-by-tap loops (``MatrixLowering``).
  private func kernel<T: BLASElement>(source: [T], weight: [T], adjoint: Bool) -> [T] {
    MatrixLowering(self, adjoint: adjoint).run(source: source, weight: weight)
  }

  /// For a forward convolution with a non-zero padding mode, the input cell each
  /// cell of the explicitly padded input copies; nil when padding is zeros.
  private func paddedSources() -> [Int]? {
    paddingRemap().map { gather(Array(0..<inputShape.reduce(1, *)), tables: $0.offsetTables(), fill: 0) }
  }

  /// For a forward convolution with a non-zero padding mode, the explicit
  /// padding `P` as a remapping of the input; nil when padding is zeros.
  private func paddingRemap() -> RemapGeometry? {
    guard direction == .forward, paddingMode != .zeros else { return nil }
    let mode = PadMode(rawValue: paddingMode.rawValue) ?? .zeros
    return RemapGeometry(
      inputShape: inputShape, axes: axes.map { .pad(PadPair($0.padBegin, $0.padEnd), mode) },
      axisNames: axes.map(\.name), fill: 0)
  }

  /// The geometry the kernel runs: `self`, or for a padding mode other than zeros
  /// the unpadded convolution over the explicitly padded input.
  private var zeroPadded: ConvGeometry {
    guard direction == .forward, paddingMode != .zeros else { return self }
    let unpaddedAxes = axes.map { axis in
      ConvAxis(
        name: axis.name, input: axis.input + axis.padBegin + axis.padEnd, kernel: axis.kernel,
        stride: axis.stride, dilation: axis.dilation, padBegin: 0, padEnd: 0,
        outputPadding: 0, output: axis.output, arithmetic: axis.arithmetic)
    }
    return ConvGeometry(
      direction: .forward, batch: batch, inputChannels: inputChannels,
      outputChannels: outputChannels, groups: groups, axes: unpaddedAxes, paddingMode: .zeros)
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
