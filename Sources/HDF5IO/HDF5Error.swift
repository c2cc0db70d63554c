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

  /// Creates an error; line breaks in `message` are flattened so the description stays one line.
  public init(file: String, object: String?, message: String) {
    self.file = file
    self.object = object
    self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
  }

  /// One line: `<file>: <object>: <message>`, without the object part when `object` is nil.
  public var description: String {
    [file, object, message].compactMap { $0 }.joined(separator: ": ")
  }

  /// An error for a failed libhdf5 call: `action`, then HDF5's innermost message if it left one.
  ///
  /// Must be called inside ``HDF5Library/serialised(_:)`` right after the failure.
  static func fromLibrary(_ action: String, file: String, object: String?) -> HDF5Error {
    let reason = HDF5Library.takeInnermostErrorMessage()
    return HDF5Error(
      file: file, object: object, message: [action, reason].compactMap { $0 }.joined(separator: ": "))
  }
}
