/// Which channels a PNG becomes as a tensor.
///
/// - `auto`: what the file holds after expansion (gray 1, gray+alpha 2, RGB 3,
///   RGBA 4; a palette gives RGB, or RGBA when it has a tRNS chunk).
/// - `gray`: one channel. Colour becomes luma with the BT.601 weights
///   `0.299 R + 0.587 G + 0.114 B`, computed in `Double`; alpha is dropped.
/// - `rgb`: three channels. Alpha is dropped; gray is repeated into R, G and B.
/// - `rgba`: four channels. Gray is repeated into R, G and B; a missing alpha
///   is opaque (the maximum value, 1.0 in unit scale).
public enum PNGChannels: String, Sendable, CaseIterable {
  case auto, gray, rgb, rgba

  /// The channel count for an image holding `storedChannels` (1...4):
  /// `auto` keeps it, `gray` gives 1, `rgb` 3, `rgba` 4.
  public func count(storedChannels: Int) -> Int {
    switch self {
    case .auto: storedChannels
    case .gray: 1
    case .rgb: 3
    case .rgba: 4
    }
  }
}

/// How sample values map to tensor values.
///
/// - `unit`: `0...max` maps linearly to `0...1`, where max is 255 for 8-bit
///   and 65535 for 16-bit images.
/// - `raw`: the stored integer values, unchanged.
/// - `recorded`: `0...max` maps linearly to the range the file's
///   `convpipe:range` text chunk records (written by convpipe's PNG outputs).
public enum PNGScale: String, Sendable, CaseIterable {
  case unit, raw, recorded

  /// The values sample 0 and the maximum sample stand for in `image`; for
  /// `recorded`, an error when the file has no valid `convpipe:range` chunk.
  public func range(of image: PNGImage) throws(PNGError) -> PNGValueRange {
    switch self {
    case .unit: return .unit
    case .raw: return PNGValueRange(lower: 0, upper: Double(image.maxValue))
    case .recorded:
      guard let text = PNGText.value(PNGValueRange.textKey, in: image.text) else {
        throw .invalidInput("has no \(PNGValueRange.textKey) text chunk to take the value range from (scale recorded)")
      }
      guard let range = PNGValueRange(text: text) else {
        throw .invalidInput(
          "its \(PNGValueRange.textKey) text chunk \"\(text)\" is not two finite numbers, lower first")
      }
      return range
    }
  }
}

/// The values a PNG's samples stand for: sample 0 is `lower`, the maximum
/// sample (255 or 65535) `upper`, linearly between:
/// `value = lower + (upper - lower) * (sample / max)`, and back,
/// `sample = round(clamp((value - lower) / (upper - lower), 0, 1) * max)`.
public struct PNGValueRange: Sendable, Equatable {
  public let lower: Double
  public let upper: Double

  /// `0...1`: the inverse of the `unit` scale.
  public static let unit = PNGValueRange(lower: 0, upper: 1)

  /// The text chunk key under which convpipe records a range: `convpipe:range`.
  public static let textKey = "convpipe:range"

  public init(lower: Double, upper: Double) {
    self.lower = lower
    self.upper = upper
  }

  /// Parses ``text``: two finite numbers, `lower upper`, with `lower <= upper`.
  public init?(text: String) {
    let parts = text.split(separator: " ").compactMap { Double($0) }
    guard parts.count == 2, parts.allSatisfy(\.isFinite), parts[0] <= parts[1] else { return nil }
    self.init(lower: parts[0], upper: parts[1])
  }

  /// `lower upper`, each the shortest decimal that gives its Double back exactly.
  public var text: String { "\(lower) \(upper)" }

  /// The value `sample` stands for, of `maxValue`.
  public func value(sample: Int, maxValue: Int) -> Double {
    lower + (upper - lower) * (Double(sample) / Double(maxValue))
  }

  /// The sample nearest to `value` (halves away from zero), clamped to `0...maxValue`;
  /// NaN gives 0, and every value gives 0 when `lower == upper`.
  public func sample(value: Double, maxValue: Int) -> UInt16 {
    guard upper > lower else { return 0 }
    let scaled = (value - lower) / (upper - lower) * Double(maxValue)
    guard scaled > 0 else { return 0 }
    return UInt16(min(scaled, Double(maxValue)).rounded())
  }
}
