import ConvJob

/// The job's graph drawn as SVG by convpipe: each input, stage and check a box,
/// in columns by dependency depth (inputs first, a stage one column right of
/// the deepest name it reads), with an arrow from each name a stage reads,
/// labelled with the role when it is not the main operand: under its head, or
/// for an arrow across several columns, which runs below the boxes between and
/// rises to its box in the last gap, under that run in the gap (where a label
/// under the head would cross the rising arrows). Checks that failed for some
/// item are drawn red.
package enum StageGraphPicture {
  static let columnWidth = 215, boxWidth = 150, boxHeight = 40, rowHeight = 56, margin = 8

  package static func svg(job: Job, failedChecks: Set<String>) -> String {
    let columns = layeredColumns(job)
    var position: [String: (x: Int, y: Int)] = [:]
    for (depth, names) in columns.enumerated() {
      for (row, name) in names.enumerated() {
        position[name] = (margin + depth * columnWidth, margin + row * rowHeight)
      }
    }
    let width = 2 * margin + max(columns.count - 1, 0) * columnWidth + boxWidth
    // Tall enough for a label under the run of an arrow below the last row.
    var height =
      2 * margin + max((columns.map(\.count).max() ?? 1) - 1, 0) * rowHeight + boxHeight + (rowHeight - boxHeight) / 2
    var svg = ""
    for stage in job.stages {
      guard let to = position[stage.id] else { continue }
      // Each name a stage reads ends at its own height on the box's left side,
      // so that a role's label sits just under its own arrow's head.
      let drawn = stage.references.filter { position[$0.name] != nil }
      for (index, reference) in drawn.enumerated() {
        guard let from = position[reference.name] else { continue }
        let y2 = to.y + boxHeight * (index + 1) / (drawn.count + 1)
        svg += "<path class=\"edge\" d=\"\(edge(from: from, to: to, endingAt: y2))\" marker-end=\"url(#arrow)\"/>"
        if ![.input, .actual].contains(reference.role) {
          let (x, y) = lane(from: from, to: to).map { (to.x - 4, $0 + 11) } ?? (to.x - 8, y2 + 11)
          svg += "<text class=\"role\" x=\"\(x)\" y=\"\(y)\">\(reference.role.rawValue)</text>"
          height = max(height, y + 4)
        }
      }
    }
    for input in job.inputs {
      guard let at = position[input.name] else { continue }
      svg += box(at, kind: "input", title: input.name, detail: "input: \(input.source.kind.rawValue)")
    }
    for stage in job.stages {
      guard let at = position[stage.id] else { continue }
      if case .verify(let verification) = stage.kind {
        let failed = failedChecks.contains(stage.id)
        svg += box(
          at, kind: failed ? "check failed" : "check", title: stage.id,
          detail: "verify \(verification.check.kind.rawValue)" + (failed ? ": FAILED" : ""))
      } else {
        svg += box(at, kind: "stage", title: stage.id, detail: stage.op.rawValue)
      }
    }
    return """
      <svg class="graph" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" role="img" \
      aria-label="stage graph"><defs>\(SVGMarkup.arrowMarker)</defs>
      """ + svg + "</svg>"
  }

  /// The names in each column: inputs in column 0, each stage one column
  /// right of the deepest name it reads (stages on a cycle last), ordered
  /// within a column by the mean row of what they read, then by listing.
  static func layeredColumns(_ job: Job) -> [[String]] {
    var depth: [String: Int] = [:]
    for input in job.inputs { depth[input.name] = 0 }
    let ordered = StageGraph(job: job).order
    for stage in ordered {
      depth[stage.id] = 1 + (stage.references.compactMap { depth[$0.name] }.max() ?? 0)
    }
    let last = (depth.values.max() ?? 0) + 1
    for stage in job.stages where depth[stage.id] == nil { depth[stage.id] = last }
    let listing = job.inputs.map(\.name) + job.stages.map(\.id)
    let reads = Dictionary(
      job.stages.map { ($0.id, $0.references.map(\.name)) }, uniquingKeysWith: { first, _ in first })
    var columns = Array(repeating: [String](), count: (depth.values.max() ?? 0) + 1)
    var row: [String: Int] = [:]
    for column in columns.indices {
      let names = listing.filter { depth[$0] == column }
      let meanRow = { (name: String) -> Double in
        let rows = (reads[name] ?? []).compactMap { row[$0] }
        return rows.isEmpty ? 0 : Double(rows.reduce(0, +)) / Double(rows.count)
      }
      columns[column] = names.enumerated()
        .sorted { (meanRow($0.element), $0.offset) < (meanRow($1.element), $1.offset) }.map(\.element)
      for (position, name) in columns[column].enumerated() { row[name] = position }
    }
    return columns
  }

  /// Half the gap between columns, where an arrow across several columns turns.
  static let turn = (columnWidth - boxWidth) / 2

  /// The height of the run below the boxes of an arrow from the box at `from`
  /// to the box at `to` across several columns (the gap below the lower of the
  /// two rows); nil for neighbouring columns.
  private static func lane(from: (x: Int, y: Int), to: (x: Int, y: Int)) -> Int? {
    guard to.x - (from.x + boxWidth) > columnWidth else { return nil }
    return max(from.y, to.y) + boxHeight + (rowHeight - boxHeight) / 2
  }

  /// The path of an arrow from the box at `from` to height `y2` on the left
  /// side of the box at `to`: a curve between neighbouring columns; across more
  /// columns it runs along its ``lane(from:to:)``, so that it passes no box in between.
  private static func edge(from: (x: Int, y: Int), to: (x: Int, y: Int), endingAt y2: Int) -> String {
    let (x1, y1, x2) = (from.x + boxWidth, from.y + boxHeight / 2, to.x)
    guard let lane = lane(from: from, to: to) else {
      let bend = (x2 - x1) / 2
      return "M\(x1),\(y1) C\(x1 + bend),\(y1) \(x2 - bend),\(y2) \(x2),\(y2)"
    }
    return "M\(x1),\(y1) C\(x1 + turn),\(y1) \(x1 + turn),\(lane) \(x1 + 2 * turn),\(lane) L\(x2 - 2 * turn),\(lane) "
      + "C\(x2 - turn),\(lane) \(x2 - turn),\(y2) \(x2),\(y2)"
  }

  private static func box(_ at: (x: Int, y: Int), kind: String, title: String, detail: String) -> String {
    """
    <g class="node \(kind)"><title>\(escapeHTML(title)) (\(escapeHTML(detail)))</title>\
    <rect x="\(at.x)" y="\(at.y)" width="\(boxWidth)" height="\(boxHeight)" rx="6"/>\
    <text x="\(at.x + 8)" y="\(at.y + 17)" class="name">\(escapeHTML(shortened(title, 20)))</text>\
    <text x="\(at.x + 8)" y="\(at.y + 32)">\(escapeHTML(shortened(detail, 24)))</text></g>
    """
  }

  /// `text` cut to `limit` characters, the cut marked with an ellipsis.
  static func shortened(_ text: String, _ limit: Int) -> String {
    text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
  }
}
