import ConvCore
import Foundation
import PNGIO
import TestScratch
import Testing

/// One entry of Fixtures/expected.json, written by Fixtures/make_fixtures.py.
struct Fixture: Decodable, Sendable, CustomTestStringConvertible {
  let name: String
  let width: Int
  let height: Int
  let bitDepth: Int
  let colorType: String
  let interlaced: Bool
  let hasTransparency: Bool
  let storedChannels: Int
  let expandedBitDepth: Int
  let samples: [UInt16]

  var testDescription: String { name }
  var path: String { Fixture.directory.appendingPathComponent(name).path }

  static let directory = (Bundle.module.resourceURL ?? Bundle.module.bundleURL)
    .appendingPathComponent("Fixtures")

  /// Every fixture listed in expected.json.
  static func all() throws -> [Fixture] {
    struct File: Decodable { let fixtures: [Fixture] }
    let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
    return try JSONDecoder().decode(File.self, from: data).fixtures
  }

  static func named(_ name: String) throws -> Fixture {
    try #require(try all().first { $0.name == name })
  }
}

/// Runs `body` with a fresh temporary directory that is removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
  let directory = ScratchRoot.directory("pngio-tests")
  defer { try? FileManager.default.removeItem(at: directory) }
  return try body(directory)
}

/// A `width x height` image whose samples sweep the whole range, including 0 and the maximum.
func patternImage(width: Int, height: Int, channels: Int, bitDepth: Int) throws -> PNGImage {
  let maxValue = bitDepth == 16 ? 65535 : 255
  let count = width * height * channels
  let samples = (0..<count).map { index in
    UInt16(index == count - 1 ? maxValue : (index * 7919) % (maxValue + 1))
  }
  return try PNGImage(
    width: width, height: height, channels: channels, bitDepth: bitDepth, samples: samples)
}

/// `tensor[0, c, y, x]` of a `[1, C, H, W]` tensor.
func element(_ tensor: Tensor, c: Int, y: Int, x: Int) -> Float {
  let (height, width) = (tensor.shape[2], tensor.shape[3])
  return tensor.values(as: Float.self)[(c * height + y) * width + x]
}
