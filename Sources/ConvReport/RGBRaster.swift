import Foundation
import PNGIO

/// An 8-bit RGB picture being drawn, encoded through PNGIO (libpng) when done.
struct RGBRaster {
  let width: Int
  let height: Int
  /// Interleaved red, green, blue, row by row.
  private(set) var samples: [UInt16]

  init(width: Int, height: Int, background: RGB = .white) {
    self.width = width
    self.height = height
    samples = Array(
      repeating: [background.red, background.green, background.blue].map(UInt16.init), count: width * height
    )
    .flatMap { $0 }
  }

  subscript(x: Int, y: Int) -> RGB {
    get {
      let offset = (y * width + x) * 3
      return RGB(UInt8(samples[offset]), UInt8(samples[offset + 1]), UInt8(samples[offset + 2]))
    }
    set {
      let offset = (y * width + x) * 3
      samples[offset] = UInt16(newValue.red)
      samples[offset + 1] = UInt16(newValue.green)
      samples[offset + 2] = UInt16(newValue.blue)
    }
  }

  /// The picture as a PNG `data:` URL, for an `<img>` or SVG `<image>`.
  func dataURL() throws(PNGError) -> String {
    let image = try PNGImage(width: width, height: height, channels: 3, bitDepth: 8, samples: samples)
    return "data:image/png;base64," + Data(try image.encoded()).base64EncodedString()
  }
}
