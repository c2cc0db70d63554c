import ConvCore

/// A job checked end to end without reading tensor data: parsed, its stages
/// ordered, its inputs resolved from metadata, every item planned and its
/// memory estimated. `validate` prints it; `run` executes it.
package struct PreparedJob: Sendable {
  package let job: Job
  package let graph: StageGraph
  package let catalog: InputCatalog
  /// The plan of each distinct set of input shapes, in order of first appearance.
  package let plans: [ItemPlan]
  /// For each item id, the index of its plan in `plans`.
  package let planIndex: [String: Int]
  /// Items that cannot run, by id, with why: a file that could not be read, or
  /// input shapes that break a stage's rules while other items' do not.
  package let itemFailures: [String: [JobProblem]]
  /// How many items run at once (`--threads`, at most the items), which
  /// `--max-memory` bounds together.
  package let concurrentItems: Int

  /// Parses and checks the job at `path`, reporting every problem of every phase
  /// together (syntax and keys, names and graph, input files, shapes, memory);
  /// `maxMemory` bounds one item's working set.
  /// `concurrentItems` items run at once, so each may use a share of it.
  /// With `itemFailuresAtRun`, an item whose file cannot be read, or whose
  /// shapes break a stage's rules when some other item's do not, is left
  /// unplanned for the run to fail (or record, with `--keep-going`) in its
  /// turn; otherwise it is one of the problems. With `shard`, only that
  /// shard's items are read and planned.
  package static func prepare(
    path: String, maxMemory: Int, concurrentItems: Int = 1, itemFailuresAtRun: Bool = false, shard: Shard? = nil
  ) throws(JobProblems) -> PreparedJob {
    let (job, problems) = JobDecoder.read(path: path)
    guard let job else { throw JobProblems(problems) }
    return try prepare(
      job: job, maxMemory: maxMemory, concurrentItems: concurrentItems, earlierProblems: problems,
      itemFailuresAtRun: itemFailuresAtRun, shard: shard)
  }

  package static func prepare(
    job: Job, maxMemory: Int, concurrentItems: Int = 1, earlierProblems: [JobProblem] = [],
    itemFailuresAtRun: Bool = false, shard: Shard? = nil
  ) throws(JobProblems) -> PreparedJob {
    let graph = StageGraph(job: job)
    let catalog = InputCatalog(job: job, shard: shard, threads: concurrentItems)
    var problems = earlierProblems + (graph.cycle.map { [$0] } ?? []) + catalog.problems
    var itemFailures = catalog.unreadable
    var planProblems: [JobProblem] = []
    var plans: [ItemPlan] = []
    var planFor: [[String: TensorInfo]: Int] = [:]
    var planIndex: [String: Int] = [:]
    var failedFor: [[String: TensorInfo]: [JobProblem]] = [:]
    let misread = misreadLocations(job: job, problems: earlierProblems)
    for item in catalog.items where catalog.unreadable[item.id] == nil {
      let infos = catalog.infos(for: item)
      if let index = planFor[infos] {
        planIndex[item.id] = index
        continue
      }
      if let failed = failedFor[infos] {
        itemFailures[item.id] = failed.map { $0.forItem(item.id) }
        planProblems += failed.map { $0.forItem(item.id) }
        continue
      }
      do {
        let plan = try JobPlanner.plan(job: job, graph: graph, inputs: infos)
        planFor[infos] = plans.count
        planIndex[item.id] = plans.count
        plans.append(plan)
      } catch {
        let shapeProblems = error.problems.filter { !misread.contains($0.location) }
        failedFor[infos] = shapeProblems
        let found = catalog.itemsTotal > 1 ? shapeProblems.map { $0.forItem(item.id) } : shapeProblems
        itemFailures[item.id] = found
        planProblems += found
      }
    }
    // Problems every item shares are the job's; with some items planned, the others' are theirs alone.
    // A shard cannot tell (the other shards' items are not read), so its items' problems stay theirs:
    // a shard whose few items are all corrupt images records them, as the single run would.
    if !itemFailuresAtRun || (plans.isEmpty && catalog.shard == nil) {
      problems += catalog.items.flatMap { catalog.unreadable[$0.id] ?? [] } + planProblems
      itemFailures = [:]
    }
    let concurrent = min(concurrentItems, catalog.items.count)
    if problems.isEmpty, let largest = plans.max(by: { $0.peakBytes < $1.peakBytes }),
      let problem = memoryProblem(largest, job: job, limit: maxMemory, concurrent: concurrent)
    {
      problems.append(problem)
    }
    if !problems.isEmpty { throw JobProblems(problems) }
    return PreparedJob(
      job: job, graph: graph, catalog: catalog, plans: plans, planIndex: planIndex, itemFailures: itemFailures,
      concurrentItems: max(concurrent, 1))
  }

  /// The locations of the stages `problems` (the decoder's) are about: their
  /// shapes are worked out from defaults standing in for what the user meant
  /// (`"strides"` for `"stride"` leaves the stride 1), so the shape problems
  /// found there would mislead. Stages reading them keep theirs: a rule of
  /// their own parameters (`output_padding` below the stride) holds whatever they read.
  private static func misreadLocations(job: Job, problems: [JobProblem]) -> Set<String> {
    let faulty = Set(problems.map(\.location))
    return Set(job.stages.map(\.location).filter(faulty.contains))
  }

  /// The plan of one item.
  package func plan(for item: Item) -> ItemPlan? { planIndex[item.id].map { plans[$0] } }

  /// Why item `id` cannot run (see ``itemFailures``), as one line.
  package func failure(of id: String) -> String? {
    itemFailures[id].map { JobProblems($0).line }
  }

  private static func memoryProblem(_ plan: ItemPlan, job: Job, limit: Int, concurrent: Int) -> JobProblem? {
    guard saturatingProduct([plan.peakBytes, max(concurrent, 1)]) > limit else { return nil }
    let perItem = concurrent > 1 ? " per item, \(concurrent) items at once" : ""
    let location = plan.peakStage.flatMap { job.stage(id: $0)?.location } ?? "inputs"
    let largest =
      plan.largestTensor.map { " (largest tensor \"\($0.name)\" \($0.info), \(MemorySize.format($0.info.byteCount)))" }
      ?? ""
    return JobProblem(
      file: job.file, location: location,
      message:
        "needs about \(MemorySize.format(plan.peakBytes)) at once\(perItem)\(largest), more than --max-memory \(MemorySize.format(limit))"
    )
  }
}

extension PreparedJob {
  /// `result` as this job's output stores it: in a part file (`--shard`), with
  /// its ``ItemResult/elementsHash`` (computed here, on the item's thread, not
  /// the writer's, unless an item read back from a part file brought it
  /// verified); elsewhere without one.
  func sealed(_ result: ItemResult) -> ItemResult {
    var sealed = result
    if catalog.shard == nil {
      sealed.elementsHash = nil
    } else if sealed.elementsHash == nil {
      sealed.elementsHash = ItemStorage.elementsHash(result)
    }
    return sealed
  }
}
