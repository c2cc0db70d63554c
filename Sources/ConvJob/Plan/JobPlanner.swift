import ConvChecks
import ConvCore

/// Infers every stage's shapes from the inputs' shapes alone: the same
/// arithmetic serves `validate`, the checks before `run` reads data, and each
/// item as it runs.
public enum JobPlanner {
  /// Plans every stage of `graph` for one item's input shapes, or throws every
  /// rule broken, each naming its stage.
  public static func plan(job: Job, graph: StageGraph, inputs: [String: TensorInfo]) throws(JobProblems) -> ItemPlan {
    let log = ProblemLog(file: job.file)
    var tensors = inputs
    var plans: [StagePlan] = []
    for stage in graph.order {
      var operands: [PlannedOperand] = []
      for reference in stage.references {
        guard let info = tensors[reference.name] else { continue }
        operands.append(PlannedOperand(role: reference.role, name: reference.name, info: info))
      }
      guard operands.count == stage.references.count else { continue }  // an operand failed to plan
      let computeType = DType.common(operands.map(\.info.dtype))
      switch stage.kind {
      case .operation(let operation):
        let shape = { (role: String) in operands.first { $0.role == role }?.info.shape }
        do {
          let planned = try operation.plan(input: shape("input") ?? [], weight: shape("weight"), bias: shape("bias"))
          let output = TensorInfo(shape: planned.outputShape, dtype: stage.dtype ?? computeType)
          tensors[stage.id] = output
          plans.append(StagePlan(stage: stage, operands: operands, operation: planned, computeType: computeType, output: output, workspaceBytes: 0))
        } catch {
          for problem in error.problems { log.add(stage.location, problem) }
        }
      case .verify(let check):
        let workspace = checkWorkspace(check, stage: stage, plans: plans, log: log)
        plans.append(StagePlan(stage: stage, operands: operands, operation: nil, computeType: computeType, output: nil, workspaceBytes: workspace))
      }
    }
    try log.check()
    return measure(plans, graph: graph, inputs: inputs, tensors: tensors)
  }

  /// Bytes a check needs beyond its operands; refuses a `matrix` check above `max_elements`.
  private static func checkWorkspace(_ check: CheckDefinition, stage: StageDefinition, plans: [StagePlan], log: ProblemLog) -> Int {
    guard let target = stage.reference("of"), let targetPlan = plans.first(where: { $0.stage.id == target }),
      let input = targetPlan.operand("input")?.info, let output = targetPlan.output
    else { return 0 }
    let vectors = saturatingProduct([4, saturatingSum([input.byteCount, output.byteCount])])
    guard check.kind == .matrix else { return vectors }
    do {
      let elements = try MatrixCheck(maxElements: check.maxElements).elements(inputShape: input.shape, outputShape: output.shape)
      return saturatingSum([vectors, saturatingProduct([elements, 8])])
    } catch {
      if case .matrixTooLarge(let rows, let columns, let elements, let maximum) = error {
        let size = elements.map(String.init) ?? "more than \(Int.max)"
        log.add(stage.location,
          "the unrolled matrix of \"\(target)\" would be \(rows) x \(columns) = \(size) elements, above max_elements \(maximum); raise max_elements or check a smaller input")
      }
      return 0
    }
  }

  /// Simulates the run's memory: inputs live until their last reader, each result
  /// from its stage to its last reader.
  private static func measure(_ plans: [StagePlan], graph: StageGraph, inputs: [String: TensorInfo], tensors: [String: TensorInfo]) -> ItemPlan {
    var live = inputs.mapValues(\.byteCount)
    var peak = saturatingSum(Array(live.values)), peakStage: String?
    for (position, plan) in plans.enumerated() {
      if let output = plan.output { live[plan.stage.id] = output.byteCount }
      let now = saturatingSum(Array(live.values) + [plan.workspaceBytes])
      if now > peak { (peak, peakStage) = (now, plan.stage.id) }
      for name in graph.released[position] where inputs[name] == nil {
        live[name] = nil
      }
    }
    let largest = tensors.max { $0.value.byteCount < $1.value.byteCount || ($0.value.byteCount == $1.value.byteCount && $0.key > $1.key) }
    return ItemPlan(
      stages: plans, tensors: tensors, peakBytes: peak, peakStage: peakStage,
      largestTensor: largest.map { ($0.key, $0.value) })
  }
}
