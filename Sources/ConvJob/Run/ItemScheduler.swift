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
/// workers are. With one thread asked for there are no workers: the writer
/// computes each item itself, so one thread is one core.
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
  /// The work of an item, when the writer does it itself (one thread).
  private let inlineWork = Mutex<(@Sendable (Int) -> ItemOutcome)?>(nil)

  init(count: Int, window: Int) {
    self.count = count
    self.window = window
    // Created empty and filled: libdispatch traps when a semaphore is released
    // holding less than it was created with, as this one may when a run stops.
    slots = DispatchSemaphore(value: 0)
    for _ in 0..<window { slots.signal() }
  }

  /// Starts `threads` worker threads, each taking the next item and calling
  /// `work` with its index until the items run out or ``close()`` is called.
  func start(threads: Int, work: @escaping @Sendable (Int) -> ItemOutcome) {
    guard threads > 1 else {
      inlineWork.withLock { $0 = work }
      return
    }
    for number in 0..<threads {
      finished.enter()
      let thread = Thread { [self] in
        defer { finished.leave() }
        while let index = take() {
          let started = Date()
          let outcome = work(index)
          deliver(index, outcome, seconds: Date().timeIntervalSince(started))
        }
      }
      thread.name = "convpipe item worker \(number)"
      thread.stackSize = 8 << 20
      thread.start()
    }
  }

  /// The outcome of item `index`, waiting for it; nil when the scheduler was
  /// closed before a worker took that item. Call for 0, 1, 2, ... in turn.
  func outcome(_ index: Int) -> (outcome: ItemOutcome, seconds: Double)? {
    if let work = inlineWork.withLock({ $0 }) {
      guard let taken = take(), taken == index else { return nil }
      let started = Date()
      let outcome = work(index)
      slots.signal()
      return (outcome, Date().timeIntervalSince(started))
    }
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
      arrived.wait()
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

  private func take() -> Int? {
    slots.wait()
    return state.withLock { state in
      guard !state.closed, state.next < count else { return nil }
      defer { state.next += 1 }
      return state.next
    }
  }

  private func deliver(_ index: Int, _ outcome: ItemOutcome, seconds: Double) {
    state.withLock { $0.outcomes[index] = (outcome, seconds) }
    arrived.signal()
  }
}
