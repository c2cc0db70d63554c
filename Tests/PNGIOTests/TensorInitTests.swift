import ConvCore
import PNGIO
import Testing

@Suite("PNGImage.init(tensor:bitDepth:range:text:)")
struct TensorInitTests {
  @Test(
    "tensor(scale:) then init(tensor:range:) gives back the image, for every scale",
    arguments: [1, 2, 3, 4], [8, 16])
  func roundTrip(channels: Int, bitDepth: Int) throws {
    let pattern = try patternImage(width: 6, height: 4, channels: channels, bitDepth: bitDepth)
    let text = [PNGText(key: "convpipe:range", text: "-2.5 4.0")]
    let image = try PNGImage(
      width: pattern.width, height: pattern.height, channels: channels, bitDepth: bitDepth, samples: pattern.samples,
      text: text)
    for scale in PNGScale.allCases {
      let range = try scale.range(of: image)
      let tensor = try image.tensor(scale: scale)
      #expect(try PNGImage(tensor: tensor, bitDepth: bitDepth, range: range, text: text) == image, "\(scale)")
      let unbatched = try tensor.reshaped(Array(tensor.shape.dropFirst()))
      #expect(try PNGImage(tensor: unbatched, bitDepth: bitDepth, range: range, text: text) == image)
    }
  }

  @Test("Values are clamped and rounded to nearest; NaN gives 0")
  func clampAndRound() throws {
    let tensor = try Tensor(shape: [1, 1, 1, 6], values: [Float(-3), 1.4, 1.5, 254.6, 300, .nan])
    let image = try PNGImage(tensor: tensor, bitDepth: 8, range: PNGValueRange(lower: 0, upper: 255))
    #expect(image.samples == [0, 1, 2, 255, 255, 0])
    let unit = try Tensor(shape: [1, 1, 1, 3], values: [Float(-0.1), 0.5, 1.2])
    #expect(try PNGImage(tensor: unit, bitDepth: 16).samples == [0, 32768, 65535])
    let shifted = try Tensor(shape: [1, 1, 1, 3], values: [-1.0, 0, 1])
    #expect(
      try PNGImage(tensor: shifted, bitDepth: 8, range: PNGValueRange(lower: -1, upper: 1)).samples == [0, 128, 255])
    #expect(try PNGImage(tensor: shifted, bitDepth: 8, range: PNGValueRange(lower: 2, upper: 2)).samples == [0, 0, 0])
  }

  @Test("Unsupported shapes, bit depths and text keys are errors")
  func rejects() throws {
    let batchOfTwo = try Tensor(shape: [2, 1, 2, 2], values: [Float](repeating: 0, count: 8))
    let fiveChannels = try Tensor(shape: [5, 2, 2], values: [Float](repeating: 0, count: 20))
    let flat = try Tensor(shape: [4], values: [Float](repeating: 0, count: 4))
    let gray = try Tensor(shape: [1, 2, 2], values: [Float](repeating: 0, count: 4))
    for tensor in [batchOfTwo, fiveChannels, flat] {
      #expect(throws: PNGError.self) { try PNGImage(tensor: tensor, bitDepth: 8) }
    }
    #expect(throws: PNGError.self) { try PNGImage(tensor: gray, bitDepth: 12) }
    for key in ["", String(repeating: "k", count: 80), " lead", "a\u{1}b", "snow☃"] {
      #expect(throws: PNGError.self) { try PNGImage(tensor: gray, bitDepth: 8, text: [PNGText(key: key, text: "x")]) }
    }
  }

  @Test("text chunks are written and read back, and recorded ranges parse")
  func textChunks() throws {
    let text = [PNGText(key: "Software", text: "convpipe"), PNGText(key: "convpipe:range", text: "-0.5 1.25")]
    let image = try PNGImage(width: 2, height: 1, channels: 1, bitDepth: 8, samples: [0, 255], text: text)
    #expect(try PNGImage.decode(image.encoded(), path: "memory").text == text)
    #expect(try PNGScale.recorded.range(of: image) == PNGValueRange(lower: -0.5, upper: 1.25))
    #expect(PNGValueRange(text: "1 0") == nil)
    #expect(PNGValueRange(text: "0 inf") == nil)
    #expect(PNGValueRange(text: "0") == nil)
    let bare = try PNGImage(width: 1, height: 1, channels: 1, bitDepth: 8, samples: [0])
    #expect(throws: PNGError.self) { try PNGScale.recorded.range(of: bare) }
  }
}
