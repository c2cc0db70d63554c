/// A parsed JSON value that remembers where it stood in the file, so that
/// every problem can be reported with its line and column.
public struct JSONValue: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number with its source text, so integers stay exact.
    case number(Double, text: String)
    case string(String)
    case array([JSONValue])
    /// Members in file order; duplicate keys are rejected by the parser.
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: Kind, rhs: Kind) -> Bool {
      switch (lhs, rhs) {
      case (.null, .null): return true
      case (.bool(let a), .bool(let b)): return a == b
      case (.number(let a, _), .number(let b, _)): return a == b
      case (.string(let a), .string(let b)): return a == b
      case (.array(let a), .array(let b)): return a == b
      case (.object(let a), .object(let b)):
        return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
      default: return false
      }
    }
  }

  public let kind: Kind
  /// 1-based line and column of the value's first character.
  public let line: Int
  public let column: Int
  /// For an object read from a file, where each key's opening quote stands
  /// (1-based line and column), for problems with a key rather than its value.
  public let keyPositions: [String: Position]

  /// A 1-based line and column in the file.
  public struct Position: Sendable, Equatable {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
      self.line = line
      self.column = column
    }
  }

  public init(_ kind: Kind, line: Int = 0, column: Int = 0, keyPositions: [String: Position] = [:]) {
    self.kind = kind
    self.line = line
    self.column = column
    self.keyPositions = keyPositions
  }

  /// Where the value starts in the file (line 0 when it was not read from one).
  public var position: Position { Position(line: line, column: column) }

  /// The JSON type's name, for messages: `a number`, `a string`, ...
  public var typeName: String {
    switch kind {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }

  /// The value as an exact integer, if it is one: read from the source text, so
  /// integers above 2^53 stay exact (`2.0` and `1e3` count as integers too).
  public var intValue: Int? {
    guard case .number(let value, let text) = kind else { return nil }
    return Int(text) ?? Int(exactly: value)
  }

  public var doubleValue: Double? {
    if case .number(let value, _) = kind { return value }
    return nil
  }

  public var stringValue: String? {
    if case .string(let value) = kind { return value }
    return nil
  }

  public var boolValue: Bool? {
    if case .bool(let value) = kind { return value }
    return nil
  }

  public var arrayValue: [JSONValue]? {
    if case .array(let values) = kind { return values }
    return nil
  }

  public var objectMembers: [(key: String, value: JSONValue)]? {
    if case .object(let members) = kind { return members }
    return nil
  }

  /// The member named `key` of an object.
  public subscript(key: String) -> JSONValue? {
    objectMembers?.first { $0.key == key }?.value
  }

  /// Compact JSON text with keys in file order, as stored in `params` attributes.
  public var jsonText: String {
    switch kind {
    case .null: return "null"
    case .bool(let value): return value ? "true" : "false"
    case .number(_, let text): return text
    case .string(let value): return Self.quoted(value)
    case .array(let values): return "[" + values.map(\.jsonText).joined(separator: ", ") + "]"
    case .object(let members):
      return "{" + members.map { "\(Self.quoted($0.key)): \($0.value.jsonText)" }.joined(separator: ", ") + "}"
    }
  }

  /// Compact JSON text with every object's keys sorted: the same for any
  /// formatting and key order of the same document (used for content hashes).
  /// A number is written as the Double it reads as (`2`, `2.0` and `2e0` are
  /// all `2.0`), except an integer the Double cannot hold exactly, which keeps
  /// its digits: two seeds that differ above 2^53 must not hash alike.
  public var canonicalText: String {
    switch kind {
    case .array(let values): return "[" + values.map(\.canonicalText).joined(separator: ",") + "]"
    case .object(let members):
      return "{"
        + members.sorted { $0.key < $1.key }.map { "\(Self.quoted($0.key)):\($0.value.canonicalText)" }.joined(
          separator: ",") + "}"
    case .number(let value, let text):
      let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
      let isInteger = !digits.isEmpty && digits.allSatisfy { ("0"..."9").contains($0) }
      if isInteger, Int(exactly: value).map(String.init) != text { return text }
      return "\(value)"
    default: return jsonText
    }
  }

  /// A JSON string literal for `text`.
  public static func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
