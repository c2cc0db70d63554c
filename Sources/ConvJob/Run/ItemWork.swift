import ConvCore
import Foundation
import HDF5IO

/// Where a finished item's results are read from when the output is assembled.
enum FinishedSource: Sendable {
  /// Its part file, written by this run or left by a killed one.
  case part
  /// The previous output (`--incremental`).
  case previous
}

/// The items of one run, worked off by several threads: each takes the next
/// item in order, reuses an earlier result when its hashes match, or computes
/// it into its part file. The first failure stops the others.
final class ItemWork: @unchecked Sendable {
  let executor: ItemExecutor
  let items: [Item]
  let parts: FinishedItems
  let reusable: ReusableResults
  let graph: String

  private let lock = NSLock()
  private var next = 0
  private var done = 0
  private var sources: [FinishedSource?]
  private(set) var computed = 0
  private(set) var failure: RunFailure?

  init(executor: ItemExecutor, items: [Item], parts: FinishedItems, reusable: ReusableResults, graph: String) {
    self.executor = executor
    self.items = items
    self.parts = parts
    self.reusable = reusable
    self.graph = graph
    sources = Array(repeating: nil, count: items.count)
  }

  /// Works off every item on `threads` threads; `report` is called under the
  /// lock after each item.
  func run(threads: Int, report: @Sendable (ItemEvent, Int, Int) -> Void) {
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      while let index = take() {
        let started = Date()
        let event: ItemEvent
        do {
          let (source, reports) = try process(index)
          let failed = reports.filter { !$0.passed }.count
          event = ItemEvent(
            id: items[index].id, seconds: Date().timeIntervalSince(started), reused: source != nil,
            checksPassed: reports.count - failed, checksFailed: failed, error: nil)
          finish(index, source: source, event: event, report: report)
        } catch {
          let failure = error as? RunFailure ?? RunFailure("\(error)")
          event = ItemEvent(id: items[index].id, seconds: Date().timeIntervalSince(started), reused: false,
            checksPassed: 0, checksFailed: 0, error: failure.message)
          fail(failure, event: event, report: report)
        }
      }
    }
  }

  /// The open file holding the finished item at `index`.
  func sourceFile(index: Int) throws -> HDF5File {
    switch sources[index] {
    case .previous?:
      guard let previous = reusable.previous else { throw RunFailure("the previous output is no longer open") }
      return previous
    case .part?, nil:
      do { return try HDF5File.open(parts.path(index: index)) } catch { throw RunFailure(error.description) }
    }
  }

  /// Reuses one item (returning where from) or computes it (returning its reports).
  private func process(_ index: Int) throws -> (FinishedSource?, [CheckReport]) {
    let item = items[index]
    let inputHash = try RunFingerprint.input(of: item, job: executor.prepared.job)
    if reusable.previousHolds(item, inputHash: inputHash) { return (.previous, []) }
    let path = parts.path(index: index)
    if parts.exists(index: index), reusable.partHolds(item, inputHash: inputHash, path: path) { return (.part, []) }
    let output: OutputFile
    do { output = try OutputFile(target: path, removeOnInterrupt: false) } catch { throw RunFailure(error.description) }
    do {
      let reports = try executor.run(item, into: output)
      try output.setItemAttribute("input_sha256", .string(inputHash), item: item.id)
      try output.finish([("graph_sha256", .string(graph))])
      lock.withLock { computed += 1 }
      return (nil, reports)
    } catch {
      output.discard()
      throw (error as? HDF5Error).map { RunFailure($0.description) } ?? error
    }
  }

  private func take() -> Int? {
    lock.withLock {
      guard failure == nil, next < items.count else { return nil }
      defer { next += 1 }
      return next
    }
  }

  private func finish(_ index: Int, source: FinishedSource?, event: ItemEvent, report: @Sendable (ItemEvent, Int, Int) -> Void) {
    lock.withLock {
      sources[index] = source ?? .part
      done += 1
      report(event, done, items.count)
    }
  }

  private func fail(_ failure: RunFailure, event: ItemEvent, report: @Sendable (ItemEvent, Int, Int) -> Void) {
    lock.withLock {
      if self.failure == nil { self.failure = failure }
      report(event, done, items.count)
    }
  }
}
