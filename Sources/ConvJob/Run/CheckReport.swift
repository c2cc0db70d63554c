import ConvChecks

/// The report of one `verify` stage for one item, as written under
/// `/items/<item>/reports/<stage id>`.
public struct CheckReport: Sendable, Equatable {
  public let stageID: String
  public let check: CheckKind
  public let expect: Expectation
  public let outcome: CheckOutcome

  public init(stageID: String, check: CheckKind, expect: Expectation, outcome: CheckOutcome) {
    self.stageID = stageID
    self.check = check
    self.expect = expect
    self.outcome = outcome
  }

  /// Whether the condition held: the check's own verdict.
  public var held: Bool { outcome.held }
  /// Whether the stage met its expectation: the condition held for `expect: "pass"`,
  /// did not hold for `expect: "fail"`.
  public var passed: Bool { outcome.held == (expect == .pass) }
}
