import ConvChecks
import ConvCore

/// Runs one `verify` stage's check on the tensors of the item being run.
struct CheckRunner {
  let plan: ItemPlan
  let tensors: [String: Tensor]

  /// The stage's report, and the unrolled matrix when `save_matrix` asks for it.
  func run(_ stage: StageDefinition, check: CheckDefinition, operands: [String: Tensor]) throws -> (CheckReport, Tensor?) {
    var matrix: Tensor?
    let outcome: CheckOutcome
    switch check.kind {
    case .allclose:
      guard let actual = operands["actual"], let expected = operands["expected"] else { throw RunFailure("actual or expected missing") }
      outcome = Allclose(rtol: check.rtol ?? 1e-5, atol: check.atol, equalNaN: check.equalNaN).compare(actual, expected)
    case .shape:
      guard let actual = operands["actual"], let expected = operands["expected"] else { throw RunFailure("actual or expected missing") }
      outcome = ShapeComparison(allAxes: check.axes == .all).compare(actual: actual.shape, expected: expected.shape)
    case .adjoint, .matrix, .direct, .gradient:
      (outcome, matrix) = try operatorCheck(stage, check: check)
    }
    return (CheckReport(stageID: stage.id, check: check.kind, expect: check.expect, outcome: outcome), matrix)
  }

  /// The checks about the operator of the conv or conv_transpose stage named by `of`.
  private func operatorCheck(_ stage: StageDefinition, check: CheckDefinition) throws -> (CheckOutcome, Tensor?) {
    guard let target = stage.reference("of"), let targetPlan = plan.stage(target),
      case .convolution(let geometry)? = targetPlan.operation,
      let input = targetPlan.operand("input").flatMap({ tensors[$0.name] }),
      let weight = targetPlan.operand("weight").flatMap({ tensors[$0.name] })
    else { throw RunFailure("check \(check.kind.rawValue) needs the conv or conv_transpose stage named by \"of\" with its input and weight") }
    throw RunFailure("check \(check.kind.rawValue) of \(target) \(geometry.direction) \(input.shape) \(weight.shape) is not available yet")
  }
}
