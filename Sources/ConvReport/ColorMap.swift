/// An 8-bit sRGB colour.
package struct RGB: Sendable, Equatable, Hashable, CustomStringConvertible {
  package var red, green, blue: UInt8

  package init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  /// A colour given with components in 0...1, each rounded to the nearest of 0...255.
  init(fractions red: Double, _ green: Double, _ blue: Double) {
    func byte(_ value: Double) -> UInt8 { UInt8(min(max(value, 0), 1) * 255 + 0.5) }
    self.init(byte(red), byte(green), byte(blue))
  }

  /// CSS notation, `#rrggbb`.
  package var description: String {
    "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
  }

  package static let white = RGB(255, 255, 255)
  /// What a NaN value is drawn as in every map: a magenta neither map contains.
  package static let notANumber = RGB(255, 0, 255)
}

/// A colour map from a published table of evenly spaced colours: the value
/// 0 is the first colour, 1 the last, and a value between two entries is
/// their linear interpolation in sRGB, rounded to 8 bits (as matplotlib's
/// `LinearSegmentedColormap.from_list` does).
package struct ColorMap: Sendable {
  package let name: String
  /// The table's colours, evenly spaced over 0...1.
  package let stops: [RGB]

  init(name: String, stops: [RGB]) {
    self.name = name
    self.stops = stops
  }

  /// The colour of `fraction`, clamped to 0...1; NaN gives ``RGB/notANumber``.
  package func color(at fraction: Double) -> RGB {
    guard !fraction.isNaN else { return .notANumber }
    let position = min(max(fraction, 0), 1) * Double(stops.count - 1)
    let lower = min(Int(position), stops.count - 2)
    let weight = position - Double(lower)
    let (a, b) = (stops[lower], stops[lower + 1])
    func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8(Double(x) + (Double(y) - Double(x)) * weight + 0.5) }
    return RGB(mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
  }

  /// Viridis (see `viridisTable` for its source and licence): for values with no sign.
  package static let viridis = ColorMap(
    name: "viridis", stops: viridisTable.map { RGB(fractions: $0.0, $0.1, $0.2) })

  /// ColorBrewer RdBu reversed (see `redBlueTable`): for signed values, 0 in the middle.
  package static let redBlue = ColorMap(name: "RdBu_r", stops: redBlueTable)
}
