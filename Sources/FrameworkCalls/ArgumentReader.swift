/// Reads a framework call's arguments by name, recording a problem for each
/// wrong type or value and (on `finish`) each argument the API does not take.
struct ArgumentReader {
  let api: FrameworkAPI
  private let values: [String: ArgumentValue]
  private let order: [String]
  private var read: Set<String> = []
  var rules: CallRules

  init(api: FrameworkAPI, arguments: [(name: String, value: ArgumentValue)]) {
    self.api = api
    values = Dictionary(arguments.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    order = arguments.map(\.name)
    rules = CallRules(api)
  }

  func has(_ name: String) -> Bool { values[name] != nil }

  /// The argument as written (`null` included), marked as read.
  mutating func value(_ name: String) -> ArgumentValue? {
    read.insert(name)
    return values[name]
  }

  /// The argument unless it is absent or `null` (Python's `None`, the default).
  mutating func given(_ name: String) -> ArgumentValue? {
    guard let value = value(name), value != .null else { return nil }
    return value
  }

  mutating func fail(_ name: String, _ message: String) { rules.fail(name, "\(name): \(message)") }

  /// A required argument: records `missing required argument` when absent.
  mutating func required(_ name: String, _ what: String) -> ArgumentValue? {
    guard let value = given(name) else {
      rules.fail(name, "missing required argument \(name) (\(what))")
      return nil
    }
    return value
  }

  mutating func int(_ name: String) -> Int? {
    guard let value = given(name) else { return nil }
    guard let number = value.intValue else { fail(name, "expected an integer, got \(value)"); return nil }
    return number
  }

  mutating func bool(_ name: String) -> Bool? {
    guard let value = given(name) else { return nil }
    guard case .bool(let flag) = value else { fail(name, "expected true or false, got \(value)"); return nil }
    return flag
  }

  mutating func string(_ name: String) -> String? {
    guard let value = given(name) else { return nil }
    guard case .string(let text) = value else { fail(name, "expected a string, got \(value)"); return nil }
    return text
  }

  /// An integer or a list of integers.
  mutating func ints(_ name: String) -> IntArgument? {
    guard let value = given(name) else { return nil }
    if let number = value.intValue { return .scalar(number) }
    if let list = value.intList { return .list(list) }
    fail(name, "expected an integer or a list of integers, got \(value)")
    return nil
  }

  /// A list of integers (no single integer).
  mutating func intList(_ name: String) -> [Int]? {
    guard let value = given(name) else { return nil }
    guard let list = value.intList else { fail(name, "expected a list of integers, got \(value)"); return nil }
    return list
  }

  /// Records every argument that was never read: unknown to this API, or known
  /// and not supported (`unsupported` gives the reason for those).
  mutating func finish(known: [String], unsupported: [String: String] = [:]) {
    for name in order where !read.contains(name) {
      if let reason = unsupported[name] {
        rules.fail(name, "\(name) is not supported: \(reason)")
        continue
      }
      let suggestion = closest(to: name, among: known, within: 2).map { " (did you mean \($0)?)" } ?? ""
      rules.fail(name, "unknown argument \(name)\(suggestion); \(api.shortName) takes \(known.joined(separator: ", "))")
    }
  }
}

/// An argument given as one integer or as a list of integers.
enum IntArgument: Sendable, Equatable, CustomStringConvertible {
  case scalar(Int)
  case list([Int])

  var values: [Int] {
    switch self {
    case .scalar(let value): [value]
    case .list(let values): values
    }
  }

  var description: String {
    switch self {
    case .scalar(let value): "\(value)"
    case .list(let values): "\(values)"
    }
  }
}
