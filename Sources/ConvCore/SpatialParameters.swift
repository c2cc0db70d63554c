/// A parameter with a value per spatial dimension, given as one integer for
/// every dimension or as one integer per dimension (`stride: 2` or `stride: [2, 1]`).
public enum SpatialParameter: Sendable, Equatable, CustomStringConvertible {
  case uniform(Int)
  case perDimension([Int])

  /// The value for each of `count` spatial dimensions; a list must have exactly `count` entries.
  /// Each value must be at most ``largestAcceptedValue`` in magnitude.
  public func resolve(_ name: String, count: Int) throws(ShapeError) -> [Int] {
    switch self {
    case .uniform(let value):
      try requireBounded([value], name)
      return Array(repeating: value, count: count)
    case .perDimension(let values):
      guard values.count == count else {
        throw ShapeError(["\(name) has \(values.count) values but the input has \(count) spatial dimensions"])
      }
      try requireBounded(values, name)
      return values
    }
  }

  public var description: String {
    switch self {
    case .uniform(let value): "\(value)"
    case .perDimension(let values): "\(values)"
    }
  }
}

/// Cells added (or removed) before and after one spatial dimension.
public struct PadPair: Sendable, Equatable, CustomStringConvertible {
  public var begin: Int
  public var end: Int

  public init(_ begin: Int, _ end: Int) {
    self.begin = begin
    self.end = end
  }

  public var total: Int { begin + end }
  public var description: String { "[\(begin), \(end)]" }
}

/// A padding-like parameter: an integer for every dimension, one per dimension,
/// one `[begin, end]` pair per dimension, or the named forms `valid` and `same`
/// (which only convolutions accept).
public enum PaddingParameter: Sendable, Equatable, CustomStringConvertible {
  case uniform(Int)
  case perDimension([Int])
  case pairs([PadPair])
  case valid
  case same

  /// The explicit `[begin, end]` pair of each of `count` dimensions; `valid` and
  /// `same` are the caller's to resolve and are rejected here.
  public func resolvePairs(_ name: String, count: Int) throws(ShapeError) -> [PadPair] {
    switch self {
    case .uniform(let value):
      return try SpatialParameter.uniform(value).resolve(name, count: count).map { PadPair($0, $0) }
    case .perDimension(let values):
      return try SpatialParameter.perDimension(values).resolve(name, count: count).map { PadPair($0, $0) }
    case .pairs(let pairs):
      guard pairs.count == count else {
        throw ShapeError(["\(name) has \(pairs.count) pairs but the input has \(count) spatial dimensions"])
      }
      try requireBounded(pairs.flatMap { [$0.begin, $0.end] }, name)
      return pairs
    case .valid, .same:
      throw ShapeError(["\(name) \"\(self)\" is not accepted here"])
    }
  }

  public var description: String {
    switch self {
    case .uniform(let value): "\(value)"
    case .perDimension(let values): "\(values)"
    case .pairs(let pairs): "\(pairs)"
    case .valid: "valid"
    case .same: "same"
    }
  }
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
