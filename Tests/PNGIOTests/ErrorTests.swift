import Foundation
import PNGIO
import Testing

/// A damaged or missing input, made from a valid PNG in a temporary directory.
enum BadFile: String, CaseIterable, Sendable {
  case corruptIDATData, corruptIDATCRC, truncated, empty, text, missing

  /// The start of the message a full read must give.
  var readMessage: String {
    switch self {
    case .corruptIDATData: "libpng: IDAT: "  // zlib notices before the CRC is read
    case .corruptIDATCRC: "libpng: IDAT: CRC error"
    case .truncated: "truncated or corrupt PNG data: "
    case .empty: "not a PNG file (empty file)"
    case .text: "not a PNG file (bad signature)"
    case .missing: "cannot open: No such file or directory"
    }
  }

  /// Whether the header, which ends before the pixel data, may still read.
  var headerMayRead: Bool { self != .empty && self != .text && self != .missing }

  /// Writes the file into `directory` (except `missing`) and returns its path.
  func make(in directory: URL) throws -> String {
    let url = directory.appendingPathComponent("\(rawValue).png")
    let valid = directory.appendingPathComponent("valid.png")
    try patternImage(width: 32, height: 32, channels: 3, bitDepth: 8).write(path: valid.path)
    var bytes = [UInt8](try Data(contentsOf: valid))
    switch self {
    case .corruptIDATData, .corruptIDATCRC:
      let idat = try #require(bytes.firstRange(of: Array("IDAT".utf8)))
      let length = bytes[(idat.lowerBound - 4)..<idat.lowerBound].reduce(0) { $0 << 8 | Int($1) }
      bytes[idat.upperBound + (self == .corruptIDATData ? length / 2 : length)] ^= 0xFF
    case .truncated:
      bytes = Array(bytes.prefix(bytes.count / 2))
    case .empty:
      bytes = []
    case .text:
      bytes = Array("this is a text file, not an image\n".utf8)
    case .missing:
      return url.path
    }
    try Data(bytes).write(to: url)
    return url.path
  }
}

@Suite("Bad input gives PNGError naming the file")
struct ErrorTests {
  @Test("PNGImage.read throws", arguments: BadFile.allCases)
  func read(_ bad: BadFile) throws {
    try withTemporaryDirectory { directory in
      let path = try bad.make(in: directory)
      let error = #expect(throws: PNGError.self) { try PNGImage.read(path: path) }
      #expect(error?.path == path)
      #expect(error?.description.hasPrefix("\(path): \(bad.readMessage)") == true, "\(String(describing: error))")
      #expect(error?.description.contains("\n") == false)
    }
  }

  @Test("PNGHeader.read throws, or succeeds when the damage is past the header", arguments: BadFile.allCases)
  func header(_ bad: BadFile) throws {
    try withTemporaryDirectory { directory in
      let path = try bad.make(in: directory)
      do {
        let header = try PNGHeader.read(path: path)
        #expect(bad.headerMayRead)
        #expect(header.width == 32 && header.height == 32)
      } catch let error as PNGError {
        #expect(error.path == path)
        #expect(error.description.hasPrefix("\(path): "))
      }
    }
  }

  @Test("Absurd dimensions are refused before allocating")
  func hugeDimensions() throws {
    let path = Fixture.directory.appendingPathComponent("huge-dimensions.png").path
    let header = try PNGHeader.read(path: path)
    #expect(header.width == 1_000_000 && header.height == 1_000_000)
    let error = #expect(throws: PNGError.self) { try PNGImage.read(path: path) }
    #expect(error?.description.hasPrefix("\(path): image too large") == true)
  }

  @Test("A directory is not a PNG file")
  func directory() throws {
    try withTemporaryDirectory { directory in
      let error = #expect(throws: PNGError.self) { try PNGImage.read(path: directory.path) }
      #expect(error?.description == "\(directory.path): cannot open: Is a directory")
    }
  }

  @Test("PNGImage.init validates counts and ranges")
  func initValidation() {
    #expect(throws: PNGError.self) { try PNGImage(width: 2, height: 2, channels: 1, bitDepth: 8, samples: [1, 2, 3]) }
    #expect(throws: PNGError.self) { try PNGImage(width: 1, height: 1, channels: 1, bitDepth: 8, samples: [256]) }
    #expect(throws: PNGError.self) {
      try PNGImage(width: 1, height: 1, channels: 5, bitDepth: 8, samples: [1, 2, 3, 4, 5])
    }
    #expect(throws: PNGError.self) { try PNGImage(width: 1, height: 1, channels: 1, bitDepth: 4, samples: [1]) }
    #expect(throws: PNGError.self) { try PNGImage(width: 0, height: 1, channels: 1, bitDepth: 8, samples: []) }
    #expect(throws: PNGError.self) { try PNGImage(width: Int.max, height: 2, channels: 1, bitDepth: 8, samples: []) }
    #expect(throws: PNGError.self) { try PNGImage(width: 65536, height: 32768, channels: 1, bitDepth: 8, samples: []) }
  }
}
