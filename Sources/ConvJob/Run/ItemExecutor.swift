import ConvChecks
import ConvCore
import HDF5IO

/// A failure while a job runs: an input that cannot be read, an output that
/// cannot be written. `run` exits 3 and leaves no partial file.
public struct RunFailure: Error, CustomStringConvertible {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Runs the stage graph for one item: stages in order, each tensor freed after
/// its last reader, kept tensors written as soon as they exist.
struct ItemExecutor {
  let prepared: PreparedJob
  /// The inputs shared by every item, loaded once.
  let shared: [String: Tensor]

  /// Runs `item` by the plan made for it when the job was checked (its loaded
  /// inputs must still have the planned shapes), writing its tensors, reports
  /// and matrices into `output`.
  func run(_ item: Item, into output: OutputFile) throws(RunFailure) -> [CheckReport] {
    let job = prepared.job
    var tensors = shared
    if let input = job.perItemInput {
      do { tensors[input.name] = try prepared.catalog.load(input, source: item.source) } catch {
        throw RunFailure(error.description)
      }
    }
    guard let plan = prepared.plan(for: item) else { throw RunFailure("\(job.file): item \(item.id) was not planned") }
    for (name, tensor) in tensors where plan.tensors[name] != TensorInfo(tensor) {
      throw RunFailure("\(job.file): item \(item.id): input \(name) is \(TensorInfo(tensor)), but its file said \(plan.tensors[name].map { "\($0)" } ?? "nothing") when the job was checked")
    }
    for input in job.inputs where job.keeps(input.name) {
      guard let tensor = tensors[input.name] else { continue }
      try write { () throws(HDF5Error) in try output.writeTensor(tensor, item: item.id, name: input.name, op: "input", params: input.json.jsonText, compression: job.outputs.compression) }
    }
    var reports: [CheckReport] = []
    for (position, stagePlan) in plan.stages.enumerated() {
      let stage = stagePlan.stage
      let operands = Dictionary(stagePlan.operands.compactMap { operand in
        tensors[operand.name].map { (operand.role, $0.converted(to: stagePlan.computeType)) }
      }, uniquingKeysWith: { first, _ in first })
      do {
        if let operation = stagePlan.operation {
          guard let input = operands["input"] else { throw RunFailure("input missing") }
          var result = try operation.apply(input: input, weight: operands["weight"], bias: operands["bias"])
          if let dtype = stage.dtype { result = result.converted(to: dtype) }
          tensors[stage.id] = result
          if job.keeps(stage.id) {
            try write { () throws(HDF5Error) in
              try output.writeTensor(result, item: item.id, name: stage.id, op: stage.op.rawValue, params: stage.json.jsonText, compression: job.outputs.compression)
            }
          }
        } else if case .verify(let check) = stage.kind {
          let (report, matrix) = try CheckRunner(plan: plan, tensors: tensors).run(stage, check: check, operands: operands)
          reports.append(report)
          try write { () throws(HDF5Error) in try output.writeReport(report, item: item.id) }
          if let matrix {
            try write { () throws(HDF5Error) in try output.writeMatrix(matrix, item: item.id, stageID: stage.id, compression: job.outputs.compression) }
          }
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
    return reports
  }

  private func write(_ body: () throws(HDF5Error) -> Void) throws(RunFailure) {
    do { try body() } catch { throw RunFailure(error.description) }
  }
}
