import Foundation

/// Direct writes done by a thread of their own, so that the thread handing
/// them over goes on (computing the next item) while the disk writes: an
/// `O_DIRECT` write returns only once the device has the data, and a caller
/// that waited for each would leave its core idle for that time.
///
/// Writes go through ``bufferCount`` aligned buffers of `capacity` bytes,
/// allocated once and reused: the caller waits for a free one, fills it and
/// hands it over, so memory stays bounded (a buffer per write, freed by the
/// other thread, took a 1,200-image run from 87 to 138-200 MB). Writes are done in
/// the order handed over. The first error is kept: every later
/// ``buffer(count:)``, ``submit(_:at:)`` and ``drain()`` throws it.
final class WriteBehind: @unchecked Sendable {
  /// How many writes may wait at once.
  static let bufferCount = 3

  private let condition = NSCondition()
  private let stopped = DispatchSemaphore(value: 0)
  private let buffers: [UnsafeMutableRawBufferPointer]
  // Guarded by `condition`.
  private var free: [UnsafeMutableRawBufferPointer]
  private var waiting: [(bytes: UnsafeMutableRawBufferPointer, offset: Int)] = []
  private var busy = false
  private var failure: HDF5Error?
  private var stopping = false

  /// Starts the thread that calls `write(bytes, offset)` for each write, with
  /// buffers of `capacity` bytes aligned to `alignment`.
  init(
    capacity: Int, alignment: Int,
    write: @escaping @Sendable (UnsafeRawBufferPointer, Int) throws(HDF5Error) -> Void
  ) {
    buffers = (0..<Self.bufferCount).map { _ in
      UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: alignment)
    }
    free = buffers
    let thread = Thread { [self] in
      while let (bytes, offset, failed) = next() {
        var error: HDF5Error?
        if !failed {  // after a failure the rest is dropped: the file is given up
          do throws(HDF5Error) { try write(UnsafeRawBufferPointer(bytes), offset) } catch let failure {
            error = failure
          }
        }
        finished(bytes, error)
      }
      stopped.signal()
    }
    thread.name = "convpipe write-behind"
    thread.start()
  }

  deinit {
    for buffer in buffers { buffer.deallocate() }
  }

  /// The first `count` bytes (at most `capacity`) of a free buffer, once one is free.
  func buffer(count: Int) throws(HDF5Error) -> UnsafeMutableRawBufferPointer {
    condition.lock()
    defer { condition.unlock() }
    while failure == nil, free.isEmpty { condition.wait() }
    if let failure { throw failure }
    return UnsafeMutableRawBufferPointer(rebasing: free.removeLast()[0..<count])
  }

  /// Hands `bytes` (from ``buffer(count:)``) over to be written at `offset`.
  func submit(_ bytes: UnsafeMutableRawBufferPointer, at offset: Int) throws(HDF5Error) {
    condition.lock()
    defer { condition.unlock() }
    if let failure {
      release(bytes)
      throw failure
    }
    waiting.append((bytes, offset))
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

  /// The next write and whether an earlier one failed; nil once stopped with none left.
  private func next() -> (UnsafeMutableRawBufferPointer, Int, Bool)? {
    condition.lock()
    defer { condition.unlock() }
    while waiting.isEmpty, !stopping { condition.wait() }
    guard !waiting.isEmpty else { return nil }
    busy = true
    let (bytes, offset) = waiting.removeFirst()
    return (bytes, offset, failure != nil)
  }

  private func finished(_ bytes: UnsafeMutableRawBufferPointer, _ error: HDF5Error?) {
    condition.lock()
    defer { condition.unlock() }
    busy = false
    release(bytes)
    if failure == nil { failure = error }
    condition.broadcast()
  }

  /// Puts the buffer `bytes` lies in back among the free ones (the lock held).
  private func release(_ bytes: UnsafeMutableRawBufferPointer) {
    guard let buffer = buffers.first(where: { $0.baseAddress == bytes.baseAddress }) else { return }
    free.append(buffer)
  }
}
