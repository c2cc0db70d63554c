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

  /// An item that failed with `error` (its input could not be read or a stage failed).
  static func failed(_ item: String, seconds: Double, error: String) -> ItemEvent {
    ItemEvent(item: item, status: .failed, seconds: seconds, checksPassed: 0, checksFailed: 0, error: error)
  }

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
