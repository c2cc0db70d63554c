/// The file `convpipe explain JOB STAGE --svg` writes: an ``ArithmeticPicture``
/// as one self-contained SVG document (styles and the hatch pattern inline, no
/// script, no external reference), its heading on top, then the picture:
/// animated (every drawn output cell in turn, ``ArithmeticPanel/stepSeconds``
/// each, row by row), or `frames` static frames of the first steps side by side,
/// wrapping at ``maxWidth``; the strips of axes before the plane's; the legend
/// of what was drawn; the caption.
package enum ArithmeticSVG {
  static let margin = 12, gap = 28, maxWidth = 1400, lineHeight = 15, characterWidth = 6.7

  package static func document(_ picture: ArithmeticPicture, frames: Int? = nil) -> String {
    var classes = Set<CellClass>()
    var body = "", y = margin + 28, width = 0
    let panel = ArithmeticPanel(
      plane: picture.plane, rows: picture.rows, columns: picture.columns, canvasName: picture.canvasName, id: "p")
    let steps = picture.steps
    if let frames {
      let count = min(frames, steps.count)
      let perRow = max(1, min(count, (maxWidth + gap) / (panel.width + gap)))
      for frame in 0..<count {
        let (x, top) = ((frame % perRow) * (panel.width + gap), y + (frame / perRow) * (panel.height + 20 + gap))
        let frameStep = (row: frame / picture.columns.outputs.count, column: frame % picture.columns.outputs.count)
        let framePanel = ArithmeticPanel(
          plane: panel.plane, rows: panel.rows, columns: panel.columns, canvasName: panel.canvasName, id: "f\(frame)")
        body += "<g transform=\"translate(\(margin + x),\(top))\">"
        body +=
          "<text class=\"title\" x=\"0\" y=\"12\">step \(frame + 1) of \(steps.count): output \(picture.plane.describe(steps[frame]))</text>"
        body += "<g transform=\"translate(0,20)\">"
        body += framePanel.svg(step: frameStep, animated: false, classes: &classes) + "</g></g>"
      }
      width = min(count, perRow) * (panel.width + gap) - gap
      y += ((count + perRow - 1) / perRow) * (panel.height + 20 + gap)
    } else {
      body += "<g transform=\"translate(\(margin),\(y))\">"
      body += panel.svg(step: (0, 0), animated: true, classes: &classes) + "</g>"
      width = panel.width
      y += panel.height + gap
    }
    for (index, strip) in picture.strips.enumerated() {
      let stripPanel = ArithmeticPanel(
        plane: ArithmeticPlane(rows: SingleCellLane(), columns: strip.lane), rows: LaneSelection(SingleCellLane()),
        columns: strip.selection, canvasName: "\(strip.lane.name) axis: \(picture.canvasName)", id: "s\(index)")
      body += "<g transform=\"translate(\(margin),\(y))\">"
      body += stripPanel.svg(step: (0, 0), animated: false, classes: &classes) + "</g>"
      width = max(width, stripPanel.width)
      y += stripPanel.height + gap
    }
    let heading = escapeHTML(picture.caption.first ?? "")
    width = max(width, 760, (picture.caption.first ?? "").count * 17 / 2)
    let (legend, legendHeight) = legendRows(classes, width: width)
    body += "<g transform=\"translate(\(margin),\(y))\">\(legend)</g>"
    y += legendHeight + 10
    let timing =
      frames == nil
      ? "Animated: each drawn output cell is one step of \(ArithmeticPanel.stepSeconds) s, row by row (\(steps.count) steps); --frames N draws static frames instead."
      : "Frames: the first \(min(frames ?? 0, steps.count)) of \(steps.count) steps, row by row."
    let columns = Int(Double(width) / characterWidth)
    for line in (picture.caption.dropFirst() + [timing]).flatMap({ wrapped($0, columns: columns) }) {
      y += lineHeight
      body += "<text class=\"caption\" x=\"\(margin)\" y=\"\(y)\" xml:space=\"preserve\">\(escapeHTML(line))</text>"
    }
    let (totalWidth, totalHeight) = (width + 2 * margin, y + margin)
    return """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" width="\(totalWidth)" height="\(totalHeight)" \
      viewBox="0 0 \(totalWidth) \(totalHeight)"><title>\(heading)</title>\
      <style>\(CellClass.style)</style><defs>\(CellClass.patterns)\(SVGMarkup.arrowMarker)</defs>\
      <rect width="100%" height="100%" fill="#fff"/>\
      <text class="title" x="\(margin)" y="\(margin + 14)">\(heading)</text>\(body)</svg>

      """
  }

  /// The legend of `classes` in their order, a swatch and a label each, wrapping at `width`; and its height.
  private static func legendRows(_ classes: Set<CellClass>, width: Int) -> (String, Int) {
    var svg = "", x = 0, y = 0
    for kind in CellClass.allCases where classes.contains(kind) {
      let itemWidth = 26 + Int(Double(kind.legend.count) * characterWidth) + 16
      if x > 0 && x + itemWidth > width { (x, y) = (0, y + 20) }
      svg += "<g transform=\"translate(\(x),\(y))\">\(swatch(kind))"
      svg += "<text x=\"20\" y=\"12\">\(escapeHTML(kind.legend))</text></g>"
      x += itemWidth
    }
    return (svg, y + 16)
  }

  /// A 14 x 14 sample of `kind` as the grids draw it: overlays over the cell they mark.
  private static func swatch(_ kind: CellClass) -> String {
    let under: [CellClass: CellClass] = [.cropped: .padding, .unread: .input, .tap: .input, .current: .output]
    let layers = (under[kind].map { [$0] } ?? []) + [kind]
    return layers.map { "<rect class=\"\($0.rawValue)\" x=\"1\" y=\"1\" width=\"14\" height=\"14\"/>" }.joined()
  }

  /// `line` cut at spaces into lines of at most `columns` characters (unless a word is longer), each
  /// keeping the line's leading spaces, the later ones indented by 4 more.
  static func wrapped(_ line: String, columns: Int) -> [String] {
    let lead = String(line.prefix { $0 == " " })
    var lines: [String] = [], current = ""
    for word in line.split(separator: " ") {
      if current.isEmpty {
        current = lead + word
      } else if current.count + 1 + word.count > columns {
        lines.append(current)
        current = lead + "    " + word
      } else {
        current += " " + word
      }
    }
    return lines + [current]
  }
}
