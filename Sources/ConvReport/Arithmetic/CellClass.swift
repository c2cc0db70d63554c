/// How a picture draws a cell or a highlight: its CSS class, and its line in the legend.
enum CellClass: String, CaseIterable, Sendable {
  case input, insertedZero = "inserted-zero", padding, copy, cropped, unread, elided
  case output, outputPadding = "output-padding", folded, added
  case fed, tap, current

  /// The canvas's class for a cell's content.
  init(_ content: PlaneCanvas) {
    switch content {
    case .input: self = .input
    case .insertedZero: self = .insertedZero
    case .zeroPadding: self = .padding
    case .copy: self = .copy
    }
  }

  /// The result's class for a cell (cropped cells: an output cell, with `cropped` over it).
  init(_ result: PlaneResult) {
    switch result {
    case .output, .cropped: self = .output
    case .outputPadding: self = .outputPadding
    case .folded: self = .folded
    case .addedZero: self = .added
    }
  }

  var legend: String {
    switch self {
    case .input: "input cell"
    case .insertedZero: "zero inserted between input cells"
    case .padding: "padding (zero)"
    case .copy: "padding: a copy of an input cell"
    case .cropped: "cropped (hatched)"
    case .unread: "read by no output: the floor (faded)"
    case .elided: "cells left out (…)"
    case .output: "output cell"
    case .outputPadding: "output cell from output_padding"
    case .folded: "added onto the output cell it copies (P^T)"
    case .added: "zero added around the result"
    case .fed: "input cell feeding the output cell"
    case .tap: "kernel tap"
    case .current: "output cell being computed"
    }
  }

  /// The page's styles, one rule per class; `cropped` fills with the `hatch` pattern.
  static let style = """
    text{font:12px system-ui,sans-serif;fill:#1f2328}.title{font-size:14px;font-weight:600}
    .caption{font:11px ui-monospace,"DejaVu Sans Mono",monospace}.label{fill:#57606a}
    .input{fill:#6fa8dc}.inserted-zero{fill:#fff;stroke:#6fa8dc}.padding{fill:#fff;stroke:#888;stroke-dasharray:2 2}
    .copy{fill:#cfe2f3;stroke:#3d85c6;stroke-dasharray:2 2}.cropped{fill:url(#hatch)}.unread{fill:#fff;fill-opacity:.6}
    .elided{fill:#eee}.output{fill:#76d7c4}.output-padding{fill:#d1f2eb;stroke:#e67e22;stroke-dasharray:3 2}
    .folded{fill:url(#fold)}.added{fill:#fff;stroke:#45b39d;stroke-dasharray:2 2}
    .fed{fill:#ff9800}.tap{fill:#1f2328;fill-opacity:.5}.current{fill:#0b5345;fill-opacity:.85}
    .arrow{stroke:#57606a;stroke-width:1.5}marker path{fill:#57606a}
    """

  /// The patterns of cropped cells (`hatch`, over the cell's own colour) and folded ones (`fold`: hatched output).
  static let patterns = """
    <pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
    <rect width="1.6" height="5" fill="#333" fill-opacity=".6"/></pattern>\
    <pattern id="fold" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
    <rect width="5" height="5" fill="#76d7c4"/><rect width="1.6" height="5" fill="#333" fill-opacity=".6"/></pattern>
    """
}
