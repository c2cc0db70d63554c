/// What a check found: whether its condition held, the errors it measured and a
/// one-line explanation naming the worst element.
public struct CheckOutcome: Sendable, Equatable {
  /// Whether the checked condition holds.
  public var held: Bool
  /// Largest `|actual - expected|` over the compared elements.
  public var maxAbsError: Double
  /// Largest `|actual - expected| / |expected|` (0 where both are 0, infinity where only `expected` is).
  public var maxRelError: Double
  /// Elements outside the tolerance.
  public var mismatched: Int
  /// Elements compared.
  public var count: Int
  public var rtol: Double
  public var atol: Double
  public var message: String

  public init(
    held: Bool, maxAbsError: Double = 0, maxRelError: Double = 0, mismatched: Int = 0, count: Int = 0,
    rtol: Double = 0, atol: Double = 0, message: String
  ) {
    self.held = held
    self.maxAbsError = maxAbsError
    self.maxRelError = maxRelError
    self.mismatched = mismatched
    self.count = count
    self.rtol = rtol
    self.atol = atol
    self.message = message
  }
}
