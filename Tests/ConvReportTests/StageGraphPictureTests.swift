import ConvJob
import Foundation
import Testing

@testable import ConvReport

/// The stage graph: every name a stage reads gets an arrow of its own, ending
/// at its own height on the stage's box, with the role's label under it.
@Suite("Stage graph picture")
struct StageGraphPictureTests {
  @Test("two names read by one stage end at two heights, the weight's label under the weight's arrow")
  func arrowsApart() throws {
    let text = """
      {"convpipe": 1,
       "inputs": {"x": {"random": {"shape": [1, 1, 8, 8]}}, "w": {"random": {"shape": [2, 1, 3, 3]}}},
       "stages": [{"id": "c", "op": "conv", "input": "x", "weight": "w"}]}
      """
    let job = try #require(JobDecoder.read(text: text, file: "job.json", directory: ".").0)
    let svg = StageGraphPicture.svg(job: job, failedChecks: [])
    // Each edge's last point, `... x,y"`.
    let ends = svg.components(separatedBy: "class=\"edge\" d=\"").dropFirst().compactMap { path -> Int? in
      let d = path.prefix { $0 != "\"" }
      return d.split(separator: " ").last?.split(separator: ",").last.flatMap { Int($0) }
    }
    #expect(ends.count == 2 && Set(ends).count == 2, "\(svg)")
    let label = try #require(svg.components(separatedBy: "class=\"role\"").dropFirst().first)
    let y = label.components(separatedBy: "y=\"").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
    #expect(label.contains(">weight<"))
    #expect(y == (ends.last ?? 0) + 11, "the label sits under the second (weight) arrow")
  }

  @Test(
    "an arrow across columns has its label in the last gap, under its run below the boxes; the picture is tall enough for it"
  )
  func longArrowLabel() throws {
    let text = """
      {"convpipe": 1,
       "inputs": {"x": {"random": {"shape": [1, 1, 8, 8]}}, "w": {"random": {"shape": [1, 1, 3, 3]}}},
       "stages": [{"id": "a", "op": "conv", "input": "x", "weight": "w", "padding": 1},
                  {"id": "b", "op": "conv_transpose", "input": "a", "weight": "w", "padding": 1, "output_size": "x"}]}
      """
    let job = try #require(JobDecoder.read(text: text, file: "job.json", directory: ".").0)
    let svg = StageGraphPicture.svg(job: job, failedChecks: [])
    func number(_ name: String, in text: String) -> Int? {
      text.components(separatedBy: "\(name)=\"").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
    }
    let label = try #require(svg.components(separatedBy: "class=\"role\"").first { $0.contains(">output_size<") })
    // Column 2 starts at 8 + 2 * 215; x's box is in row 0, whose run below the boxes is at 8 + 40 + 8.
    #expect(number("x", in: label) == 8 + 2 * 215 - 4)
    #expect(number("y", in: label) == 8 + 40 + 8 + 11)
    #expect((number("height", in: svg) ?? 0) >= 8 + 40 + 8 + 11 + 4, "\(svg)")
  }
}
