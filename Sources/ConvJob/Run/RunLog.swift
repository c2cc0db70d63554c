import Foundation

/// What happened to one item, as progress displays and logs report it.
public struct ItemEvent: Sendable {
  public let id: String
  public let seconds: Double
  /// Taken from an earlier run (`--resume`, `--incremental`) rather than computed.
  public let reused: Bool
  public let checksPassed: Int
  public let checksFailed: Int
  public let error: String?
}

/// `--log FILE`: one JSON object per line, one line per item as it finishes
/// (`{"item": ..., "seconds": ..., "reused": ..., "checks_passed": ..., "checks_failed": ..., "error": ...}`)
/// and a final `{"summary": {...}}`, for schedulers and log collectors.
final class RunLog: @unchecked Sendable {
  private let handle: FileHandle
  private let lock = NSLock()

  init(path: String) throws(RunFailure) {
    guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
      throw RunFailure("\(path): cannot write the log: \(String(cString: strerror(errno)))")
    }
    self.handle = handle
  }

  func record(_ event: ItemEvent) {
    append("{\"item\": \(JSONValue.quoted(event.id)), \"seconds\": \(String(format: "%.6f", event.seconds)), "
      + "\"reused\": \(event.reused), \"checks_passed\": \(event.checksPassed), \"checks_failed\": \(event.checksFailed), "
      + "\"error\": \(event.error.map(JSONValue.quoted) ?? "null")}")
  }

  /// The closing line: `{"summary": {...}}` with the run's counts.
  func summary(_ fields: [(String, String)]) {
    append("{\"summary\": {" + fields.map { "\(JSONValue.quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}}")
  }

  private func append(_ line: String) {
    lock.lock()
    defer { lock.unlock() }
    handle.write(Data((line + "\n").utf8))
  }

  deinit { try? handle.close() }
}
