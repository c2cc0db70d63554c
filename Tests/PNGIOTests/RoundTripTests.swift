import Foundation
import PNGIO
import Testing

@Suite("Write then read")
struct RoundTripTests {
  @Test(
    "PNGImage.write output reads back with identical samples",
    arguments: [1, 2, 3, 4], [8, 16])
  func writeThenRead(channels: Int, bitDepth: Int) throws {
    let image = try patternImage(width: 7, height: 5, channels: channels, bitDepth: bitDepth)
    try withTemporaryDirectory { directory in
      let path = directory.appendingPathComponent("image.png").path
      try image.write(path: path)
      #expect(try PNGImage.read(path: path) == image)

      let header = try PNGHeader.read(path: path)
      let colorTypes: [PNGColorType] = [.gray, .grayAlpha, .rgb, .rgba]
      #expect(header.colorType == colorTypes[channels - 1])
      #expect(header.bitDepth == bitDepth)
      #expect(header.storedChannels == channels)
      #expect(!header.interlaced)
    }
  }

  @Test(
    "PNGImage.encoded gives the bytes write(path:) writes, which decode to the same samples",
    arguments: [1, 2, 3, 4], [8, 16])
  func encodeInMemory(channels: Int, bitDepth: Int) throws {
    let image = try patternImage(width: 9, height: 4, channels: channels, bitDepth: bitDepth)
    let bytes = try image.encoded()
    #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    try withTemporaryDirectory { directory in
      let written = directory.appendingPathComponent("written.png").path
      try image.write(path: written)
      #expect(FileManager.default.contents(atPath: written) == Data(bytes))
      let copy = directory.appendingPathComponent("encoded.png").path
      try Data(bytes).write(to: URL(fileURLWithPath: copy))
      #expect(try PNGImage.read(path: copy) == image)
    }
  }

  @Test("Writing into a missing directory throws an error naming the path")
  func writeToMissingDirectory() throws {
    let image = try patternImage(width: 2, height: 2, channels: 1, bitDepth: 8)
    let path = "/nonexistent-pngio-dir/out.png"
    let error = #expect(throws: PNGError.self) { try image.write(path: path) }
    #expect(error?.description == "\(path): cannot open: No such file or directory")
  }
}
