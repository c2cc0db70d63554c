import CPNG
import _PNGShims

/// The colour type stored in a PNG's IHDR chunk.
public enum PNGColorType: String, Sendable, CaseIterable {
  case gray, grayAlpha, rgb, rgba, palette

  init?(libpngValue: Int32) {
    switch libpngValue {
    case PNG_COLOR_TYPE_GRAY: self = .gray
    case PNG_COLOR_TYPE_GRAY_ALPHA: self = .grayAlpha
    case PNG_COLOR_TYPE_RGB: self = .rgb
    case PNG_COLOR_TYPE_RGB_ALPHA: self = .rgba
    case PNG_COLOR_TYPE_PALETTE: self = .palette
    default: return nil
    }
  }
}

/// A PNG's header fields, read without decoding pixel data.
public struct PNGHeader: Sendable, Equatable {
  public let width: Int
  public let height: Int
  /// Bits per sample as stored: 1, 2, 4, 8 or 16 (palette index bits for palettes).
  public let bitDepth: Int
  public let colorType: PNGColorType
  /// Whether the image is Adam7 interlaced.
  public let interlaced: Bool
  /// Whether a tRNS chunk is present.
  public let hasTransparency: Bool

  public init(
    width: Int, height: Int, bitDepth: Int, colorType: PNGColorType,
    interlaced: Bool, hasTransparency: Bool
  ) {
    self.width = width
    self.height = height
    self.bitDepth = bitDepth
    self.colorType = colorType
    self.interlaced = interlaced
    self.hasTransparency = hasTransparency
  }

  /// Channels after expansion: gray 1, gray+alpha 2, RGB 3, RGBA 4; a palette
  /// gives 3, or 4 when a tRNS chunk is present.
  ///
  /// A tRNS chunk on a gray or RGB image (a single transparent colour key) is
  /// not applied: such images stay 1 and 3 channels and read back as stored.
  public var storedChannels: Int {
    switch colorType {
    case .gray: 1
    case .grayAlpha: 2
    case .rgb: 3
    case .rgba: 4
    case .palette: hasTransparency ? 4 : 3
    }
  }

  /// The channel count a tensor made with `channels` will have:
  /// `auto` gives ``storedChannels``, `gray` 1, `rgb` 3, `rgba` 4.
  public func channelCount(for channels: PNGChannels) -> Int {
    channels.count(storedChannels: storedChannels)
  }

  /// Reads the signature and the chunks before the image data.
  ///
  /// Throws a ``PNGError`` naming `path` if the file is missing, empty, not a
  /// PNG, or damaged before its first IDAT chunk.
  public static func read(path: String) throws(PNGError) -> PNGHeader {
    var header = convpipe_png_header()
    try callLibPNG(path: path) { message, size in
      convpipe_png_read_header(path, &header, message, size)
    }
    return try PNGHeader(header, path: path)
  }

  /// Converts the shim's header, rejecting a colour type libpng should never report.
  init(_ header: convpipe_png_header, path: String) throws(PNGError) {
    guard let colorType = PNGColorType(libpngValue: header.color_type) else {
      throw PNGError(path: path, message: "unsupported colour type \(header.color_type)")
    }
    self.init(
      width: Int(header.width), height: Int(header.height), bitDepth: Int(header.bit_depth),
      colorType: colorType, interlaced: header.interlaced != 0,
      hasTransparency: header.has_trns != 0)
  }
}
