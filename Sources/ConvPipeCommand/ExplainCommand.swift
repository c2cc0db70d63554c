import ArgumentParser
import ConvCore
import ConvJob
import ConvReport
import FrameworkCalls
import Foundation

struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Print each conv-like stage as the call of every framework, or draw one's arithmetic as SVG.",
    discussion: """
      For each conv, conv_transpose and framework stage (or only STAGE), the core convolution \
      it comes to and the equivalent call in PyTorch, TensorFlow, Keras, JAX and ONNX, with the \
      layouts each takes; where a framework cannot do it in one call, the nearest composition \
      (a pad first, a slice after) and why; where it cannot at all, why. Shapes come from the \
      job's first item (or --item). With --json, the calls in the call-text conventions of \
      Tests/Fixtures/frameworks, which `generate.py --check-explain` runs.

      With --svg FILE.svg, instead of printing, draws STAGE's arithmetic on its real sizes as the \
      convolution-arithmetic guide's figures do, in one self-contained SVG file: the input, the \
      zeros the stride inserts (a transposed convolution drawn as the direct convolution of the \
      zero-inserted, padded input with the flipped kernel), the padding (and a padding mode's \
      copies), the crops and output_padding, the kernel's taps for one output cell and the input \
      cells feeding it, and the output. It steps through the output cells as an SMIL animation \
      (plays in a browser, no script); --frames N draws the first N steps as static frames \
      instead, for viewers that do not animate. 2-d: the H x W plane of batch item 0, channel 0; \
      1-d: one row; 3-d: the H x W plane of output depth slice 0, with the D axis drawn on its \
      own. At most 32 cells a side are drawn, the middle elided. A framework stage draws the \
      core convolution it lowers to, its asymmetric padding or crop captioned. An existing file \
      is replaced whole (a temporary file beside it, renamed).

      Exits 0; 2 for an invalid job, a missing or not conv-like STAGE, or --svg without STAGE \
      (the message names the conv-like stages), or --svg naming the job file; 3 when the picture cannot be written (nothing \
      is left behind).

      Example:
        convpipe explain pipelines/porting-tf-same-transpose.json up
        convpipe explain pipelines/porting-tf-same-transpose.json --json
        convpipe explain pipelines/quick-start.json back --svg back.svg
        convpipe explain pipelines/quick-start.json back --svg b.svg --frames 6
      """)

  @Argument(help: "The job file (JSON).")
  var job: String

  @Argument(help: "Only this stage (its id).")
  var stage: String?

  @Option(help: ArgumentHelp("The item whose shapes to use (default: the first).", valueName: "id"))
  var item: String?

  @Flag(help: "Print JSON instead of text.")
  var json = false

  @Option(
    help: ArgumentHelp(
      "Draw STAGE's arithmetic, animated, in this SVG file instead of printing.", valueName: "file.svg"))
  var svg: String?

  @Option(
    help: ArgumentHelp(
      "With --svg: the first N steps as static frames side by side instead of the animation.", valueName: "n"))
  var frames: Int?

  @OptionGroup var memory: MemoryOptions

  func validate() throws {
    if let frames, frames < 1 { throw ValidationError("--frames \(frames) is out of range: give 1 or more") }
    if frames != nil && svg == nil {
      throw ValidationError("--frames draws frames of the --svg picture: give --svg too")
    }
    if svg != nil && json { throw ValidationError("give --svg or --json, not both") }
  }

  func run() throws {
    if let svg { try refuseOverwriting(svg, option: "--svg", inputs: [("the job file", job)]) }
    let limit = try memory.limit()
    let explanation: JobExplanation
    do {
      let prepared = try PreparedJob.prepare(path: job, maxMemory: limit)
      explanation = try JobExplanation.explain(prepared, item: item, stage: stage)
    } catch { throw InvalidJob(error) }
    if let svg { return try draw(explanation, to: svg) }
    print(
      json ? try ExplanationText.json(explanation) : ExplanationText.text(explanation), terminator: json ? "" : "\n")
  }

  /// Writes the picture of the one stage explained, or refuses (exit 2) without STAGE.
  private func draw(_ explanation: JobExplanation, to path: String) throws {
    guard stage != nil, let explained = explanation.stages.first else {
      let ids = explanation.stages.map(\.plan.stage.id)
      throw ValidationError(
        ids.isEmpty
          ? "--svg draws one conv-like stage, and \(job) has none"
          : "--svg draws one stage: name one of the conv-like stages \(ids.joined(separator: ", "))")
    }
    let picture = ArithmeticPicture(explained)
    let text = ArithmeticSVG.document(picture, frames: frames)
    try replaceFile(path, with: text, what: "the picture")
    let drawn = frames.map { "\(min($0, picture.steps.count)) frames" } ?? "\(picture.steps.count) steps"
    print("wrote \(path): \(explained.plan.stage.id), \(drawn), \((text.utf8.count + 1023) / 1024) KiB")
  }
}

/// The printing of a ``JobExplanation``: text for people, JSON for `generate.py --check-explain`.
enum ExplanationText {
  static func text(_ explanation: JobExplanation) -> String {
    var lines = ["job \"\(explanation.job.name)\" (\(explanation.job.file)), shapes of item \"\(explanation.item)\""]
    if explanation.stages.isEmpty { lines.append("no conv-like stages") }
    for stage in explanation.stages {
      let plan = stage.plan
      lines.append("")
      lines.append(stage.heading)
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
