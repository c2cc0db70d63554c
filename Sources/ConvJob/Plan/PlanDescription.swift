import ConvCore
import FrameworkCalls

/// The plan `validate` prints: the inputs with their shapes, one line per stage
/// with its operands and output shape, the size arithmetic with the numbers
/// filled in below each stage, and the memory estimate.
package enum PlanDescription {
  package static func render(_ prepared: PreparedJob, maxMemory: Int) -> String {
    let job = prepared.job
    let items = prepared.catalog.items
    var lines = [
      "job \"\(job.name)\" (\(job.file)): \(items.count) item\(items.count == 1 ? "" : "s")"
        + (items.count == 1 ? " \"\(items[0].id)\"" : ", first \"\(items[0].id)\"")
    ]
    if let description = job.description { lines.append("  \(description)") }
    let plans = prepared.plans
    if plans.count > 1 {
      lines.append("  \(plans.count) distinct sets of input shapes, each planned below with the items it covers")
    }
    var covered = Array(repeating: [String](), count: plans.count)
    for item in items { if let index = prepared.planIndex[item.id] { covered[index].append(item.id) } }
    for (index, plan) in plans.enumerated() {
      if plans.count > 1 {
        let ids = covered[index]
        lines.append(
          "plan \(index + 1) of \(plans.count): \(ids.count) item\(ids.count == 1 ? "" : "s"), e.g. \"\(ids.first ?? "")\""
        )
      }
      lines += render(plan, job: job, maxMemory: maxMemory, concurrentItems: prepared.concurrentItems)
    }
    return lines.joined(separator: "\n")
  }

  /// One plan: the inputs with their shapes, the stages with their arithmetic, the memory.
  private static func render(_ plan: ItemPlan, job: Job, maxMemory: Int, concurrentItems: Int) -> [String] {
    let width = max((job.inputs.map(\.name) + job.stages.map(\.id)).map(\.count).max() ?? 0, 4)
    func pad(_ name: String) -> String { name + String(repeating: " ", count: width - name.count) }
    var lines = ["inputs"]
    for input in job.inputs {
      let info = plan.tensors[input.name].map { "\($0)" } ?? "?"
      lines.append("  \(pad(input.name))  \(source(input)) -> \(info)\(input.isPerItem ? " (per item)" : "")")
    }
    lines.append("stages")
    for stagePlan in plan.stages {
      let stage = stagePlan.stage
      let operands = stagePlan.operands.map { "\($0.role.rawValue) \($0.name) \($0.info.shape.shapeDescription)" }
        .joined(separator: ", ")
      if let output = stagePlan.output {
        lines.append("  \(pad(stage.id))  \(stage.op.rawValue)(\(operands)) -> \(output)")
        lines += (stagePlan.operation?.arithmetic ?? []).map { "  \(pad(""))      \($0)" }
        if case .framework(let call) = stage.kind, !call.arguments.isEmpty {
          let arguments = call.arguments.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
          lines.append("  \(pad(""))      args: \(arguments)\(call.keras.map { ", Keras backend \($0)" } ?? "")")
        }
        lines += (stagePlan.framework?.description ?? []).map { "  \(pad(""))      \($0)" }
      } else if case .verify(let verification) = stage.kind {
        let expectation = verification.expect == .fail ? ", expect fail" : ""
        lines.append("  \(pad(stage.id))  verify \(verification.check.kind.rawValue)(\(operands)\(expectation))")
      }
    }
    if let png = job.outputs.png {
      let range: String
      switch png.range {
      case .fixed(let fixed): range = "\(fixed.lower) to \(fixed.upper)"
      case .minmax: range = "each tensor's min to max"
      }
      let folder = job.outputs.path.map { PNGOutputs.directory(png, target: $0) } ?? png.directory ?? "<output>-png"
      lines.append(
        "png outputs (\(png.bits)-bit, \(range)) in \(folder)\(job.perItemInput == nil ? "" : "/<item>")")
      for name in png.tensors {
        guard let shape = plan.tensors[name]?.shape, PNGOutputs.shapeProblem(shape) == nil else { continue }
        lines.append("  \(pad(name))  \(PNGOutputs.describe(name, shape: shape))")
      }
    }
    let peakStage = plan.peakStage.map { " (peak at stage \($0))" } ?? ""
    let together =
      concurrentItems > 1
      ? ", \(concurrentItems) items at once: \(MemorySize.format(saturatingProduct([plan.peakBytes, concurrentItems])))"
      : ""
    lines.append(
      "memory: about \(MemorySize.format(plan.peakBytes)) per item at once\(peakStage)\(together); limit \(MemorySize.format(maxMemory))"
    )
    return lines
  }

  private static func source(_ input: InputDefinition) -> String {
    let layout = input.layout.map { " layout \($0)" } ?? ""
    switch input.source {
    case .hdf5(let path, let dataset, let split): return "hdf5 \(path):\(dataset)\(layout)\(split ? " split" : "")"
    case .png(let path, let channels, let scale):
      return "png \(path) channels \(channels.rawValue) scale \(scale.rawValue)"
    case .values(let shape, _): return "values \(shape.shapeDescription)\(layout)"
    case .random(let shape, let distribution, let seed):
      return "random \(distribution.rawValue) seed \(seed) \(shape.shapeDescription)"
    }
  }
}
