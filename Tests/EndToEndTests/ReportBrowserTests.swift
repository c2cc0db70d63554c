import ConvReport
import Foundation
import PNGIO
import Testing

@Suite("convpipe report in a real browser")
struct ReportBrowserTests {
  static let skipped = ProcessInfo.processInfo.environment["CONVPIPE_SKIP_BROWSER"] == "1"

  @Test(
    "headless Chromium shows the pictures, and the failing item's red-bordered block near the top",
    .enabled(if: !skipped, "CONVPIPE_SKIP_BROWSER=1"))
  func screenshot() throws {
    let night = try ChangedNight(count: 40, size: 24)
    let (result, html) = try night.report(["--golden", night.golden])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let shot = try Chromium.screenshot(html, width: 1200, height: 1600)
    #expect((shot.width, shot.height) == (1200, 1600))
    var colours = Set<UInt32>(), nonWhite = 0, borderRows: [Int] = []
    let red = PageStyle.failureBorder
    for y in 0..<shot.height {
      var borderPixels = 0
      for x in 0..<shot.width {
        let offset = (y * shot.width + x) * shot.channels
        let (r, g, b) = (Int(shot.samples[offset]), Int(shot.samples[offset + 1]), Int(shot.samples[offset + 2]))
        colours.insert(UInt32(r << 16 | g << 8 | b))
        if r + g + b < 3 * 250 { nonWhite += 1 }
        if abs(r - Int(red.red)) <= 12 && g <= 24 && b <= 24 { borderPixels += 1 }
      }
      if borderPixels > 0 { borderRows.append(y) }
    }
    #expect(colours.count > 300, "a blank or picture-less page has few colours; got \(colours.count)")
    #expect(nonWhite > shot.width * shot.height / 20, "\(nonWhite) non-white pixels")
    let top = try #require(borderRows.first, "no pixel of the failing item's border colour \(red) in the screenshot")
    #expect(top < 1200, "the failing item's block starts at row \(top), not near the top")
    #expect(borderRows.count > 100, "the border runs down the block's sides")
  }
}
