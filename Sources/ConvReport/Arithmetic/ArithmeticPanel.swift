/// One drawing of a plane: its canvas grid, an arrow, its result grid, and over
/// them the highlights of one step (a frame) or of every step in turn (SMIL
/// `<animate>` with discrete values: no script). A step highlights the kernel's
/// taps and the input cells feeding its output cell on the canvas, and the
/// output cell (with the cells folded onto it) on the result. Each highlight is
/// the product of a row's and a column's slots, drawn as column stripes clipped
/// by row stripes, so an axis animates with one value per drawn output along it:
/// the columns' cycle once per row (`columns x stepSeconds`), the rows' once per
/// picture (`rows x columns x stepSeconds`).
struct ArithmeticPanel {
  static let cell = 14, pitch = 16, arrowGap = 44, labelHeight = 20
  static let stepSeconds = 0.5
  /// Where a stripe with nothing to highlight goes: outside every grid.
  static let away = -10_000

  let plane: ArithmeticPlane
  let rows: LaneSelection
  let columns: LaneSelection
  let canvasName: String
  /// Prefixes the panel's clip-path ids, unique in the document.
  let id: String

  var canvasWidth: Int { columns.canvas.count * Self.pitch }
  var canvasHeight: Int { rows.canvas.count * Self.pitch }
  var resultWidth: Int { columns.result.count * Self.pitch }
  var resultHeight: Int { rows.result.count * Self.pitch }
  /// Past the arrow, and past the canvas's label (about 7 pixels a character).
  var resultLeft: Int { max(canvasWidth + Self.arrowGap, canvasLabel.count * 7 + 16) }
  var width: Int { resultLeft + resultWidth }
  var height: Int { Self.labelHeight + max(canvasHeight, resultHeight) }

  /// The panel with its top-left corner at the origin, highlighting the output
  /// `rows.outputs[step.row]`, `columns.outputs[step.column]`; animated, every
  /// drawn output in turn from the first. `classes` collects what it drew, for the legend.
  func svg(step: (row: Int, column: Int), animated: Bool, classes: inout Set<CellClass>) -> String {
    let (rowSlots, columnSlots) = (StepSlots(plane.rows, rows), StepSlots(plane.columns, columns))
    var svg = "<text class=\"label\" x=\"0\" y=\"14\">\(escapeHTML(canvasLabel))</text>"
    svg += "<text class=\"label\" x=\"\(resultLeft)\" y=\"14\">\(escapeHTML(resultLabel))</text>"
    let middle = Self.labelHeight + min(canvasHeight, resultHeight) / 2
    svg += "<path class=\"arrow\" d=\"M\(canvasWidth + 8),\(middle) H\(resultLeft - 8)\" marker-end=\"url(#arrow)\"/>"
    svg += "<g transform=\"translate(0,\(Self.labelHeight))\">" + canvasCells(classes: &classes)
    let canvas = (canvasWidth, canvasHeight)
    svg += stripes(.fed, rowSlots.fed, columnSlots.fed, size: canvas, step: step, animated: animated)
    svg += stripes(.tap, rowSlots.taps, columnSlots.taps, size: canvas, step: step, animated: animated)
    svg += "</g><g transform=\"translate(\(resultLeft),\(Self.labelHeight))\">" + resultCells(classes: &classes)
    svg += stripes(
      .current, rowSlots.result, columnSlots.result, size: (resultWidth, resultHeight), step: step,
      animated: animated)
    classes.formUnion([.fed, .tap, .current])
    return svg + "</g>"
  }

  /// `zero-inserted, padded input, 71 x 71`; a 1-d picture gives one size.
  private var canvasLabel: String { "\(canvasName), \(size(plane.rows.canvasCount, plane.columns.canvasCount))" }
  /// The stage's output: the computed cells and the zeros added around them.
  private var resultLabel: String {
    "output, \(size(plane.rows.outputCount + plane.rows.added.total, plane.columns.outputCount + plane.columns.added.total))"
  }

  private func size(_ rowCount: Int, _ columnCount: Int) -> String {
    plane.rows is SingleCellLane ? "\(columnCount)" : "\(rowCount) x \(columnCount)"
  }

  /// How the grid draws one cell: its class, a title (then a rect of its own), and a class over it.
  private struct GridCell {
    let kind: CellClass
    var title: String? = nil
    var over: CellClass? = nil
  }

  /// Every canvas cell drawn: copies titled with the cell they copy, cropped ones hatched, unread ones faded.
  private func canvasCells(classes: inout Set<CellClass>) -> String {
    grid(rows.canvas, columns.canvas, size: (canvasWidth, canvasHeight), classes: &classes) { row, column in
      let content = plane.canvas(row, column)
      let over: CellClass? =
        switch plane.use(row, column) {
        case .read: nil
        case .cropped: .cropped
        case .unread: .unread
        }
      guard case .copy(let source) = content else { return GridCell(kind: CellClass(content), over: over) }
      return GridCell(kind: .copy, title: "copy of input \(plane.describe(source))", over: over)
    }
  }

  /// Every result cell drawn: cropped ones hatched, folded ones titled with the cell they add onto.
  private func resultCells(classes: inout Set<CellClass>) -> String {
    grid(rows.result, columns.result, size: (resultWidth, resultHeight), classes: &classes) { row, column in
      switch plane.result(row, column) {
      case .folded(let target): GridCell(kind: .folded, title: "added onto output \(plane.describe(target))")
      case .cropped: GridCell(kind: .output, over: .cropped)
      case let result: GridCell(kind: CellClass(result))
      }
    }
  }

  /// The cells of the grid `rowSlots` x `columnSlots`, as `cell(row, column)` says: one path per class,
  /// titled cells one rect each, the classes over them last; then the markers of elided rows and columns.
  private func grid(
    _ rowSlots: [LaneSelection.Slot], _ columnSlots: [LaneSelection.Slot], size: (width: Int, height: Int),
    classes: inout Set<CellClass>, _ cell: (Int, Int) -> GridCell
  ) -> String {
    var paths: [CellClass: String] = [:], titled = ""
    for (r, rowSlot) in rowSlots.enumerated() {
      for (c, columnSlot) in columnSlots.enumerated() {
        guard case .cell(let row) = rowSlot, case .cell(let column) = columnSlot else { continue }
        let drawn = cell(row, column)
        if let title = drawn.title {
          titled += cellRect(drawn.kind, r, c, title: title)
          classes.insert(drawn.kind)
        } else {
          paths[drawn.kind, default: ""] += square(r, c)
        }
        if let over = drawn.over { paths[over, default: ""] += square(r, c) }
      }
    }
    let over: [CellClass] = [.cropped, .unread]
    func path(_ kind: CellClass) -> String {
      guard let path = paths[kind] else { return "" }
      classes.insert(kind)
      return "<path class=\"\(kind.rawValue)\" d=\"\(path)\"/>"
    }
    return CellClass.allCases.filter { !over.contains($0) }.map(path).joined() + titled + over.map(path).joined()
      + markers(width: size.width, height: size.height, rowSlots, columnSlots, classes: &classes)
  }

  /// A band with `…` for each elided row and column.
  private func markers(
    width: Int, height: Int, _ rowSlots: [LaneSelection.Slot], _ columnSlots: [LaneSelection.Slot],
    classes: inout Set<CellClass>
  ) -> String {
    var svg = ""
    let (p, cell) = (Self.pitch, Self.cell)
    for (r, slot) in rowSlots.enumerated() {
      guard case .elided(let range) = slot else { continue }
      svg +=
        "<rect class=\"elided\" x=\"1\" y=\"\(r * p + 1)\" width=\"\(width - 2)\" height=\"\(cell)\"><title>\(range.count) rows left out</title></rect>"
      svg += "<text x=\"\(width / 2)\" y=\"\(r * p + 12)\" text-anchor=\"middle\">…</text>"
    }
    for (c, slot) in columnSlots.enumerated() {
      guard case .elided(let range) = slot else { continue }
      svg +=
        "<rect class=\"elided\" x=\"\(c * p + 1)\" y=\"1\" width=\"\(cell)\" height=\"\(height - 2)\"><title>\(range.count) columns left out</title></rect>"
      svg += "<text x=\"\(c * p + 8)\" y=\"\(height / 2 + 4)\" text-anchor=\"middle\">⋮</text>"
    }
    if !svg.isEmpty { classes.insert(.elided) }
    return svg
  }

  /// The highlight `kind` of a step: column stripes at the column slots, clipped
  /// by row stripes at the row slots; animated, each stripe's position steps
  /// through its values (`away` where an output has fewer slots).
  private func stripes(
    _ kind: CellClass, _ rowLists: [[Int]], _ columnLists: [[Int]], size: (width: Int, height: Int),
    step: (row: Int, column: Int), animated: Bool
  ) -> String {
    let clip = "\(id)-\(kind.rawValue)"
    let rowSeconds = Double(rowLists.count * columnLists.count) * Self.stepSeconds
    let columnSeconds = Double(columnLists.count) * Self.stepSeconds
    var svg = "<clipPath id=\"\(clip)\">"
    for stripe in 0..<(rowLists.map(\.count).max() ?? 0) {
      let (values, initial) = Self.positions(rowLists, stripe: stripe, at: step.row)
      svg += "<rect x=\"0\" y=\"\(initial + 1)\" width=\"\(size.width)\" height=\"\(Self.cell)\">"
      svg += animated ? Self.animation("y", values.map { $0 + 1 }, seconds: rowSeconds) + "</rect>" : "</rect>"
    }
    svg += "</clipPath><g class=\"\(kind.rawValue)\" clip-path=\"url(#\(clip))\">"
    for stripe in 0..<(columnLists.map(\.count).max() ?? 0) {
      let (values, initial) = Self.positions(columnLists, stripe: stripe, at: step.column)
      svg += "<rect x=\"\(initial + 1)\" y=\"1\" width=\"\(Self.cell)\" height=\"\(size.height - 2)\">"
      svg += animated ? Self.animation("x", values.map { $0 + 1 }, seconds: columnSeconds) + "</rect>" : "</rect>"
    }
    return svg + "</g>"
  }

  /// Stripe `stripe`'s position for each drawn output (its slot's, or `away`), and at output `step`.
  private static func positions(_ lists: [[Int]], stripe: Int, at step: Int) -> (values: [Int], initial: Int) {
    let values = lists.map { stripe < $0.count ? $0[stripe] * pitch : away }
    return (values, values[step])
  }

  /// `<animate>` stepping `attribute` through `values`, each for `seconds / values.count`, for ever;
  /// nothing when the values are all the same.
  private static func animation(_ attribute: String, _ values: [Int], seconds: Double) -> String {
    guard Set(values).count > 1 else { return "" }
    let text = values.map(String.init).joined(separator: ";")
    return """
      <animate attributeName="\(attribute)" calcMode="discrete" values="\(text)" dur="\(seconds)s" \
      repeatCount="indefinite"/>
      """
  }

  private func square(_ r: Int, _ c: Int) -> String {
    "M\(c * Self.pitch + 1),\(r * Self.pitch + 1)h\(Self.cell)v\(Self.cell)h-\(Self.cell)z"
  }

  private func cellRect(_ kind: CellClass, _ r: Int, _ c: Int, title: String) -> String {
    """
    <rect class="\(kind.rawValue)" x="\(c * Self.pitch + 1)" y="\(r * Self.pitch + 1)" width="\(Self.cell)" \
    height="\(Self.cell)"><title>\(title)</title></rect>
    """
  }
}
