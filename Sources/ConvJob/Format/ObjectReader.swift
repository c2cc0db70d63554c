import FrameworkCalls
import ConvCore
import PositionedJSON

/// Reads the members of one JSON object of the job, recording a problem for
/// each wrong type, bad value and (on `finish`) each unknown key.
struct ObjectReader {
  let object: JSONValue
  let location: String
  let log: ProblemLog
  private var members: [String: JSONValue] = [:]
  private var read: Set<String> = []

  /// Fails (recording a problem) unless `value` is an object.
  init?(_ value: JSONValue, location: String, log: ProblemLog, what: String = "an object") {
    guard let members = value.objectMembers else {
      log.add(location, "expected \(what), got \(value.typeName)", at: value)
      return nil
    }
    object = value
    self.location = location
    self.log = log
    self.members = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
  }

  /// Whether the object has `key` (without marking it read).
  func has(_ key: String) -> Bool { members[key] != nil }

  /// The value of `key` without marking it read.
  func peek(_ key: String) -> JSONValue? { members[key] }

  /// The raw member `key`, marked as read.
  mutating func value(_ key: String) -> JSONValue? {
    read.insert(key)
    return members[key]
  }

  mutating func problem(_ key: String, _ message: String, at value: JSONValue? = nil) {
    log.add(location, "\(key): \(message)", at: value ?? members[key] ?? object)
  }

  /// A required member; records `missing key` when absent.
  mutating func required(_ key: String, _ what: String) -> JSONValue? {
    guard let value = value(key) else {
      log.add(location, "missing required key \"\(key)\" (\(what))", at: object)
      return nil
    }
    return value
  }

  mutating func string(_ key: String, required isRequired: Bool = false) -> String? {
    guard let value = isRequired ? required(key, "a string") : value(key) else { return nil }
    guard let text = value.stringValue else {
      problem(key, "expected a string, got \(value.typeName)", at: value); return nil
    }
    return text
  }

  mutating func int(_ key: String) -> Int? {
    guard let value = value(key) else { return nil }
    guard let number = value.intValue else {
      problem(key, "expected an integer, got \(value.jsonText)", at: value); return nil
    }
    return number
  }

  mutating func double(_ key: String) -> Double? {
    guard let value = value(key) else { return nil }
    guard let number = value.doubleValue else {
      problem(key, "expected a number, got \(value.typeName)", at: value); return nil
    }
    return number
  }

  mutating func bool(_ key: String) -> Bool? {
    guard let value = value(key) else { return nil }
    guard let flag = value.boolValue else {
      problem(key, "expected true or false, got \(value.typeName)", at: value); return nil
    }
    return flag
  }

  /// One of an enumeration's raw values; lists the accepted values when wrong.
  mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) -> E?
  where E.RawValue == String {
    guard let text = string(key) else { return nil }
    guard let choice = E(rawValue: text) else {
      problem(key, "\"\(text)\" is not one of \(E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
      return nil
    }
    return choice
  }

  mutating func intList(_ key: String) -> [Int]? {
    guard let value = value(key) else { return nil }
    guard let list = value.arrayValue, case let ints = list.compactMap(\.intValue), ints.count == list.count else {
      problem(key, "expected a list of integers, got \(value.jsonText)", at: value)
      return nil
    }
    return ints
  }

  /// An integer for every spatial dimension or one integer per dimension.
  mutating func spatial(_ key: String) -> SpatialParameter? {
    guard let value = value(key) else { return nil }
    if let number = value.intValue { return .uniform(number) }
    if let list = value.arrayValue, case let ints = list.compactMap(\.intValue), ints.count == list.count, !ints.isEmpty
    {
      return .perDimension(ints)
    }
    problem(
      key, "expected an integer or a list of integers (one per spatial dimension), got \(value.jsonText)", at: value)
    return nil
  }

  /// A padding-like parameter: an integer, one per dimension, `[begin, end]` pairs,
  /// or (when `named` lists them) `"valid"` / `"same"`.
  mutating func padding(_ key: String, named: [String] = []) -> PaddingParameter? {
    guard let value = value(key) else { return nil }
    if let text = value.stringValue, named.contains(text) { return text == "same" ? .same : .valid }
    if let number = value.intValue { return .uniform(number) }
    if let list = value.arrayValue, !list.isEmpty {
      let ints = list.compactMap(\.intValue)
      if ints.count == list.count { return .perDimension(ints) }
      let pairs = list.compactMap { item -> PadPair? in
        guard let pair = item.arrayValue, pair.count == 2, let begin = pair[0].intValue, let end = pair[1].intValue
        else { return nil }
        return PadPair(begin, end)
      }
      if pairs.count == list.count { return .pairs(pairs) }
    }
    let forms =
      (["an integer", "one integer per spatial dimension", "one [begin, end] pair per spatial dimension"]
      + named.map { "\"\($0)\"" }).joined(separator: ", ")
    problem(key, "expected \(forms); got \(value.jsonText)", at: value)
    return nil
  }

  /// Records every key that was never read as unknown (usually a typo).
  func finish() {
    for key in members.keys.sorted() where !read.contains(key) {
      let suggestion = closest(to: key, among: read, within: 2).map { " (did you mean \"\($0)\"?)" } ?? ""
      log.add(location, "unknown key \"\(key)\"\(suggestion)", at: object.keyPositions[key] ?? members[key]?.position)
    }
  }
}
