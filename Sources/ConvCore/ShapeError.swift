/// The shape rules an operation's inputs and parameters broke, one sentence each,
/// e.g. `output_padding 2 must be smaller than max(stride 2, dilation 1) = 2 (H)`.
public struct ShapeError: Error, Equatable, CustomStringConvertible {
  /// Every rule broken, in the order they were checked.
  public let problems: [String]

  public init(_ problems: [String]) { self.problems = problems }

  public var description: String { problems.joined(separator: "; ") }
}

/// Collects broken rules so that one check reports all of them, not only the first.
struct RuleCollector {
  private(set) var problems: [String] = []

  /// Records `message` unless `condition` holds; returns `condition`.
  @discardableResult
  mutating func require(_ condition: Bool, _ message: @autoclosure () -> String) -> Bool {
    if !condition { problems.append(message()) }
    return condition
  }

  mutating func fail(_ message: String) { problems.append(message) }

  /// Adds the problems of a failed sub-check, returning its value when it succeeded.
  mutating func collect<T>(_ body: () throws(ShapeError) -> T) -> T? {
    do { return try body() } catch { problems += error.problems; return nil }
  }

  /// Throws every recorded problem, if there is one.
  func check() throws(ShapeError) {
    if !problems.isEmpty { throw ShapeError(problems) }
  }
}
