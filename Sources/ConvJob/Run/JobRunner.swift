import ConvChecks
import ConvCore
import Foundation
import HDF5IO

/// The version written into output files and printed by `--version`.
public enum ConvPipeVersion {
  public static let current = "0.1.0"
}

/// How a run goes about its work.
public struct RunOptions: Sendable {
  /// Where to write (overrides `outputs.path`).
  public var outputPath: String?
  /// Items processed at once.
  public var threads: Int
  /// Take up the items a killed run had finished.
  public var resume: Bool
  /// Reuse items of the existing output whose inputs and graph are unchanged.
  public var incremental: Bool
  /// Compare every kept tensor with this earlier output.
  public var golden: String?
  public var goldenComparison: OutputComparison
  /// Write JSON lines, one per item, here.
  public var logPath: String?

  public init(
    outputPath: String? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount, resume: Bool = false,
    incremental: Bool = false, golden: String? = nil, goldenComparison: OutputComparison = OutputComparison(),
    logPath: String? = nil
  ) {
    self.outputPath = outputPath
    self.threads = threads
    self.resume = resume
    self.incremental = incremental
    self.golden = golden
    self.goldenComparison = goldenComparison
    self.logPath = logPath
  }
}

/// A check (or golden comparison) that did not meet its expectation.
public struct FailedCheck: Sendable {
  public let item: String
  public let stage: String
  public let check: String
  public let maxAbsError: Double
  public let maxRelError: Double
  public let message: String
}

/// What a finished run did.
public struct RunResult: Sendable {
  public let outputPath: String
  public let items: Int
  /// Items computed by this run; the rest were reused.
  public let computed: Int
  public let checks: Int
  public let failed: [FailedCheck]
  public let seconds: Double

  public var passed: Int { checks - failed.count }
  /// 0 when every check met its expectation, 1 otherwise.
  public var exitCode: Int32 { failed.isEmpty ? 0 : 1 }
}

/// Runs a prepared job over its items on several threads, then assembles the
/// output in item order, so the file is the same whatever the thread count and
/// finishing order. Each finished item is kept in its own part file until then
/// (see ``FinishedItems``); the output replaces the target only when complete.
public enum JobRunner {
  /// Runs `prepared`; `onItem` is called (serially) as each item finishes, with
  /// the number of items done and in all.
  public static func run(
    _ prepared: PreparedJob, options: RunOptions = RunOptions(), onItem: (@Sendable (ItemEvent, Int, Int) -> Void)? = nil
  ) throws -> RunResult {
    let started = Date()
    let job = prepared.job
    guard let target = options.outputPath ?? job.outputs.path else {
      throw JobProblems([JobProblem(file: job.file, location: "outputs", message: "path is required unless --output is given")])
    }
    let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
    do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
      throw RunFailure("\(target): cannot create the output directory: \(JobDecoder.describe(error))")
    }
    let lock = try OutputLock(target: target)
    defer { lock.release() }
    removeStaleTemporaries(in: directory, prefix: "." + URL(fileURLWithPath: target).lastPathComponent + ".tmp-")
    var shared: [String: Tensor] = [:]
    for input in job.inputs where !input.isPerItem {
      do { shared[input.name] = try prepared.catalog.load(input, source: nil) } catch { throw RunFailure(error.description) }
    }
    let fingerprint = RunFingerprint(job: job, shared: shared)
    let parts = FinishedItems(target: target)
    try parts.prepare(keep: options.resume)
    let reusable = ReusableResults(target: target, graph: fingerprint.graph, incremental: options.incremental, resume: options.resume)
    let log = try options.logPath.map { path throws(RunFailure) in try RunLog(path: path) }
    let work = ItemWork(
      executor: ItemExecutor(prepared: prepared, shared: shared), items: prepared.catalog.items, parts: parts,
      reusable: reusable, graph: fingerprint.graph)
    // Items in parallel each compute on one thread; a single item gets them all.
    let itemThreads = min(max(1, options.threads), max(work.items.count, 1))
    ComputeThreads.perOperation = itemThreads > 1 ? 1 : max(1, options.threads)
    work.run(threads: itemThreads) { event, done, total in
      log?.record(event)
      onItem?(event, done, total)
    }
    if let failure = work.failure { throw failure }
    let result = try assemble(
      work, target: target, job: job, graph: fingerprint.graph, options: options, started: started)
    parts.remove()
    log?.summary([
      ("output", JSONValue.quoted(result.outputPath)), ("items", "\(result.items)"), ("computed", "\(result.computed)"),
      ("checks", "\(result.checks)"), ("passed", "\(result.passed)"), ("failed", "\(result.failed.count)"),
      ("seconds", String(format: "%.3f", result.seconds)), ("exit_code", "\(result.exitCode)"),
    ])
    return result
  }

  /// Builds the output from each item's source in item order, adding golden
  /// comparisons, and renames it into place.
  private static func assemble(
    _ work: ItemWork, target: String, job: Job, graph: String, options: RunOptions, started: Date
  ) throws -> RunResult {
    let output: OutputFile
    do { output = try OutputFile(target: target) } catch { throw RunFailure(error.description) }
    do {
      let golden = try options.golden.map { try HDF5File.open($0) }
      var checks = 0
      var failed: [FailedCheck] = []
      let items = work.items
      for (index, item) in items.enumerated() {
        let source = try work.sourceFile(index: index)
        try output.copyItem(item.id, from: source)
        if let golden {
          try compareWithGolden(item.id, source: source, golden: golden, comparison: options.goldenComparison, output: output)
        }
        let reports = try OutputSummary.reports(item: item.id, in: try output.contents())
        checks += reports.count
        failed += reports.filter { !$0.passed }.map {
          FailedCheck(item: item.id, stage: $0.stageID, check: $0.check, maxAbsError: $0.maxAbsError, maxRelError: $0.maxRelError, message: $0.message)
        }
      }
      var attributes: [(String, HDF5AttributeValue)] = [
        ("convpipe_version", .string(ConvPipeVersion.current)), ("job_name", .string(job.name)),
        ("job_sha256", .string(job.sha256)), ("graph_sha256", .string(graph)), ("items", .int(items.count)),
        ("item_ids", .strings(items.map(\.id))),
      ]
      if let golden {
        let missing = Set(try OutputComparison.itemIDs(of: golden)).subtracting(items.map(\.id)).sorted()
        failed += missing.map {
          FailedCheck(item: $0, stage: "golden", check: "golden", maxAbsError: .infinity, maxRelError: .infinity,
            message: "in the golden file \(golden.path) but not in this run")
        }
        attributes.append(("golden", .string(golden.path)))
        attributes.append(("golden_missing_items", .strings(missing)))
      }
      attributes += [("checks", .int(checks)), ("checks_failed", .int(failed.count))]
      if let description = job.description { attributes.append(("description", .string(description))) }
      try output.finish(attributes)
      return RunResult(
        outputPath: target, items: items.count, computed: work.computed, checks: checks, failed: failed,
        seconds: Date().timeIntervalSince(started))
    } catch {
      output.discard()
      if let failure = error as? HDF5Error { throw RunFailure(failure.description) }
      throw error
    }
  }

  /// Records a `golden:<tensor>` report for each tensor kept for `item`.
  private static func compareWithGolden(
    _ item: String, source: HDF5File, golden: HDF5File, comparison: OutputComparison, output: OutputFile
  ) throws {
    for name in try OutputComparison.tensorNames(item: item, in: source) {
      let outcome = try comparison.compareTensor(name, item: item, actual: source, reference: golden)
      try output.writeReport(stageID: "golden:\(name)", check: "golden", expect: "pass", passed: outcome.held, outcome: outcome, item: item)
    }
  }
}
