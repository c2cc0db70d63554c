import ConvCore
import Foundation
import HDF5IO
import PNGIO

/// The job's inputs resolved against the file system: the items, and every
/// input's shape and element type from metadata alone (HDF5 dataset headers,
/// PNG headers), then the tensors themselves when a run asks for them.
package struct InputCatalog: Sendable {
  package let job: Job
  /// The items to run, in the job's order: all of them, or those of ``shard``.
  package let items: [Item]
  /// `--shard K/N`: ``items`` are the job's items of shard K.
  package let shard: Shard?
  /// How many items the whole job has (those of every shard).
  package let itemsTotal: Int
  /// Shapes of the inputs shared by every item.
  package let shared: [String: TensorInfo]
  /// For the per-item input, the shape of each item by id.
  package let perItem: [String: TensorInfo]
  /// Every missing file, unreadable header, missing dataset and layout mismatch
  /// of the job as a whole; the inputs concerned have no shape above.
  package let problems: [JobProblem]
  /// The files of a glob whose header cannot be read or does not fit the
  /// input's layout, by item id: each is that item's failure (a run stops there,
  /// or records it with `--keep-going`), not the whole job's.
  package let unreadable: [String: [JobProblem]]

  /// Expands globs and reads metadata; with `shard`, keeps only that shard's
  /// items and reads only their metadata. PNG headers are read on `threads` threads.
  package init(job: Job, shard: Shard? = nil, threads: Int = 1) {
    self.job = job
    self.shard = shard
    let log = ProblemLog(file: job.file)
    var shared: [String: TensorInfo] = [:]
    var perItem: [String: TensorInfo] = [:]
    var unreadable: [String: [JobProblem]] = [:]
    var items = [Item(id: "main", source: nil)]
    var itemsTotal = 1
    for input in job.inputs {
      if input.isPerItem {
        items = Self.items(of: input, log: log).enumerated().map { Item(id: $1.id, source: $1.source, index: $0) }
        itemsTotal = items.count
        if let shard { items = items.filter { shard.contains($0.id) } }
        // Items of one shape share one TensorInfo (a shape array each: 64 bytes an item).
        var distinct: Set<TensorInfo> = []
        for (item, found) in zip(items, Self.fileInfos(of: input, items: items, threads: threads, file: job.file)) {
          guard let (info, problems) = found else {
            if let info = Self.info(of: input, source: item.source, log: log) { perItem[item.id] = info }
            continue
          }
          if let info { perItem[item.id] = distinct.insert(info).memberAfterInsert }
          if !problems.isEmpty { unreadable[item.id] = problems.map { $0.asDataError() } }
        }
      } else if let info = Self.info(of: input, source: nil, log: log) {
        shared[input.name] = info
      }
    }
    if let shard, job.perItemInput == nil { items = items.filter { shard.contains($0.id) } }
    self.items = items
    self.itemsTotal = itemsTotal
    self.shared = shared
    self.perItem = perItem
    self.unreadable = unreadable
    problems = log.problems
  }

  /// Every input's shape for one item.
  package func infos(for item: Item) -> [String: TensorInfo] {
    var infos = shared
    if let input = job.perItemInput, let info = perItem[item.id] { infos[input.name] = info }
    return infos
  }

  /// Reads or makes the tensor of `input` for `source` (nil for a shared input);
  /// `contents` are the source file's bytes when they were already read.
  package func load(_ input: InputDefinition, source: ItemSource?, contents: [UInt8]? = nil) throws(JobProblems)
    -> Tensor
  {
    let log = ProblemLog(file: job.file)
    let tensor = Self.read(input, source: source, contents: contents, log: log)
    try log.check()
    guard let tensor else {
      throw JobProblems([
        JobProblem(file: job.file, location: input.location, message: "could not be loaded", isDataError: true)
      ])
    }
    return tensor
  }

  /// The input files of `job` that are missing, found without reading a
  /// header: a glob that matches nothing, a named file that cannot be opened.
  /// What `convpipe submit` checks before it sends a job to a cluster, where
  /// reading every image's header would cost the submitting machine a pass
  /// over the dataset.
  package static func missingFiles(of job: Job) -> [JobProblem] {
    let log = ProblemLog(file: job.file)
    for input in job.inputs {
      switch input.source {
      case .hdf5(let pattern, _, _) where input.isGlob, .png(let pattern, _, _) where input.isGlob:
        if FileGlob.expand(pattern).isEmpty { log.addDataError(input.location, Self.matchesNothing(pattern)) }
      case .hdf5(let path, _, _), .png(let path, _, _):
        if access(path, R_OK) != 0 {
          log.addDataError(input.location, "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
      case .values, .random:
        continue
      }
    }
    return log.problems
  }

  private static func matchesNothing(_ pattern: String) -> String { "\(pattern): the pattern matches no file" }

  // MARK: - Items

  private static func items(of input: InputDefinition, log: ProblemLog) -> [Item] {
    switch input.source {
    case .hdf5(let path, let dataset, true) where !input.isGlob:
      guard let info = datasetInfo(path: path, dataset: dataset, input: input, log: log) else { return [] }
      let rows = info.shape.first ?? 0
      if info.shape.isEmpty || rows == 0 {
        log.addDataError(input.location, "\(path): dataset \(dataset) has no rows to split")
      }
      let width = String(max(rows - 1, 0)).count
      return (0..<rows).map { row in
        let text = String(row)
        return Item(id: String(repeating: "0", count: width - text.count) + text, source: .row(row))
      }
    case .hdf5(let pattern, _, _) where input.isGlob, .png(let pattern, _, _) where input.isGlob:
      let paths = FileGlob.expand(pattern)
      if paths.isEmpty { log.addDataError(input.location, Self.matchesNothing(pattern)) }
      let base = FileGlob.fixedDirectory(pattern)
      let items = paths.map { Item(id: FileGlob.itemID(path: $0, base: base), source: .file($0)) }
      for (first, second) in collisions(items) {
        guard case .file(let a)? = first.source, case .file(let b)? = second.source else { continue }
        log.add(
          input.location,
          second.id == first.id
            ? "\(a) and \(b) both make item \"\(first.id)\" (ids are paths without extension); rename one"
            : "\(a) and \(b) make items \"\(first.id)\" and \"\(second.id)\", which would share /items/\(second.id) in the output; rename one"
        )
      }
      return items
    case .hdf5, .png, .values, .random:
      return [Item(id: "main", source: nil)]
    }
  }

  /// Pairs of items whose groups would collide in the output: the same id
  /// (`x.png` and `x.PNG`), or an id inside another item's own groups
  /// (`x` and `x/tensors/...`, since item `x` keeps its tensors in `/items/x/tensors`).
  static func collisions(_ items: [Item]) -> [(Item, Item)] {
    let reserved: Set<Substring> = ["tensors", "reports", "matrices"]
    var byID: [String: Item] = [:]
    var pairs: [(Item, Item)] = []
    for item in items {
      if let other = byID[item.id] { pairs.append((other, item)) } else { byID[item.id] = item }
    }
    for item in items {
      let parts = item.id.split(separator: "/")
      for length in parts.indices.dropFirst() where reserved.contains(parts[length]) {
        if let owner = byID[parts[..<length].joined(separator: "/")] { pairs.append((owner, item)) }
      }
    }
    return pairs
  }

  // MARK: - Metadata

  /// For each item whose source is a file of its own, its shape (nil when the
  /// file cannot be read or does not fit) and the problems found; nil for
  /// other items. PNG headers are read on `threads` threads; libhdf5 takes one
  /// call at a time, so HDF5 files are read in turn.
  private static func fileInfos(of input: InputDefinition, items: [Item], threads: Int, file: String)
    -> [(TensorInfo?, [JobProblem])?]
  {
    let parallel = if case .png = input.source { threads } else { 1 }
    return concurrentMap(items.count, threads: parallel) { index in
      guard case .file = items[index].source else { return nil }
      let log = ProblemLog(file: file)
      let info = Self.info(of: input, source: items[index].source, log: log)
      return (info, log.problems)
    }
  }

  private static func info(of input: InputDefinition, source: ItemSource?, log: ProblemLog) -> TensorInfo? {
    switch input.source {
    case .values(let shape, _):
      return canonical(shape, dtype: input.dtype ?? .float64, input: input, log: log)
    case .random(let shape, _, _):
      return TensorInfo(shape: shape, dtype: input.dtype ?? .float64)
    case .png(let pattern, let channels, _):
      let path = filePath(source, default: pattern)
      do {
        let header = try PNGHeader.read(path: path)
        return TensorInfo(shape: [1, header.channelCount(for: channels), header.height, header.width], dtype: .float32)
      } catch {
        log.addDataError(input.location, error.description)
        return nil
      }
    case .hdf5(let pattern, let dataset, let split):
      let path = filePath(source, default: pattern)
      guard let info = datasetInfo(path: path, dataset: dataset, input: input, log: log) else { return nil }
      var stored = info.shape
      if split, !stored.isEmpty { stored[0] = 1 }
      return canonical(stored, dtype: info.dtype, input: input, log: log)
    }
  }

  private static func filePath(_ source: ItemSource?, default path: String) -> String {
    if case .file(let file)? = source { return file }
    return path
  }

  private static func datasetInfo(path: String, dataset: String, input: InputDefinition, log: ProblemLog)
    -> HDF5DatasetInfo?
  {
    let file: HDF5File
    do { file = try HDF5File.open(path) } catch {
      log.addDataError(input.location, "\(path): \(error.cause ?? error.message)")
      return nil
    }
    do {
      return try file.datasetInfo(dataset)
    } catch {
      guard !file.exists(dataset) else {
        log.addDataError(input.location, error.description)
        return nil
      }
      let listing = file.datasetList(limit: 10).map { "its datasets are \($0)" } ?? "it holds no dataset"
      log.addDataError(input.location, "\(path): no dataset \(dataset); \(listing)")
      return nil
    }
  }

  /// The stored shape permuted by the input's layout, or as it is when it has none
  /// (`[N, C, spatial...]` already, or a bias `[C]`: each stage checks what it reads).
  private static func canonical(_ stored: [Int], dtype: DType, input: InputDefinition, log: ProblemLog) -> TensorInfo? {
    guard let layout = input.layout else { return TensorInfo(shape: stored, dtype: dtype) }
    switch layout.canonicalShape(stored: stored) {
    case .success(let shape): return TensorInfo(shape: shape, dtype: dtype)
    case .failure(let error): log.add(input.location, error.message); return nil
    }
  }

  // MARK: - Data

  private static func read(_ input: InputDefinition, source: ItemSource?, contents: [UInt8]?, log: ProblemLog)
    -> Tensor?
  {
    let stored: Tensor
    do {
      switch input.source {
      case .values(let shape, let values):
        stored = try Tensor(shape: shape, values: values).converted(to: input.dtype ?? .float64)
      case .random(let shape, let distribution, let seed):
        var random = SeededRandom(seed: seed)
        stored = try Tensor(shape: shape, values: random.values(shape.reduce(1, *), distribution: distribution))
          .converted(to: input.dtype ?? .float64)
      case .png(let pattern, let channels, let scale):
        let path = filePath(source, default: pattern)
        let image =
          try contents.map { (bytes) throws(PNGError) in try PNGImage.decode(bytes, path: path) }
          ?? PNGImage.read(path: path)
        do { stored = try image.tensor(channels: channels, scale: scale) } catch {
          throw PNGError(path: path, message: error.message)
        }
      case .hdf5(let pattern, let dataset, _):
        let file = try HDF5File.open(filePath(source, default: pattern))
        if case .row(let row)? = source {
          stored = try file.readTensor(dataset, rows: row..<(row + 1))
        } else {
          stored = try file.readTensor(dataset)
        }
      }
    } catch let error as PNGError {
      log.addDataError(input.location, error.description)
      return nil
    } catch let error as HDF5Error {
      log.addDataError(input.location, error.description)
      return nil
    } catch {
      log.addDataError(input.location, "\(error)")
      return nil
    }
    guard let layout = input.layout else { return stored }
    guard case .success(let shape) = layout.canonicalShape(stored: stored.shape),
      let permuted = try? Permutation(axes: layout.permutation).apply(stored),
      let result = try? permuted.reshaped(shape)
    else {
      log.add(input.location, "data of shape \(stored.shape.shapeDescription) does not fit layout \"\(layout)\"")
      return nil
    }
    return result
  }
}
