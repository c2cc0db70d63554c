import Foundation
import Synchronization

/// `body(index)` for every index in `0..<count`, on up to `threads` threads
/// that each claim the next unclaimed index; the results in index order. One
/// thread (or one index) runs on the calling thread alone.
func concurrentMap<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
  let workers = max(1, min(threads, count))
  guard workers > 1 else { return (0..<count).map(body) }
  let next = Atomic<Int>(0)
  let results = Mutex([T?](repeating: nil, count: count))
  DispatchQueue.concurrentPerform(iterations: workers) { _ in
    while case let index = next.add(1, ordering: .relaxed).oldValue, index < count {
      let result = body(index)
      results.withLock { $0[index] = result }
    }
  }
  return results.withLock { $0.compactMap { $0 } }  // every index was claimed, so none is nil
}
