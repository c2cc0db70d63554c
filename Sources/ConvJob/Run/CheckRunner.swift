import ConvChecks
import ConvCore

/// Runs one `verify` stage's check on the tensors of the item being run.
struct CheckRunner {
  let plan: ItemPlan
  let tensors: [String: Tensor]

  /// The stage's report, and the unrolled matrix when `save_matrix` asks for it.
  func run(_ stage: StageDefinition, _ verification: Verification, operands: [Role: Tensor]) throws -> (
    ItemReport, Tensor?
  ) {
    let check = verification.check
    var matrix: Tensor?
    let outcome: CheckOutcome
    switch check {
    case .allclose(let allclose):
      let (actual, expected) = try pair(operands)
      outcome = allclose.compare(actual, expected)
    case .shape(let comparison):
      let (actual, expected) = try pair(operands)
      outcome = comparison.compare(actual: actual.shape, expected: expected.shape)
    case .adjoint, .matrix, .direct, .gradient:
      (outcome, matrix) = try operatorCheck(stage, check)
    }
    return (
      ItemReport(name: stage.id, check: check.kind.rawValue, expect: verification.expect, outcome: outcome), matrix
    )
  }

  private func pair(_ operands: [Role: Tensor]) throws(RunFailure) -> (Tensor, Tensor) {
    guard let actual = operands[.actual], let expected = operands[.expected] else {
      throw RunFailure("actual or expected missing")
    }
    return (actual, expected)
  }

  /// The checks about the operator of the conv or conv_transpose stage named by `of`,
  /// run on that stage's operands in the type it computed in.
  private func operatorCheck(_ stage: StageDefinition, _ check: Check) throws -> (CheckOutcome, Tensor?) {
    guard let target = stage.reference(.of), let targetPlan = plan.stage(target),
      case .convolution(let geometry)? = targetPlan.operation,
      let input = operand(.input, of: targetPlan), let weight = operand(.weight, of: targetPlan),
      let output = tensors[target]
    else {
      throw RunFailure(
        "check \(check.kind.rawValue) needs the conv or conv_transpose stage named by \"of\" with its input and weight")
    }
    let bias = operand(.bias, of: targetPlan)
    let dtype = targetPlan.computeType
    switch check {
    case .adjoint(let adjoint):
      return (try adjoint.check(geometry: geometry, weight: weight, dtype: dtype), nil)
    case .matrix(let matrixCheck, let saveMatrix):
      let result = try matrixCheck.check(geometry: geometry, input: input, weight: weight, bias: bias, output: output)
      return (result.outcome, saveMatrix ? result.matrix : nil)
    case .direct:
      return (try DirectCheck.check(geometry: geometry, input: input, weight: weight, bias: bias, output: output), nil)
    case .gradient(let gradient):
      return (try gradient.check(geometry: geometry, weight: weight, bias: bias, dtype: dtype), nil)
    case .allclose, .shape:
      throw RunFailure("check \(check.kind.rawValue) does not take \"of\"")
    }
  }

  /// The operand of the stage in `role`, in the type the stage computed in.
  private func operand(_ role: Role, of stagePlan: StagePlan) -> Tensor? {
    stagePlan.operand(role).flatMap { tensors[$0.name] }?.converted(to: stagePlan.computeType)
  }
}
