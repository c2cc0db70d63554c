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
public enum PNGScale: String, Sendable, CaseIterable {
  case unit, raw

  /// What a sample is divided by: `maxValue` for `unit`, 1 for `raw`.
  func divisor(maxValue: Int) -> Double {
    self == .unit ? Double(maxValue) : 1
  }
}
