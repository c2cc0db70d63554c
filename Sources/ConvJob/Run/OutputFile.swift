import ConvCore
import Foundation
import HDF5IO

/// The run's HDF5 file, written under a temporary name beside the target
/// (`.<name>.tmp-<pid>`) and renamed over it only when the run completes, so
/// an earlier file at that path is replaced only by a finished run.
///
/// Items arrive in item order, each written from its values (see
/// ``ItemStorage``); every ``flushEvery`` items the file is flushed and the
/// items written since are recorded in the ``ResumeJournal``, so a run that is
/// stopped or killed leaves every item it recorded readable for `--resume` (a
/// run killed with SIGKILL loses at most the items since the last flush).
/// Root attributes come last.
final class OutputFile {
  let target: String
  let temporary: String
  let journal: ResumeJournal
  let compression: Int
  private var file: HDF5File?
  private var raw: RawFileAccess?
  /// Items written since the last flush, to record in the journal after the next.
  private var unflushed: [ItemResult.Identity] = []

  /// How often the file is flushed, in items: a flush walks libhdf5's whole
  /// metadata cache, which after every item cost about a tenth of a large run.
  /// A count, never a time: where libhdf5 flushes decides where it places some
  /// of its records (and what a freed block still holds), so flushes at
  /// moments that depend on the machine's speed gave runs of one job with one
  /// and two threads, or a merge, different bytes.
  static let flushEvery = 32

  /// Creates the temporary file and its journal; the journal's first line
  /// names `graph`. Tensors above 64Ki elements are compressed at `compression`.
  init(target: String, graph: String, compression: Int, itemIDs: [String]) throws(RunFailure) {
    self.target = target
    self.compression = compression
    temporary = ResumeFiles(target: target).temporary(pid: getpid())
    do {
      file = try HDF5File.create(
        temporary, alignment: RawFileAccess.alignment, metadataCacheBytes: Self.metadataCacheBytes(for: itemIDs))
      raw = try RawFileAccess(path: temporary, writable: true, writeBehind: true)
    } catch {
      try? file?.close()
      unlink(temporary)
      throw RunFailure("\(target): cannot create the output beside it (\(temporary)): \(error.cause ?? error.message)")
    }
    do { journal = try ResumeJournal(creating: temporary + ResumeFiles.journalSuffix, graph: graph) } catch {
      try? file?.close()
      unlink(temporary)
      throw error
    }
  }

  /// The most memory libhdf5's metadata cache may take for an output of the
  /// items `ids`: 256 KiB, plus twice the bytes of their names in the
  /// `/items` group's heap (each name and its terminating zero rounded up to 8
  /// bytes), which the group reads and writes whole and which must stay in the
  /// cache (the heap grows by doubling, so it never takes more than twice its
  /// names). By default the cache grows to 32 MiB as the file gains objects, and a
  /// run's memory with it (2,400 items: 62 MiB against 44 MiB for 240), while
  /// each item's metadata is written once and not read again. Sized below the
  /// heap, the cache evicts and reads it back for every item: 19,200 items of
  /// 47-character names took 9.3 s with 256 KiB, 5.3 s with 1 MiB, 2.9-3.1 s
  /// with twice the names or more (3 and 4 times: no faster, 2-4 MiB more memory).
  static func metadataCacheBytes(for ids: [String]) -> Int {
    (256 << 10) + 2 * ids.reduce(0) { $0 + ($1.utf8.count + 8) / 8 * 8 }
  }

  /// Items recorded in the journal so far.
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
    let (neededText, freeText) = MemorySize.formatApart(needed, free)
    throw RunFailure(
      "\(target): no space left on device \(what): it needs about \(neededText) (\(MemorySize.format(Self.margin)) of it kept for HDF5's records), \(freeText) is free",
      writingOutput: true)
  }

  /// Room kept free beyond the data for HDF5's records and the journal.
  static let margin = 1 << 20

  /// Writes `result` as its item, flushes, and records it; `bytes` is about
  /// what it adds to the file.
  func append(_ result: ItemResult, bytes: Int) throws(RunFailure) {
    try ensureSpace(for: bytes, "writing item \(result.id)")
    try writing("writing item \(result.id)") { () throws(HDF5Error) in
      guard let raw else { throw HDF5Error(file: target, object: nil, message: "the output file is already closed") }
      try ItemStorage.write(result, into: try open(), raw: raw, compression: compression)
    }
    unflushed.append(result.identity)
    if unflushed.count >= Self.flushEvery { try flushAndRecord() }
  }

  /// Flushes the file and records the items written since the last flush.
  private func flushAndRecord() throws(RunFailure) {
    try writing("flushing the file") { () throws(HDF5Error) in
      try open().flush()
      try raw?.drain()  // the items' elements are in the file before the journal says so
    }
    // What is written goes to the disk while the run goes on: the rename over
    // the earlier file, which makes ext4 flush the file first, then finds
    // little left (13-20 ms of a 0.1 s run otherwise).
    raw?.startWriteback()
    for item in unflushed { try journal.record(id: item.id, inputHash: item.inputHash) }
    unflushed.removeAll()
  }

  /// Records item `id` as failed: the group `/failed/<id>` with its one-line `message`.
  func appendFailure(_ id: String, message: String) throws(RunFailure) {
    try writing("recording failed item \(id)") { () throws(HDF5Error) in
      let group = "/failed/\(id)"
      try open().createGroup(group)
      try open().setAttribute("message", .string(message), on: group)
    }
  }

  /// Writes the root's lists and attributes (``OutputRoot``), closes the file,
  /// runs `beforeMoving` with the closed file's path (what is made from the
  /// file is made before it replaces the target) and renames it over the target.
  func finish(root: OutputRoot, beforeMoving: (String) throws(RunFailure) -> Void = { _ in }) throws(RunFailure) {
    try writing("finishing the file") { () throws(HDF5Error) in
      try raw?.drain()
      let file = try open()
      try file.createGroup("/items")
      try root.write(into: file)
      try file.close()
    }
    file = nil
    raw = nil
    do { try beforeMoving(temporary) } catch {
      discard()
      throw error
    }
    guard replaceKeepingMode(temporary, over: target) == 0 else {
      let reason = String(cString: strerror(errno))
      discard()
      throw RunFailure("\(target): cannot move the finished file into place: \(reason)")
    }
    journal.remove()
  }

  /// Closes the file as it is, for ``ResumeFiles/keep(_:)``; false if even that fails.
  func closeForResume() -> Bool {
    defer { (file, raw) = (nil, nil) }
    do { try flushAndRecord() } catch { return false }
    do { try file?.close() } catch { return false }
    journal.close()
    return true
  }

  /// Closes and deletes the temporary file and its journal, leaving the target as it was.
  /// The file is emptied first: closing flushes libhdf5's metadata, and libhdf5
  /// 1.10 crashes when that flush finds the disk full (another program filled it).
  func discard() {
    truncate(temporary, 0)
    try? file?.close()
    (file, raw) = (nil, nil)
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
