import ConvCore
import ConvJob
import FrameworkCalls

/// The text under an arithmetic picture: the stage, how it is drawn, each axis's
/// size arithmetic (``ConvAxis/arithmetic``) and how its canvas is built, where a
/// framework puts the odd cell, what is shown of the batch and channels, and
/// what the caps leave out.
enum ArithmeticCaption {
  static func lines(_ stage: JobExplanation.Stage, lanes: [any ArithmeticLane], selections: [LaneSelection])
    -> [String]
  {
    let geometry = stage.canonical.geometry
    var lines = [stage.heading]
    switch geometry.direction {
    case .forward:
      lines.append("Drawn as the guide draws a convolution: the padded input, the kernel moved by the stride.")
    case .transposed:
      lines.append(
        "Drawn as the guide's transposed convolution as a direct convolution: the zero-inserted, padded input and the flipped kernel at stride 1."
      )
    }
    if let lowering = stage.plan.framework {
      lines.append(
        "\(lowering.api.rawValue) (\(lowering.api.framework.displayName)) comes to \(geometry.summary); drawn is that core convolution, on the axes after the layout's permutes."
      )
      lines += lowering.arithmetic
      lines += oddCells(stage.canonical, framework: lowering.api.framework.displayName)
    }
    for (axis, lane) in zip(geometry.axes, lanes) {
      lines.append(axis.arithmetic)
      lines += lane.construction.map { "  \(axis.name): \($0)" }
    }
    lines.append(shown(geometry))
    if lanes.count > 2 {
      let names = lanes.dropLast(2).map(\.name).joined(separator: ", ")
      lines.append(
        "\(lanes.count)-d: the plane is output \(names) slice 0, its cells those of an input slice; \(names) is drawn on its own below: output slice 0 and the slices its taps read."
      )
    }
    for (lane, selection) in zip(lanes, selections) where selection.elides {
      let drawn = selection.canvas.filter { if case .cell = $0 { true } else { false } }.count
      lines.append(
        "\(lane.name): \(selection.outputs.count) of \(lane.outputCount) outputs and \(drawn) of \(lane.canvasCount) canvas cells drawn (at most \(LaneSelection.cap) a side); the bands marked … stand for the cells left out."
      )
    }
    return lines
  }

  /// Which batch item and channels the picture shows, and why one pair stands for all.
  private static func shown(_ geometry: ConvGeometry) -> String {
    let summed = geometry.inputChannels / geometry.groups
    var line =
      "Shown: batch item 0, input channel 0 and output channel 0; every batch item and channel pair of input \(geometry.inputShape.shapeDescription) and output \(geometry.outputShape.shapeDescription) has the same geometry"
    if summed > 1 { line += ", and each output cell sums \(summed) input channels' cells" }
    return line + "."
  }

  /// Where a framework's lowering puts the odd cells of padding or crop: for a
  /// convolution `padding [pb, pe]` with `pb != pe`; for a transposed one the
  /// crops `[pb, pe - output_padding]` of the full result; zeros added around the result.
  private static func oddCells(_ canonical: CanonicalConvolution, framework: String) -> [String] {
    canonical.geometry.axes.enumerated().flatMap { j, axis -> [String] in
      let unit = ["H": "row", "W": "column", "D": "depth slice"][axis.name] ?? "cell"
      func uneven(_ begin: Int, _ end: Int, _ what: String, _ pytorch: String) -> [String] {
        guard begin != end else { return [] }
        let more = abs(begin - end)
        let negative = min(begin, end) < 0 ? " (a negative crop keeps cells past the full result)" : ""
        return [
          "\(axis.name): \(framework) \(what) [\(begin), \(end)]\(negative): \(more) \(unit)\(more == 1 ? "" : "s") more at the \(end > begin ? "end" : "start") (\(pytorch))."
        ]
      }
      var lines: [String] = []
      switch canonical.geometry.direction {
      case .forward:
        lines += uneven(axis.padBegin, axis.padEnd, "pads by", "PyTorch's integer padding is the same at both ends")
        if let crop = canonical.inputCrop?[j], crop.total > 0 {
          lines.append("\(axis.name): negative padding crops the input [\(crop.begin), \(crop.end)] (hatched).")
        }
      case .transposed:
        lines += uneven(
          axis.padBegin, axis.padEnd - axis.outputPadding,
          "crops the full result by",
          "PyTorch's padding p and output_padding crop [p, p - output_padding]: never more at the end")
      }
      if let added = canonical.outputPad?[j], added.total > 0 {
        lines.append(
          "\(axis.name): \(added.begin) zero\(added.begin == 1 ? "" : "s") added before the result and \(added.end) after, beyond what the core convolution's crop and output_padding reach."
        )
      }
      return lines
    }
  }
}
