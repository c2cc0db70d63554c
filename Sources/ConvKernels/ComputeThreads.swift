import ConvCore
import COpenBLAS
import Dispatch
import Synchronization

/// How many threads one convolution may use.
///
/// An operation splits its work into independent items (images, groups, column
/// chunks, channel blocks) and runs them on at most `perOperation` workers. Each
/// matrix product inside an item runs single-threaded in OpenBLAS, so one
/// operation occupies at most `perOperation` cores and never oversubscribes them.
/// Several operations that already run in parallel (one per item) each ask for
/// 1, through ``requested``: a setting of the calling task or thread, never of
/// the process, so that two callers cannot change each other's.
public enum ComputeThreads {
  /// The processors OpenBLAS sees: the workers of an operation nobody asked otherwise.
  public static let available = max(1, Int(openblas_get_num_procs()))

  /// The workers asked for by the current task or thread:
  /// `ComputeThreads.$requested.withValue(1) { ... }`.
  @TaskLocal public static var requested: Int?

  /// Workers per operation, at least 1: ``requested``, or ``available``.
  public static var perOperation: Int { max(1, requested ?? available) }

  /// Pins OpenBLAS to one thread per call, once, before the first product.
  static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

  /// Calls `body(item, scratch)` for every item in `0..<count` on up to
  /// `perOperation` workers, each claiming the next unclaimed item and owning a
  /// scratch buffer of `scratch` elements (uninitialised) for its items. Items
  /// must write disjoint memory.
  static func forEach<T>(
    _ count: Int, scratch: Int = 0, of type: T.Type = T.self,
    _ body: (_ item: Int, _ scratch: UnsafeMutablePointer<T>) -> Void
  ) {
    let workerCount = min(perOperation, count)
    withoutActuallyEscaping(body) { body in
      let queue = WorkQueue(count: count, scratch: scratch, body: body)
      if workerCount <= 1 {
        queue.work()
      } else {
        DispatchQueue.concurrentPerform(iterations: workerCount) { _ in queue.work() }
      }
    }
  }
}

/// The items of one ``ComputeThreads/forEach(_:scratch:of:_:)`` call, claimed
/// one at a time by its workers. Unchecked: the body runs concurrently only on
/// distinct items, which the caller guarantees touch disjoint memory.
private final class WorkQueue<T>: @unchecked Sendable {
  let next = Atomic<Int>(0)
  let count: Int
  let scratch: Int
  let body: (Int, UnsafeMutablePointer<T>) -> Void

  init(count: Int, scratch: Int, body: @escaping (Int, UnsafeMutablePointer<T>) -> Void) {
    self.count = count
    self.scratch = scratch
    self.body = body
  }

  /// Runs items until none is left, with a scratch buffer of its own.
  func work() {
    let buffer = UnsafeMutablePointer<T>.allocate(capacity: max(scratch, 1))
    defer { buffer.deallocate() }
    while true {
      let item = next.wrappingAdd(1, ordering: .relaxed).oldValue
      guard item < count else { return }
      body(item, buffer)
    }
  }
}
