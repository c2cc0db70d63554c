import ConvChecks
import ConvCore
import ConvKernels

/// A failure while a job runs: an input that cannot be read, an output that
/// cannot be written. `run` exits 3 (or records the item as failed with
/// `--keep-going`) and leaves no partial file.
package struct RunFailure: Error, CustomStringConvertible {
  package let message: String
  /// Whether writing the output itself failed (a full disk, say): then nothing
  /// of the temporary output is kept for `--resume`.
  package let writingOutput: Bool

  package init(_ message: String, writingOutput: Bool = false) {
    self.message = message
    self.writingOutput = writingOutput
  }

  package var description: String { message }
}

/// Runs the stage graph for one item in memory: stages in order, each tensor
/// freed after its last reader, kept tensors, reports and saved matrices
/// collected into an ``ItemResult`` for the writer. Touches no output file.
struct ItemExecutor: Sendable {
  let prepared: PreparedJob
  /// The inputs shared by every item, loaded once.
  let shared: [String: Tensor]

  /// Runs `item` by the plan made for it when the job was checked (its loaded
  /// inputs must still have the planned shapes). `shouldStop` is asked between
  /// stages; when it says yes the item is abandoned with ``RunStopped``.
  func run(_ item: Item, input itemInput: ItemInput, shouldStop: () -> Bool = { false }) throws -> ItemResult {
    let job = prepared.job
    var tensors = shared
    if let input = job.perItemInput {
      if let row = itemInput.tensor {
        tensors[input.name] = row
      } else {
        do {
          tensors[input.name] = try prepared.catalog.load(input, source: item.source, contents: itemInput.contents)
        } catch {
          throw RunFailure(error.line)
        }
      }
    }
    guard let plan = prepared.plan(for: item) else { throw RunFailure("\(job.file): item \(item.id) was not planned") }
    for (name, tensor) in tensors where plan.tensors[name] != TensorInfo(tensor) {
      throw RunFailure(
        "\(job.file): item \(item.id): input \(name) is \(TensorInfo(tensor)), but its file said \(plan.tensors[name].map { "\($0)" } ?? "nothing") when the job was checked"
      )
    }
    var result = ItemResult(id: item.id, inputHash: itemInput.hash)
    for input in job.inputs where job.keeps(input.name) {
      guard let tensor = tensors[input.name] else { continue }
      result.tensors.append(KeptTensor(name: input.name, tensor: tensor, op: "input", params: input.json.jsonText))
    }
    for (position, stagePlan) in plan.stages.enumerated() {
      if shouldStop() { throw RunStopped() }
      let stage = stagePlan.stage
      let operands = Dictionary(
        stagePlan.operands.compactMap { operand in
          tensors[operand.name].map { (operand.role, $0.converted(to: stagePlan.computeType)) }
        }, uniquingKeysWith: { first, _ in first })
      do {
        if stagePlan.operation != nil || stagePlan.framework != nil {
          guard let input = operands[.input] else { throw RunFailure("input missing") }
          var output: Tensor
          if let lowering = stagePlan.framework {
            guard let weight = operands[.weight] else { throw RunFailure("weight missing") }
            output = try lowering.apply(input: input, weight: weight, bias: operands[.bias])
          } else if let operation = stagePlan.operation {
            output = try operation.apply(input: input, weight: operands[.weight], bias: operands[.bias])
          } else {
            throw RunFailure("the stage was not planned")
          }
          if let dtype = stage.dtype { output = output.converted(to: dtype) }
          tensors[stage.id] = output
          if job.keeps(stage.id) {
            result.tensors.append(
              KeptTensor(name: stage.id, tensor: output, op: stage.op.rawValue, params: stage.json.jsonText))
          }
        } else if case .verify(let verification) = stage.kind {
          let (report, matrix) = try CheckRunner(plan: plan, tensors: tensors).run(
            stage, verification, operands: operands)
          result.reports.append(report)
          if let matrix { result.matrices.append((stage.id, matrix)) }
        }
      } catch let failure as RunFailure {
        throw RunFailure("\(job.file): \(stage.location): item \(item.id): \(failure.message)")
      } catch {
        throw RunFailure("\(job.file): \(stage.location): item \(item.id): \(error)")
      }
      for name in prepared.graph.released[position] where shared[name] == nil {
        tensors[name] = nil
      }
    }
    return result
  }
}

/// An item abandoned because the run is stopping (SIGINT, SIGTERM).
struct RunStopped: Error {}
