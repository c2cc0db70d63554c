@testable import ConvReport
import Testing

@Suite("Mosaic layout and tensor slices")
struct MosaicTests {
  @Test("8 channels of 24x24 lie in 4 columns and 2 rows, 1 pixel apart")
  func eightChannels() {
    let layout = MosaicLayout(
      tileWidth: 24, tileHeight: 24, batches: Array(repeating: 0, count: 8), gap: 1, band: 0, maxWidth: 1000)
    #expect(layout.columns == 4)
    #expect((layout.width, layout.height) == (4 * 24 + 3, 2 * 24 + 1))
    #expect(layout.tiles[0] == MosaicLayout.Point(x: 0, y: 0))
    #expect(layout.tiles[3] == MosaicLayout.Point(x: 75, y: 0))
    #expect(layout.tiles[4] == MosaicLayout.Point(x: 0, y: 25))
    #expect(layout.headings.isEmpty)
  }

  @Test("each batch item starts its own grid under a heading band, and captions get a band above each row")
  func batchItemsAndCaptions() {
    let layout = MosaicLayout(
      tileWidth: 10, tileHeight: 10, batches: [0, 0, 0, 1, 1, 1], gap: 2, band: 5, maxWidth: 1000)
    #expect(layout.columns == 3)
    #expect(layout.headings == [.init(batch: 0, y: 0), .init(batch: 1, y: 22)])
    // heading band 5, caption band 5, then the tiles; the next item after gap 2.
    #expect(layout.tiles.map(\.y) == [10, 10, 10, 32, 32, 32])
    #expect(layout.tiles.map(\.x) == [0, 12, 24, 0, 12, 24])
    #expect(layout.height == 42)
  }

  @Test("the width limit caps the columns; a single tile wider than the limit still gets one")
  func widthLimit() {
    let narrow = MosaicLayout(
      tileWidth: 30, tileHeight: 30, batches: Array(repeating: 0, count: 64), gap: 2, band: 0, maxWidth: 100)
    #expect(narrow.columns == 3)
    #expect(narrow.width <= 100)
    let wide = MosaicLayout(tileWidth: 300, tileHeight: 300, batches: [0, 0], gap: 2, band: 0, maxWidth: 100)
    #expect(wide.columns == 1)
  }

  @Test("slices: a plane per channel for NCHW, strips for NCL, chosen depths for NCDHW, one for a matrix")
  func slicesByRank() throws {
    let planes = try #require(TensorSlice.slices(shape: [2, 3, 4, 5]))
    #expect(planes.count == 6)
    #expect(planes[4] == TensorSlice(label: "c1", batch: 1, height: 4, width: 5, start: 4 * 20))
    let strips = try #require(TensorSlice.slices(shape: [1, 2, 7]))
    #expect(strips.map(\.height) == [1, 1])
    #expect(strips[1].start == 7)
    let matrix = try #require(TensorSlice.slices(shape: [4, 16]))
    #expect(matrix == [TensorSlice(label: "", batch: 0, height: 4, width: 16, start: 0)])
    let volume = try #require(TensorSlice.slices(shape: [1, 1, 9, 2, 2]))
    #expect(volume.map(\.label) == ["c0 d0", "c0 d4", "c0 d8"])
    // The worst cell at depth 6 adds its plane.
    let keeping = try #require(TensorSlice.slices(shape: [1, 1, 9, 2, 2], keeping: 6 * 4 + 3))
    #expect(keeping.map(\.label) == ["c0 d0", "c0 d4", "c0 d6", "c0 d8"])
    #expect(keeping[2].position(of: 6 * 4 + 3)! == (1, 1))
    #expect(TensorSlice.slices(shape: []) == nil)
    #expect(TensorSlice.slices(shape: [1, 1, 1, 1, 1, 1]) == nil)
    #expect(TensorSlice.slices(shape: [1, 0, 3, 3]) == [])
  }

  @Test("reducing a slice: the mean of finite cells for tensors, the largest magnitude for differences")
  func reduction() {
    let slice = TensorSlice(label: "", batch: 0, height: 3, width: 3, start: 0)
    let values: [Double] = [1, 2, -9, 3, .infinity, 4, 5, 6, 7]
    #expect(slice.reduced(values, factor: 2, reduction: .mean) == [2, -2.5, 5.5, 7])
    #expect(slice.reduced(values, factor: 2, reduction: .largestMagnitude) == [.infinity, -9, 6, 7])
    #expect(slice.reduced(values, factor: 1, reduction: .mean) == values)
  }

  @Test("the tile of the marked cell replaces the last one shown when it is beyond the limit")
  func markedTileKept() throws {
    let slices = try #require(TensorSlice.slices(shape: [1, 10, 2, 2]))
    let shown = Picture.chosen(slices, limit: 4, keeping: 9 * 4 + 1)
    #expect(shown.map(\.label) == ["c0", "c1", "c2", "c9"])
    #expect(Picture.chosen(slices, limit: 4, keeping: nil).map(\.label) == ["c0", "c1", "c2", "c3"])
  }
}
