import ConvCore

/// An axis of a convolution, as the guide draws it: the input (with JAX's
/// `lhs_dilation` zeros between its cells, cropped by negative padding) padded by
/// `pb` and `pe`, the kernel moved `s` cells per output.
///
/// With `n` input cells, input dilation `l`, crops `cb`/`ce` and `g = (n-1)l + 1 - cb - ce`
/// kept cells, the canvas is `[cb cropped][pb padding][g kept][pe padding][ce cropped]`.
/// Output `o` reads the padded positions `o*s + t*d` for `t` in `0..<k`; the padded
/// positions past `(out-1)*s + d(k-1)` are read by none (the size rule's floor).
struct ForwardLane: ConvolutionAxisLane {
  let axis: ConvAxis
  /// The stage input's cells along the axis, before dilation and crops.
  let inputSize: Int
  let inputDilation: Int
  let crop: PadPair
  let mode: PaddingMode
  let added: PadPair

  var coreResultCount: Int { axis.output }
  private var padded: Int { axis.padBegin + axis.input + axis.padEnd }
  var canvasCount: Int { crop.begin + padded + crop.end }

  func canvasCell(_ column: Int) -> CanvasCell {
    let position = column - crop.begin
    if position < 0 { return CanvasCell(content: dilated(column), use: .cropped) }
    if position >= padded { return CanvasCell(content: dilated(column - axis.padBegin - axis.padEnd), use: .cropped) }
    let use: CanvasUse =
      position <= (axis.output - 1) * axis.stride + axis.dilatedKernel - 1 ? .read : .unread
    let kept = position - axis.padBegin
    if (0..<axis.input).contains(kept) { return CanvasCell(content: dilated(crop.begin + kept), use: use) }
    let padding = AxisRemap.pad(PadPair(axis.padBegin, axis.padEnd), PadMode(rawValue: mode.rawValue) ?? .zeros)
    let source = padding.source(of: position, input: axis.input).flatMap { dilatedInput(crop.begin + $0) }
    return CanvasCell(content: .padding(copyOf: source), use: use)
  }

  /// The input index at position `position` of the dilated input, nil for an inserted zero.
  private func dilatedInput(_ position: Int) -> Int? {
    AxisRemap.unstride(inputDilation).source(of: position, input: inputSize)
  }

  private func dilated(_ position: Int) -> CanvasContent { dilatedInput(position).map { .input($0) } ?? .insertedZero }

  func coreResultCell(_ column: Int) -> ResultCell { .output(column) }
  func coreColumns(of output: Int) -> [Int] { [output] }
  func firstTap(ofCoreColumn column: Int) -> Int { crop.begin + column * axis.stride }
  func canvasColumn(ofInput index: Int) -> Int {
    let position = index * inputDilation
    if position < crop.begin { return position }
    return position + axis.padBegin + (position < crop.begin + axis.input ? 0 : axis.padEnd)
  }

  var construction: [String] {
    var lines: [String] = []
    var size = inputSize
    if inputDilation > 1 {
      size = (inputSize - 1) * inputDilation + 1
      lines.append(
        "\(inputSize) input cells with \(inputDilation - 1) zero\(inputDilation == 2 ? "" : "s") between neighbours (lhs_dilation \(inputDilation)): (\(inputSize)-1)*\(inputDilation) + 1 = \(size)"
      )
    }
    if crop.total > 0 {
      lines.append(
        "negative padding crops \(crop.begin) before and \(crop.end) after (hatched): \(size) - \(crop.begin) - \(crop.end) = \(axis.input)"
      )
    }
    let fill = mode == .zeros ? "zeros" : "\(mode.rawValue) copies of input cells"
    let span = axis.dilatedKernel
    var line =
      "\(axis.input) + \(axis.padBegin) + \(axis.padEnd) = \(padded) cells padded with \(fill); \(axis.kernel) taps \(axis.dilation) apart (span \(span)) moved \(axis.stride) per output: floor((\(padded) - \(span)) / \(axis.stride)) + 1 = \(axis.output) outputs"
    let unread = padded - ((axis.output - 1) * axis.stride + span)
    if unread > 0 { line += "; the last \(unread) read by none (the floor)" }
    return lines + [line]
  }
}
