import _PNGShims

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A decoded PNG: interleaved 8- or 16-bit samples with 1 to 4 channels.
///
/// Channels are gray (1), gray+alpha (2), RGB (3) or RGBA (4). Reading expands
/// palettes to RGB (RGBA with tRNS) and gray below 8 bits to 8 bits; see
/// ``PNGHeader/storedChannels`` for the exact rule.
public struct PNGImage: Sendable, Equatable {
  public let width: Int
  public let height: Int
  /// Samples per pixel, 1...4.
  public let channels: Int
  /// Bits per sample, 8 or 16.
  public let bitDepth: Int
  /// Samples in row-major order, `height x width x channels`, channels interleaved.
  public let samples: [UInt16]
  /// The text chunks (tEXt, zTXt, iTXt) as key and text, in file order; written as tEXt.
  public let text: [PNGText]

  /// The most samples (`width * height * channels`) an image may hold: 2^31 - 1.
  public static let maxSampleCount = Int(Int32.max)

  /// The largest sample value: 255 for 8-bit, 65535 for 16-bit.
  public var maxValue: Int { Self.maxValue(bitDepth: bitDepth) }

  /// `2^bitDepth - 1`.
  static func maxValue(bitDepth: Int) -> Int { (1 << bitDepth) - 1 }

  /// Accepts the bit depths images hold after expansion: 8 and 16.
  static func checkBitDepth(_ bitDepth: Int) throws(PNGError) {
    guard bitDepth == 8 || bitDepth == 16 else { throw .invalidInput("bit depth \(bitDepth); need 8 or 16") }
  }

  /// Creates an image, checking that width and height are at least 1, channels
  /// is 1...4, bitDepth is 8 or 16, `samples` holds `width * height * channels`
  /// values (at most ``maxSampleCount``), each at most ``maxValue``, and that
  /// every text key is 1 to 79 printable Latin-1 characters and no text holds NUL.
  public init(width: Int, height: Int, channels: Int, bitDepth: Int, samples: [UInt16], text: [PNGText] = [])
    throws(PNGError)
  {
    guard width >= 1, height >= 1 else { throw .invalidInput("image size \(width)x\(height) is empty") }
    guard (1...4).contains(channels) else { throw .invalidInput("\(channels) channels; need 1 to 4") }
    try Self.checkBitDepth(bitDepth)
    guard let expected = Self.sampleCount(width: width, height: height, channels: channels) else {
      throw .invalidInput("image \(width)x\(height)x\(channels) exceeds \(Self.maxSampleCount) samples")
    }
    guard samples.count == expected else {
      throw .invalidInput(
        "image \(width)x\(height)x\(channels) needs \(expected) samples, got \(samples.count)")
    }
    let maxValue = Self.maxValue(bitDepth: bitDepth)
    if let index = samples.firstIndex(where: { Int($0) > maxValue }) {
      throw .invalidInput("sample \(samples[index]) at index \(index) exceeds \(maxValue) for \(bitDepth)-bit")
    }
    for chunk in text { try chunk.check() }
    self.width = width
    self.height = height
    self.channels = channels
    self.bitDepth = bitDepth
    self.samples = samples
    self.text = text
  }

  /// `width * height * channels`, or nil when it overflows or exceeds ``maxSampleCount``.
  static func sampleCount(width: Int, height: Int, channels: Int) -> Int? {
    let (pixels, pixelsOverflow) = width.multipliedReportingOverflow(by: height)
    let (count, countOverflow) = pixels.multipliedReportingOverflow(by: channels)
    guard !pixelsOverflow, !countOverflow, count <= maxSampleCount else { return nil }
    return count
  }

  /// Decodes the PNG at `path` (any bit depth, colour type and interlacing).
  ///
  /// Throws a ``PNGError`` naming `path` if the file is missing, empty, not a
  /// PNG, truncated, corrupt (libpng's message is kept), or would hold more
  /// than ``maxSampleCount`` samples.
  public static func read(path: String) throws(PNGError) -> PNGImage {
    try decode(path: path) { header, channels, bitDepth, pixels, text, textSize, message, size in
      convpipe_png_decode(path, maxSampleCount, header, channels, bitDepth, pixels, text, textSize, message, size)
    }
  }

  /// Decodes a PNG file's bytes already in memory (read once, say, to be hashed
  /// too); `path` names them in errors, as ``read(path:)`` does.
  public static func decode(_ contents: [UInt8], path: String) throws(PNGError) -> PNGImage {
    let result: Result<PNGImage, PNGError> = contents.withUnsafeBytes { bytes in
      Result { () throws(PNGError) in
        try decode(path: path) { header, channels, bitDepth, pixels, text, textSize, message, size in
          convpipe_png_decode_memory(
            bytes.baseAddress, bytes.count, maxSampleCount, header, channels, bitDepth, pixels, text, textSize,
            message, size)
        }
      }
    }
    return try result.get()
  }

  /// Runs one of the shim's decoders and turns its pixels into an image.
  private static func decode(
    path: String,
    _ decoder: (
      UnsafeMutablePointer<convpipe_png_header>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>,
      UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
      UnsafeMutablePointer<Int>, UnsafeMutablePointer<CChar>, Int
    ) -> convpipe_png_status
  ) throws(PNGError) -> PNGImage {
    var header = convpipe_png_header()
    var channels: Int32 = 0
    var bitDepth: Int32 = 0
    var pixels: UnsafeMutableRawPointer?
    var textBytes: UnsafeMutablePointer<CChar>?
    var textSize = 0
    try callLibPNG(path: path) { message, size in
      decoder(&header, &channels, &bitDepth, &pixels, &textBytes, &textSize, message, size)
    }
    defer {
      free(pixels)
      free(textBytes)
    }
    let text = textBytes.map { PNGText.unpack(UnsafeBufferPointer(start: $0, count: textSize)) } ?? []
    let count = Int(header.width) * Int(header.height) * Int(channels)
    guard let pixels else { throw PNGError(path: path, message: "decoder returned no pixel data") }
    let samples: [UInt16] =
      bitDepth == 16
      ? Array(UnsafeBufferPointer(start: pixels.assumingMemoryBound(to: UInt16.self), count: count))
      : UnsafeBufferPointer(start: pixels.assumingMemoryBound(to: UInt8.self), count: count)
        .map(UInt16.init)
    let image: PNGImage
    do {
      image = try PNGImage(
        width: Int(header.width), height: Int(header.height), channels: Int(channels),
        bitDepth: Int(bitDepth), samples: samples)
    } catch {
      throw PNGError(path: path, message: error.message)
    }
    return PNGImage(image, text: text)
  }

  /// `image` with the text chunks a file holds, taken as they are.
  private init(_ image: PNGImage, text: [PNGText]) {
    (width, height, channels, bitDepth, samples) = (
      image.width, image.height, image.channels, image.bitDepth, image.samples
    )
    self.text = text
  }

  /// Encodes the image as a non-interlaced PNG at `path`, replacing any file
  /// there: 1 channel as gray, 2 gray+alpha, 3 RGB, 4 RGBA, at ``bitDepth``.
  /// On failure no partial file is left behind.
  public func write(path: String) throws(PNGError) {
    try callLibPNG(path: path) { message, size in
      withSampleBytes { bytes in
        PNGText.pack(text).withUnsafeBufferPointer { text in
          convpipe_png_encode(
            path, UInt32(width), UInt32(height), Int32(channels), Int32(bitDepth), bytes.baseAddress, text.baseAddress,
            Int32(self.text.count), message, size)
        }
      }
    }
  }

  /// The PNG file ``write(path:)`` would write, as bytes in memory (no file is
  /// touched): for embedding, e.g. as a `data:image/png;base64,` URL.
  public func encoded() throws(PNGError) -> [UInt8] {
    var bytes: UnsafeMutableRawPointer?
    var count = 0
    try callLibPNG(path: "") { message, size in
      withSampleBytes { samples in
        PNGText.pack(text).withUnsafeBufferPointer { text in
          convpipe_png_encode_memory(
            UInt32(width), UInt32(height), Int32(channels), Int32(bitDepth), samples.baseAddress, text.baseAddress,
            Int32(self.text.count), &bytes, &count, message, size)
        }
      }
    }
    defer { free(bytes) }
    guard let bytes else { return [] }
    return Array(UnsafeBufferPointer(start: bytes.assumingMemoryBound(to: UInt8.self), count: count))
  }

  /// The samples as libpng takes them: native `UInt16` for 16-bit, one byte each for 8-bit.
  private func withSampleBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
    bitDepth == 16
      ? samples.withUnsafeBytes(body)
      : samples.map { UInt8(truncatingIfNeeded: $0) }.withUnsafeBytes(body)
  }
}
