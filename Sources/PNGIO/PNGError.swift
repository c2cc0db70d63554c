/// Why a PNG could not be read, written or converted.
///
/// `description` is one line, `"<path>: <message>"`, for example
/// `"images/a.png: not a PNG file (bad signature)"`. Errors that concern no
/// file (converting a tensor, validating samples) have an empty `path` and
/// describe themselves with the message alone.
public struct PNGError: Error, CustomStringConvertible, Equatable {
  /// The file the error concerns, as given by the caller; empty when none.
  public let path: String
  /// What went wrong, without the path.
  public let message: String

  public init(path: String, message: String) {
    self.path = path
    self.message = message
  }

  public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

extension PNGError {
  /// An error about values passed in rather than a file: empty `path`.
  static func invalidInput(_ message: String) -> PNGError {
    PNGError(path: "", message: message)
  }
}
