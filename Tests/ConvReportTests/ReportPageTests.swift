import ConvJob
import ConvReport
import Foundation
import Testing

@Suite("The report page")
struct ReportPageTests {
  static let job = """
    {"convpipe": 1, "name": "pair",
     "inputs": {"x": {"random": {"shape": [1, 3, 8, 8], "seed": 1}}, "w": {"random": {"shape": [3, 3, 1, 1], "seed": 2}}},
     "stages": [{"id": "y", "op": "conv", "input": "x", "weight": "w"},
                {"id": "z", "op": "conv", "input": "x", "weight": "w"},
                {"id": "same", "op": "verify", "check": "allclose", "actual": "y", "expected": "z"}]}
    """

  @Test("every name and message taken from the file is escaped; the page loads nothing from outside")
  func escaping() throws {
    let hostile = "<script>alert('x')</script>&\""
    let output = try SyntheticOutput(
      items: [
        .init(
          id: "a<b>&'c'", tensors: [("t<1>", SyntheticOutput.tensor(size: 4))],
          reports: [(name: "same", check: "allclose", held: false, message: hostile)])
      ], jobName: hostile)
    let html = try HTMLReport.page(output: output.path).html
    #expect(!html.contains("<script"))
    #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"))
    #expect(html.contains("a&lt;b&gt;&amp;&#39;c&#39;"))
    #expect(html.contains("t&lt;1&gt;"))
    #expect(escapeHTML("1 < 2 & \"3\" > 'x'") == "1 &lt; 2 &amp; &quot;3&quot; &gt; &#39;x&#39;")
    for external in ["http:", "https:", "src=\"/", "url(/", "url(http", "<link", "<script"] {
      #expect(!html.contains(external), "the page refers to \(external)")
    }
  }

  @Test("1,000 items with 5 failures: failures first and in full, 50 thumbnails, the rest listed, under 2 MiB")
  func thousandItems() throws {
    let failing: Set<Int> = [3, 250, 500, 750, 999]
    let items = (0..<1000).map { index in
      SyntheticOutput.Item(
        id: String(format: "%04d", index),
        tensors: [
          ("y", SyntheticOutput.tensor(channels: 3, size: 48, seed: index)),
          ("z", SyntheticOutput.tensor(channels: 3, size: 48, seed: failing.contains(index) ? index + 1 : index)),
        ],
        reports: [(name: "same", check: "allclose", held: !failing.contains(index), message: "compared")])
    }
    let output = try SyntheticOutput(items: items, job: Self.job)
    let page = try HTMLReport.page(output: output.path)
    #expect(page.items == 1000)
    #expect(page.shownInFull == 5)
    #expect(page.html.utf8.count < 2 << 20, "\(page.html.utf8.count) bytes")
    let html = page.html
    let blocks = html.ranges(of: "<section class=\"item failing\"").map(\.lowerBound)
    #expect(blocks.count == 5)
    let firstPassing = try #require(html.range(of: "<code>0000</code>")).lowerBound
    #expect(blocks.allSatisfy { $0 < firstPassing })
    #expect(html.ranges(of: "<figure class=\"thumb\">").count == 50)
    #expect(html.contains("<details><summary>945 more passing items</summary>"))
    // Each failing allclose check is drawn as a difference y - z with its worst cell.
    #expect(html.ranges(of: "<g class=\"worst\">").count == 5)
    #expect(html.contains("exit status 1: a check failed"))
  }

  @Test("limits: failing items beyond the full limit are listed without pictures")
  func fullItemLimit() throws {
    let items = (0..<6).map { index in
      SyntheticOutput.Item(
        id: "i\(index)", tensors: [("y", SyntheticOutput.tensor(size: 8))],
        reports: [(name: "c", check: "shape", held: false, message: "differ")])
    }
    var limits = ReportLimits()
    limits.fullItems = 2
    let page = try HTMLReport.page(output: try SyntheticOutput(items: items).path, limits: limits)
    #expect(page.shownInFull == 2)
    #expect(page.html.contains("4 more failing items in the table above, without pictures."))
    #expect(page.html.ranges(of: "FAIL</td>").count == 6 + 2)
  }

  @Test("a file without job_json: no stage graph, a note, and the failed allclose shows numbers only")
  func withoutJob() throws {
    let output = try SyntheticOutput(items: [
      .init(
        id: "main", tensors: [("y", SyntheticOutput.tensor(size: 4)), ("z", SyntheticOutput.tensor(size: 4, seed: 1))],
        reports: [(name: "same", check: "allclose", held: false, message: "differ")])
    ])
    let html = try HTMLReport.page(output: output.path).html
    #expect(!html.contains("<svg class=\"graph\""))
    #expect(html.contains("records no job_json"))
    #expect(!html.contains("<g class=\"worst\">"))
    #expect(html.contains("<svg class=\"mosaic\""))
  }

  @Test("with job_json the stage graph shows inputs, stages and the failed check")
  func stageGraph() throws {
    let output = try SyntheticOutput(
      items: [
        .init(id: "main", tensors: [], reports: [(name: "same", check: "allclose", held: false, message: "differ")])
      ], job: Self.job)
    let html = try HTMLReport.page(output: output.path).html
    #expect(html.contains("<svg class=\"graph\""))
    for node in ["node input", "node stage", "node check failed"] { #expect(html.contains("<g class=\"\(node)\">")) }
    #expect(html.ranges(of: "class=\"edge\"").count == 6)
    #expect(html.contains("not both are kept"))
  }

  @Test("a file that is not a convpipe output is refused naming it")
  func notAnOutput() throws {
    let error = #expect(throws: RunFailure.self) { try HTMLReport.page(output: "/nonexistent/out.h5") }
    #expect(error?.message.hasPrefix("/nonexistent/out.h5") == true)
  }

  @Test("a golden file of another stage graph is said on the page; one of the same graph is not")
  func goldenOfAnotherJob() throws {
    let items = [SyntheticOutput.Item(id: "0", tensors: [("y", SyntheticOutput.tensor())], reports: [])]
    let output = try SyntheticOutput(items: items, graph: String(repeating: "a", count: 64))
    let same = try SyntheticOutput(items: items, graph: String(repeating: "a", count: 64))
    let other = try SyntheticOutput(items: items, graph: String(repeating: "b", count: 64))
    let warned = try HTMLReport.page(output: output.path, golden: other.path).html
    #expect(
      warned.contains("was written by another job or other shared inputs (graph_sha256 bbbbbbbbbbbb, not aaaaaaaaaaaa)")
    )
    #expect(!(try HTMLReport.page(output: output.path, golden: same.path).html.contains("another job")))
  }

  @Test("a part file's page says which shard of how many items it holds")
  func partFile() throws {
    let items = [SyntheticOutput.Item(id: "0", tensors: [("y", SyntheticOutput.tensor())], reports: [])]
    let part = try SyntheticOutput(items: items, extra: [("shard", .string("2/4")), ("items_total", .int(60))])
    #expect(try HTMLReport.page(output: part.path).html.contains("2/4 of a job of 60 items"))
    let whole = try SyntheticOutput(items: items)
    #expect(!(try HTMLReport.page(output: whole.path).html.contains("of a job of")))
  }
}
