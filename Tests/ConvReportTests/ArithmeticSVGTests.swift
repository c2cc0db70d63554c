import ConvCore
import ConvJob
@testable import ConvReport
import Foundation
import Testing
import TestSupport

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// An SVG document read back by Foundation's XML parser: every element with its
/// attributes and its parent's index, in document order, and the text of each `<text>`.
final class ParsedSVG: NSObject, XMLParserDelegate {
  struct Element {
    let name: String
    let attributes: [String: String]
    let parent: Int?
  }
  private(set) var elements: [Element] = []
  private(set) var texts: [String] = []
  private var text: String?
  private var open: [Int] = []

  init(_ svg: String) throws {
    super.init()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = self
    guard parser.parse() else {
      throw ParseFailure(message: parser.parserError.map { "\($0)" } ?? "unknown", line: parser.lineNumber)
    }
  }

  struct ParseFailure: Error {
    let message: String
    let line: Int
  }

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String]
  ) {
    elements.append(Element(name: name, attributes: attributes, parent: open.last))
    open.append(elements.count - 1)
    if name == "text" { text = "" }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

  func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
    if name == "text", let text { texts.append(text) }
    text = nil
    open.removeLast()
  }

  func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

  /// The indices of the elements whose parent is element `index`.
  func children(of index: Int) -> [Int] { elements.indices.filter { elements[$0].parent == index } }
}

@Suite("Arithmetic pictures: the SVG document")
struct ArithmeticSVGTests {
  static let jobs = [
    "Tests/Fixtures/frameworks/explain/core.json", "Tests/Fixtures/frameworks/explain/frameworks.json",
    "pipelines/quick-start.json", "pipelines/porting-tf-same-transpose.json", "pipelines/padding-mode-transpose.json",
  ]

  static func stages(_ job: String, stage: String? = nil) throws -> [JobExplanation.Stage] {
    let prepared = try PreparedJob.prepare(path: Fixtures.path(job), maxMemory: 1 << 30)
    return try JobExplanation.explain(prepared, stage: stage).stages
  }

  static func picture(_ job: String, _ stage: String) throws -> ArithmeticPicture {
    ArithmeticPicture(try #require(try stages(job, stage: stage).first))
  }

  @Test(
    "every conv-like stage draws well-formed XML with nothing outside it: no script, no link, no external url",
    arguments: jobs)
  func wellFormedAndSelfContained(_ job: String) throws {
    for stage in try Self.stages(job) {
      let picture = ArithmeticPicture(stage)
      for frames in [nil, 3] {
        let svg = ArithmeticSVG.document(picture, frames: frames)
        let parsed = try ParsedSVG(svg)
        let id = "\(stage.plan.stage.id) frames \(frames.map(String.init) ?? "none")"
        #expect(
          parsed.elements.first?.name == "svg"
            && parsed.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg", "\(id)")
        #expect(
          parsed.all("script").isEmpty && parsed.all("image").isEmpty && parsed.all("foreignObject").isEmpty, "\(id)")
        #expect(!parsed.elements.contains { $0.attributes.keys.contains { $0.hasSuffix("href") } }, "\(id)")
        let ids = Set(parsed.elements.compactMap { $0.attributes["id"] })
        let references = svg.matches(of: /url\(#([A-Za-z0-9_-]+)\)/).map { String($0.output.1) }
        #expect(
          !references.isEmpty && references.allSatisfy(ids.contains), "\(id): \(Set(references).subtracting(ids))")
        #expect(svg.ranges(of: "http").count == 1, "\(id): only the namespace names http")
        #expect(parsed.all("animate").isEmpty == (frames != nil), "\(id)")
      }
    }
  }

  /// The positions each stripe of one axis of a highlight takes, one list per value of its
  /// animation (or its one position): `y` of the row stripes in clip path `clip`, `x` of the
  /// column stripes of the group clipped by it; a position is `slot * pitch + 1`.
  static func stripes(_ parsed: ParsedSVG, clip: String, rows: Bool) -> [[Int]] {
    let elements = parsed.elements
    let owner =
      rows
      ? elements.firstIndex { $0.name == "clipPath" && $0.attributes["id"] == clip }
      : elements.firstIndex { $0.attributes["clip-path"] == "url(#\(clip))" }
    guard let owner else { return [] }
    let attribute = rows ? "y" : "x"
    return parsed.children(of: owner).map { stripe in
      let animation = parsed.children(of: stripe).map { elements[$0] }.first {
        $0.attributes["attributeName"] == attribute
      }
      let values = animation?.attributes["values"] ?? elements[stripe].attributes[attribute] ?? ""
      return values.split(separator: ";").compactMap { Int($0) }
    }
  }

  /// The cells a highlight covers at row value `row` and column value `column`: the product of the
  /// stripes' slots there, the stripes sent away left out.
  static func highlighted(_ rowStripes: [[Int]], _ columnStripes: [[Int]], row: Int, column: Int) -> Set<PlaneIndex> {
    func slots(_ stripes: [[Int]], _ at: Int) -> [Int] {
      stripes.map { $0.count == 1 ? $0[0] : $0[at] }.filter { $0 >= 0 }.map { ($0 - 1) / ArithmeticPanel.pitch }
    }
    return Set(slots(rowStripes, row).flatMap { r in slots(columnStripes, column).map { PlaneIndex(r, $0) } })
  }

  @Test(
    "the animation has one step per output cell, and step by step highlights the output's taps, fed cells and itself")
  func animationSteps() throws {
    let picture = try Self.picture("Tests/Fixtures/frameworks/explain/core.json", "ct_asym")
    let plane = picture.plane
    #expect(!picture.rows.elides && !picture.columns.elides)
    let (rowCount, columnCount) = (plane.rows.outputCount, plane.columns.outputCount)
    #expect(picture.steps.count == rowCount * columnCount)
    let parsed = try ParsedSVG(ArithmeticSVG.document(picture))
    for animation in parsed.all("animate") {
      let values = animation.attributes["values"]?.split(separator: ";").count
      let attribute = animation.attributes["attributeName"]
      #expect(animation.attributes["calcMode"] == "discrete" && animation.attributes["repeatCount"] == "indefinite")
      #expect(attribute == "y" ? values == rowCount : values == columnCount)
      let seconds = Double(attribute == "y" ? rowCount * columnCount : columnCount) * ArithmeticPanel.stepSeconds
      #expect(animation.attributes["dur"] == "\(seconds)s")
    }
    let highlights: [(String, (PlaneIndex) -> [PlaneIndex])] = [
      ("p-tap", plane.taps), ("p-current", plane.resultCells),
      (
        "p-fed",
        { output in
          plane.fed(of: output).map {
            PlaneIndex(plane.rows.canvasColumn(ofInput: $0.row), plane.columns.canvasColumn(ofInput: $0.column))
          }
        }
      ),
    ]
    for (clip, expected) in highlights {
      let rowStripes = Self.stripes(parsed, clip: clip, rows: true)
      let columnStripes = Self.stripes(parsed, clip: clip, rows: false)
      #expect(!rowStripes.isEmpty && !columnStripes.isEmpty, "\(clip)")
      for row in 0..<rowCount {
        for column in 0..<columnCount {
          #expect(
            Self.highlighted(rowStripes, columnStripes, row: row, column: column)
              == Set(expected(PlaneIndex(row, column))), "\(clip) step [\(row), \(column)]")
        }
      }
    }
  }

  @Test("quick-start's back, 64 x 64 from 32 x 32: at most 32 cells a side, 10 outputs from each end, the rest elided")
  func capped() throws {
    let picture = try Self.picture("pipelines/quick-start.json", "back")
    for selection in [picture.rows, picture.columns] {
      #expect(selection.outputs == Array(0..<10) + Array(54..<64))
      #expect(selection.canvas.count <= LaneSelection.cap && selection.result.count <= LaneSelection.cap)
      #expect(selection.elides)
      // Every drawn output's taps are drawn cells, none on a marker.
      for output in selection.outputs {
        for tap in picture.plane.columns.taps(of: output) {
          let slot = try #require(selection.canvasSlot(of: tap))
          #expect(selection.canvas[slot] == .cell(tap))
        }
      }
    }
    #expect(picture.steps.count == 400)
    #expect(picture.caption.contains { $0.hasPrefix("H: 20 of 64 outputs and 31 of 71 canvas cells drawn") })
    let parsed = try ParsedSVG(ArithmeticSVG.document(picture))
    #expect(
      parsed.texts.contains(
        "Animated: each drawn output cell is one step of 0.5 s, row by row (400 steps); --frames N draws static frames instead."
      ))
    #expect(
      parsed.texts.filter { $0 == "…" || $0 == "⋮" }.count == 4, "a marker in the canvas and the result, each way")
  }

  @Test("a widely dilated kernel keeps only its taps, with a marker in each gap")
  func widelyDilated() throws {
    let lane = try ArithmeticLaneTests.transposed(
      "dilation 40", [3], [3], stride: [1], padding: [PadPair(0, 0)], outputPadding: [0], dilation: [40]
    ).plane.columns
    #expect((lane.canvasCount, lane.outputCount) == (163, 83))
    let selection = LaneSelection(lane)
    #expect(selection.canvas.count <= LaneSelection.cap && selection.result.count <= LaneSelection.cap)
    #expect(selection.outputs.count > 1)
    for output in selection.outputs {
      for tap in lane.taps(of: output) { #expect(selection.canvas.contains(LaneSelection.Slot.cell(tap))) }
    }
  }

  @Test("--frames N: N static frames of the first steps, each titled with its output cell; never more than the steps")
  func frames() throws {
    let picture = try Self.picture("Tests/Fixtures/frameworks/explain/core.json", "ct_circular")
    let parsed = try ParsedSVG(ArithmeticSVG.document(picture, frames: 4))
    #expect(parsed.all("animate").isEmpty)
    #expect(parsed.texts.filter { $0.hasPrefix("step ") } == (0..<4).map { "step \($0 + 1) of 20: output [\($0)]" })
    #expect(parsed.texts.contains("Frames: the first 4 of 20 steps, row by row."))
    let all = try ParsedSVG(ArithmeticSVG.document(picture, frames: 100))
    #expect(all.texts.filter { $0.hasPrefix("step ") }.count == 20)
  }

  @Test("3-d: the H x W plane of depth slice 0, the D axis drawn on its own, and the caption says so")
  func threeDimensional() throws {
    let picture = try Self.picture("Tests/Fixtures/frameworks/explain/core.json", "conv_3d")
    #expect(picture.strips.map(\.lane.name) == ["D"])
    #expect((picture.plane.rows.name, picture.plane.columns.name) == ("H", "W"))
    #expect(picture.caption.contains { $0.hasPrefix("3-d: the plane is output D slice 0") })
    let parsed = try ParsedSVG(ArithmeticSVG.document(picture))
    #expect(parsed.texts.contains { $0.hasPrefix("D axis: padded input, 6") })
  }

  @Test("a framework stage: the core convolution drawn, where the framework puts the odd cell captioned")
  func framework() throws {
    let picture = try Self.picture("pipelines/porting-tf-same-transpose.json", "up")
    #expect(picture.plane.columns.resultCount == 33 && picture.plane.columns.resultCell(32) == .cropped)
    #expect(picture.plane.columns.resultCell(0) == .output(0))
    for axis in ["H", "W"] {
      let unit = axis == "H" ? "row" : "column"
      #expect(
        picture.caption.contains(
          "\(axis): TensorFlow crops the full result by [0, 1]: 1 \(unit) more at the end (PyTorch's padding p and output_padding crop [p, p - output_padding]: never more at the end)."
        ))
    }
    #expect(
      picture.caption.contains {
        $0.hasPrefix("tf.nn.conv2d_transpose (TensorFlow) comes to conv_transpose stride [2, 2]")
      })
  }

  @Test("caption lines wrap at spaces, keeping their indent")
  func wrapping() {
    #expect(
      ArithmeticSVG.wrapped("  H: one two three four", columns: 12) == ["  H: one two", "      three", "      four"])
    #expect(ArithmeticSVG.wrapped("short", columns: 12) == ["short"])
  }
}
