import ConvCore

/// The names of a stored tensor's axes (letters N, C, D, H, W, and L for a 1-d
/// signal), used to permute it to `[N, C, spatial...]` and add missing N or C
/// axes of size 1. `"HW"` → `[1, 1, H, W]`; `"NHWC"` → `[N, C, H, W]`.
package struct Layout: Sendable, Equatable, CustomStringConvertible {
  package let letters: [Character]

  /// Parses a layout, or returns the rule it breaks.
  package static func parse(_ text: String) -> Result<Layout, LayoutError> {
    let letters = Array(text)
    guard !letters.isEmpty else { return .failure(LayoutError(message: "layout is empty")) }
    if let bad = letters.first(where: { !"NCDHWL".contains($0) }) {
      return .failure(
        LayoutError(message: "layout \"\(text)\" has the letter '\(bad)'; use N, C, D, H, W (or L for a 1-d signal)"))
    }
    guard Set(letters).count == letters.count else {
      return .failure(LayoutError(message: "layout \"\(text)\" repeats a letter"))
    }
    let spatial = Set(letters.filter { "DHWL".contains($0) })
    guard [["L"], ["W"], ["H", "W"], ["D", "H", "W"]].contains(spatial) else {
      return .failure(
        LayoutError(message: "layout \"\(text)\" must have L, W, H and W, or D, H and W as its spatial axes"))
    }
    return .success(Layout(letters: letters))
  }

  /// The stored axes in canonical order: N, C, then D, H, W (or L), those present.
  package var permutation: [Int] {
    ["N", "C", "D", "H", "W", "L"].compactMap { letter in letters.firstIndex(of: letter) }
  }

  /// The shape after permuting to canonical order and adding N and C of size 1 where missing.
  package func canonicalShape(stored shape: [Int]) -> Result<[Int], LayoutError> {
    guard shape.count == letters.count else {
      return .failure(
        LayoutError(
          message:
            "layout \"\(self)\" names \(letters.count) axes but the data has \(shape.count) (shape \(shape.shapeDescription))"
        ))
    }
    let sizes = Dictionary(uniqueKeysWithValues: zip(letters, shape))
    let spatial: [Character] = ["D", "H", "W", "L"]
    return .success([sizes["N"] ?? 1, sizes["C"] ?? 1] + spatial.compactMap { sizes[$0] })
  }

  package var description: String { String(letters) }
}

/// A layout that cannot be used.
package struct LayoutError: Error, Equatable, CustomStringConvertible {
  package let message: String
  package var description: String { message }
}
