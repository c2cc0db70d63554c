import Foundation

/// Direct writes done by a thread of their own, so that the thread handing
/// them over goes on (computing the next item) while the disk writes: an
/// `O_DIRECT` write returns only once the device has the data, and a caller
/// that waited for each would leave its core idle for that time.
///
/// At most ``limit`` bytes wait at once (the caller waits for room), so memory
/// stays bounded; writes are done in the order handed over. The first error
/// is kept: every later ``submit(_:at:)`` and ``drain()`` throws it.
final class WriteBehind: @unchecked Sendable {
  /// The bytes that may wait to be written.
  static let limit = 8 << 20

  private let condition = NSCondition()
  private let stopped = DispatchSemaphore(value: 0)
  // Guarded by `condition`.
  private var waiting: [(memory: UnsafeMutableRawBufferPointer, offset: Int)] = []
  private var waitingBytes = 0
  private var busy = false
  private var failure: HDF5Error?
  private var stopping = false

  /// Starts the thread that calls `write(memory, offset)` for each request.
  init(write: @escaping @Sendable (UnsafeRawBufferPointer, Int) throws(HDF5Error) -> Void) {
    let thread = Thread { [self] in
      while let (memory, offset, failed) = next() {
        var error: HDF5Error?
        if !failed {  // after a failure the rest is dropped: the file is given up
          do throws(HDF5Error) { try write(UnsafeRawBufferPointer(memory), offset) } catch let failure {
            error = failure
          }
        }
        memory.deallocate()
        finished(memory.count, error)
      }
      stopped.signal()
    }
    thread.name = "convpipe write-behind"
    thread.start()
  }

  /// Hands `memory` (allocated by the caller, deallocated once written) over
  /// to be written at `offset`, waiting while ``limit`` bytes wait already.
  func submit(_ memory: UnsafeMutableRawBufferPointer, at offset: Int) throws(HDF5Error) {
    condition.lock()
    defer { condition.unlock() }
    while failure == nil, waitingBytes > 0, waitingBytes + memory.count > Self.limit { condition.wait() }
    if let failure {
      memory.deallocate()
      throw failure
    }
    waiting.append((memory, offset))
    waitingBytes += memory.count
    condition.broadcast()
  }

  /// Waits until everything handed over is written; throws the first error.
  func drain() throws(HDF5Error) {
    condition.lock()
    defer { condition.unlock() }
    while failure == nil, !waiting.isEmpty || busy { condition.wait() }
    if let failure { throw failure }
  }

  /// Writes what waits, then ends the thread.
  func stop() {
    condition.lock()
    stopping = true
    condition.broadcast()
    condition.unlock()
    stopped.wait()
  }

  /// The next request and whether an earlier one failed; nil once stopped with none left.
  private func next() -> (UnsafeMutableRawBufferPointer, Int, Bool)? {
    condition.lock()
    defer { condition.unlock() }
    while waiting.isEmpty, !stopping { condition.wait() }
    guard !waiting.isEmpty else { return nil }
    busy = true
    let (memory, offset) = waiting.removeFirst()
    return (memory, offset, failure != nil)
  }

  private func finished(_ bytes: Int, _ error: HDF5Error?) {
    condition.lock()
    defer { condition.unlock() }
    busy = false
    waitingBytes -= bytes
    if failure == nil { failure = error }
    condition.broadcast()
  }
}
