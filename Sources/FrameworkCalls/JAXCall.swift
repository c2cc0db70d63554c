import ConvCore

/// `jax.lax.conv_general_dilated` and `jax.lax.conv_transpose`: layouts from
/// `dimension_numbers` (spatial axes ordered as the kernel's spec lists them),
/// padding as strings or `(low, high)` pairs (negative ones crop), input
/// (`lhs_dilation`) and kernel (`rhs_dilation`) dilation, feature and batch groups;
/// `conv_transpose` pads the dilated input and flips the kernel only with
/// `transpose_kernel=True`.
public struct JAXCall: Sendable, Equatable {
  public let api: FrameworkAPI
  public let arguments: WrittenArguments

  enum Padding: Sendable, Equatable, CustomStringConvertible {
    /// An upper-cased string: `SAME`, `SAME_LOWER`, `VALID`, or (for conv_transpose) what was written.
    case named(String)
    case pairs([[Int]])

    var description: String {
      switch self {
      case .named(let text): "\"\(text)\""
      case .pairs(let pairs): "\(pairs)"
      }
    }
  }

  var strides: [Int] = []
  var padding: Padding = .named("VALID")
  var lhsDilation: [Int]?
  var rhsDilation: [Int]?
  var dimensionNumbers: [String]?
  var featureGroupCount = 1
  var batchGroupCount = 1
  var transposeKernel = false
  var useConsistentPadding = false

  private var strideName: String { api == .jaxConvTranspose ? "strides" : "window_strides" }

  init(api: FrameworkAPI, arguments: WrittenArguments, reader: inout ArgumentReader) {
    self.api = api
    self.arguments = arguments
    let strideName = api == .jaxConvTranspose ? "strides" : "window_strides"
    if reader.required(strideName, "a sequence of integers") != nil, let list = reader.intList(strideName) {
      strides = list
    }
    if let value = reader.required("padding", "a string or a sequence of (low, high) pairs") {
      switch value {
      case .string(let text):
        if api == .jaxConvTranspose {
          padding = .named(text)
        } else if ["SAME", "SAME_LOWER", "VALID"].contains(text.uppercased()) {
          padding = .named(text.uppercased())
        } else {
          reader.fail("padding", "unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', got \(text)")
        }
      default:
        if let pairs = value.pairList {
          padding = .pairs(pairs)
        } else {
          reader.fail("padding", "expected a string or a sequence of (low, high) integer pairs, got \(value)")
        }
      }
    }
    if api == .jaxConvGeneralDilated { lhsDilation = reader.intList("lhs_dilation") }
    rhsDilation = reader.intList("rhs_dilation")
    if let value = reader.given("dimension_numbers") {
      if case .list(let items) = value, items.count == 3,
        case let specs = items.compactMap({ if case .string(let text) = $0 { text } else { nil } }), specs.count == 3
      {
        dimensionNumbers = specs
      } else {
        reader.fail(
          "dimension_numbers",
          "expected three strings (lhs, rhs, out), e.g. [\"NHWC\", \"HWIO\", \"NHWC\"], got \(value)")
      }
    }
    if api == .jaxConvGeneralDilated {
      if let value = reader.int("feature_group_count") { featureGroupCount = value }
      if let value = reader.int("batch_group_count") { batchGroupCount = value }
    } else {
      if let value = reader.bool("transpose_kernel") { transposeKernel = value }
      if let value = reader.bool("use_consistent_padding") { useConsistentPadding = value }
    }
    if let value = reader.given("precision") {
      let names = ["DEFAULT", "HIGH", "HIGHEST"]
      if case .string(let text) = value, names.contains(text.uppercased()) {
      } else {
        reader.fail("precision", "expected null or one of \"DEFAULT\", \"HIGH\", \"HIGHEST\", got \(value)")
      }
    }
    if let value = reader.given("preferred_element_type") {
      reader.fail(
        "preferred_element_type",
        "\(value) is not supported: convpipe computes in the operands' element type (a stage's \"dtype\" casts the result)"
      )
    }
    let known =
      api == .jaxConvGeneralDilated
      ? [
        "window_strides", "padding", "lhs_dilation", "rhs_dilation", "dimension_numbers", "feature_group_count",
        "batch_group_count", "precision", "preferred_element_type",
      ]
      : [
        "strides", "padding", "rhs_dilation", "dimension_numbers", "transpose_kernel", "precision",
        "preferred_element_type", "use_consistent_padding",
      ]
    reader.finish(known: known)
  }

  /// The three specs, validated: each holds N and C (O and I) once, no letter twice,
  /// the same spatial letters, one letter per axis.
  private func specs(rank: Int, rules: inout CallRules) -> [[Character]]? {
    let defaults: [String]
    if api == .jaxConvTranspose {
      guard rank <= 5 || dimensionNumbers != nil else {
        rules.fail(
          "dimension_numbers",
          "no default dimension_numbers for a \(rank - 2)-d conv_transpose (JAX has them for 1-d to 3-d)")
        return nil
      }
      let spatial = ["H", "HW", "HWD"][min(max(rank - 3, 0), 2)]
      defaults = ["N\(spatial)C", "\(spatial)IO", "N\(spatial)C"]
    } else {
      // Any distinct letters name the spatial axes; D, H, W as far as they go.
      let spatial =
        rank - 2 <= 3
        ? String(spatialLetters(rank - 2)) : String((0..<(rank - 2)).map { Character(UnicodeScalar(UInt8(97 + $0))) })
      defaults = ["NC\(spatial)", "OI\(spatial)", "NC\(spatial)"]
    }
    let specs = (dimensionNumbers ?? defaults).map(Array.init)
    let pairs: [[Character]] = [["N", "C"], ["O", "I"], ["N", "C"]]
    var valid = true
    for (spec, pair) in zip(specs, pairs) {
      if spec.count != rank {
        rules.fail(
          "dimension_numbers",
          "dimension_numbers \(String(spec)) has \(spec.count) letters, the operands have \(rank) axes")
        valid = false
      } else if !pair.allSatisfy({ letter in spec.filter { $0 == letter }.count == 1 }) || Set(spec).count != spec.count
      {
        rules.fail(
          "dimension_numbers",
          "dimension_numbers \(String(spec)) must hold \(pair[0]) and \(pair[1]) exactly once and no letter twice")
        valid = false
      }
    }
    guard valid else { return nil }
    let spatialSets = zip(specs, pairs).map { spec, pair in Set(spec.filter { !pair.contains($0) }) }
    guard spatialSets.allSatisfy({ $0 == spatialSets[1] }) else {
      rules.fail(
        "dimension_numbers",
        "dimension_numbers \(dimensionNumbers ?? defaults) must name the same spatial axes in all three specs")
      return nil
    }
    return specs
  }

  func lower(input: [Int], weight: [Int]) throws(FrameworkCallError) -> FrameworkLowering {
    var rules = CallRules(api)
    let rank = input.count
    guard rank >= 3 else {
      throw FrameworkCallError(
        api, [CallProblem(nil, "the input must have at least 3 axes, got \(input.shapeDescription)")])
    }
    guard let specs = specs(rank: rank, rules: &rules) else { throw FrameworkCallError(api, rules.problems) }
    let count = rank - 2
    let (lhs, rhs, out) = (specs[0], specs[1], specs[2])
    let rhsSpatial = rhs.filter { $0 != "O" && $0 != "I" }
    let lhsOrder = permutation(from: lhs, to: ["N", "C"] + rhsSpatial)
    let rhsOrder = permutation(from: rhs, to: ["O", "I"] + rhsSpatial)
    let outOrder = permutation(from: ["N", "C"] + rhsSpatial, to: out)
    let names = rhsSpatial.map(String.init)
    func sequence(_ name: String, _ values: [Int]?) -> [Int] {
      guard let values else { return Array(repeating: 1, count: count) }
      guard values.count == count else {
        rules.fail(name, "\(name) \(values) must have \(count) values, one per spatial dimension")
        return Array(repeating: 1, count: count)
      }
      for v in values where v < 1 { rules.fail(name, "\(name) \(values) must be positive") }
      return values
    }
    let stride = sequence(strideName, strides)
    let dilation = sequence("rhs_dilation", rhsDilation)
    let inputDilation = sequence("lhs_dilation", lhsDilation)
    let channels = input[lhs.firstIndex(of: "C") ?? 1], batch = input[lhs.firstIndex(of: "N") ?? 0]
    let kernelOut = weight[rhs.firstIndex(of: "O") ?? 0], kernelIn = weight[rhs.firstIndex(of: "I") ?? 1]
    let kernel = rhsOrder.dropFirst(2).map { weight[$0] }
    let spatialInput = lhsOrder.dropFirst(2).map { input[$0] }

    var builder = LoweringBuilder(api: api, input: input, weight: weight)
    let layouts = NativeLayouts(input: String(lhs), weight: String(rhs), output: String(out))
    return try rules.lowering { () throws(ShapeError) -> FrameworkLowering in
      try builder.input(
        .permute(Permutation(axes: lhsOrder)), "lhs \(String(lhs)) -> [N, C, \(names.joined(separator: ", "))]")
      try builder.weight(
        .permute(Permutation(axes: rhsOrder)), "rhs \(String(rhs)) -> [O, I, \(names.joined(separator: ", "))]")
      if api == .jaxConvTranspose {
        try lowerTranspose(
          &builder, channels: channels, kernelOut: kernelOut, kernelIn: kernelIn, kernel: kernel, input: spatialInput,
          stride: stride, dilation: dilation, names: names)
      } else {
        try lowerGeneral(
          &builder, batch: batch, channels: channels, kernelOut: kernelOut, kernelIn: kernelIn, kernel: kernel,
          input: spatialInput, stride: stride, dilation: dilation, inputDilation: inputDilation, names: names)
      }
      try builder.output(
        .permute(Permutation(axes: outOrder)), "output [N, C, \(names.joined(separator: ", "))] -> \(String(out))")
      return try builder.finish(bias: .none, layouts: layouts)
    }
  }

  /// `padtype_to_pads`: SAME and SAME_LOWER pad `max((ceil(n/s)-1)s + d(k-1) + 1 - n, 0)`,
  /// the odd cell at the end (SAME) or the start (SAME_LOWER).
  private static func stringPads(
    _ mode: String, input: [Int], kernel: [Int], stride: [Int], dilation: [Int], names: [String]
  )
    -> ([(Int, Int)], [String])
  {
    var pads: [(Int, Int)] = [], lines: [String] = []
    for j in input.indices {
      guard mode != "VALID" else {
        pads.append((0, 0))
        continue
      }
      let extent = dilatedExtent(kernel: kernel[j], dilation: dilation[j])
      let total = samePadding(input: input[j], kernel: kernel[j], stride: stride[j], dilation: dilation[j]).total
      let begin = PadPair(splitting: total, oddCellAtStart: mode != "SAME").begin
      pads.append((begin, total - begin))
      lines.append(
        "\(names[j]): \(mode): total padding max((ceil(\(input[j]) / \(stride[j]))-1)*\(stride[j]) + \(extent) - \(input[j]), 0) = \(total) -> (\(begin), \(total - begin))\(total % 2 == 1 ? (mode == "SAME" ? " (the odd cell at the end)" : " (the odd cell at the start)") : "")"
      )
    }
    return (pads, lines)
  }

  private func pairs(count: Int) throws(ShapeError) -> [(Int, Int)] {
    guard case .pairs(let list) = padding else { return [] }
    guard list.count == count else {
      throw ShapeError(["padding \(list) must have \(count) (low, high) pairs, one per spatial dimension"])
    }
    return list.map { ($0[0], $0[1]) }
  }

  private func lowerGeneral(
    _ builder: inout LoweringBuilder, batch: Int, channels: Int, kernelOut: Int, kernelIn: Int, kernel: [Int],
    input: [Int], stride: [Int], dilation: [Int], inputDilation: [Int], names: [String]
  ) throws(ShapeError) {
    var problems: [String] = []
    let (features, batches) = (featureGroupCount, batchGroupCount)
    if features < 1 { problems.append("feature_group_count must be a positive integer, got \(features)") }
    if batches < 1 { problems.append("batch_group_count must be a positive integer, got \(batches)") }
    if features > 1, batches > 1 {
      problems.append(
        "at most one of batch_group_count and feature_group_count may be > 1, got batch_group_count=\(batches) and feature_group_count=\(features)"
      )
    }
    if features >= 1, channels % features != 0 {
      problems.append(
        "feature_group_count must divide lhs feature dimension size, but \(features) does not divide \(channels)")
    } else if features >= 1, channels / features != kernelIn {
      problems.append(
        "lhs feature dimension size divided by feature_group_count must equal the rhs input feature dimension size, but \(channels) // \(features) != \(kernelIn)"
      )
    }
    for groups in [features, batches] where groups >= 1 && kernelOut % groups != 0 {
      problems.append(
        "rhs output feature dimension size must be a multiple of the group count, but \(kernelOut) is not a multiple of \(groups)"
      )
    }
    if batches > 1, batch % batches != 0 {
      problems.append("batch_group_count must divide lhs batch dimension size, but \(batches) does not divide \(batch)")
    }
    let dilatedInput = inputDilation != Array(repeating: 1, count: input.count)
    if case .named = padding, dilatedInput {
      problems.append(
        "padding \(padding) with lhs_dilation \(inputDilation): string padding is not implemented for transposed convolution using this op; give (low, high) pairs or use jax.lax.conv_transpose (the docstring lists the strings without this restriction)"
      )
    }
    if !problems.isEmpty { throw ShapeError(problems) }
    var pads: [(Int, Int)]
    if case .named(let mode) = padding {
      let (resolved, lines) = Self.stringPads(
        mode, input: input, kernel: kernel, stride: stride, dilation: dilation, names: names)
      pads = resolved
      builder.arithmetic += lines
    } else {
      pads = try pairs(count: input.count)
    }
    if batches > 1 {
      let rest = Array(builder.input.dropFirst(2))
      try builder.input(
        .reshape([batches, batch / batches, channels] + rest),
        "batch_group_count \(batches): split the batch into groups")
      try builder.input(
        .permute(Permutation(axes: [1, 0] + Array(2..<(rest.count + 3)))), "the groups next to the channels")
      try builder.input(
        .reshape([batch / batches, batches * channels] + rest), "each batch group as a group of channels")
    }
    let groups = max(features, batches)
    if dilatedInput && stride.allSatisfy({ $0 == 1 }) && batches == 1 {
      // Zero insertion with stride 1 is a transposed convolution of the unflipped kernel.
      try builder.flipAndSwapWeight(
        groups: groups, "conv_general_dilated applies it as it is to the zero-inserted input")
      let crops = zip(kernel, zip(dilation, pads)).map { k, rest in
        (begin: rest.0 * (k - 1) - rest.1.0, end: rest.0 * (k - 1) - rest.1.1)
      }
      builder.arithmetic += names.indices.map { j in
        "\(names[j]): lhs_dilation \(inputDilation[j]), padding (\(pads[j].0), \(pads[j].1)) of the dilated input: conv_transpose crop \(crops[j].begin), \(crops[j].end) = \(dilation[j])*(\(kernel[j])-1) - padding"
      }
      try builder.convolveTransposed(
        stride: inputDilation, dilation: dilation, groups: groups, crops: crops)
      return
    }
    if dilatedInput {
      try builder.input(
        .remap(.unstride(.perDimension(inputDilation))), "lhs_dilation \(inputDilation): zeros between input cells")
    }
    let crops = pads.map { PadPair(max(-$0.0, 0), max(-$0.1, 0)) }
    if crops.contains(where: { $0.total > 0 }) {
      try builder.input(.remap(.crop(.pairs(crops))), "negative padding crops the input")
    }
    try builder.convolve(
      .conv(
        ConvParameters(
          stride: .perDimension(stride), padding: .pairs(pads.map { PadPair(max($0.0, 0), max($0.1, 0)) }),
          dilation: .perDimension(dilation), groups: groups)), bias: nil)
  }

  private func lowerTranspose(
    _ builder: inout LoweringBuilder, channels: Int, kernelOut: Int, kernelIn: Int, kernel: [Int], input: [Int],
    stride: [Int], dilation: [Int], names: [String]
  ) throws(ShapeError) {
    // The kernel's axis that meets the input's channels: I, or O once transpose_kernel swaps them.
    let meets = transposeKernel ? kernelOut : kernelIn
    guard meets == channels else {
      throw ShapeError([
        "the rhs's \(transposeKernel ? "O" : "I") dimension (\(meets)) must equal the lhs's channels (\(channels))\(transposeKernel ? " with transpose_kernel=True" : " (without transpose_kernel the rhs is used as it is, I matching the input)")"
      ])
    }
    var pads: [(Int, Int)] = []
    let extents = zip(kernel, dilation).map { dilatedExtent(kernel: $0, dilation: $1) }
    switch padding {
    case .named(let mode) where mode == "SAME" || mode == "VALID" || useConsistentPadding:
      guard mode == "SAME" || mode == "VALID" else {
        throw ShapeError([
          "padding \(padding): invalid padding mode \(mode) (conv_transpose takes \"SAME\", \"VALID\" or pairs)"
        ])
      }
      for (j, k) in extents.enumerated() {
        let s = stride[j]
        let total = mode == "SAME" ? k + s - 2 : k + s - 2 + max(k - s, 0)
        let begin = mode == "VALID" || s > k - 1 ? k - 1 : (total + 1) / 2
        pads.append((begin, total - begin))
        builder.arithmetic.append(
          "\(names[j]): \(mode): padding of the dilated input (\(begin), \(total - begin)) (total \(mode == "SAME" ? "k + s - 2" : "k + s - 2 + max(k - s, 0)") = \(total), k = \(k) the dilated kernel) -> crop [\(k - 1 - begin), \(k - 1 - (total - begin))] of the full result"
        )
      }
    case .named(let mode):
      throw ShapeError([
        "padding \(padding): string padding other than \"SAME\" and \"VALID\" (\(mode)) is not implemented for transposed convolution: \"String padding is not implemented for transposed convolution using this op\" (conv_transpose passes it on to conv_general_dilated)"
      ])
    case .pairs:
      let given = try pairs(count: input.count)
      if useConsistentPadding {
        pads = zip(extents, given).map { ($0 - 1 - $1.0, $0 - 1 - $1.1) }
        builder.arithmetic += names.indices.map { j in
          "\(names[j]): use_consistent_padding: padding (\(given[j].0), \(given[j].1)) of the forward convolution -> (\(pads[j].0), \(pads[j].1)) of the dilated input = d(k-1) - padding"
        }
      } else {
        pads = given
        builder.arithmetic += names.indices.map { j in
          "\(names[j]): padding (\(given[j].0), \(given[j].1)) pads the dilated input (not the forward convolution's padding; use_consistent_padding=True reads it that way)"
        }
      }
    }
    if transposeKernel {
      builder.arithmetic.append(
        "transpose_kernel=True: the kernel flipped and its I and O swapped, as the gradient of a forward convolution (Keras's, TensorFlow's and PyTorch's transposed convolutions)"
      )
    } else {
      try builder.flipAndSwapWeight(
        groups: 1,
        "without transpose_kernel, jax.lax.conv_transpose applies the kernel unflipped to the zero-inserted input")
      builder.notes.append(
        "transpose_kernel=False (the default): the kernel is not flipped, so this is PyTorch's conv_transpose of the flipped kernel, not of this one"
      )
    }
    let crops = zip(extents, pads).map { (begin: $0 - 1 - $1.0, end: $0 - 1 - $1.1) }
    try builder.convolveTransposed(stride: stride, dilation: dilation, groups: 1, crops: crops)
  }
}
