import PNGIO
import Testing

@Suite("Files from another encoder (pypng)")
struct FixtureTests {
  @Test("Decoded samples equal pypng's expected expansion", arguments: try Fixture.all())
  func decodes(_ fixture: Fixture) throws {
    let image = try PNGImage.read(path: fixture.path)
    #expect(image.width == fixture.width)
    #expect(image.height == fixture.height)
    #expect(image.channels == fixture.storedChannels)
    #expect(image.bitDepth == fixture.expandedBitDepth)
    #expect(image.samples == fixture.samples)
  }

  @Test("Header fields match what was written", arguments: try Fixture.all())
  func header(_ fixture: Fixture) throws {
    let header = try PNGHeader.read(path: fixture.path)
    #expect(header.width == fixture.width)
    #expect(header.height == fixture.height)
    #expect(header.bitDepth == fixture.bitDepth)
    #expect(header.colorType.rawValue == fixture.colorType)
    #expect(header.interlaced == fixture.interlaced)
    #expect(header.hasTransparency == fixture.hasTransparency)
    #expect(header.storedChannels == fixture.storedChannels)
  }

  @Test("The fixture set covers every depth, colour type, tRNS and interlacing")
  func coverage() throws {
    let fixtures = try Fixture.all()
    let grayDepths = Set(fixtures.filter { $0.colorType == "gray" }.map(\.bitDepth))
    #expect(grayDepths == [1, 2, 4, 8, 16])
    for colorType in ["grayAlpha", "rgb", "rgba"] {
      let depths = Set(fixtures.filter { $0.colorType == colorType }.map(\.bitDepth))
      #expect(depths.isSuperset(of: [8, 16]), "\(colorType)")
    }
    let palettes = fixtures.filter { $0.colorType == "palette" }
    #expect(Set(palettes.map(\.hasTransparency)) == [false, true])
    #expect(fixtures.contains { $0.interlaced })
  }
}
