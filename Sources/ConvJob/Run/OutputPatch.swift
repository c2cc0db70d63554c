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
/// in the same heap slot). The previous file is copied under the temporary
/// name (a reflink where the file system has them), those bytes written over in
/// the copy, and the copy renamed over the target: the contract of a new file
/// replacing the old only when complete holds, at the cost of a copy instead
/// of a run through libhdf5.
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

  /// Copies `target` to `temporary`, writes the added items over their old
  /// bytes there and renames it over `target`; on failure removes `temporary`
  /// and leaves `target` as it was.
  func write(target: String, temporary: String) throws(RunFailure) {
    do throws(HDF5Error) {
      try Self.copy(target, to: temporary)
      let raw = try RawFileAccess(path: temporary, writable: true)
      let check = try RawFileAccess(path: temporary, writable: false)
      let buffer = UnsafeMutableRawBufferPointer.allocate(
        byteCount: strings.map(\.range.count).max() ?? 0, alignment: 8)
      defer { buffer.deallocate() }
      for (range, old, new) in strings {
        let bytes = UnsafeMutableRawBufferPointer(rebasing: buffer[..<range.count])
        try check.read(into: bytes, at: range.lowerBound)
        guard bytes.elementsEqual(old) else {
          throw HDF5Error(file: target, object: nil, message: "an input hash is not where its record says")
        }
        bytes.copyBytes(from: new)
        try raw.write(UnsafeRawBufferPointer(bytes), at: range.lowerBound)
      }
      for (storage, tensor) in tensors { try raw.write(tensor, at: storage) }
    } catch {
      unlink(temporary)
      throw RunFailure("\(target): cannot update the output in a copy: \(error.cause ?? error.message)")
    }
    guard rename(temporary, target) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw RunFailure("\(target): cannot move the updated file into place: \(reason)")
    }
  }

  /// Copies the file `source` to the new file `destination`: a reflink where
  /// the file system has them, else read through the page cache (where the
  /// previous run's file may still be) and written past it (``RawFileAccess``).
  private static func copy(_ source: String, to destination: String) throws(HDF5Error) {
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
    if cloned { return }
    let raw = try RawFileAccess(path: destination, writable: true)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 20, alignment: RawFileAccess.alignment)
    defer { buffer.deallocate() }
    var offset = 0
    while true {
      let count = pread(input, buffer.baseAddress, buffer.count, off_t(offset))
      guard count >= 0 else { throw failure("read \(source)") }
      if count == 0 { return }
      try raw.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]), at: offset)
      offset += count
    }
  }
}
