/// One text chunk of a PNG: a key (1 to 79 Latin-1 characters, e.g. `Software`
/// or convpipe's `convpipe:range`) and its text.
public struct PNGText: Sendable, Equatable {
  public let key: String
  public let text: String

  public init(key: String, text: String) {
    self.key = key
    self.text = text
  }

  /// The text of the first chunk keyed `key` in `chunks`.
  public static func value(_ key: String, in chunks: [PNGText]) -> String? { chunks.first { $0.key == key }?.text }

  /// Keys are 1-79 printable Latin-1 characters without leading, trailing or
  /// double spaces (PNG 11.3.4.3); texts are Latin-1 without NUL.
  func check() throws(PNGError) {
    let keyScalars = key.unicodeScalars
    guard (1...79).contains(keyScalars.count),
      keyScalars.allSatisfy({ (32...126).contains($0.value) || (161...255).contains($0.value) }),
      !key.hasPrefix(" "), !key.hasSuffix(" "), !key.contains("  ")
    else { throw .invalidInput("text key \"\(key)\" is not 1-79 printable Latin-1 characters") }
    guard text.unicodeScalars.allSatisfy({ $0.value != 0 && $0.value <= 255 }) else {
      throw .invalidInput("text of \"\(key)\" is not Latin-1 without NUL")
    }
  }

  /// Key, NUL, text, NUL for each chunk, as the shim takes them (Latin-1 bytes).
  static func pack(_ chunks: [PNGText]) -> [CChar] {
    chunks.flatMap { chunk in
      (chunk.key.unicodeScalars.map { CChar(truncatingIfNeeded: $0.value) } + [0])
        + chunk.text.unicodeScalars.map { CChar(truncatingIfNeeded: $0.value) } + [0]
    }
  }

  /// The inverse of ``pack(_:)``: libpng gives tEXt and zTXt as Latin-1, iTXt as UTF-8.
  static func unpack(_ bytes: UnsafeBufferPointer<CChar>) -> [PNGText] {
    let strings = bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast()
      .map { field in
        let bytes = field.map { UInt8(bitPattern: $0) }
        return String(validating: bytes, as: UTF8.self)
          ?? String(String.UnicodeScalarView(bytes.map(Unicode.Scalar.init)))
      }
    return stride(from: 0, to: strings.count - 1, by: 2).map { PNGText(key: strings[$0], text: strings[$0 + 1]) }
  }
}
