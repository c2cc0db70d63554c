import ConvCore

/// A conv-like stage reduced to one core convolution in PyTorch's layout, with
/// what happens around it: how the stage's tensors become its operands
/// (layout transforms), zeros inserted into or cells cropped from its input,
/// zeros around its result, where the bias goes, and how its result becomes the
/// stage's output. What `explain` translates into each framework's call.
public struct CanonicalConvolution: Sendable, Equatable {
  public let geometry: ConvGeometry
  /// Zeros inserted between the input's cells first (JAX's `lhs_dilation` with strides).
  public let inputDilation: [Int]?
  /// Cells cropped from the (dilated) input before the convolution (negative padding).
  public let inputCrop: [PadPair]?
  /// Zeros around the convolution's result (a transposed convolution's output beyond its crops).
  public let outputPad: [PadPair]?
  public let bias: BiasPlacement
  /// The stage's input, weight to the convolution's operands; its result to the stage's output.
  public let input: [TensorTransform]
  public let weight: [TensorTransform]
  public let output: [TensorTransform]

  /// A core `conv` or `conv_transpose` stage: the convolution itself.
  public init(geometry: ConvGeometry, hasBias: Bool) {
    self.geometry = geometry
    inputDilation = nil
    inputCrop = nil
    outputPad = nil
    bias = hasBias ? .convolution : .none
    input = []
    weight = []
    output = []
  }

  /// A framework stage's lowering, read step by step.
  public init(_ lowering: FrameworkLowering) {
    geometry = lowering.convolution
    bias = lowering.bias
    var input: [TensorTransform] = [], dilation: [Int]?, crop: [PadPair]?
    for step in lowering.inputSteps {
      switch step.plan {
      case .permute(let permutation, _, _): input.append(.permute(permutation.axes))
      case .reshape(let from, let to): input.append(.reshape(from: from, to: to))
      case .remap(let geometry):
        for axis in geometry.axes {
          switch axis {
          case .unstride: dilation = geometry.axes.map { if case .unstride(let s) = $0 { s } else { 1 } }
          case .crop: crop = geometry.axes.map { if case .crop(let pair) = $0 { pair } else { PadPair(0, 0) } }
          default: break
          }
        }
      case .convolution: break
      }
    }
    var weight: [TensorTransform] = []
    for step in lowering.weightSteps {
      switch step.plan {
      case .permute(let permutation, _, _): weight.append(.permute(permutation.axes))
      case .reshape(let from, let to): weight.append(.reshape(from: from, to: to))
      case .remap: weight.append(.flip(Array(2..<step.plan.outputShape.count)))
      case .convolution: break
      }
    }
    var output: [TensorTransform] = [], pad: [PadPair]?
    for step in lowering.outputSteps {
      switch step.plan {
      case .permute(let permutation, _, _): output.append(.permute(permutation.axes))
      case .reshape(let from, let to): output.append(.reshape(from: from, to: to))
      case .remap(let geometry):
        pad = geometry.axes.map { if case .pad(let pair, _) = $0 { pair } else { PadPair(0, 0) } }
      case .convolution: break
      }
    }
    self.input = input
    self.weight = weight
    self.output = output
    inputDilation = dilation
    inputCrop = crop
    outputPad = pad
  }

  /// The input the convolution's operands start from, before dilation and crops: `[N, C, spatial...]`.
  public var inputShape: [Int] {
    var shape = geometry.inputShape
    for j in geometry.axes.indices {
      let crop = inputCrop?[j].total ?? 0
      let size = shape[j + 2] + crop
      shape[j + 2] = inputDilation.map { (size - 1) / $0[j] + 1 } ?? size
    }
    return shape
  }

  /// The result's shape once the zeros around it are added.
  public var resultShape: [Int] {
    var shape = geometry.outputShape
    if let outputPad { for j in outputPad.indices { shape[j + 2] += outputPad[j].total } }
    return shape
  }

  /// What two calls must share to compute the same function of the same operands.
  var signature: Signature {
    let axes = geometry.axes
    let edges = axes.indices.map { j -> SignedPair in
      let axis = axes[j]
      switch geometry.direction {
      case .forward:
        let crop = inputCrop?[j] ?? PadPair(0, 0)
        return SignedPair(axis.padBegin - crop.begin, axis.padEnd - crop.end)
      case .transposed:
        let pad = outputPad?[j] ?? PadPair(0, 0)
        return SignedPair(axis.padBegin - pad.begin, axis.padEnd - axis.outputPadding - pad.end)
      }
    }
    return Signature(
      transposed: geometry.direction == .transposed, input: inputShape, weight: geometry.weightShape,
      stride: axes.map(\.stride), dilation: axes.map(\.dilation), groups: geometry.groups,
      mode: geometry.paddingMode, inputDilation: inputDilation ?? Array(repeating: 1, count: axes.count),
      edges: edges, output: resultShape)
  }

  /// Per axis: forward, the padding (negative crops the input); transposed, the
  /// cells cropped from the full result (negative adds zeros).
  struct SignedPair: Equatable {
    let begin: Int
    let end: Int
    init(_ begin: Int, _ end: Int) {
      self.begin = begin
      self.end = end
    }
  }

  struct Signature: Equatable {
    let transposed: Bool
    let input: [Int]
    let weight: [Int]
    let stride: [Int]
    let dilation: [Int]
    let groups: Int
    let mode: PaddingMode
    let inputDilation: [Int]
    let edges: [SignedPair]
    let output: [Int]
  }
}
