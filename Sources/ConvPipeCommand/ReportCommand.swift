import ArgumentParser
import ConvJob
import ConvReport

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract:
      "Write one self-contained HTML page with the summary, failures, pictures and stage graph of an output file.",
    discussion: """
      The page needs no network and no other file: pictures are embedded PNGs, styles and the stage graph \
      inline. It shows the run's summary, the stage graph, every failed check with the difference of failed \
      allclose and golden comparisons as a heat map (the worst cell circled), each failing item's tensors \
      and saved matrices, then the passing items as thumbnails. With --golden, every kept tensor is compared \
      exactly with the same path in GOLDEN.h5 and the differences drawn.

      Exits 0 when the page is written, 3 when a file cannot be read or written or was not written by convpipe, \
      2 for a usage error (--html naming the file reported on or the golden file, too).

      Example:
        convpipe report out/nightly-regression.h5 --golden out/last-good.h5 --html out/nightly.html
      """)

  @Argument(help: "An HDF5 file written by convpipe run.")
  var file: String

  @Option(help: ArgumentHelp("An earlier output to draw the differences from.", valueName: "golden.h5"))
  var golden: String?

  @Option(help: ArgumentHelp("The page to write.", valueName: "report.html"))
  var html: String

  func run() throws {
    try refuseOverwriting(html, option: "--html", inputs: [("the input file", file), ("the golden file", golden)])
    let page = try HTMLReport.page(output: file, golden: golden)
    try writeReport(page.html, to: html)
    let kibibytes = (page.html.utf8.count + 1023) / 1024
    let items = "\(page.items) item\(page.items == 1 ? "" : "s")"
    print("wrote \(html): \(items) (\(page.shownInFull) with failures shown in full), \(kibibytes) KiB")
  }
}
