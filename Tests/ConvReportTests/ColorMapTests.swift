@testable import ConvReport
import Testing

@Suite("Colour maps and value scales")
struct ColorMapTests {
  @Test("viridis ends at the published first and last entries of matplotlib's _viridis_data")
  func viridisEndpoints() {
    // _viridis_data[0] = (0.267004, 0.004874, 0.329415), [255] = (0.993248, 0.906157, 0.143936), times 255, rounded.
    #expect(ColorMap.viridis.stops.count == 256)
    #expect(ColorMap.viridis.color(at: 0) == RGB(68, 1, 84))
    #expect(ColorMap.viridis.color(at: 1) == RGB(253, 231, 37))
    // _viridis_data[128] = (0.127568, 0.566949, 0.550556): an entry is hit exactly at i / 255.
    #expect(ColorMap.viridis.color(at: 128.0 / 255) == RGB(33, 145, 140))
  }

  @Test("RdBu reversed runs from ColorBrewer's dark blue through its near-white to its dark red")
  func redBlueEndpoints() {
    #expect(ColorMap.redBlue.stops.count == 11)
    #expect(ColorMap.redBlue.color(at: 0) == RGB(5, 48, 97))
    #expect(ColorMap.redBlue.color(at: 0.5) == RGB(247, 247, 247))
    #expect(ColorMap.redBlue.color(at: 1) == RGB(103, 0, 31))
    // Halfway between the first two entries (5, 48, 97) and (33, 102, 172).
    #expect(ColorMap.redBlue.color(at: 0.05) == RGB(19, 75, 135))
  }

  @Test("fractions outside 0...1 clamp to the ends; NaN is magenta in both maps")
  func clampingAndNaN() {
    #expect(ColorMap.viridis.color(at: -3) == ColorMap.viridis.color(at: 0))
    #expect(ColorMap.redBlue.color(at: .infinity) == ColorMap.redBlue.color(at: 1))
    #expect(ColorMap.viridis.color(at: .nan) == RGB(255, 0, 255))
    #expect(RGB(255, 0, 255).description == "#ff00ff")
  }

  @Test("values with no negative one get viridis over min...max; signed ones RdBu symmetric around 0")
  func scaleChoice() {
    let image = ValueScale(fitting: [0.2, 0.5, 1, .nan])
    #expect(image.kind == .sequential)
    #expect((image.low, image.high) == (0.2, 1))
    #expect(image.hasNaN)
    #expect(image.color(0.2) == RGB(68, 1, 84))
    let signed = ValueScale(fitting: [-1, 3, .infinity])
    #expect(signed.kind == .diverging)
    #expect((signed.low, signed.high) == (-3, 3))
    #expect(signed.color(0) == RGB(247, 247, 247))
    #expect(signed.color(.infinity) == RGB(103, 0, 31))
    let difference = ValueScale(symmetric: [0, 2])
    #expect((difference.kind, difference.low, difference.high) == (.diverging, -2, 2))
    #expect(ValueScale(fitting: [4, 4]).color(4) == ColorMap.viridis.color(at: 0.5))
  }
}
