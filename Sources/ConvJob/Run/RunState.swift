import ConvCore
import ConvKernels
import Foundation
import HDF5IO

/// One run from its start to its result: loads the shared inputs, starts the
/// workers, and writes what they produce, item by item, recording every
/// outcome for the summary, the log and the exit code.
struct RunState {
  let prepared: PreparedJob
  let options: RunOptions
  let target: String
  let log: RunLog?
  let onNotice: (@Sendable (String) -> Void)?
  let onItem: (@Sendable (ItemEvent, Int, Int) -> Void)?

  private var computed = 0
  private var reused = 0
  private var checks = 0
  private var failed: [FailedCheck] = []
  private var failedItems: [FailedItem] = []
  private var writtenIDs: [String] = []
  private var error: String?
  private var signal: Int32?
  private var keptForResume = 0

  init(
    prepared: PreparedJob, options: RunOptions, target: String, log: RunLog?,
    onNotice: (@Sendable (String) -> Void)?, onItem: (@Sendable (ItemEvent, Int, Int) -> Void)?
  ) {
    self.prepared = prepared
    self.options = options
    self.target = target
    self.log = log
    self.onNotice = onNotice
    self.onItem = onItem
  }

  func result(seconds: Double) -> RunResult {
    RunResult(
      outputPath: target, items: prepared.catalog.items.count, computed: computed, reused: reused,
      failedItems: failedItems, checks: checks, failed: failed, seconds: seconds, error: error, invalid: false,
      signal: signal,
      keptForResume: keptForResume)
  }

  /// Runs every item and writes the output, or records why it could not.
  mutating func execute(resumeFiles: ResumeFiles) {
    let job = prepared.job
    var shared: [String: Tensor] = [:]
    for input in job.inputs where !input.isPerItem {
      do { shared[input.name] = try prepared.catalog.load(input, source: nil) } catch {
        self.error = error.problems.map(\.description).joined(separator: "; ")
        return
      }
    }
    let fingerprint = RunFingerprint(job: job, shared: shared)
    let golden: GoldenComparison?
    do {
      golden = try options.golden.map { path throws(RunFailure) in
        try GoldenComparison(path: path, comparison: options.goldenComparison, outputName: target)
      }
    } catch {
      self.error = error.message
      return
    }
    let output: OutputFile
    do { output = try OutputFile(target: target, graph: fingerprint.graph) } catch {
      self.error = error.message
      return
    }
    if job.outputs.compression == 0 {
      let total = saturatingSum(prepared.catalog.items.map(expectedBytes))
      do {
        try output.ensureSpace(for: total, "for the output of \(counted(prepared.catalog.items.count, "item"))")
      } catch {
        self.error = error.message
        output.discard()
        return
      }
    }
    let notice = { (text: String) in
      self.onNotice?(text)
      self.log?.notice(text)
    }
    let reusable = ReusableResults(
      target: target, graph: fingerprint.graph, incremental: options.incremental,
      resumeStore: options.resume ? resumeFiles.load(graph: fingerprint.graph, notice: notice) : nil, notice: notice)
    let (temporary, store, storeJournal) = (output.temporary, resumeFiles.store, resumeFiles.storeJournal)
    let stop = options.stop
    stop.onHardStop {
      rename(temporary, store)
      rename(temporary + ResumeFiles.journalSuffix, storeJournal)
    }
    defer { stop.onHardStop(nil) }

    let scheduler = startWorkers(shared: shared, reusable: reusable, stop: stop)
    write(from: scheduler, into: output, golden: golden, stop: stop)
    scheduler.close()
    if let received = stop.signal { signal = received }
    if error != nil || signal != nil {
      if error != nil, failedWriting {
        output.discard()
      } else if output.closeForResume() {
        keptForResume = resumeFiles.keep(output)
      } else {
        output.discard()
      }
      return
    }
    scheduler.waitForWorkers()
    do {
      let (lists, attributes) = root(fingerprint: fingerprint, golden: golden)
      try output.finish(lists: lists, attributes: attributes)
      resumeFiles.remove()
    } catch {
      self.error = error.message
      output.discard()
    }
  }

  /// Whether the error was in writing the output itself (then nothing of it is kept).
  private var failedWriting = false

  /// Starts the worker threads: each hashes its item's input, finds it in an
  /// earlier output or computes it.
  private func startWorkers(shared: [String: Tensor], reusable: ReusableResults, stop: RunStop) -> ItemScheduler {
    let prepared = prepared, items = prepared.catalog.items, keepGoing = options.keepGoing
    let executor = ItemExecutor(prepared: prepared, shared: shared)
    let threads = min(max(1, options.threads), max(items.count, 1))
    // Items in parallel each compute on one thread; a single item gets them all.
    let computeThreads = threads > 1 ? 1 : max(1, options.threads)
    let scheduler = ItemScheduler(count: items.count, window: 2 * threads + 2)
    scheduler.start(threads: threads) { index in
      guard !stop.isRequested else { return .stopped }
      let item = items[index]
      if let reason = prepared.failure(of: item.id) {
        if !keepGoing { scheduler.close() }
        return .failed(reason)
      }
      do {
        let inputHash = try RunFingerprint.input(of: item, catalog: prepared.catalog)
        if let file = reusable.source(for: item.id, inputHash: inputHash) {
          return .reusable(file: file, inputHash: inputHash)
        }
        return .computed(
          try ComputeThreads.$requested.withValue(computeThreads) {
            try executor.run(item, inputHash: inputHash, shouldStop: { stop.isRequested })
          })
      } catch is RunStopped {
        return .stopped
      } catch {
        if !keepGoing { scheduler.close() }
        return .failed((error as? RunFailure)?.message ?? "\(error)")
      }
    }
    return scheduler
  }

  /// The writer: takes each item's outcome in item order and puts it into the output.
  private mutating func write(
    from scheduler: ItemScheduler, into output: OutputFile, golden: GoldenComparison?, stop: RunStop
  ) {
    let total = scheduler.count
    for index in 0..<total {
      guard !stop.isRequested, let (outcome, seconds) = scheduler.outcome(index) else { return }
      let id = prepared.catalog.items[index].id, bytes = expectedBytes(prepared.catalog.items[index])
      let event: ItemEvent
      do {
        switch outcome {
        case .stopped:
          return
        case .computed(var result):
          if let golden { result.reports += try golden.reports(for: result) }
          try append(result, to: output, bytes: bytes)
          computed += 1
          event = count(result.reports, item: id, status: .computed, seconds: seconds)
        case .reusable(let file, let inputHash):
          let reports = try reuse(id, inputHash: inputHash, from: file, into: output, golden: golden, bytes: bytes)
          reused += 1
          event = count(reports, item: id, status: .reused, seconds: seconds)
        case .failed(let message):
          event = ItemEvent(
            item: id, status: .failed, seconds: seconds, checksPassed: 0, checksFailed: 0, error: message)
          if options.keepGoing {
            try output.appendFailure(id, message: message)
            failedItems.append(FailedItem(item: id, error: message))
          } else {
            error = message
          }
        }
      } catch {
        self.error = error.message
        failedWriting = error.writingOutput
        return
      }
      log?.record(event)
      onItem?(event, index + 1, total)
      if error != nil { return }
    }
  }

  /// About what item `item` adds to the output: its kept tensors as planned
  /// (an upper bound when the output is compressed) and a little for its records.
  private func expectedBytes(_ item: Item) -> Int {
    guard let plan = prepared.plan(for: item) else { return 0 }
    let kept = plan.tensors.filter { prepared.job.keeps($0.key) }.map(\.value.byteCount)
    return saturatingSum(kept + [4 << 10])
  }

  /// Copies a computed item into the output through an in-memory file.
  private mutating func append(_ result: ItemResult, to output: OutputFile, bytes: Int) throws(RunFailure) {
    let file: HDF5File
    do { file = try ItemStorage.build(result, compression: prepared.job.outputs.compression) } catch {
      throw RunFailure("\(target): cannot build item \(result.id): \(error.message)")
    }
    defer { try? file.close() }
    try output.append(result.id, inputHash: result.inputHash, from: file, bytes: bytes)
    writtenIDs.append(result.id)
  }

  /// Copies an unchanged item from an earlier output. Its golden reports belong
  /// to the run that wrote them: they are dropped, and this run's made, which
  /// needs the item rebuilt; otherwise it is copied as stored.
  private mutating func reuse(
    _ id: String, inputHash: String, from file: HDF5File, into output: OutputFile, golden: GoldenComparison?, bytes: Int
  ) throws(RunFailure) -> [ItemReport] {
    do {
      let reports = try ItemStorage.reports(id, in: file)
      guard golden != nil || reports.contains(where: \.isGolden) else {
        try output.append(id, inputHash: inputHash, from: file, bytes: bytes)
        writtenIDs.append(id)
        return reports
      }
      var result = try ItemStorage.read(id, from: file)
      result.reports.removeAll(where: \.isGolden)
      if let golden { result.reports += try golden.reports(for: result) }
      try append(result, to: output, bytes: bytes)
      return result.reports
    } catch let failure as RunFailure {
      throw failure
    } catch let failure as HDF5Error {
      throw RunFailure("\(failure.file): cannot reuse item \(id): \(failure.cause ?? failure.message)")
    } catch {
      throw RunFailure("\(error)")
    }
  }

  /// Counts an item's reports into the run's totals and makes its event.
  private mutating func count(_ reports: [ItemReport], item: String, status: ItemEvent.Status, seconds: Double)
    -> ItemEvent
  {
    let failures = reports.filter { !$0.passed }
    checks += reports.count
    failed += failures.map {
      FailedCheck(
        item: item, stage: $0.name, check: $0.check, maxAbsError: $0.outcome.maxAbsError,
        maxRelError: $0.outcome.maxRelError, message: $0.outcome.message)
    }
    return ItemEvent(
      item: item, status: status, seconds: seconds, checksPassed: reports.count - failures.count,
      checksFailed: failures.count, error: nil)
  }

  /// The root's lists (`/item_ids`, `/golden_missing_items`) and attributes,
  /// after the golden file's items this run lacks are counted as failures.
  private mutating func root(
    fingerprint: RunFingerprint, golden: GoldenComparison?
  ) -> (lists: [(String, [String])], attributes: [(String, HDF5AttributeValue)]) {
    let job = prepared.job
    var lists = [("item_ids", writtenIDs)]
    var attributes: [(String, HDF5AttributeValue)] = [
      ("convpipe_version", .string(ConvPipeVersion.current)), ("job_name", .string(job.name)),
      ("job_sha256", .string(job.sha256)), ("graph_sha256", .string(fingerprint.graph)),
      ("items", .int(writtenIDs.count)),
      ("items_failed", .int(failedItems.count)),
    ]
    if let golden {
      let missing = golden.missingItems(from: prepared.catalog.items.map(\.id))
      for id in missing {
        let outcome = golden.missingOutcome()
        checks += 1
        failed.append(
          FailedCheck(
            item: id, stage: GoldenComparison.checkName, check: GoldenComparison.checkName,
            maxAbsError: outcome.maxAbsError, maxRelError: outcome.maxRelError, message: outcome.message))
        let event = ItemEvent(item: id, status: .missing, seconds: 0, checksPassed: 0, checksFailed: 1, error: nil)
        log?.record(event)
        onItem?(event, prepared.catalog.items.count, prepared.catalog.items.count)
      }
      attributes.append(("golden", .string(golden.file.path)))
      lists.append(("golden_missing_items", missing))
    }
    attributes += [("checks", .int(checks)), ("checks_failed", .int(failed.count))]
    if let description = job.description { attributes.append(("description", .string(description))) }
    attributes.append(("job_json", .string(job.text)))
    return (lists, attributes)
  }
}
