/// ColorBrewer's diverging scheme RdBu with 11 classes, by Cynthia A. Brewer,
/// reversed: dark blue for the most negative, near-white in the middle, dark
/// red for the most positive (matplotlib's `RdBu_r`).
///
/// Source: ColorBrewer 2.0 (Cynthia A. Brewer, Pennsylvania State University),
/// RdBu, 11 data classes, as 8-bit RGB from Brewer's own table (the same
/// values as matplotlib's `_RdBu_data` in `lib/matplotlib/_cm.py`, there
/// divided by 255). Licence: Apache License 2.0, under which Brewer released
/// the ColorBrewer schemes.
extension ColorMap {
  static let redBlueTable: [RGB] = [
    RGB(5, 48, 97), RGB(33, 102, 172), RGB(67, 147, 195), RGB(146, 197, 222), RGB(209, 229, 240),
    RGB(247, 247, 247),
    RGB(253, 219, 199), RGB(244, 165, 130), RGB(214, 96, 77), RGB(178, 24, 43), RGB(103, 0, 31),
  ]
}
