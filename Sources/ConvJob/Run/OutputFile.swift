import ConvCore
import Foundation
import HDF5IO

/// The run's HDF5 file, written under a temporary name beside the target
/// (`.<name>.tmp-<pid>`) and renamed over it only when the run completes, so
/// an earlier file at that path is replaced only by a finished run.
///
/// Items arrive in item order, each copied whole from the file that holds it
/// (see ``ItemStorage``); after each one the file is flushed and the item
/// recorded in the ``ResumeJournal``, so a run that is stopped or killed leaves
/// every item it recorded readable for `--resume`. Root attributes come last.
final class OutputFile {
  let target: String
  let temporary: String
  let journal: ResumeJournal
  private var file: HDF5File?

  /// Creates the temporary file and its journal; the journal's first line names `graph`.
  init(target: String, graph: String) throws(RunFailure) {
    self.target = target
    temporary = ResumeFiles(target: target).temporary(pid: getpid())
    do { file = try HDF5File.create(temporary) } catch {
      throw RunFailure("\(target): cannot create the output beside it (\(temporary)): \(error.cause ?? error.message)")
    }
    do { journal = try ResumeJournal(creating: temporary + ResumeFiles.journalSuffix, graph: graph) } catch {
      try? file?.close()
      unlink(temporary)
      throw error
    }
  }

  /// Items recorded so far.
  var itemCount: Int { journal.count }

  /// Fails with "no space left on device" unless the output's file system has
  /// room for `bytes` more and a margin for HDF5's own records. Checked before
  /// writing, because libhdf5 1.10 can crash when a copy hits a full disk.
  func ensureSpace(for bytes: Int, _ what: String) throws(RunFailure) {
    var stats = statvfs()
    guard statvfs(temporary, &stats) == 0 else { return }
    let free = Int(clamping: UInt64(stats.f_bavail) &* UInt64(stats.f_frsize))
    let needed = saturatingSum([bytes, Self.margin])
    guard free < needed else { return }
    throw RunFailure(
      "\(target): no space left on device \(what): it needs about \(MemorySize.format(needed)), \(MemorySize.format(free)) is free",
      writingOutput: true)
  }

  /// Room kept free beyond the data for HDF5's records and the journal.
  static let margin = 1 << 20

  /// Copies item `id` whole from `source` (where it is `/items/<id>`), flushes, and records it;
  /// `bytes` is about what it adds to the file.
  func append(_ id: String, inputHash: String, from source: HDF5File, bytes: Int) throws(RunFailure) {
    try ensureSpace(for: bytes, "writing item \(id)")
    try writing("writing item \(id)") { () throws(HDF5Error) in
      let group = ItemStorage.group(id)
      try open().copy(group, from: source, to: group)
      try open().flush()
    }
    try journal.record(id: id, inputHash: inputHash)
  }

  /// Records item `id` as failed: the group `/failed/<id>` with its one-line `message`.
  func appendFailure(_ id: String, message: String) throws(RunFailure) {
    try writing("recording failed item \(id)") { () throws(HDF5Error) in
      let group = "/failed/\(id)"
      try open().createGroup(group)
      try open().setAttribute("message", .string(message), on: group)
      try open().flush()
    }
  }

  /// Writes the root's lists (`/item_ids`, ...: datasets, since an attribute
  /// must fit in the root's 64 KiB header) and attributes, closes the file and
  /// renames it over the target.
  func finish(lists: [(String, [String])], attributes: [(String, HDF5AttributeValue)]) throws(RunFailure) {
    try writing("finishing the file") { () throws(HDF5Error) in
      let file = try open()
      try file.createGroup("/items")
      for (name, texts) in lists { try file.writeStrings(texts, to: "/" + name) }
      for (name, value) in attributes { try file.setAttribute(name, value, on: "/") }
      try file.close()
    }
    file = nil
    guard rename(temporary, target) == 0 else {
      let reason = String(cString: strerror(errno))
      discard()
      throw RunFailure("\(target): cannot move the finished file into place: \(reason)")
    }
    journal.remove()
  }

  /// Closes the file as it is, for ``ResumeFiles/keep(_:)``; false if even that fails.
  func closeForResume() -> Bool {
    defer { file = nil }
    do { try file?.close() } catch { return false }
    journal.close()
    return true
  }

  /// Closes and deletes the temporary file and its journal, leaving the target as it was.
  func discard() {
    try? file?.close()
    file = nil
    unlink(temporary)
    journal.remove()
  }

  private func open() throws(HDF5Error) -> HDF5File {
    guard let file else { throw HDF5Error(file: target, object: nil, message: "the output file is already closed") }
    return file
  }

  /// Runs `body`, naming the target (not the temporary file) and what was being
  /// done when it fails: `out.h5: no space left on device writing item 0041`.
  private func writing(_ what: String, _ body: () throws(HDF5Error) -> Void) throws(RunFailure) {
    do { try body() } catch {
      throw RunFailure("\(target): \(error.cause ?? error.message) \(what)", writingOutput: true)
    }
  }
}
