import Foundation

/// How a run goes about its work.
package struct RunOptions: Sendable {
  /// Where to write (overrides `outputs.path`).
  package var outputPath: String?
  /// Items processed at once.
  package var threads: Int
  /// Take up the items a stopped or killed run had finished.
  package var resume: Bool
  /// Reuse items of the existing output whose inputs and graph are unchanged.
  package var incremental: Bool
  /// Compare every kept tensor with this earlier output.
  package var golden: String?
  package var goldenComparison: OutputComparison
  /// Write JSON lines, one per item and a summary, here.
  package var logPath: String?
  /// Record items that fail and go on, instead of stopping at the first.
  package var keepGoing: Bool
  /// The signals that stop the run; the command installs them before it plans.
  package var stop: RunStop

  package init(
    outputPath: String? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount, resume: Bool = false,
    incremental: Bool = false, golden: String? = nil, goldenComparison: OutputComparison = OutputComparison(),
    logPath: String? = nil, keepGoing: Bool = false, stop: RunStop
  ) {
    self.outputPath = outputPath
    self.threads = threads
    self.resume = resume
    self.incremental = incremental
    self.golden = golden
    self.goldenComparison = goldenComparison
    self.logPath = logPath
    self.keepGoing = keepGoing
    self.stop = stop
  }
}
