import ConvCore
import Foundation
import FrameworkCalls
import PNGIO
import PositionedJSON

/// Reads a job file into a ``Job``, reporting every problem it finds at once:
/// JSON syntax (with line and column), unknown keys, wrong types, bad names,
/// duplicate names and references to names that do not exist.
package enum JobDecoder {
  /// Parses the job at `path`, throwing every problem found.
  package static func load(path: String) throws(JobProblems) -> Job {
    let (job, problems) = read(path: path)
    guard let job, problems.isEmpty else { throw JobProblems(problems) }
    return job
  }

  /// Parses job text, throwing every problem found; relative paths are resolved against `directory`.
  package static func decode(text: String, file: String, directory: String, sha256: String? = nil) throws(JobProblems)
    -> Job
  {
    let (job, problems) = read(text: text, file: file, directory: directory, sha256: sha256)
    guard let job, problems.isEmpty else { throw JobProblems(problems) }
    return job
  }

  /// Parses the job at `path` as far as it can: the parts that could be read,
  /// and every problem; the job is nil only when the file is not a JSON object.
  package static func read(path: String) -> (Job?, [JobProblem]) {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      return (nil, [JobProblem(file: path, location: "", message: "cannot read the job file: \(describe(error))")])
    }
    guard let text = String(data: data, encoding: .utf8) else {
      return (nil, [JobProblem(file: path, location: "", message: "the job file is not UTF-8 text")])
    }
    let directory = (path as NSString).deletingLastPathComponent
    return read(text: text, file: path, directory: directory.isEmpty ? "." : directory, sha256: SHA256.hex(data))
  }

  /// Parses job text as far as it can (see ``read(path:)``).
  package static func read(text: String, file: String, directory: String, sha256: String? = nil) -> (Job?, [JobProblem])
  {
    let root: JSONValue
    do { root = try JSONParser.parse(text) } catch {
      return (
        nil,
        [
          JobProblem(
            file: file, location: "", message: "invalid JSON: \(error.message)", line: error.line, column: error.column)
        ]
      )
    }
    let log = ProblemLog(file: file)
    guard var reader = ObjectReader(root, location: "", log: log, what: "a JSON object at the top level") else {
      return (nil, log.problems)
    }
    if let version = reader.required("convpipe", "the format version, 1") {
      if version.intValue != 1 {
        reader.problem(
          "convpipe", "format version \(version.jsonText) is not supported; this convpipe reads version 1", at: version)
      }
    }
    let name = reader.string("name") ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension
    let description = reader.string("description")
    let inputs = reader.value("inputs").map { decodeInputs($0, directory: directory, log: log) } ?? []
    let inputNames = Set(reader.value("inputs")?.objectMembers?.map(\.key) ?? [])
    if !reader.has("inputs") { _ = reader.required("inputs", "an object of named inputs") }
    let (stages, undecoded) = decodeStages(reader.required("stages", "a list of stages"), log: log)
    let outputs =
      reader.value("outputs").flatMap { decodeOutputs($0, directory: directory, log: log) }
      ?? OutputDefinition(path: nil, tensors: .all, compression: 0)
    reader.finish()
    let job = Job(
      file: file, name: name, description: description, inputs: inputs, stages: stages,
      outputs: outputs, sha256: sha256 ?? SHA256.hex(Data(text.utf8)), text: text)
    checkNames(job, undecoded: undecoded.union(inputNames.subtracting(inputs.map(\.name))), log: log)
    return (job, log.problems)
  }

  private static func decodeInputs(_ value: JSONValue, directory: String, log: ProblemLog) -> [InputDefinition] {
    guard let members = value.objectMembers else {
      log.add("inputs", "expected an object of named inputs, got \(value.typeName)", at: value)
      return []
    }
    return members.compactMap { member in
      InputDecoder.input(name: member.key, member.value, directory: directory, log: log)
    }
  }

  /// The stages that could be read, and the ids of those that could not (so that
  /// references to them are not reported a second time, like inputs that could not be read).
  private static func decodeStages(_ value: JSONValue?, log: ProblemLog) -> ([StageDefinition], Set<String>) {
    guard let value else { return ([], []) }
    guard let list = value.arrayValue else {
      log.add("stages", "expected a list of stages, got \(value.typeName)", at: value)
      return ([], [])
    }
    var stages: [StageDefinition] = [], undecoded: Set<String> = []
    for (index, item) in list.enumerated() {
      if let stage = StageDecoder.stage(item, index: index, log: log) {
        stages.append(stage)
      } else if let id = item["id"]?.stringValue {
        undecoded.insert(id)
      }
    }
    return (stages, undecoded)
  }

  private static func decodeOutputs(_ value: JSONValue, directory: String, log: ProblemLog) -> OutputDefinition? {
    guard var reader = ObjectReader(value, location: "outputs", log: log) else { return nil }
    defer { reader.finish() }
    let path = reader.string("path").map { resolve($0, against: directory) }
    var tensors = KeptTensors.all
    if let kept = reader.value("tensors") {
      if kept.stringValue == "all" {
        tensors = .all
      } else if let list = kept.arrayValue, case let names = list.compactMap(\.stringValue), names.count == list.count {
        tensors = .named(names)
      } else {
        reader.problem("tensors", "expected \"all\" or a list of names, got \(kept.jsonText)", at: kept)
      }
    }
    let compression = reader.int("compression") ?? 0
    if !(0...9).contains(compression) {
      reader.problem("compression", "\(compression) is not a gzip level: give 0 (none) to 9")
    }
    let png = reader.value("png").flatMap { decodePNG($0, directory: directory, log: log) }
    return OutputDefinition(path: path, tensors: tensors, compression: compression, png: png)
  }

  private static func decodePNG(_ value: JSONValue, directory: String, log: ProblemLog) -> PNGOutputDefinition? {
    guard var reader = ObjectReader(value, location: "outputs.png", log: log) else { return nil }
    defer { reader.finish() }
    var tensors: [String] = []
    if let list = reader.required("tensors", "the tensors to write as PNG")?.arrayValue,
      case let names = list.compactMap(\.stringValue), names.count == list.count, !names.isEmpty
    {
      tensors = names
    } else if reader.has("tensors") {
      reader.problem("tensors", "expected a non-empty list of tensor names")
    }
    let bits = reader.int("bits") ?? 8
    if bits != 8 && bits != 16 {
      reader.problem("bits", "\(bits) is not a PNG sample depth convpipe writes: give 8 or 16")
    }
    var range = PNGOutputRange.fixed(.unit)
    if let given = reader.value("range") {
      let numbers = given.arrayValue?.compactMap(\.doubleValue) ?? []
      if given.stringValue == "unit" {
        range = .fixed(.unit)
      } else if given.stringValue == "minmax" {
        range = .minmax
      } else if given.arrayValue?.count == 2, numbers.count == 2, numbers.allSatisfy(\.isFinite),
        numbers[0] < numbers[1]
      {
        range = .fixed(PNGValueRange(lower: numbers[0], upper: numbers[1]))
      } else {
        reader.problem(
          "range",
          "expected \"unit\" (0 to 1), \"minmax\" (each tensor's own) or [lower, upper] with lower < upper; got \(given.jsonText)",
          at: given)
      }
    }
    return PNGOutputDefinition(tensors: tensors, directory: reader.string("directory"), bits: bits, range: range)
  }

  /// Names: unique across inputs and stages, every reference resolving, at most one per-item input.
  private static func checkNames(_ job: Job, undecoded: Set<String>, log: ProblemLog) {
    var seen: [String: String] = [:]
    for name in undecoded { seen[name] = "an input or stage that could not be read" }
    for input in job.inputs {
      if !StageDecoder.isValidName(input.name) {
        log.add(
          input.location,
          "\"\(input.name)\" is not a valid name (letters, digits, _ . -; not starting with a digit, . or -)")
      }
      seen[input.name] = input.location
    }
    for stage in job.stages {
      if let other = seen[stage.id] {
        log.add(stage.location, "id \"\(stage.id)\" is already used by \(other)")
      } else {
        seen[stage.id] = stage.location
      }
    }
    for stage in job.stages {
      for reference in stage.references where seen[reference.name] == nil {
        log.add(
          stage.location,
          "\(reference.role): no input or stage is named \"\(reference.name)\"\(suggestion(reference.name, Array(seen.keys)))",
          at: stage.json[reference.role.rawValue])
      }
      if case .verify(let verification) = stage.kind, let allowed = verification.check.kind.operatorOps,
        let target = stage.reference(.of)
      {
        let targetStage = job.stage(id: target)
        if seen[target] != nil, !(targetStage.map { allowed.contains($0.op) } ?? false) {
          log.add(
            stage.location,
            "of: check \(verification.check.kind.rawValue) needs a \(allowed.map(\.rawValue).joined(separator: " or ")) stage, \"\(target)\" is \(targetStage.map { "a \($0.op.rawValue) stage" } ?? "an input")"
          )
        }
      }
    }
    let perItem = job.inputs.filter(\.isPerItem)
    if perItem.count > 1 {
      log.add(
        "inputs",
        "at most one input may be per-item (a glob or split), found \(perItem.map(\.name).joined(separator: ", "))")
    }
    if case .named(let names) = job.outputs.tensors {
      for name in names where seen[name] == nil {
        log.add("outputs", "tensors: no input or stage is named \"\(name)\"\(suggestion(name, Array(seen.keys)))")
      }
    }
    for name in job.outputs.png?.tensors ?? [] {
      if seen[name] == nil {
        log.add("outputs.png", "tensors: no input or stage is named \"\(name)\"\(suggestion(name, Array(seen.keys)))")
      } else if !undecoded.contains(name), !job.keeps(name) {
        log.add(
          "outputs.png",
          "tensors: \"\(name)\" is not kept in the output file; add it to outputs.tensors (PNGs are written from the kept tensors)"
        )
      }
    }
  }

  private static func suggestion(_ name: String, _ candidates: [String]) -> String {
    closest(to: name, among: candidates, within: 2).map { " (did you mean \"\($0)\"?)" } ?? ""
  }

  /// `path` itself when absolute, else joined to `directory`, with `.` and `..`
  /// components folded lexically (as Python's `os.path.normpath`).
  static func resolve(_ path: String, against directory: String) -> String {
    let joined = path.hasPrefix("/") || directory == "." ? path : directory + "/" + path
    var parts: [Substring] = []
    for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
      if part == "..", joined.hasPrefix("/") { continue }
      parts.append(part)
    }
    let folded = parts.joined(separator: "/")
    return joined.hasPrefix("/") ? "/" + folded : (folded.isEmpty ? "." : folded)
  }

  package static func describe(_ error: Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(underlying.code)))
    }
    if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
      return "No such file or directory"
    }
    return nsError.localizedDescription
  }
}
