import ConvCore
import FrameworkCalls

/// What `convpipe explain` says about a job: for each conv-like stage of one
/// item's plan (core `conv`/`conv_transpose` and framework stages), the stage
/// reduced to one core convolution and the equivalent call of every framework.
/// The computation only; the command prints it as text or JSON.
package struct JobExplanation: Sendable {
  package struct Stage: Sendable {
    package let plan: StagePlan
    package let canonical: CanonicalConvolution
    package let calls: [EquivalentCall]
    /// The lowering's lines, for framework stages.
    package let lowering: [String]

    /// `back: conv_transpose(input y 1x1x2x2, weight w 1x1x3x3) -> 1x1x4x4 float64`.
    package var heading: String {
      let operands = plan.operands.map { "\($0.role.rawValue) \($0.name) \($0.info.shape.shapeDescription)" }
        .joined(separator: ", ")
      return "\(plan.stage.id): \(plan.stage.op.rawValue)(\(operands)) -> \(plan.output.map { "\($0)" } ?? "")"
    }
  }

  package let job: Job
  /// The item whose shapes the stages were planned for.
  package let item: String
  package let stages: [Stage]

  /// Explains the conv-like stages of `prepared` for `item` (the first item when
  /// nil), or only the stage with id `stage`.
  package static func explain(_ prepared: PreparedJob, item: String? = nil, stage: String? = nil) throws(JobProblems)
    -> JobExplanation
  {
    let job = prepared.job
    let items = prepared.catalog.items
    guard let chosen = item.map({ id in items.first { $0.id == id } }) ?? items.first else {
      throw JobProblems([JobProblem(file: job.file, location: "", message: "no item \"\(item ?? "")\"")])
    }
    guard let plan = prepared.plan(for: chosen) else {
      throw JobProblems([JobProblem(file: job.file, location: "", message: "item \(chosen.id) could not be planned")])
    }
    if let stage, job.stage(id: stage) == nil {
      throw JobProblems([JobProblem(file: job.file, location: "", message: "no stage \"\(stage)\" in the job")])
    }
    var explained: [Stage] = []
    for stagePlan in plan.stages where stage == nil || stagePlan.stage.id == stage {
      let canonical: CanonicalConvolution
      var lowering: [String] = []
      if let framework = stagePlan.framework {
        canonical = CanonicalConvolution(framework)
        lowering = framework.description
      } else if case .convolution(let geometry)? = stagePlan.operation {
        canonical = CanonicalConvolution(geometry: geometry, hasBias: stagePlan.operand(.bias) != nil)
      } else {
        continue
      }
      explained.append(
        Stage(
          plan: stagePlan, canonical: canonical,
          calls: Equivalents.calls(for: canonical, dtype: stagePlan.computeType), lowering: lowering))
    }
    if let stage, explained.isEmpty {
      throw JobProblems([
        JobProblem(
          file: job.file, location: job.stage(id: stage)?.location ?? "",
          message: "\"\(stage)\" is not a conv-like stage: explain covers conv, conv_transpose and framework stages")
      ])
    }
    return JobExplanation(job: job, item: chosen.id, stages: explained)
  }
}
