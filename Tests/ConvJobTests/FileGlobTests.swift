import ConvJob
import Foundation
import Testing
import TestSupport

@Suite("FileGlob: patterns, fixed directory, expansion, item ids")
struct FileGlobTests {
  /// One tree for the whole suite:
  /// ```
  /// 10.png 2.png a.png ab.txt b.png c.png .hidden.png
  /// cats/001.png cats/002.png cats/notes.txt cats/sub/003.png cats/sub/deeper/004.png
  /// dir.png/inner.png   (a directory whose name matches *.png)
  /// dogs/x.png
  /// .secret/s.png       (a hidden directory)
  /// ```
  static let root: String = {
    let root = Fixtures.temporaryDirectory("convpipe-glob").path
    let files = [
      "c.png", "a.png", "b.png", "ab.txt", "10.png", "2.png", ".hidden.png",
      "cats/002.png", "cats/001.png", "cats/notes.txt", "cats/sub/003.png", "cats/sub/deeper/004.png",
      "dir.png/inner.png", "dogs/x.png", ".secret/s.png",
    ]
    for file in files {
      let path = root + "/" + file
      try? FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
    }
    return root
  }()

  static let expansions: [(String, [String])] = [
    ("*.png", ["10.png", "2.png", "a.png", "b.png", "c.png"]),
    ("?.png", ["2.png", "a.png", "b.png", "c.png"]),
    ("??.*", ["10.png", "ab.txt"]),
    ("[ab]*", ["a.png", "ab.txt", "b.png"]),
    ("[!a]*", ["10.png", "2.png", "b.png", "c.png"]),
    ("[^ab]*.png", ["10.png", "2.png", "c.png"]),
    ("[a-b].png", ["a.png", "b.png"]),
    ("[0-9]*", ["10.png", "2.png"]),
    ("cats/*.png", ["cats/001.png", "cats/002.png"]),
    ("cats/*", ["cats/001.png", "cats/002.png", "cats/notes.txt"]),
    ("*/*.png", ["cats/001.png", "cats/002.png", "dir.png/inner.png", "dogs/x.png"]),
    (
      "**/*.png",
      [
        "10.png", "2.png", "a.png", "b.png", "c.png",
        "cats/001.png", "cats/002.png", "cats/sub/003.png", "cats/sub/deeper/004.png",
        "dir.png/inner.png", "dogs/x.png",
      ]
    ),
    ("cats/**/*.png", ["cats/001.png", "cats/002.png", "cats/sub/003.png", "cats/sub/deeper/004.png"]),
    ("cats/**/0?3.png", ["cats/sub/003.png"]),
    ("**/sub/*.png", ["cats/sub/003.png"]),
    (".*.png", [".hidden.png"]),
    (".secret/*.png", [".secret/s.png"]),
    ("*.jpg", []),
    ("nowhere/*.png", []),
  ]

  @Test("expands in sorted order, files only, hidden only when asked", arguments: expansions)
  func expand(_ pattern: String, _ expected: [String]) {
    let matches = FileGlob.expand(Self.root + "/" + pattern)
    #expect(matches == expected.map { Self.root + "/" + $0 })
  }

  @Test("a trailing ** matches every file below")
  func trailingDoubleStar() {
    #expect(
      FileGlob.expand(Self.root + "/cats/**")
        == [
          "cats/001.png", "cats/002.png", "cats/notes.txt", "cats/sub/003.png", "cats/sub/deeper/004.png",
        ].map { Self.root + "/" + $0 })
  }

  static let patterns: [(String, Bool)] = [
    ("data/*.png", true), ("data/img?.png", true), ("data/[ab].png", true), ("**/x.h5", true),
    ("data/img.png", false), ("/abs/path/w.h5", false), ("a]b.png", false), ("", false),
  ]

  @Test("isPattern", arguments: patterns)
  func isPattern(_ path: String, _ expected: Bool) {
    #expect(FileGlob.isPattern(path) == expected)
  }

  static let fixedDirectories: [(String, String)] = [
    ("/data/cats/*.png", "/data/cats"),
    ("/data/*/0?.png", "/data"),
    ("data/**/*.png", "data"),
    ("a/b[12]/c.png", "a"),
    ("*.png", "."),
    ("/*.png", "/"),
    ("/data/x.png", "/data"),
    ("x.png", "."),
  ]

  @Test("fixedDirectory is the part before the first pattern component", arguments: fixedDirectories)
  func fixedDirectory(_ pattern: String, _ expected: String) {
    #expect(FileGlob.fixedDirectory(pattern) == expected)
  }

  static let itemIDs: [(String, String, String)] = [
    ("/data/cats/001.png", "/data/*/*.png", "cats/001"),
    ("/data/cats/001.png", "/data/cats/*.png", "001"),
    ("/data/cats/sub/003.png", "/data/**/*.png", "cats/sub/003"),
    ("/data/img.v2.png", "/data/*.png", "img.v2"),
    ("/data/v1.0/file", "/data/*/*", "v1.0/file"),
    ("cats/001.png", "*/*.png", "cats/001"),
    ("img/a.h5", "img/?.h5", "a"),
  ]

  @Test("itemID is relative to the fixed directory, extension dropped", arguments: itemIDs)
  func itemID(_ path: String, _ pattern: String, _ expected: String) {
    #expect(FileGlob.itemID(path: path, pattern: pattern) == expected)
  }

  @Test("item ids of a real expansion")
  func itemIDsOfExpansion() {
    let pattern = Self.root + "/**/*.png"
    let ids = FileGlob.expand(pattern).map { FileGlob.itemID(path: $0, pattern: pattern) }
    #expect(
      ids == [
        "10", "2", "a", "b", "c", "cats/001", "cats/002", "cats/sub/003", "cats/sub/deeper/004", "dir.png/inner",
        "dogs/x",
      ])
  }
}
