import ConvCore
import PNGIO

/// How large pictures are drawn.
package struct PictureStyle: Sendable {
  /// The most tiles (slices) drawn; the tile of the marked cell is always among them.
  let maxTiles: Int
  /// The longest side of a tile, in pixels; a larger slice is reduced by a whole factor.
  let maxTileSide: Int
  /// The most pixels of one picture; many tiles get smaller sides to fit (down to 8 pixels).
  let maxPixels: Int
  /// The display size a tile is enlarged towards, by a whole factor of at most 16.
  let tileDisplaySize: Int
  /// The widest a picture is shown, in CSS pixels.
  let maxDisplayWidth: Int
  /// Whether tiles carry their channel captions.
  let captions: Bool

  /// An item shown in full.
  package static let full = PictureStyle(
    maxTiles: 64, maxTileSide: 256, maxPixels: 512 * 512, tileDisplaySize: 96, maxDisplayWidth: 1000, captions: true)
  /// A passing item's thumbnail.
  package static let thumbnail = PictureStyle(
    maxTiles: 4, maxTileSide: 24, maxPixels: 48 * 48, tileDisplaySize: 48, maxDisplayWidth: 112, captions: false)
}

/// A tensor (or a difference) drawn for the page: an `<svg>` element with the
/// mosaic as an embedded PNG, the tiles' captions, and the marked cell.
package struct Picture: Sendable {
  package let svg: String
  package let scale: ValueScale
  /// The tiles drawn, and the tensor's slices in all.
  package let tilesShown: Int
  package let tilesTotal: Int
  /// How many cells a pixel stands for along each axis (1: every cell drawn).
  package let reduction: Int

  /// Draws the tensor `values` (flat, row-major) of `shape` as a mosaic of its
  /// slices (``TensorSlice/slices(shape:depths:keeping:)``) coloured by
  /// `scale`, reduced by `reduction` where a slice is larger than the style
  /// allows, with the cell at flat index `marking` circled; nil when the rank
  /// is not drawn or the tensor is empty.
  package static func draw(
    _ values: [Double], shape: [Int], scale: ValueScale, style: PictureStyle, reduction: Reduction, marking: Int? = nil
  ) throws(PNGError) -> Picture? {
    guard let slices = TensorSlice.slices(shape: shape, keeping: marking), let first = slices.first else { return nil }
    let shown = chosen(slices, limit: style.maxTiles, keeping: marking)
    let sideLimit = min(style.maxTileSide, max(8, Int((Double(style.maxPixels) / Double(shown.count)).squareRoot())))
    let factor = (max(first.height, first.width) + sideLimit - 1) / sideLimit
    let (cellRows, cellColumns) = ((first.height + factor - 1) / factor, (first.width + factor - 1) / factor)
    // Whole pixels per cell, rounded up: a 64-cell tile at 2 (128 px), not 1 (smaller than a 32-cell one at 3).
    let enlargement = min(max(ceilDivide(style.tileDisplaySize, max(cellRows, cellColumns)), 1), 16)
    // A 1-d strip is drawn a few rows high so that it can be seen.
    let tileHeight = cellRows == 1 ? max(1, (12 + enlargement - 1) / enlargement) : cellRows
    let captioned = style.captions && shown.contains { !$0.label.isEmpty }
    let band = captioned ? (14 + enlargement - 1) / enlargement : 0
    let layout = MosaicLayout(
      tileWidth: cellColumns, tileHeight: tileHeight, batches: shown.map(\.batch),
      gap: max(1, (4 + enlargement - 1) / enlargement), band: band, maxWidth: style.maxDisplayWidth / enlargement)
    var raster = RGBRaster(width: layout.width, height: layout.height)
    for (slice, corner) in zip(shown, layout.tiles) {
      let cells = slice.reduced(values, factor: factor, reduction: reduction)
      for y in 0..<tileHeight {
        let row = y * cellRows / tileHeight
        for x in 0..<cellColumns { raster[corner.x + x, corner.y + y] = scale.color(cells[row * cellColumns + x]) }
      }
    }
    let geometry = SVGGeometry(
      enlargement: enlargement, cellHeight: Double(tileHeight) / Double(cellRows), factor: factor)
    var svg = """
      <svg class="mosaic" width="\(layout.width * enlargement)" height="\(layout.height * enlargement)" \
      viewBox="0 0 \(layout.width * enlargement) \(layout.height * enlargement)" role="img">\
      <image href="\(try raster.dataURL())" width="\(layout.width * enlargement)" height="\(layout.height * enlargement)" \
      preserveAspectRatio="none"/>
      """
    if captioned {
      for heading in layout.headings {
        svg +=
          "<text class=\"heading\" x=\"0\" y=\(quoted(geometry.baseline(heading.y, band: band)))>n=\(heading.batch)</text>"
      }
      for (slice, corner) in zip(shown, layout.tiles) where !slice.label.isEmpty {
        svg +=
          "<text x=\(quoted(Double(corner.x * enlargement))) y=\(quoted(geometry.baseline(corner.y - band, band: band)))>\(escapeHTML(slice.label))</text>"
      }
    }
    if let marking, let index = shown.firstIndex(where: { $0.position(of: marking) != nil }),
      let position = shown[index].position(of: marking)
    {
      svg += geometry.marker(row: position.row, column: position.column, corner: layout.tiles[index])
    }
    return Picture(
      svg: svg + "</svg>", scale: scale, tilesShown: shown.count, tilesTotal: slices.count, reduction: factor)
  }

  /// The first `limit` slices, the last of them replaced by the slice holding flat index `flat` when it is not among them.
  static func chosen(_ slices: [TensorSlice], limit: Int, keeping flat: Int?) -> [TensorSlice] {
    guard slices.count > limit else { return slices }
    let first = Array(slices.prefix(limit))
    guard let flat, !first.contains(where: { $0.position(of: flat) != nil }),
      let holding = slices.first(where: { $0.position(of: flat) != nil })
    else { return first }
    return first.dropLast() + [holding]
  }
}

/// From image pixels to the SVG's coordinates (CSS pixels).
private struct SVGGeometry {
  let enlargement: Int
  /// Pixels per reduced cell vertically (more than 1 for strips).
  let cellHeight: Double
  let factor: Int

  /// The text baseline inside a caption band starting at pixel row `top`.
  func baseline(_ top: Int, band: Int) -> Double { Double((top + band) * enlargement) - 3 }

  /// A ring and a crosshair around the cell at `row`, `column` of the tile at `corner`.
  func marker(row: Int, column: Int, corner: MosaicLayout.Point) -> String {
    let scale = Double(enlargement)
    let x = (Double(corner.x) + (Double(column / factor) + 0.5)) * scale
    let y = (Double(corner.y) + (Double(row / factor) + 0.5) * cellHeight) * scale
    let radius = max(7, 0.8 * scale * max(1, cellHeight))
    let (cx, cy, r) = (quoted(x), quoted(y), quoted(radius))
    return """
      <g class="worst"><circle cx=\(cx) cy=\(cy) r=\(r) class="halo"/><circle cx=\(cx) cy=\(cy) r=\(r)/>\
      <line x1=\(quoted(x - 2 * radius)) y1=\(cy) x2=\(quoted(x + 2 * radius)) y2=\(cy)/>\
      <line x1=\(cx) y1=\(quoted(y - 2 * radius)) x2=\(cx) y2=\(quoted(y + 2 * radius))/></g>
      """
  }
}

/// A coordinate as an SVG attribute value, quoted, with at most one decimal.
private func quoted(_ value: Double) -> String {
  let rounded = (value * 10).rounded() / 10
  return "\"" + (rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)) + "\""
}
