import ConvJob
import Foundation
import HDF5IO
import PNGIO
import Testing
import TestSupport

/// A night's dataset run with one changed image, kept with its golden file: what `convpipe report` is for.
struct ChangedNight {
  let dataset: Dataset
  let output: String
  let golden: String
  let changedItem = "0007"

  init(count: Int, size: Int = 16) throws {
    dataset = try Dataset(count: count, size: size)
    golden = dataset.output("last-good.h5")
    output = dataset.output("night.h5")
    #expect(try dataset.run(["--output", golden, "--quiet"]).exitCode == 0)
    try dataset.writeImage(7, size: size, variant: 1)
    let night = try dataset.run(["--output", output, "--golden", golden, "--quiet"])
    #expect(night.exitCode == 1, "\(night.standardError)")
  }

  func report(_ extra: [String] = [], html name: String = "report.html") throws -> (ConvPipeProcess.Result, String) {
    let html = dataset.output(name)
    return (try ConvPipeProcess.run(["report", output, "--html", html] + extra), html)
  }
}

@Suite("convpipe report", .serialized)
struct ReportCommandTests {
  @Test("a night with a changed image: exit 0, one line, the changed item first and in full with its golden heat maps")
  func changedNight() throws {
    let night = try ChangedNight(count: 30)
    let (result, html) = try night.report(["--golden", night.golden])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let bytes = try #require(try FileManager.default.attributesOfItem(atPath: html)[.size] as? Int)
    let kibibytes = (bytes + 1023) / 1024
    #expect(result.standardOutput == "wrote \(html): 30 items (1 with failures shown in full), \(kibibytes) KiB\n")
    let page = try String(contentsOfFile: html, encoding: .utf8)
    let block = try #require(page.range(of: "<section class=\"item failing\" id=\"item-7\"><h3>item <code>0007</code>"))
    #expect(page.range(of: "<figure class=\"thumb\"><figcaption><code>0000</code>")!.lowerBound > block.upperBound)
    #expect(page.ranges(of: "<g class=\"worst\">").count == 2, "golden:back and golden:features")
    #expect(page.contains("exit status 1: a check failed"))
    #expect(page.contains("<svg class=\"graph\""))
    #expect(!page.contains("http:") && !page.contains("https:"))
    // Without --golden, the golden file the run recorded is found and its differences drawn the same way.
    let (recorded, recordedHTML) = try night.report(html: "recorded.html")
    #expect(recorded.exitCode == 0, "\(recorded.standardError)")
    let recordedPage = try String(contentsOfFile: recordedHTML, encoding: .utf8)
    #expect(recordedPage.contains("(recorded by the run)"))
    #expect(recordedPage.ranges(of: "<g class=\"worst\">").count == 2)
  }

  @Test("with a failed item the summary counts the items written of all: no image seems lost")
  func failedItemCounted() throws {
    let dataset = try Dataset(count: 5)
    try dataset.corruptImage(3)
    let output = dataset.output("night.h5"), html = dataset.output("report.html")
    #expect(try dataset.run(["--output", output, "--keep-going", "--quiet"]).exitCode == 4)
    #expect(try ConvPipeProcess.run(["report", output, "--html", html]).exitCode == 0)
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.contains("<dt>items written</dt><dd>4 (of 5: 1 failed)</dd>"))
    #expect(page.contains("<dt>failed items</dt><dd>1</dd>"))
  }

  @Test("every output records the job file's text as job_json")
  func jobRecorded() throws {
    let night = try ChangedNight(count: 3)
    let text = try String(contentsOfFile: night.dataset.job, encoding: .utf8)
    #expect(try HDF5File.open(night.output).attribute("job_json", of: "/") == .string(text))
  }

  @Test("a failed allclose between kept tensors is drawn as actual - expected with its worst cell")
  func failedAllclose() throws {
    let directory = Fixtures.temporaryDirectory()
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1, "name": "unflipped",
     "inputs": {"x": {"random": {"shape": [1, 2, 6, 6], "seed": 1}}, "w": {"random": {"shape": [2, 2, 3, 3], "seed": 2}}},
     "stages": [{"id": "w_flipped", "op": "flip", "input": "w"},
                {"id": "direct", "op": "conv", "input": "x", "weight": "w"},
                {"id": "flipped", "op": "conv", "input": "x", "weight": "w_flipped"},
                {"id": "flip_changes_nothing", "op": "verify", "check": "allclose", "actual": "flipped", "expected": "direct"}],
     "outputs": {"path": "out.h5"}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    #expect(try ConvPipeProcess.run(["run", job, "--quiet"]).exitCode == 1)
    let html = directory.appendingPathComponent("report.html").path
    let result = try ConvPipeProcess.run(["report", directory.appendingPathComponent("out.h5").path, "--html", html])
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(result.standardOutput.contains(": 1 item (1 with failures shown in full)"))
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.contains("<b>flip_changes_nothing</b> (allclose): <code>flipped</code> − <code>direct</code>"))
    #expect(page.ranges(of: "<g class=\"worst\">").count == 1)
    #expect(page.contains("worst at [0, "))
  }

  @Test(
    "exit 3 for a file that is missing or not convpipe's, an unreadable --golden or an unwritable page; 2 without --html"
  )
  func exitCodes() throws {
    let night = try ChangedNight(count: 2)
    let notOurs = Fixtures.conformanceCases
    let foreign = try ConvPipeProcess.run(["report", notOurs, "--html", night.dataset.output("x.html")])
    #expect(foreign.exitCode == 3)
    #expect(foreign.standardError.hasPrefix("\(notOurs): an HDF5 file not written by convpipe"))
    let missing = try ConvPipeProcess.run(["report", "/nonexistent/out.h5", "--html", night.dataset.output("x.html")])
    #expect(missing.exitCode == 3)
    #expect(missing.standardError.hasPrefix("/nonexistent/out.h5: "))
    let (badGolden, _) = try night.report(["--golden", notOurs])
    #expect(badGolden.exitCode == 3)
    #expect(badGolden.standardError.hasPrefix("--golden \(notOurs): "))
    let plainFile = night.dataset.output("plain")
    try Data("a file".utf8).write(to: URL(fileURLWithPath: plainFile))
    let unwritable = try ConvPipeProcess.run(["report", night.output, "--html", plainFile + "/report.html"])
    #expect(unwritable.exitCode == 3)
    #expect(unwritable.standardError.hasPrefix("\(plainFile)/report.html: cannot write the report"))
    let usage = try ConvPipeProcess.run(["report", night.output])
    #expect(usage.exitCode == 2)
    #expect(usage.standardError.contains("--html"))
    #expect(!FileManager.default.fileExists(atPath: night.dataset.output("x.html")))
  }
}
