/// A cell of a plane: its row and column index along the plane's two lanes.
package struct PlaneIndex: Sendable, Hashable, CustomStringConvertible {
  package let row: Int
  package let column: Int

  package init(_ row: Int, _ column: Int) {
    self.row = row
    self.column = column
  }

  package var description: String { "[\(row), \(column)]" }
}

/// What a canvas cell of a plane holds.
package enum PlaneCanvas: Sendable, Equatable {
  case input(PlaneIndex)
  case insertedZero
  case zeroPadding
  /// A padding mode's copy of this input cell.
  case copy(of: PlaneIndex)
}

/// What a result cell of a plane is.
package enum PlaneResult: Sendable, Equatable {
  case output(PlaneIndex)
  case outputPadding(PlaneIndex)
  case cropped
  case folded(onto: PlaneIndex)
  case addedZero
}

/// The picture of a stage's rows and columns: the product of two lanes (a 1-d
/// stage's rows are a ``SingleCellLane``). Each axis acts on its own index, so
/// a cell of the plane is what its row's and its column's cells make together,
/// and output cell `(i, j)`'s taps, result cells and fed input cells are the
/// products of row `i`'s and column `j`'s.
package struct ArithmeticPlane: Sendable {
  package let rows: any ArithmeticLane
  package let columns: any ArithmeticLane

  package init(rows: any ArithmeticLane, columns: any ArithmeticLane) {
    self.rows = rows
    self.columns = columns
  }

  /// The plane of the last two of `lanes` (one per spatial axis), or of a single row and the only one.
  package init(lanes: [any ArithmeticLane]) {
    let last = Array(lanes.suffix(2))
    self.init(rows: last.count == 2 ? last[0] : SingleCellLane(), columns: last.last ?? SingleCellLane())
  }

  /// A cell is padding when either axis is (a copy when both axes copy or hold
  /// input cells), else an inserted zero when either axis is, else an input cell.
  package func canvas(_ row: Int, _ column: Int) -> PlaneCanvas {
    let (r, c) = (rows.canvasCell(row).content, columns.canvasCell(column).content)
    switch (r, c) {
    case (.input(let i), .input(let j)): return .input(PlaneIndex(i, j))
    case (.padding, _), (_, .padding):
      guard let i = Self.source(r), let j = Self.source(c) else { return .zeroPadding }
      return .copy(of: PlaneIndex(i, j))
    case (.insertedZero, _), (_, .insertedZero): return .insertedZero
    }
  }

  private static func source(_ content: CanvasContent) -> Int? {
    switch content {
    case .input(let index): index
    case .padding(let copy): copy
    case .insertedZero: nil
    }
  }

  /// Cropped when either axis is cropped, else unread when either is, else read.
  package func use(_ row: Int, _ column: Int) -> CanvasUse {
    let uses = [rows.canvasCell(row).use, columns.canvasCell(column).use]
    return uses.contains(.cropped) ? .cropped : uses.contains(.unread) ? .unread : .read
  }

  /// An added zero when either axis is, else cropped, else folded onto the cell
  /// both axes' output indices name, else output padding when either axis is.
  package func result(_ row: Int, _ column: Int) -> PlaneResult {
    let (r, c) = (rows.resultCell(row), columns.resultCell(column))
    let cells = [r, c]
    if cells.contains(.addedZero) { return .addedZero }
    if cells.contains(.cropped) { return .cropped }
    guard let i = Self.target(r), let j = Self.target(c) else { return .cropped }
    let index = PlaneIndex(i, j)
    if cells.contains(where: { if case .folded = $0 { true } else { false } }) { return .folded(onto: index) }
    if cells.contains(where: { if case .outputPadding = $0 { true } else { false } }) { return .outputPadding(index) }
    return .output(index)
  }

  private static func target(_ cell: ResultCell) -> Int? {
    switch cell {
    case .output(let index), .outputPadding(let index), .folded(let index): index
    case .cropped, .addedZero: nil
    }
  }

  /// `[i, j]`, or `[j]` in a 1-d picture.
  package func describe(_ index: PlaneIndex) -> String {
    rows is SingleCellLane ? "[\(index.column)]" : index.description
  }
}
