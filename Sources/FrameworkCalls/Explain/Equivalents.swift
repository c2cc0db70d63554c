import ConvCore

/// The equivalent call of every framework for a conv-like stage: what `explain`
/// prints, computed apart from its printing.
public enum Equivalents {
  /// One ``EquivalentCall`` per framework for a stage reduced to `canonical`,
  /// whose operands are in `dtype`.
  public static func calls(for canonical: CanonicalConvolution, dtype: DType) -> [EquivalentCall] {
    let emitter = Emitter(canonical: canonical, dtype: dtype)
    return Framework.allCases.map { framework in
      switch framework {
      case .torch: emitter.torch()
      case .tensorflow: emitter.tensorFlow()
      case .keras: emitter.keras()
      case .jax: emitter.jax()
      case .onnx: emitter.onnx()
      }
    }
  }
}

/// The stage reduced to one convolution, and the helpers each framework's translation shares.
struct Emitter {
  let canonical: CanonicalConvolution
  let dtype: DType
  let target: CanonicalConvolution.Signature

  init(canonical: CanonicalConvolution, dtype: DType) {
    self.canonical = canonical
    self.dtype = dtype
    target = canonical.signature
  }

  var geometry: ConvGeometry { canonical.geometry }
  var rank: Int { geometry.axes.count }
  var transposed: Bool { geometry.direction == .transposed }
  var kernel: [Int] { geometry.axes.map(\.kernel) }
  var stride: [Int] { geometry.axes.map(\.stride) }
  var dilation: [Int] { geometry.axes.map(\.dilation) }
  var extents: [Int] { geometry.axes.map(\.dilatedKernel) }
  var groups: Int { geometry.groups }
  var mode: PaddingMode { geometry.paddingMode }
  var edges: [CanonicalConvolution.SignedPair] { target.edges }
  /// The convolution's operands as the stage gives them once rearranged: `[N, C, spatial...]` and PyTorch's weight.
  var inputShape: [Int] { canonical.inputShape }
  var weightShape: [Int] { geometry.weightShape }
  var outputShape: [Int] { canonical.resultShape }
  var outputChannels: Int { geometry.outputChannels }
  /// Whether the call should take the bias per channel.
  var channelBias: Bool { canonical.bias == .convolution }
  var hasBias: Bool { canonical.bias != .none }
  /// Transposed: the size of the full result per axis, `(in-1)s + d(k-1) + 1`.
  var fullSizes: [Int] {
    geometry.axes.map {
      transposedFullSize(input: $0.input, kernel: $0.kernel, stride: $0.stride, dilation: $0.dilation)
    }
  }

  /// The call matches when its lowering is the same convolution of the same operands.
  /// With `biasInCall` false the call takes no bias and the stage's is added after.
  /// `signature` stands for the stage's own where the call computes it in another form.
  func matches(
    _ candidate: Candidate, dtype: DType, biasInCall: Bool = true, signature: CanonicalConvolution.Signature? = nil
  ) -> FrameworkLowering? {
    guard let lowering = candidate.lower(dtype: dtype) else { return nil }
    let found = CanonicalConvolution(lowering)
    guard found.signature == signature ?? target else { return nil }
    guard !biasInCall || (found.bias == .convolution) == (canonical.bias == .convolution) else { return nil }
    return lowering
  }

  /// Finishes a call built on `lowering` (the call without compositions): the
  /// stage's tensors rearranged into the call's layouts, its result back into the stage's.
  /// `weight`, when given, takes the convolution's weight to the call's `w`
  /// (where the call computes the convolution in another form); otherwise the lowering says.
  func finish(
    _ framework: Framework, _ kind: EquivalentCall.Kind, lowering: FrameworkLowering, call: String,
    backend: KerasBackend? = nil, reason: String? = nil, dtype: DType? = nil, bias: Bool = true,
    weight: [TensorTransform]? = nil
  ) -> EquivalentCall {
    let found = CanonicalConvolution(lowering)
    var bindings = [
      EquivalentCall.Binding(
        name: "x", operand: "input", transforms: (canonical.input + found.input.inverse).simplified),
      EquivalentCall.Binding(
        name: "w", operand: "weight", transforms: (canonical.weight + (weight ?? found.weight.inverse)).simplified),
    ]
    if hasBias && bias { bindings.append(EquivalentCall.Binding(name: "b", operand: "bias", transforms: [])) }
    let layouts =
      "x \(lowering.layouts.input), w \(lowering.layouts.weight)" + (hasBias && bias ? ", b [C_out]" : "")
      + " -> \(lowering.layouts.output)"
    return EquivalentCall(
      framework: framework, kind: kind, api: lowering.api, call: call, backend: backend, bindings: bindings,
      result: (found.output.inverse + canonical.output).simplified, layouts: layouts, reason: reason,
      dtype: dtype ?? self.dtype, notes: lowering.notes)
  }

  /// The stage's own tensors in the convolution's layout: `x`, `w` and (with a bias) `b`,
  /// for calls written in PyTorch's layout around the core convolution.
  var canonicalBindings: [EquivalentCall.Binding] {
    [
      EquivalentCall.Binding(name: "x", operand: "input", transforms: canonical.input.simplified),
      EquivalentCall.Binding(name: "w", operand: "weight", transforms: canonical.weight.simplified),
    ] + (hasBias ? [EquivalentCall.Binding(name: "b", operand: "bias", transforms: [])] : [])
  }

  /// The axis of the call's result (laid out as `lowering`'s) along which the
  /// stage's bias is added: the channels, or the axis the stage adds it along.
  func biasAxis(in lowering: FrameworkLowering) -> Int? {
    let found = CanonicalConvolution(lowering)
    switch canonical.bias {
    case .none: return nil
    case .convolution: return Self.position(of: 1, through: found.output)
    case .axis(let axis): return Self.position(of: axis, through: (found.output.inverse + canonical.output).inverse)
    }
  }

  /// Where axis `axis` ends up after `transforms` (nil across a reshape).
  static func position(of axis: Int, through transforms: [TensorTransform]) -> Int? {
    var position = axis
    for transform in transforms {
      switch transform {
      case .permute(let order):
        guard let next = order.firstIndex(of: position) else { return nil }
        position = next
      case .flip: continue
      case .reshape: return nil
      }
    }
    return position
  }

  /// `(1, -1, 1, 1)`: a shape that puts a vector on `axis` of a tensor with `count` axes.
  static func vectorShape(axis: Int, count: Int) -> [Int] { (0..<count).map { $0 == axis ? -1 : 1 } }

  /// Per axis, the cells to crop before the convolution (negative padding) and to pad with.
  var forwardPads: [(crop: PadPair, pad: PadPair)] {
    edges.map { (PadPair(max(-$0.begin, 0), max(-$0.end, 0)), PadPair(max($0.begin, 0), max($0.end, 0))) }
  }

  /// Per axis, the cells to crop from the full transposed result and the zeros to add around it.
  var transposedCrops: [(crop: PadPair, zeros: PadPair)] {
    edges.map { (PadPair(max($0.begin, 0), max($0.end, 0)), PadPair(max(-$0.begin, 0), max(-$0.end, 0))) }
  }

  /// The input shape once cropped and padded by `forwardPads`, in the convolution's layout.
  var paddedInputShape: [Int] {
    var shape = inputShape
    for (j, pads) in forwardPads.enumerated() { shape[j + 2] += pads.pad.total - pads.crop.total }
    return shape
  }

  /// The shape of a forward convolution's input once cropped (negative padding only).
  var croppedInputShape: [Int] {
    var shape = inputShape
    for (j, pads) in forwardPads.enumerated() { shape[j + 2] -= pads.crop.total }
    return shape
  }

  /// Whether a forward convolution's input is cropped (negative padding).
  var cropsInput: Bool { forwardPads.contains { $0.crop.total > 0 } }
  var padsInput: Bool { forwardPads.contains { $0.pad.total > 0 } }

  /// The spatial axes of a layout with the channels first (`[N, C, spatial...]`) or last.
  func spatialAxes(channelsLast: Bool) -> [Int] { channelsLast ? Array(1...rank) : Array(2..<(rank + 2)) }

  /// Native shape of a `[N, C, spatial...]` shape in a channels-last layout.
  static func channelsLast(_ shape: [Int]) -> [Int] { [shape[0]] + shape.dropFirst(2) + [shape[1]] }

  /// A PyTorch-layout weight `[a, b, k...]` as `(k..., b, a)` (TensorFlow's and Keras's kernels).
  static func kernelLast(_ shape: [Int]) -> [Int] { Array(shape.dropFirst(2)) + [shape[1], shape[0]] }

  /// The slice of a result that crops `crops` cells per spatial axis, the axes at `spatialAxes` of `count`.
  func cropSlice(_ crops: [PadPair], sizes: [Int], spatialAxes: [Int], count: Int) -> String? {
    guard crops.contains(where: { $0.total > 0 }) else { return nil }
    var ranges: [(begin: Int, end: Int)?] = Array(repeating: nil, count: count)
    for (j, axis) in spatialAxes.enumerated() where crops[j].total > 0 {
      ranges[axis] = (crops[j].begin, sizes[j] - crops[j].end)
    }
    return PythonText.slice(ranges)
  }

  /// The slice of an input with `sizes` per spatial axis cropping `crops`.
  func inputSlice(channelsLast: Bool) -> String? {
    let sizes = Array(inputShape.dropFirst(2))
    return cropSlice(
      forwardPads.map(\.crop), sizes: sizes, spatialAxes: spatialAxes(channelsLast: channelsLast), count: rank + 2)
  }

  var transposedReason: String {
    let crops = transposedCrops
    var parts: [String] = []
    for (j, axis) in geometry.axes.enumerated() {
      let c = crops[j]
      parts.append(
        "\(axis.name): crop \(c.crop)\(c.zeros.total > 0 ? ", zeros \(c.zeros)" : "") of the full \(fullSizes[j])")
    }
    return parts.joined(separator: "; ")
  }
}
