import ConvChecks
import ConvCore
import FrameworkCalls

/// Infers every stage's shapes from the inputs' shapes alone: the same
/// arithmetic serves `validate`, the checks before `run` reads data, and each
/// item as it runs.
package enum JobPlanner {
  /// Plans every stage of `graph` for one item's input shapes, or throws every
  /// rule broken, each naming its stage.
  package static func plan(job: Job, graph: StageGraph, inputs: [String: TensorInfo]) throws(JobProblems) -> ItemPlan {
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
      case .operation(var operation):
        let shape = { (role: Role) in operands.first { $0.role == role }?.info.shape }
        if case .convTranspose(var parameters) = operation, let size = shape(.outputSize) {
          parameters.outputSize = size  // `"output_size": "image"`: that tensor's shape, item by item
          operation = .convTranspose(parameters)
        }
        do {
          let planned = try operation.plan(input: shape(.input) ?? [], weight: shape(.weight), bias: shape(.bias))
          let output = TensorInfo(shape: planned.outputShape, dtype: stage.dtype ?? computeType)
          tensors[stage.id] = output
          plans.append(
            StagePlan(
              stage: stage, operands: operands, operation: planned, computeType: computeType, output: output,
              workspaceBytes: 0))
        } catch {
          let hint = channelHint(
            stage: stage, operation: operation, input: operands.first { $0.role == .input }, weight: shape(.weight),
            job: job)
          for problem in error.problems {
            log.add(stage.location, problem + (problem.contains("input channels") ? hint : ""))
          }
        }
      case .framework(let call):
        let shape = { (role: Role) in operands.first { $0.role == role }?.info.shape }
        do {
          let lowering = try call.lower(
            input: shape(.input) ?? [], weight: shape(.weight) ?? [], bias: shape(.bias), dtype: computeType)
          let output = TensorInfo(shape: lowering.outputShape, dtype: stage.dtype ?? computeType)
          tensors[stage.id] = output
          var plan = StagePlan(
            stage: stage, operands: operands, operation: nil, computeType: computeType, output: output,
            workspaceBytes: lowering.workspaceElements * computeType.byteWidth)
          plan.framework = lowering
          plans.append(plan)
        } catch {
          for problem in error.problems { log.add(stage.location, "\(call.api.rawValue): \(problem.message)") }
        }
      case .verify(let verification):
        if case .allclose = verification.check, let actual = operands.first(where: { $0.role == .actual }),
          let expected = operands.first(where: { $0.role == .expected }), actual.info.shape != expected.info.shape
        {
          log.add(
            stage.location,
            "allclose compares tensors of one shape, but actual \"\(actual.name)\" is \(actual.info.shape.shapeDescription) and expected \"\(expected.name)\" is \(expected.info.shape.shapeDescription); to compare sizes, use check \"shape\""
          )
        }
        let workspace = checkWorkspace(verification.check, stage: stage, plans: plans, log: log)
        plans.append(
          StagePlan(
            stage: stage, operands: operands, operation: nil, computeType: computeType, output: nil,
            workspaceBytes: workspace))
      }
    }
    var pictureOwners: [String: String] = [:]
    for name in job.outputs.png?.tensors ?? [] {
      guard let shape = tensors[name]?.shape else { continue }
      if let problem = PNGOutputs.shapeProblem(shape) {
        log.add("outputs.png", "tensors: \"\(name)\" \(problem)")
        continue
      }
      for slice in PNGOutputs.slices(name, shape: shape) {
        if let other = pictureOwners[slice.file], other != name {
          log.add(
            "outputs.png", "tensors: \"\(other)\" and \"\(name)\" would both write \(slice.file); rename one of them")
        }
        pictureOwners[slice.file] = name
      }
    }
    try log.check()
    return measure(plans, graph: graph, inputs: inputs, tensors: tensors)
  }

  /// The fix for a channel mismatch when the input comes straight from a file:
  /// the PNG `channels` option the weight needs, or the `layout` of an HDF5
  /// dataset stored channels-last. Empty when no fix is known.
  static func channelHint(
    stage: StageDefinition, operation: Operation, input: PlannedOperand?, weight: [Int]?, job: Job
  ) -> String {
    guard let input, let weight, weight.count >= 2, let definition = job.input(named: input.name) else { return "" }
    let expected: Int
    switch operation {
    case .conv(let parameters): expected = weight[1] * parameters.groups
    case .convTranspose: expected = weight[0]
    case .remap, .permute, .reshape: return ""
    }
    let shape = input.info.shape
    switch definition.source {
    case .png:
      let names = [1: "gray", 3: "rgb", 4: "rgba"]
      guard let channels = names[expected] else { return "" }
      return
        "; add \"channels\": \"\(channels)\" to \(definition.location) to load its PNGs with \(expected) channel\(expected == 1 ? "" : "s")"
    case .hdf5, .values:
      let layouts = [3: "NLC", 4: "NHWC", 5: "NDHWC"]
      guard definition.layout == nil, shape.count >= 3, shape.last == expected, shape[1] != expected,
        let layout = layouts[shape.count]
      else { return "" }
      return
        "; its stored shape \(shape.shapeDescription) has \(expected) on the last axis: if that is the channel axis, add \"layout\": \"\(layout)\" to \(definition.location)"
    case .random:
      return ""
    }
  }

  /// Bytes a check needs beyond its operands; refuses a `matrix` check above `max_elements`.
  private static func checkWorkspace(_ check: Check, stage: StageDefinition, plans: [StagePlan], log: ProblemLog) -> Int
  {
    guard let target = stage.reference(.of), let targetPlan = plans.first(where: { $0.stage.id == target }),
      let input = targetPlan.operand(.input)?.info, let output = targetPlan.output
    else { return 0 }
    let vectors = saturatingProduct([4, saturatingSum([input.byteCount, output.byteCount])])
    if case .direct = check, case .convolution(let geometry)? = targetPlan.operation, geometry.paddingMode != .zeros {
      log.add(stage.location, "of: \"\(target)\": \(CheckError.paddingModeNotCovered(geometry.paddingMode))")
    }
    guard case .matrix(let matrixCheck, _) = check else { return vectors }
    do {
      let elements = try matrixCheck.elements(inputShape: input.shape, outputShape: output.shape)
      return saturatingSum([vectors, saturatingProduct([elements, 8])])
    } catch {
      if case .matrixTooLarge(let rows, let columns, let elements, let maximum) = error {
        let size = elements.map(String.init) ?? "more than \(Int.max)"
        log.add(
          stage.location,
          "the unrolled matrix of \"\(target)\" would be \(rows) x \(columns) = \(size) elements, above max_elements \(maximum); raise max_elements or check a smaller input"
        )
      }
      return 0
    }
  }

  /// Simulates the run's memory: inputs live until their last reader, each result
  /// from its stage to its last reader.
  private static func measure(
    _ plans: [StagePlan], graph: StageGraph, inputs: [String: TensorInfo], tensors: [String: TensorInfo]
  ) -> ItemPlan {
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
    let largest = tensors.max {
      $0.value.byteCount < $1.value.byteCount || ($0.value.byteCount == $1.value.byteCount && $0.key > $1.key)
    }
    return ItemPlan(
      stages: plans, tensors: tensors, peakBytes: peak, peakStage: peakStage,
      largestTensor: largest.map { ($0.key, $0.value) })
  }
}
