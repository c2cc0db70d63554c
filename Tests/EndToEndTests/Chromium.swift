import Foundation
import PNGIO
import Testing
import TestSupport

/// Headless Chromium, as Debian's `chromium` package installs it (`.ci/install-deps` does).
enum Chromium {
  /// The first `chromium` on PATH, as `command -v chromium` finds it.
  static var executable: String? {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    return directories.map { "\($0)/chromium" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Renders `page` in a `width` x `height` window and returns the screenshot,
  /// failing when Chromium does not finish within `timeout` seconds. With
  /// `virtualMilliseconds`, the page's clock first runs that long (animations move on).
  static func screenshot(
    _ page: String, width: Int, height: Int, virtualMilliseconds: Int? = nil, timeout: Double = 120
  ) throws -> PNGImage {
    let executable = try #require(
      executable, "chromium is not on PATH: .ci/install-deps installs it (CONVPIPE_SKIP_BROWSER=1 skips this test)")
    let directory = Fixtures.temporaryDirectory("convpipe-browser")
    let shot = directory.appendingPathComponent("screenshot.png").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = [
      "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(directory.path)/profile",
      "--screenshot=\(shot)", "--window-size=\(width),\(height)",
    ]
    process.arguments? += virtualMilliseconds.map { ["--virtual-time-budget=\($0)"] } ?? []
    process.arguments?.append(URL(fileURLWithPath: page).absoluteString)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    try process.run()
    if finished.wait(timeout: .now() + timeout) == .timedOut {
      process.terminate()
      Issue.record("chromium did not finish within \(timeout) s")
    }
    return try PNGImage.read(path: shot)
  }
}
