/// How a convolution fills the cells its padding adds (PyTorch's `padding_mode`).
public enum PaddingMode: String, Sendable, CaseIterable {
  case zeros, reflect, replicate, circular
}

/// Whether a geometry describes a convolution or its transpose.
public enum ConvDirection: Sendable, Equatable {
  /// Cross-correlation, as PyTorch's `conv{1,2,3}d` computes it.
  case forward
  /// The transpose of that operator, as PyTorch's `conv_transpose{1,2,3}d`.
  case transposed
}

/// One spatial dimension of a convolution, every size resolved.
public struct ConvAxis: Sendable, Equatable {
  /// `L`, `H`, `W`, `D`, ...
  public let name: String
  public let input: Int
  public let kernel: Int
  public let stride: Int
  public let dilation: Int
  /// Forward: cells of padding added before the input. Transposed: cells cropped
  /// from the start of the full result.
  public let padBegin: Int
  /// Forward: padding added after. Transposed: cells cropped from the end.
  public let padEnd: Int
  /// Transposed only: zero cells appended to the full result before cropping.
  public let outputPadding: Int
  public let output: Int
  /// One line of arithmetic with the numbers filled in, e.g.
  /// `H: floor((8 + 1 + 1 - 1*(3-1) - 1) / 2) + 1 = 4`.
  public let arithmetic: String

  /// The dilated kernel's extent: `d(k-1) + 1`.
  public var dilatedKernel: Int { dilatedExtent(kernel: kernel, dilation: dilation) }
}

/// A convolution or transposed convolution with every shape and parameter
/// resolved: what validation prints, what execution runs.
public struct ConvGeometry: Sendable, Equatable {
  public let direction: ConvDirection
  public let batch: Int
  public let inputChannels: Int
  public let outputChannels: Int
  public let groups: Int
  public let axes: [ConvAxis]
  /// The padding fill. For a transposed convolution, the mode of the forward
  /// convolution it is the adjoint of (``adjointForward``).
  public let paddingMode: PaddingMode

  /// `[N, C_in, in...]`.
  public var inputShape: [Int] { [batch, inputChannels] + axes.map(\.input) }
  /// `[N, C_out, out...]`.
  public var outputShape: [Int] { [batch, outputChannels] + axes.map(\.output) }
  /// `[C_out, C_in/groups, k...]` forward, `[C_in, C_out/groups, k...]` transposed.
  public var weightShape: [Int] {
    switch direction {
    case .forward: [outputChannels, inputChannels / groups] + axes.map(\.kernel)
    case .transposed: [inputChannels, outputChannels / groups] + axes.map(\.kernel)
    }
  }
  /// Multiply-adds of one application: output elements times `C_in/groups * prod(k)`
  /// forward, input elements times `C_out/groups * prod(k)` transposed.
  public var multiplyAdds: Int {
    let kernelVolume = axes.map(\.kernel).reduce(1, *)
    switch direction {
    case .forward: return outputShape.reduce(1, *) * (inputChannels / groups) * kernelVolume
    case .transposed: return inputShape.reduce(1, *) * (outputChannels / groups) * kernelVolume
    }
  }
}

/// Checks the shapes every convolution shares: ranks, channels, groups, kernel,
/// stride and dilation, and the bias.
struct ConvShapeCheck {
  var rules = RuleCollector()
  let names: [String]
  let input: [Int]
  let weight: [Int]
  var inputChannels = 0
  var outputChannels = 0
  var kernel: [Int] = []
  var stride: [Int] = []
  var dilation: [Int] = []

  init(
    direction: ConvDirection, input: [Int], weight: [Int], bias: [Int]?,
    stride: SpatialParameter, dilation: SpatialParameter, groups: Int
  ) {
    self.input = input
    self.weight = weight
    let spatialCount = max(input.count - 2, 0)
    names = spatialAxisNames(count: spatialCount)
    guard
      rules.require(
        input.count >= 3,
        "input must be [N, C, spatial...] with at least one spatial dimension, got \(input.count) axes"),
      rules.require(weight.count == input.count, "weight has \(weight.count) axes but the input has \(input.count)"),
      rules.collect({ () throws(ShapeError) in try requireBounded(input + weight + [groups], "size") }) != nil
    else { return }
    kernel = Array(weight.dropFirst(2))
    self.stride = rules.collect { () throws(ShapeError) in try stride.resolve("stride", count: spatialCount) } ?? []
    self.dilation =
      rules.collect { () throws(ShapeError) in try dilation.resolve("dilation", count: spatialCount) } ?? []
    for (name, value) in zip(names, self.stride) {
      rules.require(value >= 1, "stride \(value) must be at least 1 (\(name))")
    }
    for (name, value) in zip(names, self.dilation) {
      rules.require(value >= 1, "dilation \(value) must be at least 1 (\(name))")
    }
    for (name, value) in zip(names, kernel) {
      rules.require(value >= 1, "kernel size \(value) must be at least 1 (\(name))")
    }
    for (axis, value) in ["output", "input"].enumerated() where weight[axis] < 1 {
      rules.fail(
        "weight \(weight.shapeDescription) has \(weight[axis]) \(direction == .forward ? value : ["input", "output"][axis]) channels; it must have at least 1"
      )
    }
    for (name, value) in zip(names, input.dropFirst(2)) {
      rules.require(value >= 1, "input size \(value) must be at least 1 (\(name))")
    }
    guard rules.require(groups >= 1, "groups \(groups) must be at least 1") else { return }
    inputChannels = input[1]
    switch direction {
    case .forward:
      outputChannels = weight[0]
      rules.require(
        inputChannels % groups == 0, "input channels \(inputChannels) must be divisible by groups \(groups)")
      rules.require(
        outputChannels % groups == 0, "weight's output channels \(outputChannels) must be divisible by groups \(groups)"
      )
      rules.require(
        weight[1] * groups == inputChannels,
        "weight \(weight.shapeDescription) expects \(weight[1] * groups) input channels (\(weight[1]) x groups \(groups)), the input has \(inputChannels)"
      )
    case .transposed:
      outputChannels = weight[1] * groups
      rules.require(
        inputChannels % groups == 0, "input channels \(inputChannels) must be divisible by groups \(groups)")
      rules.require(
        weight[0] == inputChannels,
        "weight \(weight.shapeDescription) expects \(weight[0]) input channels, the input has \(inputChannels)")
    }
    if let bias {
      rules.require(
        bias == [outputChannels],
        "bias must be [\(outputChannels)] (one per output channel), got \(bias.shapeDescription)")
    }
  }
}
