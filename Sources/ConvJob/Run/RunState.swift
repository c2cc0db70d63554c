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
  /// The PNG files `outputs.png` asks for, written once the output is complete.
  let pngOutputs: PNGOutputs?
  let log: RunLog?
  let onNotice: (@Sendable (RunNotice) -> Void)?
  let onItem: (@Sendable (ItemEvent, Int, Int) -> Void)?

  private var computed = 0
  private var reused = 0
  private var checks = 0
  private var failed: [FailedCheck] = []
  private var failedItems: [FailedItem] = []
  private var writtenIDs: [String] = []
  /// With `--shard`, the places of the written and the failed items in the whole job.
  private var writtenIndices: [Int] = []
  private var failedIndices: [Int] = []
  private var error: String?
  private var stoppedBy: FailedItem?
  private var signal: Int32?
  private var keptForResume = 0
  private var pngFiles: Int?
  /// About what an item of each plan (in `prepared.plans`' order) adds to the output: its
  /// kept tensors as planned (an upper bound when the output is compressed) and a little for its records.
  private let planBytes: [Int]

  init(
    prepared: PreparedJob, options: RunOptions, target: String, pngOutputs: PNGOutputs?, log: RunLog?,
    onNotice: (@Sendable (RunNotice) -> Void)?, onItem: (@Sendable (ItemEvent, Int, Int) -> Void)?
  ) {
    self.prepared = prepared
    self.options = options
    self.target = target
    self.pngOutputs = pngOutputs
    planBytes = prepared.plans.map { plan in
      saturatingSum(plan.tensors.filter { prepared.job.keeps($0.key) }.map(\.value.byteCount) + [4 << 10])
    }
    self.log = log
    self.onNotice = onNotice
    self.onItem = onItem
  }

  func result(seconds: Double) -> RunResult {
    var result = RunResult(
      outputPath: target, items: prepared.catalog.items.count, computed: computed, reused: reused,
      failedItems: failedItems, checks: checks, failed: failed, seconds: seconds, error: error, invalid: false,
      signal: signal,
      keptForResume: keptForResume)
    if let pngFiles, let png = pngOutputs { result.pngOutputs = (png.directory, pngFiles) }
    result.stoppedBy = stoppedBy
    result.outputKept = outputKept
    return result
  }

  /// Runs every item and writes the output, or records why it could not.
  mutating func execute(resumeFiles: ResumeFiles) {
    let job = prepared.job
    var shared: [String: Tensor] = [:]
    for input in job.inputs where !input.isPerItem {
      do { shared[input.name] = try prepared.catalog.load(input, source: nil) } catch {
        self.error = error.line
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
    let notice = { (notice: RunNotice) in
      self.onNotice?(notice)
      self.log?.notice(notice.text)
    }
    var reusable = ReusableResults(
      target: target, graph: fingerprint.graph, incremental: options.incremental,
      resumeStore: options.resume ? resumeFiles.load(graph: fingerprint.graph, notice: notice) : nil, notice: notice)
    let inputStates = InputStatCache(target: target)
    // With --golden, whether the previous output's golden reports hold for this run.
    let goldenHolds =
      golden.flatMap { golden in
        reusable.previousOutput.map { goldenReportsHold(in: $0.file, golden: golden, inputStates: inputStates) }
      } ?? false
    // The previous output, when it holds this run's items, and the items whose input the stat cache cannot vouch for.
    if let previous = reusable.previousOutput,
      let failedBefore = heldItems(previous.file, golden: golden, goldenReportsHold: goldenHolds),
      let candidates = changedByStatCache(previous.file, inputStates: inputStates, failedBefore: failedBefore),
      let changed = reallyChanged(candidates, in: previous.file, inputStates: inputStates),
      keepOrPatch(
        previous, changed: changed, failedBefore: failedBefore, inputStates: inputStates, fingerprint: fingerprint,
        shared: shared, golden: golden)
    {
      if error != nil || signal != nil { return }  // an update that could not be undone, or a stop
      _ = recordGoldenMissing(golden)
      resumeFiles.remove()
      inputStates.save(golden: golden?.recordForNextRun)
      pngFiles = pngOutputs?.currentFiles
      if let png = pngOutputs, pngFiles == nil {
        do { pngFiles = try png.replace(from: target, items: writtenIDs, threads: options.threads) } catch {
          self.error = error.message
        }
      }
      return
    }
    // An update that closed the previous output and then did not write it.
    if reusable.previousOutput?.file.isClosed == true { reusable = reusable.reopeningPrevious() }
    let output: OutputFile
    do {
      output = try OutputFile(
        target: target, graph: fingerprint.graph, compression: job.outputs.compression,
        itemIDs: prepared.catalog.items.map(\.id))
    } catch {
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
    // A stop that cannot wait leaves the temporary output and its journal as
    // SIGKILL does: the next --resume adopts them if they hold more items than the store.
    let stop = options.stop
    let scheduler = startWorkers(
      shared: shared, reusable: reusable, inputStates: inputStates, golden: golden,
      goldenReportsKept: goldenHolds ? reusable.previousOutput?.file : nil, stop: stop)
    write(from: scheduler, into: output, stop: stop)
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
    // The stat cache (a cache of the inputs, whatever becomes of the output) is saved while the file is finished.
    let goldenState = golden?.recordForNextRun
    let savingInputStates = DispatchGroup()
    DispatchQueue.global().async(group: savingInputStates) { inputStates.save(golden: goldenState) }
    defer { savingInputStates.wait() }
    do {
      // The pictures replace the earlier ones just before the file does (see ``PNGOutputs``).
      try output.finish(root: root(fingerprint: fingerprint, golden: golden)) { (path) throws(RunFailure) in
        pngFiles = try pngOutputs?.replace(from: path, items: writtenIDs, threads: options.threads)
      }
      resumeFiles.remove()
    } catch {
      self.error = error.message
      output.discard()
    }
  }

  /// Whether the error was in writing the output itself (then nothing of it is kept).
  private var failedWriting = false
  /// Whether the previous output already was this run's, byte for byte, and was left as it was.
  private var outputKept = false

  /// Starts the worker threads: each hashes its item's input, reads it back
  /// from an earlier output or computes it, and compares it with the golden
  /// file; the writer gets the item in memory. Items read back from
  /// `goldenReportsKept`, whose golden reports hold, keep them.
  private func startWorkers(
    shared: [String: Tensor], reusable: ReusableResults, inputStates: InputStatCache, golden: GoldenComparison?,
    goldenReportsKept: HDF5File?, stop: RunStop
  ) -> ItemScheduler {
    let prepared = prepared, items = prepared.catalog.items, keepGoing = options.keepGoing
    let executor = ItemExecutor(prepared: prepared, shared: shared)
    let threads = min(max(1, options.threads), max(items.count, 1))
    // Items in parallel each compute on one thread; a single item gets them all.
    let computeThreads = threads > 1 ? 1 : max(1, options.threads)
    let scheduler = ItemScheduler(count: items.count, window: reorderWindow(threads: threads))
    scheduler.start(threads: threads) { index in
      guard !stop.isRequested else { return .stopped }
      let item = items[index]
      if let reason = prepared.failure(of: item.id) {
        if !keepGoing { scheduler.close() }
        return .failed(reason)
      }
      do {
        let input = try RunFingerprint.input(of: item, catalog: prepared.catalog, cache: inputStates)
        if let source = reusable.source(for: item.id, inputHash: input.hash),
          let read = try source.item(item.id, keepingGolden: source.file === goldenReportsKept)
        {
          return .reused(try Self.finished(read, golden: golden, prepared: prepared))
        }
        let result = try Self.compute(item, input: input, executor: executor, threads: computeThreads, stop: stop)
        return .computed(try Self.finished(result, golden: golden, prepared: prepared))
      } catch is RunStopped {
        return .stopped
      } catch {
        if !keepGoing { scheduler.close() }
        return .failed(Self.failureMessage(error))
      }
    }
    return scheduler
  }

  /// The message an item that failed with `error` is recorded with.
  private static func failureMessage(_ error: any Error) -> String { (error as? RunFailure)?.message ?? "\(error)" }

  /// Runs `item`'s stages on `input` with `threads` compute threads, until `stop` is requested.
  private static func compute(_ item: Item, input: ItemInput, executor: ItemExecutor, threads: Int, stop: RunStop)
    throws -> ItemResult
  {
    try ComputeThreads.$requested.withValue(threads) {
      try executor.run(item, input: input, shouldStop: { stop.isRequested })
    }
  }

  /// `result` as it goes into the output: with `golden`, its golden reports
  /// (``GoldenComparison/reportsHolding(_:)``), then sealed (``PreparedJob/sealed(_:)``).
  private static func finished(_ result: ItemResult, golden: GoldenComparison?, prepared: PreparedJob) throws
    -> ItemResult
  {
    var result = result
    if let golden { result.reports = try golden.reportsHolding(result) }
    return prepared.sealed(result)
  }

  /// How many finished items may wait for the writer: at least `4 * threads + 4`,
  /// and as many of the largest planned item as fit in ``reorderBytes``, so that
  /// a burst of slow writes (a flush, the page cache writing back) holds no
  /// worker up while memory stays bounded (measured, 2,400 RGB 96x96 images, 2
  /// threads: 0.70-0.83 s with 256 items against 0.87-0.90 with 12).
  private func reorderWindow(threads: Int) -> Int {
    let largest = max(planBytes.max() ?? 1, 1)
    return min(max(4 * threads + 4, Self.reorderBytes / largest), 4096)
  }

  /// The memory finished items waiting for the writer may take: 8 MiB, as fast
  /// as 32 (2 threads: 2,400 RGB 96x96 images 0.50-0.55 s either way, 1,200 of
  /// 256x256 1.16-1.21 s against 1.18-1.23), while a long run of small items,
  /// whose writer falls behind now and then, fills 32 MiB of it (19,200 of 32x32:
  /// peak RSS 85 MiB with 32, 66 with 8, 60 with one thread).
  static let reorderBytes = 8 << 20

  /// The most an update of the previous output in place or in a copy holds of
  /// changed items' inputs and results (planned sizes) before writing them;
  /// beyond it the whole output is written, item by item.
  static let patchBytes = 256 << 20

  /// The writer: takes each item's outcome in item order and puts it into the output.
  private mutating func write(from scheduler: ItemScheduler, into output: OutputFile, stop: RunStop) {
    let total = scheduler.count
    for index in 0..<total {
      guard !stop.isRequested, let (outcome, seconds) = scheduler.outcome(index) else { return }
      let item = prepared.catalog.items[index], id = item.id, bytes = expectedBytes(item)
      let event: ItemEvent
      do {
        switch outcome {
        case .stopped:
          return
        case .computed(let result), .reused(let result):
          try output.append(result, bytes: bytes)
          let status: ItemEvent.Status = if case .reused = outcome { .reused } else { .computed }
          event = recordWritten(item, reports: result.reports, status: status, seconds: seconds)
        case .failed(let message):
          event = .failed(id, seconds: seconds, error: message)
          if options.keepGoing {
            try output.appendFailure(id, message: message)
            failedItems.append(FailedItem(item: id, error: message))
            failedIndices.append(item.index)
          } else {
            error = message
            stoppedBy = FailedItem(item: id, error: message)
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

  /// About what item `item` adds to the output (``planBytes``).
  private func expectedBytes(_ item: Item) -> Int { prepared.planIndex[item.id].map { planBytes[$0] } ?? 0 }

  /// The reports of the checks of `items`, the items `file` holds, in item
  /// order, when the root `file` has is the one this run writes with those
  /// items, checks and `failed` items (and `golden`'s record), golden reports
  /// made with this run's tolerances; nil otherwise.
  private func storedReports(
    _ file: HDF5File, of items: [Item], failed: [(item: FailedItem, index: Int)], fingerprint: RunFingerprint,
    golden: GoldenComparison?
  ) -> [[ItemReport]]? {
    // Without verify stages or golden file no item has a report, as the root's count of 0 confirms: no item need be read.
    guard golden != nil || prepared.job.stages.contains(where: { $0.op == .verify }) else {
      let root = outputRoot(
        fingerprint: fingerprint, items: items.map { ($0.id, $0.index) }, failed: failed, golden: nil, checks: 0,
        checksFailed: 0)
      return rootHolds(root, in: file) ? Array(repeating: [], count: items.count) : nil
    }
    var reports: [[ItemReport]] = []
    for item in items {
      guard let read = try? ItemStorage.reports(item.id, in: file) else { return nil }
      reports.append(read)
    }
    let all = reports.joined()
    if let golden, !golden.madeWithTheseTolerances(all) {
      log?.notice(
        "the previous output's golden reports were made with other tolerances; --incremental compares every item again and writes the whole output"
      )
      return nil
    }
    let record = golden.map(goldenRecord), missing = record?.record.missing.count ?? 0
    let root = outputRoot(
      fingerprint: fingerprint, items: items.map { ($0.id, $0.index) }, failed: failed, golden: record,
      checks: all.count + missing, checksFailed: all.filter { !$0.passed }.count + missing)
    return rootHolds(root, in: file) ? reports : nil
  }

  /// Whether `file`'s root is `root`, the one this run writes; when not, the log says what differs.
  private func rootHolds(_ root: OutputRoot, in file: HDF5File) -> Bool {
    guard let difference = root.difference(in: file) else { return true }
    noticeWholeOutput("the previous output's \(difference)")
    return false
  }

  /// Logs why `--incremental` writes the whole output, unchanged items read back from the previous one.
  private func noticeWholeOutput(_ why: String) {
    log?.notice("\(why); --incremental writes the whole output, reading unchanged items back")
  }

  /// The items `file` failed, each with its message (none when it failed none),
  /// when it holds this run's items in the same order, the failed ones
  /// recorded (with `--keep-going`; those that fail before running, an
  /// unreadable image, as this run finds them), compared with no golden file
  /// or, with `golden`, its golden reports holding
  /// (``goldenReportsHold(in:golden:inputStates:)``, which logs why not); when
  /// not, nil, and the log says why.
  private func heldItems(_ file: HDF5File, golden: GoldenComparison?, goldenReportsHold: Bool) -> [String: String]? {
    if golden != nil && !goldenReportsHold { return nil }
    let failedBefore = (try? OutputComparison.failureMessages(of: file)) ?? [:]
    let why: String
    if golden == nil, (try? file.attribute("golden", of: "/")) != nil {
      why = "the previous output was compared with a golden file and this run has none"
    } else if !failedBefore.isEmpty && !options.keepGoing {
      why =
        "the previous output has failed items, and this run, without --keep-going, would stop at the first that fails again"
    } else if let id = prepared.catalog.items.map(\.id).first(where: {
      prepared.itemFailures[$0] != nil && failedBefore[$0] != prepared.failure(of: $0)
    }) {
      why =
        "item \(id) cannot be read or planned this run\(failedBefore[id] == nil ? "" : ", not as the previous output recorded")"
    } else {
      let previous = (try? OutputComparison.itemIDs(of: file)) ?? [], ids = prepared.catalog.items.map(\.id)
      if previous == ids.filter({ failedBefore[$0] == nil }) && Set(ids).isSuperset(of: failedBefore.keys) {
        return failedBefore
      }
      let before = Set(previous).union(failedBefore.keys), now = Set(ids)
      let added = now.subtracting(before).count, removed = before.subtracting(now).count
      why =
        added + removed == 0
        ? "the items are in another order than in the previous output"
        : "the items differ from the previous output's (\(added) added, \(removed) removed)"
    }
    noticeWholeOutput(why)
    return nil
  }

  /// Whether `file`, the previous output, was compared with `golden`'s file
  /// (the path as given) in the very state it was opened in now, as the stat
  /// cache recorded it (``InputStatCache/goldenState(of:)``: its size, times
  /// and inode, symbolic links followed): then its items' golden reports, when
  /// made with this run's tolerances, are what comparing them again gives.
  /// When not, the log says why.
  private func goldenReportsHold(in file: HDF5File, golden: GoldenComparison, inputStates: InputStatCache) -> Bool {
    let path = golden.file.path, change: String
    if case .string(path)? = try? file.attribute("golden", of: "/") {
      if let opened = golden.openedState, inputStates.goldenState(of: path) == opened { return true }
      change = "the golden file \(path) is not in the state the previous output was compared with"
    } else {
      change = "the previous output was not compared with the golden file \(path)"
    }
    log?.notice("\(change); --incremental compares every item with it again and writes the whole output")
    return false
  }

  /// The items whose input may have changed since `file` was written: those
  /// whose file is not in the state the stat cache recorded with the hash
  /// `file` holds (the items it failed, `failedBefore`, are tried again
  /// apart). Nil when an item's input is a row (its hash needs the row read).
  private func changedByStatCache(_ file: HDF5File, inputStates: InputStatCache, failedBefore: [String: String])
    -> [Item]?
  {
    var changed: [Item] = []
    for item in prepared.catalog.items where failedBefore[item.id] == nil {
      switch item.source {
      case nil: continue
      case .row: return nil
      case .file(let path):
        let known = InputStatCache.FileState(path: path).flatMap { inputStates.hash(of: path, state: $0) }
        guard let known, case .string(known)? = try? file.attribute("input_sha256", of: ItemStorage.group(item.id))
        else {
          changed.append(item)
          continue
        }
      }
    }
    return changed
  }

  /// Of `candidates` (the items whose input the stat cache cannot vouch for),
  /// those whose input's hash differs from the one `file` holds, with their
  /// input: a file touched but not changed counts for nothing. Nil, with a
  /// notice, when more than an eighth of the items changed or their inputs and
  /// results are planned to take more than ``patchBytes``, or when a hash
  /// cannot be had: then the whole output is written.
  private func reallyChanged(
    _ candidates: [Item], in file: HDF5File, inputStates: InputStatCache
  ) -> [(item: Item, input: ItemInput)]? {
    let items = prepared.catalog.items, limit = max(1, items.count / 8)
    var changed: [(item: Item, input: ItemInput)] = [], bytes = 0
    for item in candidates {
      guard !options.stop.isRequested,
        let input = try? RunFingerprint.input(of: item, catalog: prepared.catalog, cache: inputStates),
        case .string(let stored)? = try? file.attribute("input_sha256", of: ItemStorage.group(item.id))
      else { return nil }
      if input.hash == stored { continue }
      changed.append((item, input))
      bytes = saturatingSum([bytes, expectedBytes(item), input.contents?.count ?? 0])
      guard changed.count <= limit, bytes <= Self.patchBytes else {
        let reason =
          changed.count > limit
          ? "more than \(counted(limit, "item")) (an eighth of \(items.count)) changed"
          : "the changed items' inputs and results are planned to take more than \(MemorySize.format(Self.patchBytes))"
        noticeWholeOutput(reason)
        return nil
      }
    }
    return changed
  }

  /// `--incremental` when few inputs really changed (``reallyChanged``, none
  /// at all included), the previous output holds the same items (``heldItems``),
  /// those it failed (`failedBefore`) fail again with the same message (tried
  /// again, as make tries a failed target again), and the root it has is
  /// the one this run writes. With nothing changed that file already is the
  /// output, byte for byte, and stays as it is (``outputKept``): the run only
  /// counts and logs its items. Otherwise, when the changed items keep their
  /// stored form, their checks' reports included, in a job without pictures,
  /// those items are computed and written over their old bytes, in the
  /// previous output or a copy (``OutputPatch``), which is then the output,
  /// byte for byte what a full run writes. False, with nothing written,
  /// whenever that does not hold: the ordinary run follows (the previous
  /// output may then be closed: the caller opens it again). True with the
  /// run's error set when an update of the output in place failed and could
  /// not be undone (its journal is kept for the next run), and with its signal
  /// set when a stop came during the update (undone).
  private mutating func keepOrPatch(
    _ previous: ReusableResults.Source, changed: [(item: Item, input: ItemInput)], failedBefore: [String: String],
    inputStates: InputStatCache, fingerprint: RunFingerprint, shared: [String: Tensor], golden: GoldenComparison?
  ) -> Bool {
    let items = prepared.catalog.items, file = previous.file, stop = options.stop
    guard pngOutputs == nil || changed.isEmpty else {
      noticeWholeOutput(
        "\(counted(changed.count, "changed item")), and the job has PNG outputs: --incremental updates an output in place only for a job without them"
      )
      return false
    }
    // The checks stay as stored: a changed item's must come out the same (see OutputPatch.replace).
    let written = items.filter { failedBefore[$0.id] == nil }
    let failed = items.compactMap { item in
      failedBefore[item.id].map { (item: FailedItem(item: item.id, error: $0), index: item.index) }
    }
    guard let reports = storedReports(file, of: written, failed: failed, fingerprint: fingerprint, golden: golden)
    else { return false }
    let reportsOf = Dictionary(zip(written.map(\.id), reports), uniquingKeysWith: { first, _ in first })
    let executor = ItemExecutor(prepared: prepared, shared: shared), threads = max(1, options.threads)
    var seconds: [String: Double] = [:]
    for item in items where failedBefore[item.id] != nil && prepared.failure(of: item.id) == nil {
      let started = Date()
      let failure = failureOnRetry(item, executor: executor, inputStates: inputStates, golden: golden)
      if stop.isRequested { return false }  // the run that follows stops
      guard failure == failedBefore[item.id] else {
        noticeWholeOutput(
          "item \(item.id), failed in the previous output, \(failure.map { "now fails otherwise: \($0)" } ?? "no longer fails")"
        )
        return false
      }
      seconds[item.id] = Date().timeIntervalSince(started)
    }
    var patch = OutputPatch()
    for (item, input) in changed {
      let started = Date()
      let computed = try? Self.finished(
        Self.compute(item, input: input, executor: executor, threads: threads, stop: stop), golden: golden,
        prepared: prepared)
      // A failure is reported by the run that follows.
      guard let result = computed else { return false }
      guard patch.replace(result, in: file, storedReports: reportsOf[item.id] ?? []) else {
        noticeWholeOutput(
          "item \(item.id): its results no longer have the form stored (a tensor's shape or type, or a check's report: its errors or its result)"
        )
        return false
      }
      seconds[item.id] = Date().timeIntervalSince(started)
    }
    if !patch.isEmpty {
      // libhdf5 holds a shared lock on a file it has open; the update takes an
      // exclusive one to learn that no other process has the file open.
      try? file.close()
      let method: OutputPatch.Method?
      do {
        method = try patch.write(
          target: target, temporary: ResumeFiles(target: target).temporary(pid: getpid()),
          stopRequested: { stop.isRequested })
      } catch {
        if error.outputChanged {
          self.error = error.message
          return true
        }
        // On standard error too: what follows may fail for the same reason (a full disk).
        let notice = RunNotice("\(error.message); writing the whole output instead")
        onNotice?(notice)
        log?.notice(notice.text)
        return false
      }
      guard let method else {
        // Stopped by a signal, the output as it was: the run ends here (exit 130 / 143).
        signal = stop.signal
        return signal != nil
      }
      // In the log only: a nightly run's standard error stays for what needs attention.
      let place = method == .inPlace ? "into the previous output in place" : "into a copy of the previous output"
      log?.notice("\(counted(changed.count, "changed item")) written \(place)")
    }
    outputKept = patch.isEmpty
    failedItems = failed.map(\.item)
    failedIndices = failed.map(\.index)
    for (index, item) in items.enumerated() {
      let event: ItemEvent
      if let message = failedBefore[item.id] {
        event = .failed(item.id, seconds: seconds[item.id] ?? 0, error: message)
      } else {
        event = recordWritten(
          item, reports: reportsOf[item.id] ?? [], status: seconds[item.id] == nil ? .reused : .computed,
          seconds: seconds[item.id] ?? 0)
      }
      log?.record(event)
      onItem?(event, index + 1, items.count)
    }
    return true
  }

  /// Computes `item` again as a worker computes an item it cannot reuse (its
  /// input read and hashed, its stages run, with `golden` its golden reports
  /// made), for the message it fails with now; nil when it succeeds or the run is stopped.
  private func failureOnRetry(
    _ item: Item, executor: ItemExecutor, inputStates: InputStatCache, golden: GoldenComparison?
  ) -> String? {
    do {
      let input = try RunFingerprint.input(of: item, catalog: prepared.catalog, cache: inputStates)
      let result = try Self.compute(
        item, input: input, executor: executor, threads: max(1, options.threads), stop: options.stop)
      _ = try Self.finished(result, golden: golden, prepared: prepared)
      return nil
    } catch is RunStopped {
      return nil
    } catch {
      return Self.failureMessage(error)
    }
  }

  /// Records `item` as written into the output (`status`: computed or reused),
  /// counts its reports and makes its event.
  private mutating func recordWritten(_ item: Item, reports: [ItemReport], status: ItemEvent.Status, seconds: Double)
    -> ItemEvent
  {
    if status == .reused { reused += 1 } else { computed += 1 }
    writtenIDs.append(item.id)
    writtenIndices.append(item.index)
    return count(reports, item: item.id, status: status, seconds: seconds)
  }

  /// Counts an item's reports into the run's totals and makes its event.
  private mutating func count(_ reports: [ItemReport], item: String, status: ItemEvent.Status, seconds: Double)
    -> ItemEvent
  {
    let failures = reports.filter { !$0.passed }
    checks += reports.count
    failed += failures.map { FailedCheck(item: item, report: $0) }
    return ItemEvent(
      item: item, status: status, seconds: seconds, checksPassed: reports.count - failures.count,
      checksFailed: failures.count, error: nil)
  }

  /// The output's root (``OutputRoot``), after the golden file's items this
  /// run lacks are counted as failures.
  private mutating func root(fingerprint: RunFingerprint, golden: GoldenComparison?) -> OutputRoot {
    let record = recordGoldenMissing(golden)
    return outputRoot(
      fingerprint: fingerprint, items: zip(writtenIDs, writtenIndices).map { ($0, $1) },
      failed: zip(failedItems, failedIndices).map { ($0, $1) }, golden: record, checks: checks,
      checksFailed: failed.count)
  }

  /// Counts the golden file's items this run lacks as failed checks, each
  /// logged as an event; their record for the root (``goldenRecord(_:)``).
  private mutating func recordGoldenMissing(_ golden: GoldenComparison?) -> (
    record: OutputRoot.GoldenRecord, missingIndices: [Int]
  )? {
    guard let golden else { return nil }
    let record = goldenRecord(golden), total = prepared.catalog.items.count
    for id in record.record.missing {
      checks += 1
      failed.append(.goldenMissing(id, outcome: golden.missingOutcome()))
      let event = ItemEvent(item: id, status: .missing, seconds: 0, checksPassed: 0, checksFailed: 1, error: nil)
      log?.record(event)
      onItem?(event, total, total)
    }
    return record
  }

  /// The root's record of `golden`: its path and the items of it this run
  /// lacks, with their places in it.
  private func goldenRecord(_ golden: GoldenComparison) -> (record: OutputRoot.GoldenRecord, missingIndices: [Int]) {
    let catalog = prepared.catalog
    let missing = golden.missingItems(from: catalog.items.map(\.id), shard: catalog.shard)
    return (OutputRoot.GoldenRecord(path: golden.file.path, missing: missing.map(\.id)), missing.map(\.index))
  }

  /// The root of an output holding `items` and recording `failed` (each with
  /// its place in the job), with `golden`'s record and the places of its
  /// missing items, and the shard's record for a part.
  private func outputRoot(
    fingerprint: RunFingerprint, items: [(id: String, index: Int)], failed: [(item: FailedItem, index: Int)],
    golden: (record: OutputRoot.GoldenRecord, missingIndices: [Int])?, checks: Int, checksFailed: Int
  ) -> OutputRoot {
    let catalog = prepared.catalog
    return OutputRoot(
      job: OutputRoot.JobRecord(prepared.job), graph: fingerprint.graph, itemIDs: items.map(\.id),
      itemsFailed: failed.count, golden: golden?.record, checks: checks, checksFailed: checksFailed,
      part: catalog.shard.map { shard in
        OutputRoot.PartRecord(
          shard: shard, itemsTotal: catalog.itemsTotal, itemIndices: items.map(\.index),
          failedItems: failed.map(\.item.item), failedIndices: failed.map(\.index),
          goldenMissingIndices: golden?.missingIndices ?? [])
      })
  }
}
