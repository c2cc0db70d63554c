import ConvCore
import Foundation
import HDF5IO
import PNGIO
import Synchronization

/// The PNG files of `outputs.png` (``PNGOutputDefinition``), written from the
/// finished HDF5 output into a new directory beside the target one, which
/// replaces it only when every file is written, just before the output file is
/// moved into place: a run that fails before then leaves the earlier directory
/// as it was (should that last move fail, the new pictures stay beside the earlier file).
///
/// Layout: `<directory>/<item>/<file>` for a job with a per-item input,
/// `<directory>/<file>` for a job of one item; a tensor `[N, C, H, W]` gives
/// `<tensor>.png`, with `.n<i>` before `.png` when N > 1 and `.c<j>` when
/// C > 4 (one gray image per channel). Each file records in text chunks the
/// item, the slice (`back[n=0, c=0:3]`), the value range (`convpipe:range`,
/// which the PNG input's `"scale": "recorded"` maps back) and how many values
/// fell outside it or were NaN (`convpipe:clipped`).
struct PNGOutputs {
  let definition: PNGOutputDefinition
  /// The directory the files end up in.
  let directory: String
  /// Whether each item has a subdirectory (jobs with a per-item input).
  let perItem: Bool

  init(_ definition: PNGOutputDefinition, target: String, perItem: Bool) {
    self.definition = definition
    directory = Self.directory(definition, target: target)
    self.perItem = perItem
  }

  /// `definition`'s directory resolved against the target's directory, or the default.
  static func directory(_ definition: PNGOutputDefinition, target: String) -> String {
    guard let given = definition.directory else { return defaultDirectory(target: target) }
    return JobDecoder.resolve(
      given,
      against: (target as NSString).deletingLastPathComponent.isEmpty
        ? "." : (target as NSString).deletingLastPathComponent)
  }

  /// The pictures a run of `prepared` writing `target` makes: nil when the job
  /// asks for none, or for a shard's part (the merge writes them for the whole job).
  init?(run prepared: PreparedJob, target: String) {
    guard prepared.catalog.shard == nil, let definition = prepared.job.outputs.png else { return nil }
    self.init(definition, target: target, perItem: prepared.job.perItemInput != nil)
  }

  /// Throws the problem ``destinationProblem(target:jobFile:)`` finds, as a problem of the job (exit 2).
  func checkDestination(target: String, job: String?) throws(JobProblems) {
    guard let problem = destinationProblem(target: target, jobFile: job) else { return }
    throw JobProblems([JobProblem(file: job ?? "--output", location: job == nil ? "" : "outputs.png", message: problem)]
    )
  }

  /// The target's path without its extension, plus `-png`.
  static func defaultDirectory(target: String) -> String {
    let url = URL(fileURLWithPath: target)
    let stem = url.pathExtension.isEmpty ? url.lastPathComponent : url.deletingPathExtension().lastPathComponent
    let parent = (target as NSString).deletingLastPathComponent
    return (parent.isEmpty ? "" : parent + "/") + stem + "-png"
  }

  /// Why a tensor of `shape` cannot be written as PNG images, or nil.
  static func shapeProblem(_ shape: [Int]) -> String? {
    guard shape.count == 4 else {
      return "is \(shape.shapeDescription); a PNG holds [N, C, H, W] (two spatial dimensions)"
    }
    guard !shape.contains(0) else { return "is \(shape.shapeDescription), empty: a PNG needs at least one pixel" }
    guard shape[2] <= Int(Int32.max), shape[3] <= Int(Int32.max), shape[2] * shape[3] * 4 <= PNGImage.maxSampleCount
    else { return "is \(shape.shapeDescription), more pixels than a PNG holds" }
    return nil
  }

  /// One image of a tensor: batch index `n`, channels `channels`, and its file name.
  struct Slice {
    let n: Int
    let channels: Range<Int>
    let file: String
  }

  /// The images a tensor `name` of shape `[N, C, H, W]` gives, in file-name order.
  static func slices(_ name: String, shape: [Int]) -> [Slice] {
    let (batch, channels) = (shape[0], shape[1])
    func index(_ prefix: String, _ value: Int, count: Int) -> String {
      count > 1
        ? "." + prefix + String(repeating: "0", count: String(count - 1).count - String(value).count)
          + String(value) : ""
    }
    return (0..<batch).flatMap { n in
      let groups = channels <= 4 ? [0..<channels] : (0..<channels).map { $0..<($0 + 1) }
      return groups.map { group in
        Slice(
          n: n, channels: group,
          file: name + index("n", n, count: batch) + (channels > 4 ? index("c", group.lowerBound, count: channels) : "")
            + ".png")
      }
    }
  }

  /// The files of a tensor, for `validate`: `back.png (RGB)`, or
  /// `features.c0.png ... features.c5.png (6 gray images)`.
  static func describe(_ name: String, shape: [Int]) -> String {
    let files = slices(name, shape: shape)
    let kind = ["gray", "gray+alpha", "RGB", "RGBA"][(files.first?.channels.count ?? 1) - 1]
    guard files.count > 1, let first = files.first, let last = files.last else {
      return "\(files.first?.file ?? name) (\(kind))"
    }
    return "\(first.file) ... \(last.file) (\(files.count) \(kind) images)"
  }

  /// The settings the files depend on besides the values, recorded in the
  /// directory so a run that keeps an unchanged output keeps matching files.
  var settings: String {
    let range: String
    switch definition.range {
    case .fixed(let fixed): range = fixed.text
    case .minmax: range = "minmax"
    }
    return
      "convpipe \(ConvPipeVersion.current); tensors \(definition.tensors.joined(separator: ",")); bits \(definition.bits); range \(range); per item \(perItem)"
  }

  /// The file that marks a directory as convpipe's: ``settings``, `files N`,
  /// then the N files' paths. convpipe replaces no directory without it.
  static let settingsFile = ".convpipe-png"

  /// Whether `directory` holds ``settingsFile``: convpipe wrote it and may replace it.
  static func isConvpipes(_ directory: String) -> Bool {
    FileManager.default.fileExists(atPath: directory + "/" + settingsFile)
  }

  /// The number of files in the directory when they were written with these
  /// settings and are all still there; else nil.
  var currentFiles: Int? {
    guard let text = try? String(contentsOfFile: directory + "/" + Self.settingsFile, encoding: .utf8) else {
      return nil
    }
    let lines = text.split(separator: "\n").map(String.init)
    guard lines.count >= 2, lines[0] == settings, lines[1].hasPrefix("files "),
      let count = Int(lines[1].dropFirst("files ".count)), lines.count == 2 + count,
      lines.dropFirst(2).allSatisfy({ FileManager.default.fileExists(atPath: directory + "/" + $0) })
    else { return nil }
    return count
  }

  /// The problem with ``directory`` as the pictures' place, found before any
  /// work: the output file itself, a file there or above it, a directory
  /// convpipe did not write (no ``settingsFile``: the job's images, the
  /// output's own folder), or one that holds the output or the job file. Nil
  /// when it is free or convpipe's own.
  func destinationProblem(target: String, jobFile: String?) -> String? {
    let manager = FileManager.default
    if FileIdentity.same(directory, target) {
      return "directory \(directory) is the output file \(target); name a directory of its own for the pictures"
    }
    let folder = FileIdentity.canonical(directory)
    for path in [target, jobFile].compactMap({ $0 }).map(FileIdentity.canonical) where path.hasPrefix(folder + "/") {
      return "directory \(directory) holds \(path); name a directory of its own for the pictures"
    }
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { return "directory \(directory) is a file" }
      guard Self.isConvpipes(directory) else {
        return "directory \(directory) exists and convpipe did not write it (it has no \(Self.settingsFile));"
          + " name a new directory, or remove it first: convpipe replaces only its own pictures"
      }
      return nil
    }
    var ancestor = URL(fileURLWithPath: directory).standardizedFileURL.deletingLastPathComponent()
    while ancestor.path != "/" {
      if manager.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
        return isDirectory.boolValue ? nil : "directory \(directory) cannot be made: \(ancestor.path) is a file"
      }
      ancestor = ancestor.deletingLastPathComponent()
    }
    return nil
  }

  /// Writes every image of `items` in the HDF5 output at `path` into a new
  /// directory beside ``directory``, with `threads` threads, and moves it over
  /// ``directory`` (``StagedDirectory``); returns how many PNG files it holds.
  /// On failure ``directory`` is as it was and nothing is left beside it.
  func replace(from path: String, items: [String], threads: Int) throws(RunFailure) -> Int {
    let staged = StagedDirectory(target: directory)
    let count: Int
    do {
      try staged.create()
      let file = try HDF5File.open(path)
      let raw = try RawFileAccess(path: path, writable: false)
      let next = Atomic<Int>(0), folder = staged.temporary
      let failure = Mutex<String?>(nil), files = Mutex<[String]>([])
      DispatchQueue.concurrentPerform(iterations: max(1, min(threads, items.count))) { _ in
        while failure.withLock({ $0 == nil }) {
          let index = next.add(1, ordering: .relaxed).oldValue
          guard index < items.count else { return }
          do {
            let written = try write(item: items[index], from: file, raw: raw, into: folder)
            files.withLock { $0 += written }
          } catch {
            let message = (perItem ? "item \(items[index]): " : "") + Self.describe(error)
            failure.withLock { $0 = $0 ?? message }
          }
        }
      }
      try file.close()
      if let message = failure.withLock({ $0 }) { throw RunFailure(message) }
      let written = files.withLock { $0 }.sorted()
      count = written.count
      try Data(([settings, "files \(written.count)"] + written).map { $0 + "\n" }.joined().utf8).write(
        to: URL(fileURLWithPath: staged.temporary + "/" + Self.settingsFile))
    } catch {
      staged.discard()
      throw RunFailure("\(directory): cannot write the PNG outputs: \(Self.describe(error))")
    }
    try staged.commit()
    return count
  }

  private static func describe(_ error: any Error) -> String {
    switch error {
    case let error as RunFailure: error.message
    case let error as HDF5Error: error.cause ?? error.message
    case let error as PNGError: error.message
    default: JobDecoder.describe(error)
    }
  }

  /// Writes the images of one item's tensors; returns their paths in the directory.
  private func write(item: String, from file: HDF5File, raw: RawFileAccess, into root: String) throws -> [String] {
    var written: [String] = []
    let prefix = perItem ? item + "/" : ""
    let folder = root + "/" + prefix
    if let reason = makeDirectories(folder) { throw RunFailure(reason) }
    for name in definition.tensors {
      let path = "\(ItemStorage.group(item))/tensors/\(name)"
      let tensor = try file.readTensor(path, raw: raw)
      if let problem = Self.shapeProblem(tensor.shape) { throw RunFailure("\(name) \(problem)") }
      let values = tensor.doubles
      let range = valueRange(values)
      let (channels, height, width) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
      let plane = height * width
      for slice in Self.slices(name, shape: tensor.shape) {
        let start = (slice.n * channels + slice.channels.lowerBound) * plane
        let sliceValues = Array(values[start..<(start + slice.channels.count * plane)])
        let clipped = sliceValues.count { !(range.lower...range.upper).contains($0) }
        let part = try Tensor(shape: [slice.channels.count, height, width], values: sliceValues)
        let text = [
          PNGText(key: "Software", text: "convpipe \(ConvPipeVersion.current)"),
          PNGText(key: "convpipe:item", text: item),
          PNGText(
            key: "convpipe:tensor",
            text: "\(name)[n=\(slice.n), c=\(slice.channels.lowerBound):\(slice.channels.upperBound)]"),
          PNGText(key: PNGValueRange.textKey, text: range.text),
          PNGText(key: "convpipe:clipped", text: String(clipped)),
        ]
        try PNGImage(tensor: part, bitDepth: definition.bits, range: range, text: text.map(Self.latin1))
          .write(path: folder + slice.file)
        written.append(prefix + slice.file)
      }
    }
    return written
  }

  /// The range of one tensor: the fixed one, or its smallest and largest finite value (0 to 0 when it has none).
  private func valueRange(_ values: [Double]) -> PNGValueRange {
    switch definition.range {
    case .fixed(let range): return range
    case .minmax:
      let finite = values.lazy.filter(\.isFinite)
      return PNGValueRange(lower: finite.min() ?? 0, upper: finite.max() ?? 0)
    }
  }

  /// Text chunks hold Latin-1: other characters of an item id become `?`.
  private static func latin1(_ chunk: PNGText) -> PNGText {
    PNGText(
      key: chunk.key,
      text: String(
        String.UnicodeScalarView(chunk.text.unicodeScalars.map { $0.value <= 255 && $0.value != 0 ? $0 : "?" })))
  }
}

/// A directory written under a temporary name beside its target
/// (`.<name>.tmp-<pid>`) and moved over it by ``commit()``, the earlier one
/// renamed aside (`.<name>.old-<pid>`) meanwhile.
struct StagedDirectory {
  let target: String
  let temporary: String
  let aside: String

  init(target: String) {
    self.target = target
    temporary = hiddenSibling(of: target, ".tmp-\(getpid())")
    aside = hiddenSibling(of: target, ".old-\(getpid())")
  }

  /// Creates the temporary directory (and the target's parent), empty.
  func create() throws {
    discard()
    if let reason = makeDirectories(temporary) { throw RunFailure(reason) }
  }

  /// Replaces the target with the written directory: the old one is renamed
  /// aside first, then removed; a target without ``PNGOutputs/settingsFile``
  /// (not convpipe's) is never replaced.
  func commit() throws(RunFailure) {
    let hadTarget = FileManager.default.fileExists(atPath: target)
    if hadTarget, !PNGOutputs.isConvpipes(target) {
      discard()
      throw RunFailure("\(target): not replaced: convpipe did not write it (it has no \(PNGOutputs.settingsFile))")
    }
    if hadTarget, rename(target, aside) != 0 {
      let reason = String(cString: strerror(errno))
      discard()
      throw RunFailure("\(target): cannot replace the PNG outputs: \(reason)")
    }
    guard rename(temporary, target) == 0 else {
      let reason = String(cString: strerror(errno))
      if hadTarget { rename(aside, target) }
      discard()
      throw RunFailure("\(target): cannot move the PNG outputs into place: \(reason)")
    }
    if hadTarget { try? FileManager.default.removeItem(atPath: aside) }
  }

  func discard() { try? FileManager.default.removeItem(atPath: temporary) }
}
