import ConvCore
import ConvJob
import Foundation
import HDF5IO

/// An output file opened for the report: what it holds, the job it recorded
/// (root attribute `job_json`), and the golden file its differences are drawn against.
struct ReportSource {
  let summary: OutputSummary
  let file: HDF5File
  /// The job as recorded; nil for files written before `job_json` existed, or when it cannot be read.
  let job: Job?
  /// Why there is no job, said on the page.
  let jobNote: String?
  let golden: GoldenSource?
  /// Why golden differences are not drawn, said on the page.
  let goldenNote: String?

  /// Opens `output`, and `golden` when given (else the golden file the run
  /// recorded, if it can still be read: as recorded, or beside the output). Fails naming the file when `output`
  /// or a given `golden` cannot be read or was not written by convpipe.
  init(output: String, golden goldenPath: String?) throws(RunFailure) {
    do {
      summary = try OutputSummary.read(path: output)
      file = try HDF5File.open(output)
    } catch {
      throw RunFailure("\(error.file): \(error.cause ?? error.message)")
    }
    (job, jobNote) = Self.recordedJob(summary, output: output)
    if let goldenPath {
      let given = try GoldenSource(path: goldenPath, explicit: true)
      golden = given
      goldenNote = Self.anotherJob(given, output: summary)
    } else if case .string(let recorded)? = summary.attributes["golden"] {
      // As the run named it (relative to where it ran), else beside the output.
      let beside = (output as NSString).deletingLastPathComponent as NSString
      let candidates = [
        recorded, beside.appendingPathComponent(recorded),
        beside.appendingPathComponent((recorded as NSString).lastPathComponent),
      ]
      golden = candidates.lazy.compactMap { try? GoldenSource(path: $0, explicit: false) }.first
      goldenNote =
        golden == nil
        ? "the golden file \(recorded) the run compared with cannot be read: give it with --golden to draw its differences"
        : nil
    } else {
      (golden, goldenNote) = (nil, nil)
    }
  }

  /// Said on the page when the golden file given holds another stage graph's
  /// results (its `graph_sha256` differs): its differences are then those of two jobs.
  private static func anotherJob(_ golden: GoldenSource, output: OutputSummary) -> String? {
    guard case .string(let theirs)? = try? golden.file.attribute("graph_sha256", of: "/"),
      case .string(let ours)? = output.attributes["graph_sha256"], theirs != ours
    else { return nil }
    return
      "the golden file \(golden.path) was written by another job or other shared inputs (graph_sha256 \(theirs.prefix(12)), not \(ours.prefix(12))): its differences are those of two jobs"
  }

  /// The job parsed from `job_json` (problems do not stop it when the stages could be read), or why there is none.
  private static func recordedJob(_ summary: OutputSummary, output: String) -> (Job?, String?) {
    guard case .string(let text)? = summary.attributes["job_json"] else {
      return (
        nil,
        "this file records no job_json (written by an older convpipe): no stage graph, and failed allclose checks show numbers only"
      )
    }
    let directory = (output as NSString).deletingLastPathComponent
    let (job, problems) = JobDecoder.read(
      text: text, file: "\(output) (job_json)", directory: directory.isEmpty ? "." : directory)
    if let job { return (job, nil) }
    return (nil, "the recorded job_json cannot be read: \(problems.first?.description ?? "not a job")")
  }

  /// The tensor `name` kept for `item`, or nil when the item keeps none of that name.
  func tensor(item: String, name: String) throws(RunFailure) -> Tensor? {
    try read("/items/\(item)/tensors/\(name)", in: file)
  }

  /// The unrolled matrix saved for `item` by check `stage`.
  func matrix(item: String, stage: String) throws(RunFailure) -> Tensor? {
    try read("/items/\(item)/matrices/\(stage)", in: file)
  }

  /// The golden file's tensor at the same path as `item`'s tensor `name`.
  func goldenTensor(item: String, name: String) throws(RunFailure) -> Tensor? {
    guard let golden else { return nil }
    return try read("/items/\(item)/tensors/\(name)", in: golden.file)
  }
}

/// The dataset at `path` of `file`, or nil when there is none; an unreadable one fails naming the file.
func read(_ path: String, in file: HDF5File) throws(RunFailure) -> Tensor? {
  guard file.exists(path) else { return nil }
  do { return try file.readTensor(path) } catch {
    throw RunFailure("\(error.file): \(path): \(error.cause ?? error.message)")
  }
}

/// A convpipe output the report compares the output's tensors with.
struct GoldenSource {
  let path: String
  let file: HDF5File
  /// Given with `--golden`: every item's kept tensors are compared with it.
  /// Otherwise it is the file the run recorded, and only the run's failed
  /// golden reports are drawn.
  let explicit: Bool

  init(path: String, explicit: Bool) throws(RunFailure) {
    do { file = try ConvpipeOutput.open(path) } catch {
      throw RunFailure("--golden \(error.file): \(error.cause ?? error.message)")
    }
    self.path = path
    self.explicit = explicit
  }
}
