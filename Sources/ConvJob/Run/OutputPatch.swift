import ConvCore
import Foundation
import HDF5IO
import _SystemShims

#if canImport(Glibc)
  import Glibc
#endif

/// The previous output with some items' results written over their old bytes:
/// for an `--incremental` run whose changed items keep their stored form (the
/// same tensor names, shapes, element types and attributes, uncompressed; no
/// reports or matrices), a full run would write every byte where it stands
/// but those items' tensor elements and their `input_sha256` (64 characters
/// in the same heap slot), so only those are written (``write(target:temporary:)``).
struct OutputPatch {
  private var tensors: [(storage: ContiguousStorage, tensor: Tensor)] = []
  private var strings: [(range: Range<Int>, old: [UInt8], new: [UInt8])] = []

  /// Whether no item has been added.
  var isEmpty: Bool { tensors.isEmpty && strings.isEmpty }

  /// Adds `result` in place of the item of its id in `file`; false (and
  /// nothing added) when the item's stored form in `file` differs from what
  /// a full run would write for `result`.
  mutating func replace(_ result: ItemResult, in file: HDF5File) -> Bool {
    let group = ItemStorage.group(result.id)
    guard result.reports.isEmpty, result.matrices.isEmpty, !file.exists("\(group)/reports"),
      !file.exists("\(group)/matrices"),
      (try? OutputComparison.tensorNames(item: result.id, in: file)) == result.tensors.map(\.name).sorted(),
      case .string(let oldHash)? = try? file.attribute("input_sha256", of: group),
      oldHash.utf8.count == result.inputHash.utf8.count,
      let range = try? file.storedStringRange(attribute: "input_sha256", of: group), range.count == oldHash.utf8.count
    else { return false }
    var found: [(ContiguousStorage, Tensor)] = []
    for kept in result.tensors {
      let path = "\(group)/tensors/\(kept.name)"
      guard let storage = try? file.contiguousStorage(of: path), storage.shape == kept.tensor.shape,
        storage.dtype == kept.tensor.dtype, (try? file.attribute("op", of: path)) == .string(kept.op),
        (try? file.attribute("params", of: path)) == .string(kept.params)
      else { return false }
      found.append((storage, kept.tensor))
    }
    tensors += found
    strings.append((range, Array(oldHash.utf8), Array(result.inputHash.utf8)))
    return true
  }

  /// Where the update was written.
  enum Method {
    /// Into the output itself, its old bytes kept meanwhile (``OutputUndo``).
    case inPlace
    /// Into a copy of the output renamed over it.
    case copy
  }

  /// Writes the added items over their old bytes so that `target` holds what
  /// a full run would write, and says where:
  /// - where the file system shares blocks between files (reflinks: Btrfs,
  ///   XFS), into a copy under `temporary` that replaces `target` when done;
  /// - elsewhere (ext4), where a copy would cost the disk's bandwidth for the
  ///   whole file, into `target` itself, after saving the bytes it writes over
  ///   (``OutputUndo``), unless another process has the file open (HDF5's file
  ///   lock, which h5py and libhdf5 take) or it has other hard links: then a copy;
  /// - when `stopRequested` holds before the first byte changes, nowhere (false: the run stops instead).
  /// On failure `target` is left as it was.
  func write(target: String, temporary: String, stopRequested: () -> Bool) throws(RunFailure) -> Method? {
    func failure(_ error: HDF5Error) -> RunFailure {
      RunFailure("\(target): cannot update the output: \(error.cause ?? error.message)", writingOutput: true)
    }
    let cloned: Bool
    do { cloned = try Self.copy(target, to: temporary, reflinkOnly: true) } catch { throw failure(error) }
    if !cloned, let output = Self.exclusivelyOpen(target) {
      defer { close(output) }  // and with it the lock
      guard !stopRequested() else { return nil }
      let undo = try OutputUndo(saving: ranges, of: output, target: target)
      do { try apply(to: target) } catch {
        try undo.restore(into: output, target: target)
        throw failure(error)
      }
      undo.remove()
      return .inPlace
    }
    do {
      if !cloned { _ = try Self.copy(target, to: temporary, reflinkOnly: false) }
      guard !stopRequested() else {
        unlink(temporary)
        return nil
      }
      try apply(to: temporary)
    } catch {
      unlink(temporary)
      throw failure(error)
    }
    guard convpipe_replace_file(temporary, target) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw RunFailure("\(target): cannot move the updated file into place: \(reason)")
    }
    return .copy
  }

  /// The byte ranges the update writes: the input hashes' characters and the tensors' elements.
  private var ranges: [Range<Int>] {
    strings.map(\.range) + tensors.map { $0.storage.offset..<($0.storage.offset + $0.storage.byteCount) }
  }

  /// Writes the added items into the file at `path`, after checking that
  /// every input hash to replace holds the old one (the record points where the file says).
  private func apply(to path: String) throws(HDF5Error) {
    let raw = try RawFileAccess(path: path, writable: true)
    let check = try RawFileAccess(path: path, writable: false)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: strings.map(\.range.count).max() ?? 0, alignment: 8)
    defer { buffer.deallocate() }
    for (range, old, _) in strings {
      let bytes = UnsafeMutableRawBufferPointer(rebasing: buffer[..<range.count])
      try check.read(into: bytes, at: range.lowerBound)
      guard bytes.elementsEqual(old) else {
        throw HDF5Error(file: path, object: nil, message: "an input hash is not where its record says")
      }
    }
    for (range, _, new) in strings {
      let bytes = UnsafeMutableRawBufferPointer(rebasing: buffer[..<range.count])
      bytes.copyBytes(from: new)
      try raw.write(UnsafeRawBufferPointer(bytes), at: range.lowerBound)
    }
    for (storage, tensor) in tensors { try raw.write(tensor, at: storage) }
  }

  /// `target` opened for writing with an exclusive lock, when no other process
  /// has it open with HDF5's file lock, it has no other hard link, and the path
  /// still names it; nil otherwise.
  private static func exclusivelyOpen(_ target: String) -> Int32? {
    let output = open(target, O_RDWR | O_CLOEXEC)
    guard output >= 0 else { return nil }
    var opened = stat(), named = stat()
    guard flock(output, LOCK_EX | LOCK_NB) == 0, fstat(output, &opened) == 0, stat(target, &named) == 0,
      opened.st_dev == named.st_dev, opened.st_ino == named.st_ino, opened.st_nlink == 1
    else {
      close(output)
      return nil
    }
    return output
  }

  /// Copies the file `source` to the new file `destination`: a reflink where
  /// the file system has them, else (unless `reflinkOnly`: then false, and no
  /// `destination`) read through the page cache (where the previous run's file
  /// may still be) and written past it (``RawFileAccess``).
  private static func copy(_ source: String, to destination: String, reflinkOnly: Bool) throws(HDF5Error) -> Bool {
    func failure(_ what: String) -> HDF5Error {
      HDF5Error(file: destination, object: nil, message: "cannot \(what): \(String(cString: strerror(errno)))")
    }
    let input = open(source, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw failure("read \(source)") }
    defer { close(input) }
    let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard output >= 0 else { throw failure("create the copy") }
    let cloned = convpipe_clone_file(input, output) == 0
    close(output)
    if cloned { return true }
    if reflinkOnly {
      unlink(destination)
      return false
    }
    let raw = try RawFileAccess(path: destination, writable: true)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 20, alignment: RawFileAccess.alignment)
    defer { buffer.deallocate() }
    var offset = 0
    while true {
      let count = pread(input, buffer.baseAddress, buffer.count, off_t(offset))
      guard count >= 0 else { throw failure("read \(source)") }
      if count == 0 { return false }
      try raw.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]), at: offset)
      offset += count
    }
  }
}
