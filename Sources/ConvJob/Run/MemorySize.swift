import Foundation

/// Byte counts as users write and read them: `512M`, `8G`, `1.5GiB`, `1048576`.
package enum MemorySize {
  /// Parses a size with an optional unit K, M, G, T (powers of 1024, with or without `iB`/`B`).
  package static func parse(_ text: String) -> Int? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let units: [(String, Double)] = [("T", 0x1p40), ("G", 0x1p30), ("M", 0x1p20), ("K", 0x1p10)]
    var number = trimmed.uppercased()
    for suffix in ["IB", "B"] where number.hasSuffix(suffix) { number.removeLast(suffix.count); break }
    var factor = 1.0
    if let unit = units.first(where: { number.hasSuffix($0.0) }) {
      factor = unit.1
      number.removeLast()
    }
    guard let value = Double(number), value >= 0, (value * factor) < Double(Int.max) else { return nil }
    return Int(value * factor)
  }

  /// `1.5 GiB`, `12.0 KiB`, `300 B`.
  package static func format(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
  }

  /// `needed` and `available` formatted apart: with more digits, then in
  /// bytes, where one decimal would print them alike (`1.1 MiB` and `1.1 MiB`).
  package static func formatApart(_ needed: Int, _ available: Int) -> (String, String) {
    guard format(needed) == format(available), needed != available else { return (format(needed), format(available)) }
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var unit = 0
    while Double(max(needed, available)) >= pow(1024, Double(unit + 1)) && unit < units.count - 1 { unit += 1 }
    let scale = pow(1024, Double(unit))
    for digits in 2...4 {
      let (a, b) = (
        String(format: "%.\(digits)f %@", Double(needed) / scale, units[unit]),
        String(format: "%.\(digits)f %@", Double(available) / scale, units[unit])
      )
      if a != b { return (a, b) }
    }
    return ("\(needed) B", "\(available) B")
  }

  /// Half of the machine's physical memory: the default `--max-memory`.
  package static var defaultLimit: Int { Int(ProcessInfo.processInfo.physicalMemory / 2) }
}
