/// The stages ordered so that each runs after every stage it reads, and for
/// each name the last stage that reads it (so its tensor can be freed then).
public struct StageGraph: Sendable {
  /// Stages in execution order: dependencies first, ties in listing order.
  public let order: [StageDefinition]
  /// For each input or stage name, the position in `order` of its last reader.
  public let lastUse: [String: Int]

  /// Orders `job`'s stages, or throws a problem naming the cycle's path of names.
  public init(job: Job) throws(JobProblems) {
    let byID = Dictionary(job.stages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    var remaining = Dictionary(job.stages.map { stage in
      (stage.id, Set(stage.references.map(\.name).filter { byID[$0] != nil }))
    }, uniquingKeysWith: { first, _ in first })
    var order: [StageDefinition] = []
    while !remaining.isEmpty {
      let ready = job.stages.filter { remaining[$0.id]?.isEmpty == true }
      guard !ready.isEmpty else {
        let cycle = Self.cycle(in: remaining)
        let stage = job.stages.first { $0.id == cycle.first } ?? job.stages[0]
        throw JobProblems([JobProblem(
          file: job.file, location: stage.location,
          message: "the stages form a cycle: \(cycle.map { "\"\($0)\"" }.joined(separator: " -> "))")])
      }
      for stage in ready {
        order.append(stage)
        remaining[stage.id] = nil
      }
      for id in remaining.keys { remaining[id]?.subtract(ready.map(\.id)) }
    }
    self.order = order
    var lastUse: [String: Int] = [:]
    for (position, stage) in order.enumerated() {
      for reference in stage.references { lastUse[reference.name] = position }
    }
    self.lastUse = lastUse
  }

  /// A path of names around one cycle among the stages still waiting, first name repeated at the end.
  private static func cycle(in waiting: [String: Set<String>]) -> [String] {
    guard var current = waiting.keys.sorted().first else { return [] }
    var path: [String] = []
    while !path.contains(current) {
      path.append(current)
      guard let next = waiting[current]?.sorted().first else { break }
      current = next
    }
    let start = path.firstIndex(of: current) ?? 0
    return Array(path[start...]) + [current]
  }
}
