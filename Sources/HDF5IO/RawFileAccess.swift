import ConvCore
import Foundation
import _SystemShims

#if canImport(Glibc)
  import Glibc
#endif

/// Reads and writes the elements of contiguous datasets (``ContiguousStorage``)
/// straight at their offsets in an HDF5 file, beside libhdf5 and without its
/// lock, so that workers can read in parallel and large outputs are written at
/// the disk's speed.
///
/// Where the file system allows it the bulk goes through `O_DIRECT`, which
/// bypasses the page cache: a run writing gigabytes neither waits for the
/// kernel to allocate and copy into cache pages nor leaves them dirty for
/// writeback to throttle (measured on the development VM: 2.6 GB/s direct
/// against 0.43 GB/s buffered for a new 2 GB file). `O_DIRECT` needs offsets,
/// lengths and memory aligned to ``alignment``: data goes through an aligned
/// bounce buffer, and the unaligned ends go through an ordinary descriptor.
/// Files written so must be created with ``HDF5File/create(_:alignment:)``
/// so that large datasets start on an aligned offset.
public final class RawFileAccess: Sendable {
  /// The alignment `O_DIRECT` needs (the page size, which every file system accepts).
  public static let alignment = 4096
  /// The size of the bounce buffer each call uses.
  static let chunk = 4 << 20
  /// Smaller transfers go through the page cache: each direct request costs a
  /// round trip to the disk (a VM exit on a virtual machine), which for a few
  /// hundred KiB costs more than the copy it saves.
  static let directMinimum = 512 << 10

  public let path: String
  private let buffered: Int32
  private let direct: Int32?
  /// With `writeBehind`, the thread that does the direct writes.
  private let behind: WriteBehind?

  /// Opens `path` for writing (`writable`) or reading. With `writeBehind`
  /// (and `O_DIRECT`), direct writes are done by a thread of their own
  /// (``WriteBehind``) and ``write(_:at:)`` returns once the bytes are copied:
  /// ``drain()`` waits for them and reports a failure. Direct writes land in
  /// the order made; a buffered piece (an unaligned end) is written at once, so
  /// a caller writing behind writes each range once (as an output's datasets are).
  public init(path: String, writable: Bool, writeBehind: Bool = false) throws(HDF5Error) {
    self.path = path
    let mode = writable ? O_WRONLY : O_RDONLY
    buffered = open(path, mode | O_CLOEXEC)
    guard buffered >= 0 else {
      throw HDF5Error(
        file: path, object: nil, message: "cannot open for raw access: \(String(cString: strerror(errno)))")
    }
    let flag = convpipe_O_DIRECT()
    let direct = flag == 0 ? -1 : open(path, mode | O_CLOEXEC | flag)
    self.direct = direct >= 0 ? direct : nil  // tmpfs and some others refuse O_DIRECT: buffered only
    behind =
      writable && writeBehind && direct >= 0
      ? WriteBehind(capacity: Self.chunk, alignment: Self.alignment) {
        [path, buffered, direct] (bytes, offset) throws(HDF5Error) in
        try Self.io("write", direct, bytes.baseAddress, bytes.count, at: offset, path: path, buffered: buffered)
      } : nil
  }

  /// Reads and writes through a duplicate of the open `descriptor` (the file
  /// at `path`, for messages), through the page cache only: the file is the
  /// one the descriptor was opened on, whatever `path` names by then.
  public init(duplicating descriptor: Int32, path: String) throws(HDF5Error) {
    self.path = path
    buffered = dup(descriptor)
    guard buffered >= 0 else {
      throw HDF5Error(
        file: path, object: nil, message: "cannot open for raw access: \(String(cString: strerror(errno)))")
    }
    direct = nil
    behind = nil
  }

  deinit {
    behind?.stop()
    close(buffered)
    if let direct { close(direct) }
  }

  /// Writes `bytes` at `offset` (writing behind: hands the direct part over).
  public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(HDF5Error) {
    try transfer(count: bytes.count, at: offset, handingOver: behind != nil) {
      (start, count, descriptor, bounce) throws(HDF5Error) in
      let source = UnsafeRawBufferPointer(rebasing: bytes[(start - offset)..<(start - offset + count)])
      if let bounce {
        bounce.copyMemory(from: source)
        if let behind {
          try behind.submit(bounce, at: start)
        } else {
          try io("write", descriptor, bounce.baseAddress, count, at: start)
        }
      } else {
        try io("write", descriptor, source.baseAddress, count, at: start)
      }
    }
  }

  /// Waits until the writes handed over are done (see ``init(path:writable:writeBehind:)``);
  /// throws the first that failed.
  public func drain() throws(HDF5Error) {
    try behind?.drain()
  }

  /// Starts writing what the page cache holds of the file to the disk, without
  /// waiting (``convpipe_start_writeback``); best effort, so nothing to report.
  public func startWriteback() {
    _ = convpipe_start_writeback(buffered)
  }

  /// Writes `bytes` at `offset`.
  public func write(_ bytes: [UInt8], at offset: Int) throws(HDF5Error) {
    var failure: HDF5Error?
    bytes.withUnsafeBytes { buffer in
      do { try write(buffer, at: offset) } catch let error as HDF5Error { failure = error } catch {}
    }
    if let failure { throw failure }
  }

  /// The bytes of `range`.
  public func bytes(_ range: Range<Int>) throws(HDF5Error) -> [UInt8] {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: range.count, alignment: 16)
    defer { buffer.deallocate() }
    try read(into: buffer, at: range.lowerBound)
    return Array(buffer)
  }

  /// Reads `bytes.count` bytes at `offset` into `bytes`.
  public func read(into bytes: UnsafeMutableRawBufferPointer, at offset: Int) throws(HDF5Error) {
    try transfer(count: bytes.count, at: offset) { (start, count, descriptor, bounce) throws(HDF5Error) in
      let target = UnsafeMutableRawBufferPointer(rebasing: bytes[(start - offset)..<(start - offset + count)])
      if let bounce {
        try io("read", descriptor, bounce.baseAddress, count, at: start)
        target.copyMemory(from: UnsafeRawBufferPointer(rebasing: bounce[0..<count]))
      } else {
        try io("read", descriptor, target.baseAddress, count, at: start)
      }
    }
  }

  /// Splits `count` bytes at `offset` into an unaligned head, aligned chunks of
  /// at most ``chunk`` bytes (direct, through a bounce buffer) and an unaligned
  /// tail, calling `body(start, count, descriptor, bounce)` for each; `bounce`
  /// is nil for the buffered pieces. `handingOver`, each chunk's bounce buffer
  /// is one of the write-behind's, for `body` to hand over.
  private func transfer(
    count: Int, at offset: Int, handingOver: Bool = false,
    _ body: (Int, Int, Int32, UnsafeMutableRawBufferPointer?) throws(HDF5Error) -> Void
  ) throws(HDF5Error) {
    let end = offset + count
    let alignment = Self.alignment
    let alignedStart = (offset + alignment - 1) / alignment * alignment
    let alignedEnd = end / alignment * alignment
    guard let direct, alignedEnd - alignedStart >= Self.directMinimum else {
      if count > 0 { try body(offset, count, buffered, nil) }
      return
    }
    if alignedStart > offset { try body(offset, alignedStart - offset, buffered, nil) }
    let lender = handingOver ? behind : nil
    let shared = UnsafeMutableRawBufferPointer.allocate(
      byteCount: lender == nil ? min(Self.chunk, alignedEnd - alignedStart) : 0, alignment: alignment)
    defer { shared.deallocate() }
    var start = alignedStart
    while start < alignedEnd {
      let length = min(Self.chunk, alignedEnd - start)
      let bounce =
        if let lender { try lender.buffer(count: length) } else {
          UnsafeMutableRawBufferPointer(rebasing: shared[0..<length])
        }
      try body(start, length, direct, bounce)
      start += length
    }
    if end > alignedEnd { try body(alignedEnd, end - alignedEnd, buffered, nil) }
  }

  /// Reads or writes (`what`) `count` bytes at `memory` from or to `offset`
  /// through `descriptor`, going on after a short transfer (the rest through
  /// the buffered descriptor: it may not be aligned for `O_DIRECT`), so that a
  /// failure reports the error that stopped it, a full disk for one; a read
  /// that meets the end of the file says how much it got.
  private func io(
    _ what: String, _ descriptor: Int32, _ memory: UnsafeRawPointer?, _ count: Int, at offset: Int
  ) throws(HDF5Error) {
    try Self.io(what, descriptor, memory, count, at: offset, path: path, buffered: buffered)
  }

  private static func io(
    _ what: String, _ descriptor: Int32, _ memory: UnsafeRawPointer?, _ count: Int, at offset: Int, path: String,
    buffered: Int32
  ) throws(HDF5Error) {
    guard let memory else { return }
    var done = 0, through = descriptor
    while done < count {
      let moved =
        what == "write"
        ? pwrite(through, memory + done, count - done, off_t(offset + done))
        : pread(through, UnsafeMutableRawPointer(mutating: memory + done), count - done, off_t(offset + done))
      if moved < 0 && errno == EINTR { continue }
      guard moved > 0 else {
        let reason = moved < 0 ? String(cString: strerror(errno)).lowercased() : "only \(done) of \(count) bytes"
        throw HDF5Error(
          file: path, object: nil, message: "cannot \(what) data: \(reason)", cause: moved < 0 ? reason : nil)
      }
      done += moved
      through = buffered
    }
  }
}

extension HDF5File {
  /// The tensor at `path`: its elements read through `raw` (outside libhdf5's
  /// lock) when it is given and they lie contiguous in the file, else by libhdf5.
  public func readTensor(_ path: String, raw: RawFileAccess?) throws(HDF5Error) -> Tensor {
    if let raw, let storage = try contiguousStorage(of: path) { return try raw.readTensor(storage) }
    return try readTensor(path)
  }
}

extension RawFileAccess {
  /// The tensor whose elements lie at `storage`.
  public func readTensor(_ storage: ContiguousStorage) throws(HDF5Error) -> Tensor {
    switch storage.dtype {
    case .float32:
      Tensor(
        uncheckedShape: storage.shape, values: try read(Float.self, count: storage.byteCount / 4, at: storage.offset))
    case .float64:
      Tensor(
        uncheckedShape: storage.shape, values: try read(Double.self, count: storage.byteCount / 8, at: storage.offset))
    }
  }

  /// Writes `tensor`'s elements at `storage`, which must have its shape and element type.
  public func write(_ tensor: Tensor, at storage: ContiguousStorage) throws(HDF5Error) {
    guard tensor.shape == storage.shape, tensor.dtype == storage.dtype else {
      throw HDF5Error(
        file: path, object: nil,
        message:
          "cannot write a \(tensor.shape.shapeDescription) \(tensor.dtype.rawValue) tensor where \(storage.shape.shapeDescription) \(storage.dtype.rawValue) was allocated"
      )
    }
    var failure: HDF5Error?
    tensor.storage.withUnsafeBytes { bytes in
      do { try write(bytes, at: storage.offset) } catch let error as HDF5Error { failure = error } catch {}
    }
    if let failure { throw failure }
  }

  private func read<T: TensorElement>(_: T.Type, count: Int, at offset: Int) throws(HDF5Error) -> [T] {
    var failure: HDF5Error?
    let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      do { try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset) } catch let error as HDF5Error {
        failure = error
      } catch {}
      initialized = failure == nil ? count : 0
    }
    if let failure { throw failure }
    return values
  }
}
