import Foundation
import HDF5IO
import Synchronization

/// How one item came out of a worker.
enum ItemOutcome: Sendable {
  /// Computed; the result is in memory.
  case computed(ItemResult)
  /// Unchanged since an earlier run, and read back from its output.
  case reused(ItemResult)
  /// Its input could not be read or a stage failed.
  case failed(String)
  /// Abandoned because the run is stopping.
  case stopped
}

/// Hands items to worker threads in item order and their outcomes back to
/// the one writer in item order, through a bounded reorder buffer: a worker
/// takes item `i` only once the writer has handed back all but `window` items
/// before it, so memory holds at most `window` finished items however fast the
/// workers are. The writer computes items too while it waits, so `threads`
/// threads are `threads - 1` workers and the writer: one thread is one core.
final class ItemScheduler: Sendable {
  private struct State {
    var next = 0
    var outcomes: [Int: (outcome: ItemOutcome, seconds: Double)] = [:]
    var closed = false
  }

  let count: Int
  private let state = Mutex(State())
  private let slots: DispatchSemaphore
  private let arrived = DispatchSemaphore(value: 0)
  private let finished = DispatchGroup()
  private let window: Int
  /// The work of an item, for the writer to do while it has nothing to write.
  /// Boxed: a closure kept in the `Mutex` itself would come back from each
  /// `inout` access wrapped in two more reabstraction thunks, so the writer's
  /// calls would run deeper and slower with every item.
  private let writerWork = Mutex<ItemWork?>(nil)

  private final class ItemWork: Sendable {
    let run: @Sendable (Int) -> ItemOutcome
    init(_ run: @escaping @Sendable (Int) -> ItemOutcome) { self.run = run }
  }

  init(count: Int, window: Int) {
    self.count = count
    self.window = window
    // Created empty and filled: libdispatch traps when a semaphore is released
    // holding less than it was created with, as this one may when a run stops.
    slots = DispatchSemaphore(value: 0)
    for _ in 0..<window { slots.signal() }
  }

  /// Starts `threads - 1` worker threads, each taking the next item and
  /// calling `work` with its index until the items run out or ``close()`` is
  /// called; the writer is the last of the `threads` (see ``outcome(_:)``).
  func start(threads: Int, work: @escaping @Sendable (Int) -> ItemOutcome) {
    writerWork.withLock { $0 = ItemWork(work) }
    for number in 0..<max(threads - 1, 0) {
      finished.enter()
      let thread = Thread { [self] in
        defer { finished.leave() }
        while let index = take() { run(work, index) }
      }
      thread.name = "convpipe item worker \(number)"
      thread.stackSize = 8 << 20
      thread.start()
    }
  }

  /// The outcome of item `index`, waiting for it; nil when the scheduler was
  /// closed before a worker took that item. Call for 0, 1, 2, ... in turn.
  /// While item `index` is not there the writer computes the next item itself,
  /// when the window has room, rather than wait: `threads` threads keep as
  /// many cores busy, and a writer with nothing to write takes no core from a worker.
  func outcome(_ index: Int) -> (outcome: ItemOutcome, seconds: Double)? {
    while true {
      let (found, abandoned) = state.withLock { state -> ((ItemOutcome, Double)?, Bool) in
        if let found = state.outcomes.removeValue(forKey: index) { return (found, false) }
        return (nil, state.closed && index >= state.next)
      }
      if let found {
        slots.signal()
        return found
      }
      if abandoned { return nil }
      if let work = writerWork.withLock({ $0 }), let taken = take(waiting: false) {
        run(work.run, taken)
      } else {
        arrived.wait()
      }
    }
  }

  /// Hands out no more items (a failure, a signal): workers finish the item in hand.
  func close() {
    let wasOpen = state.withLock { state in
      defer { state.closed = true }
      return !state.closed
    }
    guard wasOpen else { return }
    for _ in 0..<window { slots.signal() }  // wake workers waiting for room
    arrived.signal()
  }

  /// Waits until every worker thread has returned.
  func waitForWorkers() { finished.wait() }

  /// The next item to compute, once the window has room; nil when there are
  /// none left, or, not `waiting`, when the window is full.
  private func take(waiting: Bool = true) -> Int? {
    if waiting {
      slots.wait()
    } else if slots.wait(timeout: .now()) == .timedOut {
      return nil
    }
    let taken = state.withLock { state -> Int? in
      guard !state.closed, state.next < count else { return nil }
      defer { state.next += 1 }
      return state.next
    }
    if taken == nil, !waiting { slots.signal() }
    return taken
  }

  private func run(_ work: @Sendable (Int) -> ItemOutcome, _ index: Int) {
    let started = Date()
    let outcome = work(index)
    deliver(index, outcome, seconds: Date().timeIntervalSince(started))
  }

  private func deliver(_ index: Int, _ outcome: ItemOutcome, seconds: Double) {
    state.withLock { $0.outcomes[index] = (outcome, seconds) }
    arrived.signal()
  }
}
