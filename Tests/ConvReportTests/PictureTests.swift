@testable import ConvReport
import Foundation
import PNGIO
import Testing
import TestSupport

@Suite("Pictures: PNG in memory through libpng, SVG around it")
struct PictureTests {
  /// The PNG embedded in a picture's SVG, decoded by PNGIO's decoder.
  static func embeddedImage(_ svg: String) throws -> PNGImage {
    let prefix = "data:image/png;base64,"
    let start = try #require(svg.range(of: prefix)).upperBound
    let end = try #require(svg[start...].firstIndex(of: "\""))
    let bytes = try #require(Data(base64Encoded: String(svg[start..<end])))
    let path = Fixtures.temporaryDirectory("convreport-png").appendingPathComponent("picture.png").path
    try bytes.write(to: URL(fileURLWithPath: path))
    return try PNGImage.read(path: path)
  }

  @Test("a 1x2x3x4 tensor becomes one RGB PNG holding both channels in the scale's colours")
  func mosaicRoundTrip() throws {
    let values = (0..<24).map(Double.init)
    let scale = ValueScale(fitting: values)
    let picture = try #require(
      try Picture.draw(values, shape: [1, 2, 3, 4], scale: scale, style: .full, reduction: .mean))
    let image = try Self.embeddedImage(picture.svg)
    #expect((image.channels, image.bitDepth) == (3, 8))
    #expect(picture.tilesShown == 2 && picture.reduction == 1)
    func pixel(_ x: Int, _ y: Int) -> RGB {
      let offset = (y * image.width + x) * 3
      return RGB(UInt8(image.samples[offset]), UInt8(image.samples[offset + 1]), UInt8(image.samples[offset + 2]))
    }
    // Channel 0 sits in the first tile, under its caption band: its first and last cells.
    let band = image.height - 3
    #expect(pixel(0, band) == scale.color(0))
    #expect(pixel(3, band + 2) == scale.color(11))
    // Channel 1 is the second tile, to the right after the gap.
    #expect(pixel(image.width - 4, band) == scale.color(12))
    #expect(pixel(image.width - 1, image.height - 1) == ColorMap.viridis.color(at: 1))
    #expect(picture.svg.contains(">c0</text>") && picture.svg.contains(">c1</text>"))
  }

  @Test("a marked cell gets a ring and a crosshair over its tile, and a large slice is reduced")
  func markedAndReduced() throws {
    let values = [Double](repeating: 0, count: 600 * 600)
    let picture = try #require(
      try Picture.draw(
        values, shape: [600, 600], scale: ValueScale(symmetric: values), style: .full, reduction: .largestMagnitude,
        marking: 1234))
    #expect(picture.reduction == 3)
    #expect(picture.svg.contains("<g class=\"worst\"><circle"))
    let image = try Self.embeddedImage(picture.svg)
    #expect((image.width, image.height) == (200, 200))
  }

  @Test("ranks that are not drawn give no picture")
  func undrawable() throws {
    #expect(try Picture.draw([1], shape: [], scale: ValueScale(fitting: [1]), style: .full, reduction: .mean) == nil)
  }

  @Test("a larger tile is never drawn smaller: 64 cells a side at 2 px each (128), 32 at 3 (96)")
  func largerTilesNotSmaller() throws {
    func width(_ side: Int) throws -> Int {
      let values = (0..<(side * side)).map(Double.init)
      let picture = try #require(
        try Picture.draw(
          values, shape: [1, 1, side, side], scale: ValueScale(fitting: values), style: .full, reduction: .mean))
      let text = try #require(picture.svg.split(separator: "width=\"").dropFirst().first)
      return try #require(Int(text.prefix { $0.isNumber }))
    }
    #expect(try width(32) == 96)
    #expect(try width(64) == 128)
    #expect(try width(48) == 96)
  }
}
