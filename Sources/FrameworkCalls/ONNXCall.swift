import ConvCore

/// ONNX `Conv` and `ConvTranspose` (opset 22) as onnxruntime's CPU provider
/// computes them, from the node's attributes: `auto_pad` (NOTSET with `pads`
/// as all begins then all ends, SAME_UPPER with the odd cell at the end,
/// SAME_LOWER at the start, VALID), `strides`, `dilations`, `group`,
/// `kernel_shape`, and for ConvTranspose `output_padding` and `output_shape`.
/// Where onnxruntime and the specification (and its reference implementation)
/// part, the lowering notes it.
public struct ONNXCall: Sendable, Equatable {
  public let api: FrameworkAPI
  public let arguments: WrittenArguments

  enum AutoPad: String, Sendable, Equatable, CaseIterable {
    case notSet = "NOTSET"
    case sameUpper = "SAME_UPPER"
    case sameLower = "SAME_LOWER"
    case valid = "VALID"
  }

  var autoPad = AutoPad.notSet
  var autoPadGiven = false
  var strides: [Int]?
  var dilations: [Int]?
  var group = 1
  var kernelShape: [Int]?
  var pads: [Int]?
  var outputPadding: [Int]?
  var outputShape: [Int]?

  init(api: FrameworkAPI, arguments: WrittenArguments, reader: inout ArgumentReader) {
    self.api = api
    self.arguments = arguments
    if let text = reader.string("auto_pad") {
      if let value = AutoPad(rawValue: text) {
        autoPad = value
        autoPadGiven = value != .notSet
      } else {
        reader.fail(
          "auto_pad",
          "unknown AutoPadType \"\(text)\": one of \(AutoPad.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))"
        )
      }
    }
    strides = reader.intList("strides")
    dilations = reader.intList("dilations")
    if let value = reader.int("group") { group = value }
    kernelShape = reader.intList("kernel_shape")
    pads = reader.intList("pads")
    var known = ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"]
    if api == .onnxConvTranspose {
      outputPadding = reader.intList("output_padding")
      outputShape = reader.intList("output_shape")
      known += ["output_padding", "output_shape"]
    }
    reader.finish(known: known)
  }

  private func attribute(_ name: String, _ values: [Int]?, count: Int, minimum: Int, rules: inout CallRules) -> [Int]? {
    guard let values else { return nil }
    guard values.count == count else {
      rules.fail(name, "attribute \(name) \(values) has incorrect size: \(count) values expected")
      return nil
    }
    if values.contains(where: { $0 < minimum }) {
      rules.fail(
        name, "attribute \(name) \(values) must only contain \(minimum == 0 ? "non-negative" : "positive") values")
    }
    return values
  }

  func lower(input: [Int], weight: [Int], bias: [Int]?, dtype: DType) throws(FrameworkCallError) -> FrameworkLowering {
    var rules = CallRules(api)
    let count = input.count - 2
    guard count >= 1 else {
      throw FrameworkCallError(
        api, [CallProblem(nil, "the input must have at least 3 axes, got \(input.shapeDescription)")])
    }
    let names = spatialAxisNames(count: count)
    let stride =
      attribute("strides", strides, count: count, minimum: 1, rules: &rules) ?? Array(repeating: 1, count: count)
    let dilation =
      attribute("dilations", dilations, count: count, minimum: 1, rules: &rules) ?? Array(repeating: 1, count: count)
    let pairs = attribute("pads", pads, count: 2 * count, minimum: 0, rules: &rules).map { list in
      (0..<count).map { PadPair(list[$0], list[$0 + count]) }
    }
    let extra =
      attribute("output_padding", outputPadding, count: count, minimum: 0, rules: &rules)
      ?? Array(repeating: 0, count: count)
    let wanted = attribute("output_shape", outputShape, count: count, minimum: 1, rules: &rules)
    let kernel = Array(weight.dropFirst(2))
    if let kernelShape, kernelShape != kernel {
      rules.fail("kernel_shape", "kernel_shape \(kernelShape) is not compatible with W shape \(weight)")
    }
    rules.require(group >= 1, "group", "group \(group) must be at least 1")
    if autoPadGiven, pads != nil {
      rules.fail(
        "pads",
        "the node has both auto_pad \(autoPad.rawValue) and pads: onnxruntime refuses it (\"A Conv/ConvTranspose node has both 'auto_pad' and 'pads' attributes\"); the reference implementation ignores pads"
      )
    }
    let channels = input[1]
    if group >= 1 {
      if api == .onnxConv {
        rules.require(
          channels == weight[1] * group, "group",
          "input channels C is not equal to kernel channels * group: C \(channels), kernel channels \(weight[1]), group \(group)"
        )
        rules.require(
          weight[0] % group == 0, "group", "the output channels M \(weight[0]) must be divisible by group \(group)")
      } else {
        rules.require(
          channels % group == 0, "group", "input channels C \(channels) must be divisible by group \(group)")
        rules.require(weight[0] == channels, "weight", "W \(weight) must have C = \(channels) input channels first")
      }
    }
    if api == .onnxConv, autoPad == .sameUpper || autoPad == .sameLower, dilation.contains(where: { $0 > 1 }) {
      rules.fail(
        "dilations",
        "dilations \(dilation) with auto_pad \(autoPad.rawValue): onnxruntime refuses it (\"Dilation not supported for AutoPadType::SAME_UPPER or AutoPadType::SAME_LOWER\"); the ONNX specification allows it, and its reference implementation computes it; give pads instead"
      )
    }
    if dtype == .float64 {
      rules.fail(
        nil,
        "float64: onnxruntime's CPU provider has no double kernel for \(api.shortName) (\"Could not find an implementation for \(api.shortName)(22)\"), although the ONNX specification defines it; give the inputs \"dtype\": \"float32\""
      )
    }
    var builder = LoweringBuilder(api: api, input: input, weight: weight)
    let layouts = NativeLayouts(
      input: "[N, C, \(names.joined(separator: ", "))]",
      weight: api == .onnxConv ? "[M, C/group, \(kernelText(count))]" : "[C, M/group, \(kernelText(count))]",
      output: "[N, M, \(names.joined(separator: ", "))]")
    return try rules.lowering { () throws(ShapeError) -> FrameworkLowering in
      if api == .onnxConv {
        let padding: PaddingParameter
        switch autoPad {
        case .notSet: padding = .pairs(pairs ?? Array(repeating: PadPair(0, 0), count: count))
        case .valid: padding = .valid
        case .sameUpper: padding = .same
        case .sameLower:
          padding = .pairs(
            (0..<count).map { j in
              let (out, total) = samePadding(
                input: input[j + 2], kernel: kernel[j], stride: stride[j], dilation: dilation[j])
              let pair = PadPair(splitting: total, oddCellAtStart: true)
              builder.arithmetic.append(
                "\(names[j]): SAME_LOWER: out = ceil(\(input[j + 2]) / \(stride[j])) = \(out), total padding \(total) -> \(pair)\(total % 2 == 1 ? " (the odd cell at the start)" : "")"
              )
              return pair
            })
        }
        try builder.convolve(
          .conv(
            ConvParameters(
              stride: .perDimension(stride), padding: padding, dilation: .perDimension(dilation), groups: group)),
          bias: bias)
      } else {
        let axes = (0..<count).map { j in
          TransposedAxis(
            name: names[j], input: input[j + 2], kernel: kernel[j], stride: stride[j], dilation: dilation[j])
        }
        let operation = try TransposedAxis.transposedConvolution(axes, groups: group, builder: &builder) { j, axis in
          transposedAxis(axis, outputPadding: extra[j], wanted: wanted?[j], explicit: pairs?[j])
        }
        try builder.convolve(operation, bias: bias)
        if group > 1, channels / group > 1 {
          builder.notes.append(
            "group \(group) with \(channels / group) input channels per group: onnx.reference (the specification's reference implementation) fails on this node, slicing W by output channels; onnxruntime and PyTorch compute it"
          )
        }
      }
      return try builder.finish(bias: bias == nil ? .none : .convolution, layouts: layouts)
    }
  }

  /// onnxruntime's ConvTranspose along one axis (ComputeTransposePadAndOutputShape):
  /// with `output_shape`, total padding `full + output_padding - output_shape`, the
  /// odd cell cropped at the start except for SAME_UPPER, and zeros appended when it
  /// is negative; with SAME_* and no `output_shape`, the total `full + output_padding
  /// - in*s` clamped at 0, the odd cell cropped at the end for SAME_UPPER; else `pads`.
  /// The result must be consistent: the forward convolution of the output gives the input.
  private func transposedAxis(
    _ axis: TransposedAxis, outputPadding op: Int, wanted: Int?, explicit: PadPair?
  ) -> Result<TransposedAxis.Resolved, AxisProblem> {
    var notes: [String] = []
    let s = axis.stride, name = axis.name, full = axis.full + op
    guard op < max(s, axis.dilation) else {
      return .failure(
        AxisProblem(
          message:
            "output_padding \(op) must be less than max(stride, dilation) = \(max(s, axis.dilation)) (\(name))"))
    }
    var head = 0, tail = 0, out: Int, text: String
    if let wanted {
      let total = full - wanted
      out = wanted
      if total >= 0 {
        head = PadPair(splitting: total, oddCellAtStart: autoPad != .sameUpper).begin
        tail = total - head
        text =
          "\(name): full \(axis.fullText); output_shape \(wanted): total padding \(axis.full) + output_padding \(op) - \(wanted) = \(total) -> crop [\(head), \(tail)]"
        if total % 2 == 1 {
          text += autoPad == .sameUpper ? " (the odd cell at the end)" : " (the odd cell at the start)"
        }
      } else {
        text =
          "\(name): output_shape \(wanted) beyond the full size \(full): \(-total) zero\(total == -1 ? "" : "s") appended at the end"
        if autoPad == .sameUpper || autoPad == .sameLower {
          let start = autoPad == .sameUpper ? floorDivide(total, 2) : total - floorDivide(total, 2)
          if start != 0 {
            notes.append(
              "\(name): output_shape \(wanted) is larger than the full size \(full); onnxruntime appends the \(-total) missing zero\(total == -1 ? "" : "s") at the end, the ONNX specification (and onnx.reference) splits the negative total padding \(total) by the \(autoPad.rawValue) rule: pads [\(start), \(total - start)], \(-start) zero\(start == -1 ? "" : "s") at the start"
            )
          }
        }
      }
      if autoPad == .notSet {
        notes.append(
          "\(name): output_shape with auto_pad NOTSET: onnxruntime derives the pads from it as the specification says (the odd cell at the start); onnx.reference ignores output_shape there and fails"
        )
      }
    } else if autoPad == .sameUpper || autoPad == .sameLower {
      let exact = full - axis.input * s
      let total = max(exact, 0)
      head = PadPair(splitting: total, oddCellAtStart: autoPad == .sameLower).begin
      tail = total - head
      out = full - total
      text =
        "\(name): full \(axis.fullText); \(autoPad.rawValue): total padding max(\(axis.full) + output_padding \(op) - \(axis.input)*\(s), 0) = \(total) -> crop [\(head), \(tail)]"
      if total % 2 == 1 {
        text += autoPad == .sameUpper ? " (the odd cell at the end)" : " (the odd cell at the start)"
      }
      if exact < 0 {
        let start = autoPad == .sameUpper ? floorDivide(exact, 2) : exact - floorDivide(exact, 2)
        notes.append(
          "\(name): onnxruntime clamps the total padding \(exact) at 0 and returns \(out) cells; the ONNX specification (and onnx.reference) gives in*stride = \(axis.input * s) with pads [\(start), \(exact - start)]: \(-exact) zero\(exact == -1 ? "" : "s") \(start < 0 ? "at the start" : "at the end")"
        )
      }
    } else {
      let pair = explicit ?? PadPair(0, 0)
      (head, tail) = (pair.begin, pair.end)
      out = full - pair.total
      text =
        "\(name): full \(axis.fullText); \(autoPad == .valid ? "VALID" : "pads \(pair)"): \(axis.full) + output_padding \(op) - \(pair.begin) - \(pair.end) = \(out)"
    }
    guard out >= 1 else {
      return .failure(AxisProblem(message: "computed output dimension \(out) is <= 0 (\(name))"))
    }
    let reached = floorDivide(out + head + tail - axis.extent, s) + 1
    guard reached == axis.input else {
      let reason =
        wanted != nil
        ? "explicit output_shape \(wanted ?? 0) is inconsistent with the input size \(axis.input) and the convolution parameters (the forward convolution of \(out) cells gives \(reached); sizes up to \(axis.full + s - 1) are consistent) (\(name))"
        : "computed output shape is inconsistent with the input size \(axis.input): output_padding \(op) may be too large for stride \(s) (onnxruntime accepts output_padding < max(stride, dilation) and then requires it below the stride; the specification allows it) (\(name))"
      return .failure(AxisProblem(message: reason))
    }
    let appended = out + head + tail - axis.full
    return .success(
      TransposedAxis.Resolved(crop: PadPair(head, tail), appended: appended, arithmetic: text, notes: notes))
  }
}
