import ConvCore

/// One step of a lowering: a core operation on the way of the input, the weight
/// or the result, and what it does in the framework's terms.
public struct LoweredStep: Sendable, Equatable {
  public let plan: OperationPlan
  /// E.g. `input NHWC -> [N, C, H, W]`, `flip the kernel: jax.lax.conv_transpose does not flip it`.
  public let explanation: String

  /// The step's line with its arithmetic: `input NHWC -> [N, C, H, W]: permute [0, 3, 1, 2] -> 1x3x16x16`.
  public var line: String {
    let what: String
    switch plan {
    case .permute(let permutation, _, _): what = "permute \(permutation.axes)"
    case .reshape: what = "reshape"
    case .remap(let geometry): what = geometry.arithmetic.joined(separator: ", ")
    case .convolution: what = "convolution"
    }
    return "\(explanation): \(what) -> \(plan.outputShape.shapeDescription)"
  }
}

/// Where the bias goes.
public enum BiasPlacement: Sendable, Equatable {
  /// No bias: the API takes none, or none was given.
  case none
  /// Added per output channel by the core convolution (every cell, output padding included).
  case convolution
  /// Added along `axis` of the native output, whatever that axis holds: the Keras
  /// TensorFlow backend's bias_add on the last axis for channels_first outputs
  /// whose last axis has `filters` cells.
  case axis(Int)
}

/// A framework call lowered onto the core operations: the input's steps to
/// `[N, C, spatial...]`, the weight's steps to PyTorch's layout, one core
/// convolution or transposed convolution, the result's steps back to the API's
/// native layout, and the bias. One shape-arithmetic place serves validation,
/// execution, `validate`'s printed lowering and `explain`.
public struct FrameworkLowering: Sendable, Equatable {
  public let api: FrameworkAPI
  public let inputSteps: [LoweredStep]
  public let weightSteps: [LoweredStep]
  public let convolution: ConvGeometry
  public let outputSteps: [LoweredStep]
  public let bias: BiasPlacement
  /// The native input, weight and output shapes.
  public let inputShape: [Int]
  public let weightShape: [Int]
  public let outputShape: [Int]
  /// The framework's arguments resolved, with the numbers: one line each.
  public let arithmetic: [String]
  /// Where the runtime convpipe follows differs from the framework's documentation,
  /// its specification or another runtime, for this call.
  public let notes: [String]
  /// The tensors' native layouts, e.g. input `NHWC`, weight `(kh, kw, out, in)`, output `NHWC`.
  public let layouts: NativeLayouts

  /// Every line `validate` prints below the stage: the arithmetic of the
  /// arguments, each step, the core convolution with its arithmetic, the notes.
  public var description: [String] {
    var lines = arithmetic + inputSteps.map(\.line) + weightSteps.map(\.line)
    lines.append("\(convolution.summary):")
    lines += convolution.axes.map { "  \($0.arithmetic)" }
    lines += outputSteps.map(\.line)
    if case .axis(let axis) = bias {
      lines.append("bias added along axis \(axis) of the output (see the note)")
    }
    lines += notes.map { "note: \($0)" }
    return lines
  }
}

/// The layouts of a call's tensors, as the framework names them.
public struct NativeLayouts: Sendable, Equatable {
  public let input: String
  public let weight: String
  public let output: String
}

extension ConvGeometry {
  /// The core operation as convpipe's job format writes it:
  /// `conv_transpose stride [2, 2], padding [[0, 1], [0, 1]], output_padding [0, 0], dilation [1, 1], groups 1`.
  public var summary: String {
    let pads = "[" + axes.map { "[\($0.padBegin), \($0.padEnd)]" }.joined(separator: ", ") + "]"
    var text = direction == .forward ? "conv" : "conv_transpose"
    text += " stride \(axes.map(\.stride)), padding \(pads)"
    if direction == .transposed { text += ", output_padding \(axes.map(\.outputPadding))" }
    text += ", dilation \(axes.map(\.dilation)), groups \(groups)"
    if paddingMode != .zeros { text += ", padding_mode \(paddingMode.rawValue)" }
    return text
  }
}

/// Assembles a lowering step by step, planning each core operation on the shape
/// the previous step produced.
struct LoweringBuilder {
  let api: FrameworkAPI
  let nativeInput: [Int]
  let nativeWeight: [Int]
  private(set) var input: [Int]
  private(set) var weight: [Int]
  private var inputSteps: [LoweredStep] = []
  private var weightSteps: [LoweredStep] = []
  private var outputSteps: [LoweredStep] = []
  private var geometry: ConvGeometry?
  private(set) var outputShape: [Int] = []
  var arithmetic: [String] = []
  var notes: [String] = []

  init(api: FrameworkAPI, input: [Int], weight: [Int]) {
    self.api = api
    nativeInput = input
    nativeWeight = weight
    self.input = input
    self.weight = weight
  }

  private static func step(_ operation: Operation, on shape: [Int], _ explanation: String) throws(ShapeError)
    -> LoweredStep
  {
    LoweredStep(plan: try operation.plan(input: shape), explanation: explanation)
  }

  /// Adds a step on the input's way, unless it is an identity permutation.
  mutating func input(_ operation: Operation, _ explanation: String) throws(ShapeError) {
    if case .permute(let permutation) = operation, permutation.axes == Array(input.indices) { return }
    let step = try Self.step(operation, on: input, explanation)
    inputSteps.append(step)
    input = step.plan.outputShape
  }

  mutating func weight(_ operation: Operation, _ explanation: String) throws(ShapeError) {
    if case .permute(let permutation) = operation, permutation.axes == Array(weight.indices) { return }
    let step = try Self.step(operation, on: weight, explanation)
    weightSteps.append(step)
    weight = step.plan.outputShape
  }

  /// Plans the core convolution on the prepared input and weight.
  mutating func convolve(_ operation: Operation, bias: [Int]?) throws(ShapeError) {
    guard case .convolution(let planned) = try operation.plan(input: input, weight: weight, bias: bias) else {
      throw ShapeError(["not a convolution"])
    }
    geometry = planned
    outputShape = planned.outputShape
  }

  /// Adds a step on the result's way, after the convolution.
  mutating func output(_ operation: Operation, _ explanation: String) throws(ShapeError) {
    if case .permute(let permutation) = operation, permutation.axes == Array(outputShape.indices) { return }
    let step = try Self.step(operation, on: outputShape, explanation)
    outputSteps.append(step)
    outputShape = step.plan.outputShape
  }

  func finish(bias: BiasPlacement, layouts: NativeLayouts) throws(ShapeError) -> FrameworkLowering {
    guard let geometry else { throw ShapeError(["the convolution was not planned"]) }
    return FrameworkLowering(
      api: api, inputSteps: inputSteps, weightSteps: weightSteps, convolution: geometry, outputSteps: outputSteps,
      bias: bias, inputShape: nativeInput, weightShape: nativeWeight, outputShape: outputShape, arithmetic: arithmetic,
      notes: notes, layouts: layouts)
  }
}

/// The permutation taking a tensor stored with axes `layout` (letters, e.g. `NHWC`)
/// to the order `target` (e.g. `NCHW`): output axis i is input axis `result[i]`.
func permutation(from layout: [Character], to target: [Character]) -> [Int] {
  target.compactMap { letter in layout.firstIndex(of: letter) }
}

/// The spatial letters of `count` dimensions: `W`, `HW`, `DHW`.
func spatialLetters(_ count: Int) -> [Character] {
  switch count {
  case 1: ["W"]
  case 2: ["H", "W"]
  default: ["D", "H", "W"]
  }
}

extension LoweringBuilder {
  /// Convolves with a transposed convolution whose crops may be negative (zeros
  /// before the full result) or whose zeros after it may reach past the core's
  /// `output_padding` limit (`max(s, d) - 1`): the core operation with the crops
  /// and output padding it takes, then a zero `pad` for the rest. For calls
  /// without a bias only (the padded cells must stay zeros).
  mutating func convolveTransposed(
    stride: [Int], dilation: [Int], groups: Int, crops: [(begin: Int, end: Int)]
  ) throws(ShapeError) {
    var pairs: [PadPair] = [], extra: [Int] = [], before: [Int] = [], after: [Int] = []
    for (j, crop) in crops.enumerated() {
      let limit = max(stride[j], dilation[j]) - 1
      let appended = max(-crop.end, 0)
      pairs.append(PadPair(max(crop.begin, 0), max(crop.end, 0)))
      extra.append(min(appended, limit))
      before.append(max(-crop.begin, 0))
      after.append(appended - min(appended, limit))
    }
    try convolve(
      .convTranspose(
        ConvTransposeParameters(
          stride: .perDimension(stride), padding: .pairs(pairs), outputPadding: .perDimension(extra),
          dilation: .perDimension(dilation), groups: groups)), bias: nil)
    if before.contains(where: { $0 > 0 }) || after.contains(where: { $0 > 0 }) {
      try output(
        .remap(.pad(pads: .pairs(zip(before, after).map { PadPair($0, $1) }), mode: .zeros, value: 0)),
        "zeros beyond what conv_transpose's crop and output_padding reach")
    }
  }

  /// Turns a weight in core convolution layout `[C_out, C_in/g, k...]` into the
  /// transposed convolution's `[C_in, C_out/g, k...]` that applies it unflipped to
  /// the zero-inserted input: flip every spatial axis, and swap in and out within each group.
  mutating func flipAndSwapWeight(groups: Int, _ why: String) throws(ShapeError) {
    try weight(.remap(.flip), "flip the kernel: \(why)")
    let kernel = Array(weight.dropFirst(2))
    let outPer = weight[0] / max(groups, 1), inPer = weight[1]
    if groups == 1 {
      try self.weight(.permute(Permutation(axes: [1, 0] + Array(2..<weight.count))), "swap in and out channels")
      return
    }
    try self.weight(.reshape([groups, outPer, inPer] + kernel), "split the \(groups) groups")
    try self.weight(
      .permute(Permutation(axes: [0, 2, 1] + Array(3..<(3 + kernel.count)))),
      "swap in and out channels within each group")
    try self.weight(.reshape([groups * inPer, outPer] + kernel), "merge the groups")
  }
}

extension FrameworkLowering {
  /// Elements of the intermediate tensors the steps make besides the operands and
  /// the result (an upper bound: every step's output), for the memory estimate.
  public var workspaceElements: Int {
    let steps = inputSteps + weightSteps + outputSteps
    return saturatingSum(
      steps.map { saturatingProduct($0.plan.outputShape) } + [saturatingProduct(convolution.outputShape)])
  }
}
