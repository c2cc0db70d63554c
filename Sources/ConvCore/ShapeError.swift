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

/// The largest size, stride, dilation, padding or count the shape rules accept:
/// 2^31 - 1, so that every rule's arithmetic (products of two such values plus a
/// few more) stays far inside `Int`'s range.
public let largestAcceptedValue = Int(Int32.max)

/// Throws unless every value is at most ``largestAcceptedValue`` in magnitude.
func requireBounded(_ values: [Int], _ name: String) throws(ShapeError) {
  if let value = values.first(where: { $0.magnitude > UInt(largestAcceptedValue) }) {
    throw ShapeError(["\(name) \(value) is larger than \(largestAcceptedValue)"])
  }
}

/// The product of `values`, or `Int.max` when it would overflow: element and
/// byte counts of absurd shapes saturate, so a memory limit refuses them.
public func saturatingProduct(_ values: [Int]) -> Int {
  var product = 1
  for value in values {
    let (next, overflow) = product.multipliedReportingOverflow(by: value)
    if overflow { return Int.max }
    product = next
  }
  return product
}

/// The sum of `values`, or `Int.max` when it would overflow.
public func saturatingSum(_ values: [Int]) -> Int {
  var sum = 0
  for value in values {
    let (next, overflow) = sum.addingReportingOverflow(value)
    if overflow { return Int.max }
    sum = next
  }
  return sum
}

/// Names of the spatial axes for a given count: `L` for one, `H, W` for two,
/// `D, H, W` for three, `S0, S1, ...` beyond.
public func spatialAxisNames(count: Int) -> [String] {
  switch count {
  case 1: ["L"]
  case 2: ["H", "W"]
  case 3: ["D", "H", "W"]
  default: (0..<count).map { "S\($0)" }
  }
}

/// `floor(a / b)` for a positive `b`, also for negative `a` (Swift's `/` truncates).
@inlinable
func floorDivide(_ a: Int, _ b: Int) -> Int {
  let q = a / b
  return (a % b != 0 && a < 0) ? q - 1 : q
}

/// `ceil(a / b)` for a positive `b`.
@inlinable
func ceilDivide(_ a: Int, _ b: Int) -> Int { -floorDivide(-a, b) }
