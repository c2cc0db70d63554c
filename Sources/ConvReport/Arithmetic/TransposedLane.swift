import ConvCore

/// An axis of a transposed convolution as the guide's direct convolution: the
/// input with `s-1` zeros inserted between neighbours, padded, convolved at
/// stride 1 with the flipped kernel.
///
/// With `D = d(k-1)` and `full = (n-1)s + D + 1`, result cell `q` of the full
/// transposed convolution reads the zero-inserted positions `q - D + t*d`
/// (weight `k-1-t`), drawn at canvas column `q + t*d`: the canvas is the
/// zero-inserted input with `D` cells before it. Zeros padding: output `o` is
/// result cell `q = o + pb`; the first `pb` and last `pe - output_padding` cells
/// of the full result are cropped (the direct view pads `D - pb` before and
/// `D - pe + output_padding` after), and so are the canvas cells only they read.
/// A padding mode (the adjoint `A^T = P^T C^T` of conv with that mode): `C^T`
/// computes all `full + output_padding` cells, and `P^T` adds each of the first
/// `pb` and last `pe` onto the output cell it copies.
struct TransposedLane: ConvolutionAxisLane {
  let axis: ConvAxis
  let mode: PaddingMode
  let added: PadPair

  private var span: Int { axis.dilation * (axis.kernel - 1) }
  private var full: Int {
    transposedFullSize(input: axis.input, kernel: axis.kernel, stride: axis.stride, dilation: axis.dilation)
  }
  private var folds: Bool { mode != .zeros }
  /// The full result and the output padding past it.
  var coreResultCount: Int {
    full + (folds ? axis.outputPadding : max(0, axis.outputPadding - axis.padEnd))
  }
  var canvasCount: Int { coreResultCount + span }

  func canvasCell(_ column: Int) -> CanvasCell {
    let position = column - span
    let inserted = (0...(axis.input - 1) * axis.stride).contains(position)
    let content: CanvasContent =
      inserted
      ? AxisRemap.unstride(axis.stride).source(of: position, input: axis.input).map { .input($0) } ?? .insertedZero
      : .padding(copyOf: nil)
    let read = folds || (axis.padBegin...(axis.padBegin + axis.output - 1 + span)).contains(column)
    return CanvasCell(content: content, use: read ? .read : .cropped)
  }

  func coreResultCell(_ column: Int) -> ResultCell {
    let output = column - axis.padBegin
    if (0..<axis.output).contains(output) {
      return output >= axis.output - axis.outputPadding ? .outputPadding(output) : .output(output)
    }
    return copied(column).map { .folded(onto: $0) } ?? .cropped
  }

  /// For a padding mode, the output cell the padded cell `column` of `C^T`'s result copies.
  private func copied(_ column: Int) -> Int? {
    guard folds else { return nil }
    let padding = AxisRemap.pad(PadPair(axis.padBegin, axis.padEnd), PadMode(rawValue: mode.rawValue) ?? .zeros)
    return padding.source(of: column, input: axis.output)
  }

  func coreColumns(of output: Int) -> [Int] {
    let own = output + axis.padBegin
    guard folds else { return [own] }
    let padding = Array(0..<axis.padBegin) + Array((axis.padBegin + axis.output)..<coreResultCount)
    return [own] + padding.filter { copied($0) == output }
  }

  func firstTap(ofCoreColumn column: Int) -> Int { column }
  func canvasColumn(ofInput index: Int) -> Int { span + index * axis.stride }

  var construction: [String] {
    let (s, d, k, n) = (axis.stride, axis.dilation, axis.kernel, axis.input)
    let inserted = (n - 1) * s + 1
    var lines = [
      "\(n) input cells with \(s - 1) zero\(s == 2 ? "" : "s") between neighbours (stride \(s)): (\(n)-1)*\(s) + 1 = \(inserted)"
    ]
    let fullText = "(\(n)-1)*\(s) + \(d)*(\(k)-1) + 1 = \(full)"
    if folds {
      lines.append(
        "C^T: padded by d(k-1) = \(span) before and d(k-1) + output_padding = \(span + axis.outputPadding) after, the flipped kernel at stride 1: the \(coreResultCount) cells of the padded result (full \(fullText))"
      )
      lines.append(
        "P^T (\(mode.rawValue)): the first \(axis.padBegin) and last \(axis.padEnd) cells (hatched) are added onto the output cells they copy: \(axis.output) outputs"
      )
      return lines
    }
    let before = span - axis.padBegin, after = span - axis.padEnd + axis.outputPadding
    let dk = "\(d)*(\(k)-1)"
    let (pb, pe, op) = (axis.padBegin, axis.padEnd, axis.outputPadding)
    let first =
      before >= 0
      ? "padded by d(k-1) - pb = \(dk) - \(pb) = \(before) before"
      : "cropped by pb - d(k-1) = \(pb) - \(dk) = \(-before) before"
    let second =
      after >= 0
      ? "padded by d(k-1) - pe + output_padding = \(dk) - \(pe) + \(op) = \(after) after"
      : "cropped by pe - output_padding - d(k-1) = \(pe) - \(op) - \(dk) = \(-after) after"
    let size = inserted + before + after
    lines.append(
      "\(first), \(second): \(size) cells; the flipped kernel, \(k) taps \(d) apart at stride 1: \(size) - \(span) = \(axis.output) outputs"
    )
    let croppedEnd = max(0, axis.padEnd - axis.outputPadding)
    if axis.padBegin + croppedEnd > 0 {
      lines.append(
        "hatched: the full result's (\(fullText)) first \(axis.padBegin) and last \(croppedEnd) cells, which padding crops, and the canvas cells only they read: \(canvasCount) cells drawn, the \(size) above and \(canvasCount - size) that only cropped cells read"
      )
    }
    return lines
  }
}
