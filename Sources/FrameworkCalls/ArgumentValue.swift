/// One argument of a framework call as the job writes it: JSON's values, with
/// Python's tuples written as lists and `None` as `null`.
public indirect enum ArgumentValue: Sendable, Equatable, CustomStringConvertible {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case list([ArgumentValue])

  /// The value as the job wrote it: `[1, 2]`, `"SAME"`, `null`, `true`.
  public var description: String {
    switch self {
    case .null: "null"
    case .bool(let flag): flag ? "true" : "false"
    case .int(let number): "\(number)"
    case .double(let number): "\(number)"
    case .string(let text): "\"\(text)\""
    case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
    }
  }

  /// The value as Python source: tuples or lists for sequences, `None`, `True`.
  public func python(tuples: Bool) -> String {
    switch self {
    case .null: return "None"
    case .bool(let flag): return flag ? "True" : "False"
    case .int(let number): return "\(number)"
    case .double(let number): return "\(number)"
    case .string(let text): return "\"\(text)\""
    case .list(let items):
      let parts = items.map { $0.python(tuples: tuples) }
      if !tuples { return "[" + parts.joined(separator: ", ") + "]" }
      return parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
    }
  }

  var intValue: Int? { if case .int(let number) = self { number } else { nil } }

  /// The integers of a list of integers.
  var intList: [Int]? {
    guard case .list(let items) = self else { return nil }
    let numbers = items.compactMap(\.intValue)
    return numbers.count == items.count ? numbers : nil
  }

  /// The pairs of a list of two-integer lists.
  var pairList: [[Int]]? {
    guard case .list(let items) = self else { return nil }
    let pairs = items.compactMap { $0.intList.flatMap { $0.count == 2 ? $0 : nil } }
    return pairs.count == items.count ? pairs : nil
  }

  /// A JSON-ish name of the value's kind, for messages.
  var kind: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .int: "an integer"
    case .double: "a number"
    case .string: "a string"
    case .list: "a list"
    }
  }
}

/// Builds a value from integers: `.int` for one, `.list` for several.
extension ArgumentValue {
  static func ints(_ values: [Int]) -> ArgumentValue { .list(values.map { .int($0) }) }
  static func pairs(_ values: [[Int]]) -> ArgumentValue { .list(values.map { .ints($0) }) }
}
