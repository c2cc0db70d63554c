/// Where the tiles of a mosaic go, in image pixels: each batch item's tiles
/// in a grid of the same number of columns, one batch item under the other;
/// with captions, a band above each row of tiles (and above each batch item,
/// when there are several) holds them.
package struct MosaicLayout: Sendable, Equatable {
  /// A tile's top-left corner.
  package struct Point: Sendable, Equatable {
    package let x: Int
    package let y: Int
  }

  package let width: Int
  package let height: Int
  package let columns: Int
  /// The top-left corner of each tile's cells, in the order of the tiles given.
  package let tiles: [Point]
  /// The heading band of each batch item, when there are several.
  package let headings: [Heading]

  /// Where a batch item's heading band starts.
  package struct Heading: Sendable, Equatable {
    package let batch: Int
    package let y: Int
  }

  /// Lays out tiles of `tileWidth x tileHeight` pixels belonging to `batches`
  /// (the batch item of each tile, in order), `gap` pixels apart, each row
  /// under a caption band `band` pixels high (0 for none), at most `maxWidth`
  /// pixels wide unless a single tile is wider. The column count makes each
  /// batch item's grid about twice as wide as high (pages are wide).
  package init(tileWidth: Int, tileHeight: Int, batches: [Int], gap: Int, band: Int, maxWidth: Int) {
    var groups: [(batch: Int, count: Int)] = []
    for batch in batches {
      if groups.last?.batch == batch { groups[groups.count - 1].count += 1 } else { groups.append((batch, 1)) }
    }
    let largest = groups.map(\.count).max() ?? 0
    let wide = Int((2 * Double(largest * tileHeight) / Double(max(tileWidth, 1))).squareRoot().rounded(.up))
    let fitting = max(1, (maxWidth + gap) / (tileWidth + gap))
    let columns = max(1, min(wide, largest, fitting))
    var tiles: [Point] = [], headings: [Heading] = []
    var y = 0
    for group in groups {
      if groups.count > 1 {
        headings.append(Heading(batch: group.batch, y: y))
        y += band
      }
      let rows = (group.count + columns - 1) / columns
      for index in 0..<group.count {
        let (row, column) = (index / columns, index % columns)
        tiles.append(Point(x: column * (tileWidth + gap), y: y + band + row * (band + tileHeight + gap)))
      }
      y += rows * (band + tileHeight + gap)
    }
    self.columns = columns
    self.tiles = tiles
    self.headings = headings
    width = columns * tileWidth + (columns - 1) * gap
    height = max(y - gap, 0)
  }
}
