/// The stages ordered so that each runs after every stage it reads, and for
/// each name the last stage that reads it (so its tensor can be freed then).
package struct StageGraph: Sendable {
  /// Stages in execution order: each time, the first listed stage whose
  /// dependencies have run, so a listing that is already in order is kept.
  /// Stages on or behind a cycle are left out.
  package let order: [StageDefinition]
  /// For each input or stage name, the position in `order` of its last reader.
  package let lastUse: [String: Int]
  /// For each position in `order`, the names whose last reader runs there:
  /// what can be freed once that stage has run.
  package let released: [[String]]
  /// The cycle, if the stages form one, naming its path of names.
  package let cycle: JobProblem?

  /// Orders `job`'s stages.
  package init(job: Job) {
    let byID = Dictionary(job.stages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    var remaining = Dictionary(
      job.stages.map { stage in
        (stage.id, Set(stage.references.map(\.name).filter { byID[$0] != nil }))
      }, uniquingKeysWith: { first, _ in first })
    var order: [StageDefinition] = []
    var cycle: JobProblem?
    while !remaining.isEmpty {
      // The first stage in listing order whose dependencies have all run.
      guard let next = job.stages.first(where: { remaining[$0.id]?.isEmpty == true }) else {
        let path = Self.cycle(in: remaining)
        let location = job.stages.first { $0.id == path.first }?.location ?? "stages"
        cycle = JobProblem(
          file: job.file, location: location,
          message: "the stages form a cycle: \(path.map { "\"\($0)\"" }.joined(separator: " -> "))")
        break
      }
      order.append(next)
      remaining[next.id] = nil
      for id in remaining.keys { remaining[id]?.remove(next.id) }
    }
    self.order = order
    self.cycle = cycle
    var lastUse: [String: Int] = [:]
    for (position, stage) in order.enumerated() {
      for name in Self.reads(stage, in: byID) { lastUse[name] = position }
    }
    self.lastUse = lastUse
    var released = Array(repeating: [String](), count: order.count)
    for (name, position) in lastUse.sorted(by: { $0.key < $1.key }) { released[position].append(name) }
    self.released = released
  }

  /// The names a stage needs alive when it runs: its references and, for a check
  /// of another stage's operator (`of`), that stage's operands too.
  private static func reads(_ stage: StageDefinition, in stages: [String: StageDefinition]) -> [String] {
    let names = stage.references.map(\.name)
    guard stage.op == .verify, let target = stage.reference(.of).flatMap({ stages[$0] }) else { return names }
    return names + target.references.map(\.name)
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
