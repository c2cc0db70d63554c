import ConvChecks
import ConvCore

/// Runs one `verify` stage's check on the tensors of the item being run.
struct CheckRunner {
  let plan: ItemPlan
  let tensors: [String: Tensor]

  /// The stage's report, and the unrolled matrix when `save_matrix` asks for it.
  func run(_ stage: StageDefinition, check: CheckDefinition, operands: [String: Tensor]) throws -> (ItemReport, Tensor?) {
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
    return (ItemReport(name: stage.id, check: check.kind.rawValue, expect: check.expect, outcome: outcome), matrix)
  }

  /// The checks about the operator of the conv or conv_transpose stage named by `of`,
  /// run on that stage's operands in the type it computed in.
  private func operatorCheck(_ stage: StageDefinition, check: CheckDefinition) throws -> (CheckOutcome, Tensor?) {
    guard let target = stage.reference("of"), let targetPlan = plan.stage(target),
      case .convolution(let geometry)? = targetPlan.operation,
      let input = operand("input", of: targetPlan), let weight = operand("weight", of: targetPlan),
      let output = tensors[target]
    else { throw RunFailure("check \(check.kind.rawValue) needs the conv or conv_transpose stage named by \"of\" with its input and weight") }
    let bias = operand("bias", of: targetPlan)
    let dtype = targetPlan.computeType
    switch check.kind {
    case .adjoint:
      return (try AdjointCheck(seed: check.seed, rtol: check.rtol).check(geometry: geometry, weight: weight, dtype: dtype), nil)
    case .matrix:
      let result = try MatrixCheck(maxElements: check.maxElements, seed: check.seed)
        .check(geometry: geometry, input: input, weight: weight, bias: bias, output: output)
      return (result.outcome, check.saveMatrix ? result.matrix : nil)
    case .direct:
      return (try DirectCheck.check(geometry: geometry, input: input, weight: weight, bias: bias, output: output), nil)
    case .gradient:
      let gradient = GradientCheck(samples: check.samples, eps: check.eps, seed: check.seed)
      return (try gradient.check(geometry: geometry, weight: weight, bias: bias, dtype: dtype), nil)
    case .allclose, .shape:
      throw RunFailure("check \(check.kind.rawValue) does not take \"of\"")
    }
  }

  /// The operand of the stage in `role`, in the type the stage computed in.
  private func operand(_ role: String, of stagePlan: StagePlan) -> Tensor? {
    stagePlan.operand(role).flatMap { tensors[$0.name] }?.converted(to: stagePlan.computeType)
  }
}
