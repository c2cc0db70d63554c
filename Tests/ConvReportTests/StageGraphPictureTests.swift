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
}
