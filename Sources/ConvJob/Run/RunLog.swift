import Foundation

/// What happened to one item, as progress displays and logs report it.
package struct ItemEvent: Sendable, Encodable {
  /// How the item got into the output, or why it did not.
  package enum Status: String, Sendable, Encodable {
    /// Computed by this run.
    case computed
    /// Copied from an earlier run (`--incremental`, `--resume`).
    case reused
    /// Its input could not be read or a stage failed (`error` says why).
    case failed
    /// In the golden file but not in this run.
    case missing
  }

  package let item: String
  package let status: Status
  package let seconds: Double
  package let checksPassed: Int
  package let checksFailed: Int
  package let error: String?

  /// Taken from an earlier run rather than computed.
  package var reused: Bool { status == .reused }

  enum CodingKeys: String, CodingKey {
    case item, status, seconds, reused
    case checksPassed = "checks_passed", checksFailed = "checks_failed", error
  }

  package func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(item, forKey: .item)
    try container.encode(status, forKey: .status)
    try container.encode((seconds * 1e6).rounded() / 1e6, forKey: .seconds)
    try container.encode(reused, forKey: .reused)
    try container.encode(checksPassed, forKey: .checksPassed)
    try container.encode(checksFailed, forKey: .checksFailed)
    if let error { try container.encode(error, forKey: .error) } else { try container.encodeNil(forKey: .error) }
  }
}

/// `--log FILE`: one JSON object per line, one line per item in item order
/// (`{"checks_failed": ..., "checks_passed": ..., "error": ..., "item": ..., "reused": ...,
/// "seconds": ..., "status": ...}`) and, whatever the exit code, a final
/// `{"summary": {...}}` (``RunSummary``), for schedulers and log collectors.
final class RunLog: Sendable {
  private let handle: FileHandle

  /// Opens (creating its directory and itself if needed) and locks the log,
  /// then empties it. Fails, leaving it as it is, when another run holds it.
  init(path: String) throws(JobProblems) {
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
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

/// The JSON encoder of convpipe's machine-readable output (logs, reports):
/// one line per value, keys sorted (so the same value always gives the same
/// text); numbers that are not finite are written as `null` by the types that
/// can hold them (``JSONNumber``).
package enum JSONLines {
  package static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }()
}

/// A measured error for JSON: the number when it is finite, `null` otherwise
/// (an infinite relative error, or NaN for something on one side only).
package struct JSONNumber: Encodable, Sendable {
  package let value: Double

  package init(_ value: Double) { self.value = value }

  package func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
  }
}

extension JSONLines {
  /// `value` as one line of JSON text, with a newline.
  package static func line(_ value: some Encodable) throws -> String {
    String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
  }
}
