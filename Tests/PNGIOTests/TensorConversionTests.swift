import ConvCore
import PNGIO
import Testing

@Suite("PNGImage.tensor(channels:scale:)")
struct TensorConversionTests {
  @Test("Shape is [1, C, H, W], float32, channel-planar")
  func layout() throws {
    let image = try patternImage(width: 4, height: 3, channels: 3, bitDepth: 8)
    let tensor = try image.tensor(scale: .raw)
    #expect(tensor.shape == [1, 3, 3, 4])
    #expect(tensor.dtype == .float32)
    for y in 0..<3 {
      for x in 0..<4 {
        for c in 0..<3 {
          #expect(element(tensor, c: c, y: y, x: x) == Float(image.samples[(y * 4 + x) * 3 + c]))
        }
      }
    }
  }

  @Test(
    "Channel count per option for gray, gray+alpha, RGB, RGBA and palette sources",
    arguments: [
      "gray-8.png", "gray-alpha-8.png", "rgb-8.png", "rgba-8.png", "palette-4.png",
      "palette-8-trns.png",
    ], PNGChannels.allCases)
  func channelCounts(name: String, option: PNGChannels) throws {
    let fixture = try Fixture.named(name)
    let header = try PNGHeader.read(path: fixture.path)
    let tensor = try PNGImage.read(path: fixture.path).tensor(channels: option)
    let expected = [PNGChannels.auto: fixture.storedChannels, .gray: 1, .rgb: 3, .rgba: 4][option]
    #expect(header.channelCount(for: option) == expected)
    #expect(tensor.shape == [1, expected ?? 0, fixture.height, fixture.width])
    #expect(tensor.dtype == .float32)
  }

  @Test("Gray from colour uses BT.601 0.299 R + 0.587 G + 0.114 B, alpha dropped", arguments: [3, 4])
  func bt601(channels: Int) throws {
    let pixels: [[UInt16]] = [[10, 20, 30], [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]
    let samples: [UInt16] = pixels.flatMap { channels == 4 ? $0 + [77] : $0 }
    let image = try PNGImage(width: 5, height: 1, channels: channels, bitDepth: 8, samples: samples)
    let raw = try image.tensor(channels: .gray, scale: .raw)
    let unit = try image.tensor(channels: .gray, scale: .unit)
    let expectedRaw: [Double] = [18.15, 76.245, 149.685, 29.07, 255]
    #expect(raw.shape == [1, 1, 1, 5])
    for (x, luma) in expectedRaw.enumerated() {
      #expect(element(raw, c: 0, y: 0, x: x) == Float(luma))
      #expect(abs(Double(element(unit, c: 0, y: 0, x: x)) - luma / 255) < 1e-6)
    }
  }

  @Test("BT.601 at 16 bit")
  func bt601Sixteen() throws {
    let image = try PNGImage(width: 1, height: 1, channels: 3, bitDepth: 16, samples: [1000, 40000, 65535])
    let luma = 0.299 * 1000 + 0.587 * 40000 + 0.114 * 65535
    #expect(try element(image.tensor(channels: .gray, scale: .raw), c: 0, y: 0, x: 0) == Float(luma))
    #expect(element(image.tensor(channels: .gray), c: 0, y: 0, x: 0) == Float(luma / 65535))
  }

  @Test("Palette to gray is BT.601 of the palette colours")
  func paletteToGray() throws {
    let fixture = try Fixture.named("palette-4.png")
    let tensor = try PNGImage.read(path: fixture.path).tensor(channels: .gray, scale: .raw)
    let values = tensor.values(as: Float.self)
    for pixel in 0..<(fixture.width * fixture.height) {
      let rgb = fixture.samples[(pixel * 3)..<(pixel * 3 + 3)].map(Double.init)
      #expect(values[pixel] == Float(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]))
    }
  }

  @Test("Gray+alpha: gray drops alpha, rgb repeats gray, rgba repeats gray plus alpha")
  func grayAlphaConversions() throws {
    let image = try PNGImage(width: 2, height: 1, channels: 2, bitDepth: 8, samples: [10, 200, 90, 40])
    #expect(try image.tensor(channels: .gray, scale: .raw).values(as: Float.self) == [10, 90])
    #expect(try image.tensor(channels: .rgb, scale: .raw).values(as: Float.self) == [10, 90, 10, 90, 10, 90])
    #expect(
      try image.tensor(channels: .rgba, scale: .raw).values(as: Float.self) == [10, 90, 10, 90, 10, 90, 200, 40])
  }

  @Test("Gray to rgb repeats gray; to rgba adds opaque alpha", arguments: [8, 16])
  func grayConversions(bitDepth: Int) throws {
    let image = try PNGImage(width: 2, height: 1, channels: 1, bitDepth: bitDepth, samples: [0, 51])
    let opaque = Float(bitDepth == 16 ? 65535 : 255)
    #expect(try image.tensor(channels: .rgb, scale: .raw).values(as: Float.self) == [0, 51, 0, 51, 0, 51])
    #expect(
      try image.tensor(channels: .rgba, scale: .raw).values(as: Float.self) == [0, 51, 0, 51, 0, 51, opaque, opaque])
    #expect(image.tensor(channels: .rgba).values(as: Float.self).suffix(2) == [1, 1])
  }

  @Test("RGBA to rgb drops alpha; RGB to rgba adds opaque alpha")
  func alphaConversions() throws {
    let rgba = try PNGImage(width: 1, height: 1, channels: 4, bitDepth: 8, samples: [1, 2, 3, 4])
    #expect(try rgba.tensor(channels: .rgb, scale: .raw).values(as: Float.self) == [1, 2, 3])
    let rgb = try PNGImage(width: 1, height: 1, channels: 3, bitDepth: 8, samples: [1, 2, 3])
    #expect(try rgb.tensor(channels: .rgba, scale: .raw).values(as: Float.self) == [1, 2, 3, 255])
    #expect(
      rgb.tensor(channels: .rgba).values(as: Float.self) == [Float(1.0 / 255), Float(2.0 / 255), Float(3.0 / 255), 1])
  }

  @Test("Unit scale divides by 255 or 65535; raw keeps the integers", arguments: [8, 16])
  func scaling(bitDepth: Int) throws {
    let maxValue: UInt16 = bitDepth == 16 ? 65535 : 255
    let fifth = maxValue / 5
    let image = try PNGImage(width: 3, height: 1, channels: 1, bitDepth: bitDepth, samples: [0, fifth, maxValue])
    #expect(try image.tensor(scale: .unit).values(as: Float.self) == [0, 0.2, 1])
    #expect(try image.tensor(scale: .raw).values(as: Float.self) == [0, Float(fifth), Float(maxValue)])
  }
}
