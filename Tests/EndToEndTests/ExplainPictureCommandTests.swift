import Foundation
import PNGIO
import Testing
import TestSupport

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `convpipe explain JOB STAGE --svg FILE`: the picture written, its exit codes,
/// the file replaced whole or not at all, and the picture in a real browser.
@Suite("explain --svg through the command", .serialized)
struct ExplainPictureCommandTests {
  static let quickStart = Fixtures.path("pipelines/quick-start.json")

  /// Runs `convpipe explain quick-start.json arguments...` with the picture at `name` in a fresh directory.
  static func draw(_ arguments: [String], name: String = "back.svg") throws -> (ConvPipeProcess.Result, URL) {
    let directory = Fixtures.temporaryDirectory("convpipe-explain-svg")
    let path = directory.appendingPathComponent(name)
    let result = try ConvPipeProcess.run(["explain", quickStart] + arguments + ["--svg", path.path])
    return (result, path)
  }

  static func contents(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
  }

  @Test("the back stage's picture: exit 0, one line naming it, a well-formed animated SVG")
  func writesThePicture() throws {
    let (result, path) = try Self.draw(["back"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let svg = try String(contentsOf: path, encoding: .utf8)
    let kibibytes = (svg.utf8.count + 1023) / 1024
    #expect(result.standardOutput == "wrote \(path.path): back, 400 steps, \(kibibytes) KiB\n")
    #expect(result.standardError.isEmpty)
    #expect(XMLParser(data: Data(svg.utf8)).parse())
    #expect(svg.contains("<animate ") && !svg.contains("<script"))
    #expect(svg.contains("H: 32 input cells with 1 zero between neighbours (stride 2): (32-1)*2 + 1 = 63"))
    #expect(try Self.contents(path.deletingLastPathComponent()) == ["back.svg"])
  }

  @Test("the README's picture, docs/explain-conv-transpose.svg, is what its command draws today")
  func documentedPicture() throws {
    let (result, path) = try Self.draw(["back"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let documented = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("docs/explain-conv-transpose.svg")))
    #expect(
      try Data(contentsOf: path) == documented,
      "regenerate it: convpipe explain pipelines/quick-start.json back --svg docs/explain-conv-transpose.svg")
  }

  @Test("--frames 3: three static frames, no animation")
  func frames() throws {
    let (result, path) = try Self.draw(["features", "--frames", "3"], name: "features.svg")
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(result.standardOutput.hasPrefix("wrote \(path.path): features, 3 frames, "))
    let svg = try String(contentsOf: path, encoding: .utf8)
    #expect(XMLParser(data: Data(svg.utf8)).parse())
    #expect(!svg.contains("<animate"))
    #expect(svg.ranges(of: ">step ").count == 3)
  }

  @Test("exit 2, one line, nothing written: no STAGE, a stage that is not conv-like or missing, bad options")
  func refusals() throws {
    let cases: [([String], String)] = [
      ([], "convpipe: --svg draws one stage: name one of the conv-like stages features, back (see convpipe help)"),
      (["same_size"], "\"same_size\" is not a conv-like stage"),
      (["nowhere"], "no stage \"nowhere\""),
      (["back", "--frames", "0"], "--frames 0 is out of range"),
      (["back", "--json"], "give --svg or --json, not both"),
    ]
    for (arguments, message) in cases {
      let (result, path) = try Self.draw(arguments)
      #expect(result.exitCode == 2, "\(arguments)")
      #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
      #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
      #expect(result.standardOutput.isEmpty)
      #expect(try Self.contents(path.deletingLastPathComponent()).isEmpty, "\(arguments)")
    }
    let framesAlone = try ConvPipeProcess.run(["explain", Self.quickStart, "back", "--frames", "2"])
    #expect(framesAlone.exitCode == 2)
    #expect(framesAlone.standardError.contains("--frames draws frames of the --svg picture: give --svg too"))
  }

  @Test("an existing picture is replaced whole by a rename: a reader of the old file still reads it")
  func replacesAtomically() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-explain-svg")
    let path = directory.appendingPathComponent("back.svg")
    try Data("the old picture".utf8).write(to: path)
    let reader = try FileHandle(forReadingFrom: path)
    defer { try? reader.close() }
    let result = try ConvPipeProcess.run(["explain", Self.quickStart, "back", "--svg", path.path])
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(try String(contentsOf: path, encoding: .utf8).hasPrefix("<?xml"))
    #expect(String(decoding: try reader.readToEnd() ?? Data(), as: UTF8.self) == "the old picture")
    #expect(try Self.contents(directory) == ["back.svg"])
  }

  @Test("exit 3, one line, nothing left behind: a path under a file, a path that is a directory")
  func unwritable() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-explain-svg")
    let plain = directory.appendingPathComponent("plain").path
    try Data("a file".utf8).write(to: URL(fileURLWithPath: plain))
    let folder = directory.appendingPathComponent("folder").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    for target in [plain + "/back.svg", folder] {
      let result = try ConvPipeProcess.run(["explain", Self.quickStart, "back", "--svg", target])
      #expect(result.exitCode == 3, "\(target)")
      #expect(result.standardError.hasPrefix("\(target): cannot write the picture: "), "\(result.standardError)")
      #expect(result.standardError.split(separator: "\n").count == 1)
      #expect(try Self.contents(directory) == ["folder", "plain"])
      #expect(try Self.contents(URL(fileURLWithPath: folder)).isEmpty)
    }
  }

  @Test(
    "headless Chromium draws the picture, and its animation moves on",
    .enabled(if: !ReportBrowserTests.skipped, "CONVPIPE_SKIP_BROWSER=1"))
  func inBrowser() throws {
    let (result, path) = try Self.draw(["back"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let svg = try String(contentsOf: path, encoding: .utf8)
    let size = svg.firstMatch(of: /width="(\d+)" height="(\d+)"/).map { (Int($0.output.1) ?? 0, Int($0.output.2) ?? 0) }
    let (width, height) = try #require(size)
    // Both screenshots on the page's virtual clock: without it, a busy machine
    // lets the animation run for however long Chromium takes to capture. A busy
    // machine (a full parallel test run) still sometimes gets a blank frame from
    // Chromium, or the first frame again: each screenshot is taken up to three times.
    func blank(_ image: PNGImage) -> Bool { image.samples.allSatisfy { $0 == 255 } }
    var first = try Chromium.screenshot(path.path, width: width, height: height, virtualMilliseconds: 100)
    for _ in 0..<2 where blank(first) {
      first = try Chromium.screenshot(path.path, width: width, height: height, virtualMilliseconds: 100)
    }
    #expect((first.width, first.height) == (width, height))
    var colours = Set<UInt32>(), nonWhite = 0
    for offset in stride(from: 0, to: first.samples.count, by: first.channels) {
      let (r, g, b) = (Int(first.samples[offset]), Int(first.samples[offset + 1]), Int(first.samples[offset + 2]))
      colours.insert(UInt32(r << 16 | g << 8 | b))
      if r + g + b < 3 * 250 { nonWhite += 1 }
    }
    #expect(colours.count > 50, "a blank picture has few colours; got \(colours.count)")
    #expect(nonWhite > width * height / 5, "\(nonWhite) non-white pixels")
    // Seven and a half steps on (0.5 s each) and later, the highlights stand elsewhere.
    var later = first
    for milliseconds in [3_750, 5_250, 6_750] {
      later = try Chromium.screenshot(path.path, width: width, height: height, virtualMilliseconds: milliseconds)
      if !blank(later), zip(later.samples, first.samples).contains(where: { $0 != $1 }) { break }
    }
    #expect(!blank(later), "the later screenshot is blank")
    let changed = zip(later.samples, first.samples).count { $0 != $1 }
    #expect(changed > 0, "the animation did not move: no sample differs")
  }
}
