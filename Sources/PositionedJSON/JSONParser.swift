import Foundation

/// A JSON syntax error with its 1-based line and column.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
  public let line: Int
  public let column: Int
  public let message: String

  public var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 parser that records each value's position.
/// Duplicate keys in one object are errors (the second would silently win).
public struct JSONParser {
  private let bytes: [UInt8]
  private var index = 0
  private var line = 1
  private var lineStart = 0
  /// UTF-8 continuation bytes passed on the current line (inside strings, the
  /// only place they may stand), so that columns count characters, not bytes.
  private var continuationBytesOnLine = 0
  private var depth = 0
  private static let maximumDepth = 512

  /// Parses one JSON document.
  public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(bytes: Array(text.utf8))
    parser.skipWhitespace()
    let value = try parser.parseValue()
    parser.skipWhitespace()
    guard parser.index == parser.bytes.count else { throw parser.error("unexpected text after the JSON value") }
    return value
  }

  private init(bytes: [UInt8]) { self.bytes = bytes }

  private var column: Int { index - lineStart - continuationBytesOnLine + 1 }

  private func error(_ message: String) -> JSONSyntaxError {
    JSONSyntaxError(line: line, column: column, message: message)
  }

  private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

  private mutating func skipWhitespace() {
    while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
      if byte == 0x0A { line += 1; lineStart = index + 1; continuationBytesOnLine = 0 }
      index += 1
    }
  }

  private mutating func expect(_ literal: String, _ kind: JSONValue.Kind, line: Int, column: Int)
    throws(JSONSyntaxError) -> JSONValue
  {
    for byte in literal.utf8 {
      guard current == byte else { throw error("invalid literal, expected '\(literal)'") }
      index += 1
    }
    return JSONValue(kind, line: line, column: column)
  }

  private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
    let (startLine, startColumn) = (line, column)
    guard let byte = current else { throw error("unexpected end of file, expected a value") }
    switch byte {
    case UInt8(ascii: "{"): return try parseObject(line: startLine, column: startColumn)
    case UInt8(ascii: "["): return try parseArray(line: startLine, column: startColumn)
    case UInt8(ascii: "\""): return JSONValue(.string(try parseString()), line: startLine, column: startColumn)
    case UInt8(ascii: "t"): return try expect("true", .bool(true), line: startLine, column: startColumn)
    case UInt8(ascii: "f"): return try expect("false", .bool(false), line: startLine, column: startColumn)
    case UInt8(ascii: "n"): return try expect("null", .null, line: startLine, column: startColumn)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try parseNumber(line: startLine, column: startColumn)
    default:
      throw error("unexpected character '\(Character(Unicode.Scalar(byte)))', expected a value")
    }
  }

  private mutating func enter() throws(JSONSyntaxError) {
    depth += 1
    if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth) levels") }
  }

  private mutating func parseObject(line: Int, column: Int) throws(JSONSyntaxError) -> JSONValue {
    try enter()
    index += 1
    var members: [(key: String, value: JSONValue)] = []
    var keyPositions: [String: JSONValue.Position] = [:]
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      index += 1; depth -= 1; return JSONValue(.object(members), line: line, column: column)
    }
    while true {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else { throw error("expected a string key in double quotes") }
      let keyLine = self.line, keyColumn = self.column
      let key = try parseString()
      if members.contains(where: { $0.key == key }) {
        throw JSONSyntaxError(line: self.line, column: keyColumn, message: "duplicate key \"\(key)\"")
      }
      skipWhitespace()
      guard current == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(key)\"") }
      index += 1
      skipWhitespace()
      members.append((key, try parseValue()))
      keyPositions[key] = JSONValue.Position(line: keyLine, column: keyColumn)
      skipWhitespace()
      if current == UInt8(ascii: ",") { index += 1; continue }
      if current == UInt8(ascii: "}") { index += 1; break }
      throw error("expected ',' or '}' in object")
    }
    depth -= 1
    return JSONValue(.object(members), line: line, column: column, keyPositions: keyPositions)
  }

  private mutating func parseArray(line: Int, column: Int) throws(JSONSyntaxError) -> JSONValue {
    try enter()
    index += 1
    var values: [JSONValue] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      index += 1; depth -= 1; return JSONValue(.array(values), line: line, column: column)
    }
    while true {
      skipWhitespace()
      values.append(try parseValue())
      skipWhitespace()
      if current == UInt8(ascii: ",") { index += 1; continue }
      if current == UInt8(ascii: "]") { index += 1; break }
      throw error("expected ',' or ']' in array")
    }
    depth -= 1
    return JSONValue(.array(values), line: line, column: column)
  }

  private mutating func parseString() throws(JSONSyntaxError) -> String {
    index += 1
    var scalars = String.UnicodeScalarView()
    var raw: [UInt8] = []
    func flush() { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
    while true {
      guard let byte = current else { throw error("unterminated string") }
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        flush()
        return String(scalars)
      case UInt8(ascii: "\\"):
        flush()
        index += 1
        guard let escape = current else { throw error("unterminated string") }
        index += 1
        switch escape {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"): scalars.append(try parseUnicodeEscape())
        default:
          index -= 2  // point at the backslash that starts the escape
          throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
        }
      case 0x00..<0x20:
        throw error("control character in string (write it as an escape)")
      default:
        raw.append(byte)
        if byte & 0xC0 == 0x80 { continuationBytesOnLine += 1 }
        index += 1
      }
    }
  }

  private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
    guard index + 4 <= bytes.count,
      let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
    else {
      throw error("invalid \\u escape")
    }
    index += 4
    return value
  }

  private mutating func parseUnicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
    let high = try parseHex4()
    if (0xD800..<0xDC00).contains(high) {
      guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
        throw error("unpaired surrogate in \\u escape")
      }
      index += 2
      let low = try parseHex4()
      guard (0xDC00..<0xE000).contains(low),
        let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
      else {
        throw error("invalid surrogate pair in \\u escape")
      }
      return scalar
    }
    guard let scalar = Unicode.Scalar(high) else { throw error("invalid \\u escape") }
    return scalar
  }

  private mutating func parseNumber(line: Int, column: Int) throws(JSONSyntaxError) -> JSONValue {
    let start = index
    func digits() -> Int {
      let from = index
      while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
      return index - from
    }
    if current == UInt8(ascii: "-") { index += 1 }
    if current == UInt8(ascii: "0") {
      index += 1
    } else if digits() == 0 {
      throw error("invalid number")
    }
    if current == UInt8(ascii: ".") {
      index += 1
      guard digits() > 0 else { throw error("invalid number: digits must follow '.'") }
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      index += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
      guard digits() > 0 else { throw error("invalid number: digits must follow the exponent") }
    }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    guard let value = Double(text), value.isFinite else { throw error("number \(text) is out of range") }
    return JSONValue(.number(value, text: text), line: line, column: column)
  }
}
