import Foundation

/// `--log FILE`: one JSON object per line, one line per item in item order
/// (`{"checks_failed": ..., "checks_passed": ..., "error": ..., "item": ..., "reused": ...,
/// "seconds": ..., "status": ...}`) and, whatever the exit code, a final
/// `{"summary": {...}}` (``RunSummary``), for schedulers and log collectors.
final class RunLog: Sendable {
  private let handle: FileHandle

  /// Opens (creating its directory and itself if needed) and locks the log,
  /// then empties it. Fails, leaving it as it is, when another run holds it.
  init(path: String) throws(JobProblems) {
    if let reason = makeDirectories(URL(fileURLWithPath: path).deletingLastPathComponent().path) {
      throw .file(path, "cannot write the log: \(reason)")
    }
    let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .file(path, "cannot write the log: \(String(cString: strerror(errno)))") }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      close(descriptor)
      throw .file(path, "another run is writing this log")
    }
    _ = ftruncate(descriptor, 0)
    handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
  }

  /// Appends one item's line; called by the run's writer only, in item order.
  func record(_ event: ItemEvent) { append(event) }

  /// `{"notice": "..."}`: why earlier results are not reused, and the like.
  func notice(_ text: String) {
    struct Line: Encodable { let notice: String }
    append(Line(notice: text))
  }

  /// The closing line: `{"summary": {...}}`.
  func summary(_ summary: RunSummary) {
    struct Line: Encodable { let summary: RunSummary }
    append(Line(summary: summary))
  }

  private func append(_ value: some Encodable) {
    guard let data = try? JSONLines.encoder.encode(value) else { return }
    try? handle.write(contentsOf: data + Data("\n".utf8))
  }

}
