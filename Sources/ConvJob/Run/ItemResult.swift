import ConvChecks
import ConvCore

/// A report of one item, as written under `/items/<item>/reports/<name>`: a
/// `verify` stage's check, or a comparison with the golden file (`golden:<tensor>`).
package struct ItemReport: Sendable, Equatable {
  /// The stage id, or `golden:<tensor>`.
  package let name: String
  /// The check's name (`allclose`, `matrix`, ...), or `golden`.
  package let check: String
  package let expect: Expectation
  package let outcome: CheckOutcome

  package init(name: String, check: String, expect: Expectation, outcome: CheckOutcome) {
    self.name = name
    self.check = check
    self.expect = expect
    self.outcome = outcome
  }

  /// Whether the condition held: the check's own verdict.
  package var held: Bool { outcome.held }
  /// Whether the stage met its expectation: the condition held for `expect: "pass"`,
  /// did not hold for `expect: "fail"`.
  package var passed: Bool { outcome.held == (expect == .pass) }
  /// Whether this is a comparison with the golden file.
  package var isGolden: Bool { check == GoldenComparison.checkName }
}

/// A tensor kept in the output, with the attributes it is stored with.
struct KeptTensor: Sendable {
  let name: String
  let tensor: Tensor
  /// The stage's op, or `input`.
  let op: String
  /// The stage (or input) object as written, JSON text.
  let params: String
}

/// Everything one item puts into the output file, held in memory until the
/// writer copies it there in item order.
struct ItemResult: Sendable {
  let id: String
  /// SHA-256 of the item's input (see ``RunFingerprint``), recorded as `input_sha256`.
  let inputHash: String
  var tensors: [KeptTensor] = []
  var reports: [ItemReport] = []
  /// Unrolled matrices saved by `matrix` checks, by stage id.
  var matrices: [(stageID: String, matrix: Tensor)] = []
  /// In a part file (`run --shard`), ``ItemStorage/elementsHash(_:)`` of the
  /// above, recorded as `elements_sha256` for `merge` to check; nil elsewhere.
  var elementsHash: String? = nil

  /// What the resume journal records of an item.
  struct Identity: Sendable {
    let id: String
    let inputHash: String
  }

  var identity: Identity { Identity(id: id, inputHash: inputHash) }
}
