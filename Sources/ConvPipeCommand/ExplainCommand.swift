import ArgumentParser
import ConvCore
import ConvJob
import FrameworkCalls
import Foundation

struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Print each conv-like stage as the call of every framework.",
    discussion: """
      For each conv, conv_transpose and framework stage (or only STAGE), the core convolution \
      it comes to and the equivalent call in PyTorch, TensorFlow, Keras, JAX and ONNX, with the \
      layouts each takes; where a framework cannot do it in one call, the nearest composition \
      (a pad first, a slice after) and why; where it cannot at all, why. Shapes come from the \
      job's first item (or --item). With --json, the calls in the call-text conventions of \
      Tests/Fixtures/frameworks, which `generate.py --check-explain` runs. Exits 0, or 2 for an \
      invalid job.

      Example:
        convpipe explain pipelines/porting-tf-same-transpose.json up
        convpipe explain pipelines/porting-tf-same-transpose.json --json
      """)

  @Argument(help: "The job file (JSON).")
  var job: String

  @Argument(help: "Only this stage (its id).")
  var stage: String?

  @Option(help: ArgumentHelp("The item whose shapes to use (default: the first).", valueName: "id"))
  var item: String?

  @Flag(help: "Print JSON instead of text.")
  var json = false

  @OptionGroup var memory: MemoryOptions

  func run() throws {
    let limit = try memory.limit()
    let explanation: JobExplanation
    do {
      let prepared = try PreparedJob.prepare(path: job, maxMemory: limit)
      explanation = try JobExplanation.explain(prepared, item: item, stage: stage)
    } catch { throw InvalidJob(error) }
    print(
      json ? try ExplanationText.json(explanation) : ExplanationText.text(explanation), terminator: json ? "" : "\n")
  }
}

/// The printing of a ``JobExplanation``: text for people, JSON for `generate.py --check-explain`.
enum ExplanationText {
  static func text(_ explanation: JobExplanation) -> String {
    var lines = ["job \"\(explanation.job.name)\" (\(explanation.job.file)), shapes of item \"\(explanation.item)\""]
    if explanation.stages.isEmpty { lines.append("no conv-like stages") }
    for stage in explanation.stages {
      let plan = stage.plan
      let operands = plan.operands.map { "\($0.role.rawValue) \($0.name) \($0.info.shape.shapeDescription)" }
        .joined(separator: ", ")
      lines.append("")
      lines.append("\(plan.stage.id): \(plan.stage.op.rawValue)(\(operands)) -> \(plan.output.map { "\($0)" } ?? "")")
      lines.append("  as convpipe computes it: \(stage.canonical.geometry.summary)")
      for call in stage.calls {
        let head = "  \(call.framework.displayName)"
        let pad = String(repeating: " ", count: 4)
        switch call.kind {
        case .impossible:
          lines.append("\(head): cannot: \(call.reason ?? "")")
        case .exact, .composition:
          lines.append(
            "\(head): \(call.kind == .exact ? "one call" : "composition")\(call.backend.map { " (Keras backend \($0.rawValue))" } ?? "")\(call.dtype != plan.computeType ? " in \(call.dtype)" : "")"
          )
          if let layouts = call.layouts { lines.append("\(pad)layouts: \(layouts)") }
          let bindings = call.bindings.filter { !$0.transforms.isEmpty }.map { binding in
            "\(binding.name) = \(binding.operand) \(plan.operand(role(binding.operand))?.name ?? "") \(binding.transforms.map(\.description).joined(separator: ", "))"
          }
          if !bindings.isEmpty { lines.append("\(pad)bind: \(bindings.joined(separator: "; "))") }
          lines.append("\(pad)\(call.call ?? "")")
          if !call.result.isEmpty {
            lines.append(
              "\(pad)result -> the stage's layout: \(call.result.map(\.description).joined(separator: ", "))")
          }
          if let reason = call.reason { lines.append("\(pad)why: \(reason)") }
          for note in call.notes { lines.append("\(pad)note: \(note)") }
        }
      }
    }
    return lines.joined(separator: "\n")
  }

  private static func role(_ operand: String) -> Role { Role(rawValue: operand) ?? .input }

  static func json(_ explanation: JobExplanation) throws -> String {
    struct Transform: Encodable {
      let transform: TensorTransform
      func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch transform {
        case .permute(let axes): try container.encode(axes, forKey: .permute)
        case .reshape(_, let to): try container.encode(to, forKey: .reshape)
        case .flip(let axes): try container.encode(axes, forKey: .flip)
        }
      }
      enum Key: String, CodingKey { case permute, reshape, flip }
    }
    struct Binding: Encodable {
      let operand: String
      let tensor: String?
      let transforms: [Transform]
    }
    struct Call: Encodable {
      let framework, kind, dtype: String
      let api, call, backend, layouts, reason: String?
      let bind: [String: Binding]
      let result: [Transform]
      let notes: [String]
    }
    struct Stage: Encodable {
      let id, op, dtype, convolution: String
      let output: [Int]
      let lowering: [String]
      let calls: [Call]
    }
    struct File: Encodable {
      let job, item: String
      let stages: [Stage]
    }
    let stages = explanation.stages.map { stage in
      Stage(
        id: stage.plan.stage.id, op: stage.plan.stage.op.rawValue, dtype: stage.plan.computeType.rawValue,
        convolution: stage.canonical.geometry.summary, output: stage.plan.output?.shape ?? [],
        lowering: stage.lowering,
        calls: stage.calls.map { call in
          Call(
            framework: call.framework.rawValue, kind: call.kind.rawValue, dtype: call.dtype.rawValue,
            api: call.api?.rawValue, call: call.call, backend: call.backend?.rawValue, layouts: call.layouts,
            reason: call.reason,
            bind: Dictionary(
              uniqueKeysWithValues: call.bindings.map { binding in
                (
                  binding.name,
                  Binding(
                    operand: binding.operand, tensor: stage.plan.operand(role(binding.operand))?.name,
                    transforms: binding.transforms.map(Transform.init))
                )
              }), result: call.result.map(Transform.init), notes: call.notes)
        })
    }
    return try JSONLines.line(File(job: explanation.job.file, item: explanation.item, stages: stages))
  }
}
