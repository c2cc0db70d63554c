import ConvCore
import Foundation
import HDF5IO
import _SystemShims

#if canImport(Glibc)
  import Glibc
#endif

/// The previous output with some items' results written over their old bytes:
/// for an `--incremental` run whose changed items keep their stored form (the
/// same tensor names, shapes, element types and attributes, uncompressed; their
/// checks' reports the same to the bit; no matrices), a full run would write every byte where it stands
/// but those items' tensor elements and their `input_sha256` (64 characters
/// in the same heap slot; in a part file `elements_sha256` too), so only those are written (``write(target:temporary:stopRequested:)``).
struct OutputPatch {
  private var tensors: [(storage: ContiguousStorage, tensor: Tensor)] = []
  private var strings: [OutputUndo.HashSlot] = []

  /// Whether two items' check reports are the same, field by field and number
  /// by number to the bit (a NaN error is the same NaN), whatever their order.
  static func same(_ reports: [ItemReport], _ stored: [ItemReport]) -> Bool {
    func key(_ report: ItemReport) -> [String] {
      let outcome = report.outcome
      return [report.name, report.check, report.expect.rawValue, outcome.message]
        + [outcome.maxAbsError, outcome.maxRelError, outcome.rtol, outcome.atol].map { String($0.bitPattern) }
        + [outcome.held, outcome.mismatched, outcome.count].map { "\($0)" }
    }
    return reports.map(key).sorted { $0.lexicographicallyPrecedes($1) }
      == stored.map(key).sorted { $0.lexicographicallyPrecedes($1) }
  }

  /// Whether no item has been added.
  var isEmpty: Bool { tensors.isEmpty && strings.isEmpty }

  /// Adds `result` in place of the item of its id in `file`, whose checks
  /// reported `storedReports`; false (and nothing added) when the item's
  /// stored form in `file` differs from what a full run would write for `result`.
  mutating func replace(_ result: ItemResult, in file: HDF5File, storedReports: [ItemReport]) -> Bool {
    let group = ItemStorage.group(result.id)
    guard Self.same(result.reports, storedReports), result.matrices.isEmpty, !file.exists("\(group)/matrices"),
      (try? OutputComparison.tensorNames(item: result.id, in: file)) == result.tensors.map(\.name).sorted(),
      case .string(let oldHash)? = try? file.attribute("input_sha256", of: group),
      oldHash.utf8.count == result.inputHash.utf8.count,
      let range = try? file.storedStringRange(attribute: "input_sha256", of: group), range.count == oldHash.utf8.count
    else { return false }
    // A part file's `elements_sha256` (64 characters too) is written over as `input_sha256` is.
    var slots = [OutputUndo.HashSlot(range: range, old: Array(oldHash.utf8), new: Array(result.inputHash.utf8))]
    switch (try? file.attribute("elements_sha256", of: group), result.elementsHash) {
    case (nil, nil): break
    case (.string(let old)?, let new?):
      guard old.utf8.count == new.utf8.count,
        let range = try? file.storedStringRange(attribute: "elements_sha256", of: group), range.count == old.utf8.count
      else { return false }
      slots.append(OutputUndo.HashSlot(range: range, old: Array(old.utf8), new: Array(new.utf8)))
    default: return false
    }
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
    strings += slots
    return true
  }

  /// Where the update was written.
  enum Method {
    /// Into the output itself, its old bytes kept meanwhile (``OutputUndo``).
    case inPlace
    /// Into a copy of the output renamed over it.
    case copy
  }

  /// Why the update was not written.
  struct Failure: Error {
    let message: String
    /// Whether the output could not be put back as it was after its bytes began
    /// to change (its undo journal stays for the next run): then no other way may be tried.
    let outputChanged: Bool
  }

  /// Writes the added items over their old bytes so that `target` holds what
  /// a full run would write, and says where:
  /// - where the file system shares blocks between files (reflinks: Btrfs,
  ///   XFS), into a copy under `temporary` that replaces `target` when done;
  /// - elsewhere (ext4), where a copy would cost the disk's bandwidth for the
  ///   whole file, into `target` itself (``updateInPlace(_:target:stopRequested:)``),
  ///   unless another process has the file open (HDF5's file lock, which h5py
  ///   and libhdf5 take), or it is a symbolic link, read-only or has other hard
  ///   links (another name would see it change): then a copy.
  /// When `stopRequested` holds before the update or once it is written, it is
  /// undone and nil returned: the run stops instead. On failure `target` is as it was,
  /// unless the failure says otherwise.
  func write(target: String, temporary: String, stopRequested: () -> Bool) throws(Failure) -> Method? {
    let cloned = Self.reflink(target, to: temporary)
    if !cloned, let output = Self.exclusivelyOpen(target) {
      defer { close(output) }  // and with it the lock
      return try updateInPlace(output, target: target, stopRequested: stopRequested)
    }
    do {
      if !cloned { try Self.copy(target, to: temporary) }
      let reader = try RawFileAccess(path: temporary, writable: false)
      try checkHashes(in: reader)
      try writeItems(into: try RawFileAccess(path: temporary, writable: true))
    } catch {
      unlink(temporary)
      throw Self.failure(target, error.cause ?? error.message)
    }
    guard !stopRequested() else {
      unlink(temporary)
      return nil
    }
    guard replaceKeepingMode(temporary, over: target) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw Failure(message: "\(target): cannot move the updated file into place: \(reason)", outputChanged: false)
    }
    return .copy
  }

  /// Writes the added items into `output`, the file at `target` open and
  /// locked: the bytes to be written over saved first (``OutputUndo``), the
  /// items written, the output synced and the journal removed; a failure or a
  /// stop after the journal is saved puts the saved bytes back.
  private func updateInPlace(_ output: Int32, target: String, stopRequested: () -> Bool) throws(Failure) -> Method? {
    guard !stopRequested() else { return nil }
    let raw: RawFileAccess, undo: OutputUndo
    do {
      raw = try RawFileAccess(duplicating: output, path: target)
      try checkHashes(in: raw)
    } catch { throw Self.failure(target, error.cause ?? error.message) }
    do { undo = try OutputUndo(saving: ranges, hashes: strings, of: raw, descriptor: output, target: target) } catch {
      throw Self.failure(target, error.message)
    }
    guard !stopRequested() else {
      undo.discard()
      return nil
    }
    do throws(RunFailure) {
      do { try writeItems(into: raw) } catch { throw RunFailure(error.cause ?? error.message) }
      if stopRequested() {
        try undo.restore(into: raw)
        return nil
      }
      try undo.finish(output)
    } catch {
      do { try undo.restore(into: raw) } catch { throw Failure(message: error.message, outputChanged: true) }
      throw Self.failure(target, error.message)
    }
    return .inPlace
  }

  /// The update of `target` failed with nothing changed.
  private static func failure(_ target: String, _ message: String) -> Failure {
    Failure(message: "\(target): cannot update the output: \(message)", outputChanged: false)
  }

  /// The byte ranges the update writes: the tensors' elements and the input hashes' characters.
  private var ranges: [Range<Int>] {
    tensors.map { $0.storage.offset..<($0.storage.offset + $0.storage.byteCount) } + strings.map(\.range)
  }

  /// Checks that every hash to replace (`input_sha256`, `elements_sha256`) holds the old one where its record says.
  private func checkHashes(in file: RawFileAccess) throws(HDF5Error) {
    for slot in strings {
      guard try file.bytes(slot.range) == slot.old else {
        throw HDF5Error(file: file.path, object: nil, message: "an item's hash is not where its record says")
      }
    }
  }

  /// Writes the added items' elements, then their input hashes: a file cut
  /// short in between names the earlier inputs, so no later run takes those items for finished.
  private func writeItems(into file: RawFileAccess) throws(HDF5Error) {
    for (storage, tensor) in tensors { try file.write(tensor, at: storage) }
    for slot in strings { try file.write(slot.new, at: slot.range.lowerBound) }
  }

  /// `target` opened for reading and writing with an exclusive lock, when it
  /// is a regular file (not a symbolic link) with no other hard link whose
  /// owner may write it (a file made read-only is replaced, never written, even
  /// by root), no other process has it open with HDF5's file lock, and the path
  /// still names it; nil otherwise.
  private static func exclusivelyOpen(_ target: String) -> Int32? {
    let output = open(target, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
    guard output >= 0 else { return nil }
    var opened = stat(), named = stat()
    guard flock(output, LOCK_EX | LOCK_NB) == 0, fstat(output, &opened) == 0, lstat(target, &named) == 0,
      opened.st_mode & S_IFMT == S_IFREG, opened.st_mode & S_IWUSR != 0, opened.st_dev == named.st_dev,
      opened.st_ino == named.st_ino,
      opened.st_nlink == 1
    else {
      close(output)
      return nil
    }
    return output
  }

  /// Makes `destination` a new file sharing the blocks of `source` (a reflink),
  /// where the file system has them; false, with no `destination`, elsewhere.
  private static func reflink(_ source: String, to destination: String) -> Bool {
    let input = open(source, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { return false }
    defer { close(input) }
    let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard output >= 0 else { return false }
    let cloned = convpipe_clone_file(input, output) == 0
    close(output)
    if !cloned { unlink(destination) }
    return cloned
  }

  /// Copies the file `source` to the new file `destination`, read through the
  /// page cache (where the previous run's file may still be) and written past it (``RawFileAccess``).
  private static func copy(_ source: String, to destination: String) throws(HDF5Error) {
    func failure(_ what: String) -> HDF5Error {
      HDF5Error(file: destination, object: nil, message: "cannot \(what): \(String(cString: strerror(errno)))")
    }
    let input = open(source, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw failure("read \(source)") }
    defer { close(input) }
    let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard output >= 0 else { throw failure("create the copy") }
    close(output)
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
