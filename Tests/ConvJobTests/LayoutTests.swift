import ConvJob
import Testing

@Suite("Layout: stored axis letters to [N, C, spatial...]")
struct LayoutTests {
  /// Layout, stored shape, canonical shape, permutation of the stored axes.
  static let valid: [(String, [Int], [Int], [Int])] = [
    ("HW", [4, 5], [1, 1, 4, 5], [0, 1]),
    ("WH", [5, 4], [1, 1, 4, 5], [1, 0]),
    ("CHW", [3, 4, 5], [1, 3, 4, 5], [0, 1, 2]),
    ("HWC", [4, 5, 3], [1, 3, 4, 5], [2, 0, 1]),
    ("NHWC", [2, 4, 5, 3], [2, 3, 4, 5], [0, 3, 1, 2]),
    ("NCHW", [2, 3, 4, 5], [2, 3, 4, 5], [0, 1, 2, 3]),
    ("NCDHW", [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [0, 1, 2, 3, 4]),
    ("DHW", [3, 4, 5], [1, 1, 3, 4, 5], [0, 1, 2]),
    ("NDHWC", [2, 3, 4, 5, 6], [2, 6, 3, 4, 5], [0, 4, 1, 2, 3]),
    ("NLC", [2, 7, 3], [2, 3, 7], [0, 2, 1]),
    ("L", [9], [1, 1, 9], [0]),
    ("NCW", [2, 3, 9], [2, 3, 9], [0, 1, 2]),
  ]

  @Test("valid layouts and their canonical shapes", arguments: valid)
  func validLayout(_ text: String, _ stored: [Int], _ canonical: [Int], _ permutation: [Int]) throws {
    let layout = try Layout.parse(text).get()
    #expect(layout.description == text)
    #expect(layout.permutation == permutation)
    #expect(try layout.canonicalShape(stored: stored).get() == canonical)
  }

  static let invalid: [(String, String)] = [
    ("", "layout is empty"),
    ("XY", "layout \"XY\" has the letter 'X'; use N, C, D, H, W (or L for a 1-d signal)"),
    ("hw", "layout \"hw\" has the letter 'h'; use N, C, D, H, W (or L for a 1-d signal)"),
    ("HH", "layout \"HH\" repeats a letter"),
    ("NCHWC", "layout \"NCHWC\" repeats a letter"),
    ("NC", "layout \"NC\" must have L, W, H and W, or D, H and W as its spatial axes"),
    ("LHW", "layout \"LHW\" must have L, W, H and W, or D, H and W as its spatial axes"),
    ("NCH", "layout \"NCH\" must have L, W, H and W, or D, H and W as its spatial axes"),
    ("DW", "layout \"DW\" must have L, W, H and W, or D, H and W as its spatial axes"),
  ]

  @Test("invalid layouts name the rule they break", arguments: invalid)
  func invalidLayout(_ text: String, _ message: String) {
    let error = #expect(throws: LayoutError.self) { try Layout.parse(text).get() }
    #expect(error?.message == message)
  }

  @Test("rank mismatch", arguments: [("HW", [1, 4, 5]), ("NHWC", [4, 5, 3]), ("NLC", [2, 3, 7, 1])])
  func rankMismatch(_ text: String, _ stored: [Int]) throws {
    let layout = try Layout.parse(text).get()
    let expected =
      "layout \"\(text)\" names \(text.count) axes but the data has \(stored.count) (shape \(stored.shapeDescription))"
    let error = #expect(throws: LayoutError.self) { try layout.canonicalShape(stored: stored).get() }
    #expect(error?.description == expected)
  }
}

@Suite("MemorySize: parse and format")
struct MemorySizeTests {
  static let parsed: [(String, Int?)] = [
    ("512M", 536_870_912),
    ("8G", 8_589_934_592),
    ("1.5GiB", 1_610_612_736),
    ("1048576", 1_048_576),
    ("2k", 2048),
    ("2KB", 2048),
    ("3mib", 3_145_728),
    ("1T", 1_099_511_627_776),
    (" 64M ", 67_108_864),
    ("100B", 100),
    ("0", 0),
    ("lots", nil),
    ("-1G", nil),
    ("", nil),
    ("G", nil),
    ("1.5 X", nil),
    ("inf", nil),
    ("nan", nil),
    ("99999999999T", nil),
  ]

  @Test("parse", arguments: parsed)
  func parse(_ text: String, _ expected: Int?) {
    #expect(MemorySize.parse(text) == expected)
  }

  static let formatted: [(Int, String)] = [
    (0, "0 B"), (300, "300 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"),
    (536_870_912, "512.0 MiB"), (1_610_612_736, "1.5 GiB"), (1_099_511_627_776, "1.0 TiB"),
    (1_125_899_906_842_624, "1024.0 TiB"),
  ]

  @Test("format", arguments: formatted)
  func format(_ bytes: Int, _ expected: String) {
    #expect(MemorySize.format(bytes) == expected)
  }

  @Test("two sizes that one decimal prints alike are printed apart")
  func apart() {
    #expect(MemorySize.formatApart(1_153_434, 1_150_000) == ("1.100 MiB", "1.097 MiB"))
    #expect(MemorySize.formatApart(1_153_434, 1_130_000) == ("1.10 MiB", "1.08 MiB"))
    #expect(MemorySize.formatApart(1_153_434, 1_153_433) == ("1153434 B", "1153433 B"))
    #expect(MemorySize.formatApart(2 << 20, 1 << 20) == ("2.0 MiB", "1.0 MiB"))
    #expect(MemorySize.formatApart(5, 5) == ("5 B", "5 B"))
  }

  @Test("the default limit is half the physical memory")
  func defaultLimit() {
    #expect(MemorySize.defaultLimit > 0)
  }
}
