extension ConvGeometry {
  /// The dense unrolled matrix `C` of the operator, `[outputs, inputs]` with
  /// `y = C x + bias` over the flattened (row-major) tensors, built from the
  /// operator's structure: each weight placed at the cells its taps connect.
  public func unrolledMatrix(weight: Tensor) throws(ShapeError) -> Tensor {
    try checkOperands([("weight", weight.shape, weightShape)])
    if let forward = adjointForward { return try forward.unrolledMatrix(weight: weight).transposedMatrix() }
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
  package func checkOperands(_ operands: [(String, [Int], [Int])]) throws(ShapeError) {
    var rules = RuleCollector()
    rules.require(
      saturatingProduct([saturatingProduct(inputShape), saturatingProduct(outputShape)]) < Int.max,
      "input \(inputShape.shapeDescription) and output \(outputShape.shapeDescription) have more elements than can be counted"
    )
    for (name, actual, planned) in operands {
      rules.require(
        actual == planned, "\(name) is \(actual.shapeDescription), the plan expects \(planned.shapeDescription)")
    }
    try rules.check()
  }

  /// For a transposed convolution with a padding mode other than zeros, the
  /// forward convolution it is the adjoint of: it reads an input of this
  /// operator's output size, padded by the crops with the mode, at the same
  /// stride, dilation and groups, and its output has this operator's input size
  /// (the shape rule requires `output_padding < stride` for that). The weight is
  /// the same tensor: `[C_in, C_out/groups, k...]` here is `[C_out', C_in'/groups, k...]`
  /// there. Nil for zeros, whose transposed kernels run directly.
  package var adjointForward: ConvGeometry? {
    guard direction == .transposed, paddingMode != .zeros else { return nil }
    let forwardAxes = axes.map { axis in
      ConvAxis(
        name: axis.name, input: axis.output, kernel: axis.kernel, stride: axis.stride, dilation: axis.dilation,
        padBegin: axis.padBegin, padEnd: axis.padEnd, outputPadding: 0, output: axis.input,
        arithmetic: axis.arithmetic)
    }
    return ConvGeometry(
      direction: .forward, batch: batch, inputChannels: outputChannels, outputChannels: inputChannels,
      groups: groups, axes: forwardAxes, paddingMode: paddingMode)
  }

  /// For a forward convolution with a non-zero padding mode, the input cell each
  /// cell of the explicitly padded input copies; nil when padding is zeros.
  package func paddedSources() -> [Int]? {
    paddingRemap().map { gather(Array(0..<inputShape.reduce(1, *)), tables: $0.offsetTables(), fill: 0) }
  }

  /// For a forward convolution with a non-zero padding mode, the explicit
  /// padding `P` as a remapping of the input; nil when padding is zeros.
  package func paddingRemap() -> RemapGeometry? {
    guard direction == .forward, paddingMode != .zeros else { return nil }
    let mode = PadMode(rawValue: paddingMode.rawValue) ?? .zeros
    return RemapGeometry(
      inputShape: inputShape, axes: axes.map { .pad(PadPair($0.padBegin, $0.padEnd), mode) },
      axisNames: axes.map(\.name), fill: 0)
  }

  /// The geometry the kernel runs: `self`, or for a padding mode other than zeros
  /// the unpadded convolution over the explicitly padded input.
  package var zeroPadded: ConvGeometry {
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

extension Tensor {
  /// The transpose of a matrix `[rows, columns]`: `[columns, rows]`.
  package func transposedMatrix() throws(ShapeError) -> Tensor {
    guard rank == 2 else { throw ShapeError(["a matrix [rows, columns] is needed, got \(shape.shapeDescription)"]) }
    return try Permutation(axes: [1, 0]).apply(self)
  }
}
