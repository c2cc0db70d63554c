import Foundation
import Synchronization
import Testing

@testable import ConvJob

/// The scheduler's promises: outcomes in item order whatever the finishing
/// order, `threads` threads in all with the writer among them, no more than
/// `window` finished items waiting, and nothing handed out once closed.
@Suite("Item scheduler: order, threads and window")
struct ItemSchedulerTests {
  /// Runs `count` items, each sleeping a little (later ones less, so they
  /// finish out of order), and collects what the writer receives and which
  /// threads computed.
  struct Recorded {
    var written: [Int] = []
    var threads: Set<UInt> = []
    var writerComputed = 0
    var mostWaiting = 0
  }

  static func run(count: Int, threads: Int, window: Int, closeAt: Int? = nil) -> Recorded {
    let scheduler = ItemScheduler(count: count, window: window)
    let writer = UInt(bitPattern: Int(pthread_self()))
    let computed = Mutex((threads: Set<UInt>(), byWriter: 0, done: Set<Int>(), mostWaiting: 0))
    let written = Mutex(0)
    scheduler.start(threads: threads) { index in
      usleep(UInt32(200 + 50 * ((count - index) % 7)))
      let thread = UInt(bitPattern: Int(pthread_self()))
      let done = written.withLock { $0 }
      computed.withLock {
        $0.threads.insert(thread)
        if thread == writer { $0.byWriter += 1 }
        $0.done.insert(index)
        $0.mostWaiting = max($0.mostWaiting, $0.done.count - done)
      }
      return .failed("item \(index)")
    }
    var recorded = Recorded()
    for index in 0..<count {
      if index == closeAt { scheduler.close() }
      guard let (outcome, _) = scheduler.outcome(index) else { break }
      guard case .failed(let message) = outcome, message == "item \(index)" else { break }
      recorded.written.append(index)
      written.withLock { $0 += 1 }
    }
    scheduler.close()
    scheduler.waitForWorkers()
    computed.withLock {
      recorded.threads = $0.threads
      recorded.writerComputed = $0.byWriter
      recorded.mostWaiting = $0.mostWaiting
    }
    return recorded
  }

  @Test("outcomes come in item order, for any thread count", arguments: [1, 2, 3, 4])
  func itemOrder(threads: Int) {
    let recorded = Self.run(count: 60, threads: threads, window: 8)
    #expect(recorded.written == Array(0..<60))
  }

  @Test("n threads are n - 1 workers and the writer, which computes while it waits", arguments: [1, 2, 3])
  func writerComputes(threads: Int) {
    let recorded = Self.run(count: 40, threads: threads, window: 8)
    #expect(recorded.threads.count <= threads)
    #expect(recorded.writerComputed > 0)
    if threads == 1 { #expect(recorded.writerComputed == 40) }
  }

  @Test("at most `window` finished items wait for the writer")
  func window() {
    let recorded = Self.run(count: 80, threads: 3, window: 5)
    #expect(recorded.mostWaiting <= 5)
  }

  @Test("once closed, no further item is handed out", arguments: [1, 2])
  func closed(threads: Int) {
    let recorded = Self.run(count: 50, threads: threads, window: 4, closeAt: 10)
    #expect(recorded.written.count >= 10 && recorded.written.count <= 14)
    #expect(recorded.written == Array(0..<recorded.written.count))
  }

  @Test("the writer's work is called directly however many items it computed: no wrapper per item")
  func writerCallsStayFlat() {
    // Each item records how deep in the stack its work runs. A closure read
    // back through an `inout` access gained a reabstraction thunk per read,
    // so the thousandth item ran a thousand frames deeper (and 100,000 items
    // took quadratic time, then overflowed the stack).
    let count = 3000
    let scheduler = ItemScheduler(count: count, window: 8)
    let depths = Mutex((lowest: UInt.max, highest: UInt(0)))
    scheduler.start(threads: 1) { _ in
      var marker = 0
      let address = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
      depths.withLock { ($0.lowest, $0.highest) = (min($0.lowest, address), max($0.highest, address)) }
      return .failed("")
    }
    for index in 0..<count { _ = scheduler.outcome(index) }
    scheduler.waitForWorkers()
    let (lowest, highest) = depths.withLock { $0 }
    #expect(highest - lowest < 1024, "the work ran \(highest - lowest) bytes deeper for later items")
  }
}
