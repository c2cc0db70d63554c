import ConvCore
import PNGIO
import Testing

@Suite("PNGImage.init(tensor:bitDepth:scale:)")
struct TensorInitTests {
  @Test(
    "tensor() then init(tensor:) gives back the image",
    arguments: [1, 2, 3, 4], [8, 16])
  func roundTrip(channels: Int, bitDepth: Int) throws {
    let image = try patternImage(width: 6, height: 4, channels: channels, bitDepth: bitDepth)
    for scale in PNGScale.allCases {
      let tensor = image.tensor(scale: scale)
      #expect(try PNGImage(tensor: tensor, bitDepth: bitDepth, scale: scale) == image)
      let unbatched = try tensor.reshaped(Array(tensor.shape.dropFirst()))
      #expect(try PNGImage(tensor: unbatched, bitDepth: bitDepth, scale: scale) == image)
    }
  }

  @Test("Values are clamped and rounded to nearest")
  func clampAndRound() throws {
    let tensor = try Tensor(shape: [1, 1, 1, 5], values: [Float(-3), 1.4, 1.5, 254.6, 300])
    let image = try PNGImage(tensor: tensor, bitDepth: 8, scale: .raw)
    #expect(image.samples == [0, 1, 2, 255, 255])
    let unit = try Tensor(shape: [1, 1, 1, 3], values: [Float(-0.1), 0.5, 1.2])
    #expect(try PNGImage(tensor: unit, bitDepth: 16, scale: .unit).samples == [0, 32768, 65535])
  }

  @Test("Unsupported shapes, bit depths and NaN are errors")
  func rejects() throws {
    let batchOfTwo = try Tensor(shape: [2, 1, 2, 2], values: [Float](repeating: 0, count: 8))
    let fiveChannels = try Tensor(shape: [5, 2, 2], values: [Float](repeating: 0, count: 20))
    let flat = try Tensor(shape: [4], values: [Float](repeating: 0, count: 4))
    let gray = try Tensor(shape: [1, 2, 2], values: [Float](repeating: 0, count: 4))
    let nan = try Tensor(shape: [1, 1, 2], values: [Float.nan, 0])
    for tensor in [batchOfTwo, fiveChannels, flat, nan] {
      #expect(throws: PNGError.self) { try PNGImage(tensor: tensor, bitDepth: 8, scale: .unit) }
    }
    #expect(throws: PNGError.self) { try PNGImage(tensor: gray, bitDepth: 12, scale: .unit) }
  }
}
