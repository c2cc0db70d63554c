/// A failure reading or writing an HDF5 file.
///
/// `message` says what convpipe was doing and, when libhdf5 reported the
/// failure, ends with the library's own innermost error description, e.g.
/// `cannot open dataset: object 'input' doesn't exist`.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
  /// The path of the file involved.
  public let file: String
  /// The path of the group, dataset or attribute inside the file, if one was involved.
  public let object: String?
  /// What failed and why.
  public let message: String
  /// Why, in plain words, when libhdf5 said (`no such file`, `no space left on
  /// device`, ...): the end of `message`, kept apart for callers that say what
  /// they were doing in their own words.
  public let cause: String?

  /// Creates an error; line breaks in `message` are flattened so the description stays one line.
  public init(file: String, object: String?, message: String, cause: String? = nil) {
    self.file = file
    self.object = object
    self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    self.cause = cause
  }

  /// One line: `<file>: <object>: <message>`, without the object part when `object` is nil.
  public var description: String {
    [file, object, message].compactMap { $0 }.joined(separator: ": ")
  }

  /// An error for a failed libhdf5 call: `action`, then HDF5's innermost message if it left one.
  ///
  /// Must be called inside ``HDF5Library/serialised(_:)`` right after the failure.
  static func fromLibrary(_ action: String, file: String, object: String?) -> HDF5Error {
    let reason = HDF5Library.takeInnermostErrorMessage().map(plainReason)
    return HDF5Error(
      file: file, object: object, message: [action, reason].compactMap { $0 }.joined(separator: ": "), cause: reason)
  }

  /// HDF5's innermost description in plain words: a system error it quotes
  /// (`unable to open file: name = 'x.h5', errno = 2, error message = 'No such
  /// file or directory', ...`) becomes that error (`no such file`), and a few
  /// well-known descriptions are reworded; anything else is kept as HDF5 wrote it.
  static func plainReason(_ reason: String) -> String {
    if let errno = number(after: "errno = ", in: reason) {
      switch errno {
      case 2: return "no such file"
      case 13: return "permission denied"
      case 21: return "is a directory"
      case 28: return "no space left on device"
      case 30: return "read-only file system"
      case 122: return "disk quota exceeded"
      default:
        if let start = reason.range(of: "error message = '")?.upperBound,
          let end = reason[start...].firstIndex(of: "'")
        {
          return reason[start..<end].lowercased()
        }
      }
    }
    if reason.hasPrefix("file signature not found") { return "not an HDF5 file (no HDF5 signature)" }
    if reason.hasPrefix("truncated file") {
      if let size = number(after: "eof = ", in: reason), let expected = number(after: "stored_eof = ", in: reason) {
        return "truncated file: \(size) of \(expected) bytes"
      }
      return "truncated file"
    }
    return reason
  }

  /// The decimal number right after `label` in `text`.
  private static func number(after label: String, in text: String) -> Int? {
    guard let start = text.range(of: label)?.upperBound else { return nil }
    return Int(text[start...].prefix { $0.isNumber })
  }
}
