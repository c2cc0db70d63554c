import ConvCore
import Foundation
import HDF5IO

/// The version written into output files and printed by `--version`.
public enum ConvPipeVersion {
  public static let current = "0.1.0"
}

/// What a finished run did.
public struct RunResult: Sendable {
  public let outputPath: String
  public let items: Int
  public let checks: Int
  /// Every report whose stage did not meet its expectation, with its item.
  public let failed: [(item: String, report: CheckReport)]

  public var passed: Int { checks - failed.count }
  /// 0 when every check met its expectation, 1 otherwise.
  public var exitCode: Int32 { failed.isEmpty ? 0 : 1 }
}

/// Runs a prepared job item by item into one HDF5 file, which replaces the
/// target only when every item has run.
public enum JobRunner {
  /// Runs `prepared`, writing to `outputPath` (or the job's `outputs.path`).
  /// `progress` is called after each item with (items done, items in all).
  public static func run(
    _ prepared: PreparedJob, outputPath: String?, progress: ((Int, Int) -> Void)? = nil
  ) throws -> RunResult {
    let job = prepared.job
    guard let target = outputPath ?? job.outputs.path else {
      throw JobProblems([JobProblem(file: job.file, location: "outputs", message: "path is required unless --output is given")])
    }
    let directory = (target as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
        throw RunFailure("\(target): cannot create the output directory: \(JobDecoder.describe(error))")
      }
    }
    let output: OutputFile
    do { output = try OutputFile(target: target) } catch { throw RunFailure(error.description) }
    do {
      var shared: [String: Tensor] = [:]
      for input in job.inputs where !input.isPerItem {
        do { shared[input.name] = try prepared.catalog.load(input, source: nil) } catch { throw RunFailure(error.description) }
      }
      let executor = ItemExecutor(prepared: prepared, shared: shared)
      var checks = 0
      var failed: [(item: String, report: CheckReport)] = []
      let items = prepared.catalog.items
      for (done, item) in items.enumerated() {
        let reports = try executor.run(item, into: output)
        checks += reports.count
        failed += reports.filter { !$0.passed }.map { (item.id, $0) }
        progress?(done + 1, items.count)
      }
      var attributes: [(String, HDF5AttributeValue)] = [
        ("convpipe_version", .string(ConvPipeVersion.current)), ("job_name", .string(job.name)),
        ("job_sha256", .string(job.sha256)), ("items", .int(items.count)), ("checks", .int(checks)),
        ("checks_failed", .int(failed.count)), ("item_ids", .strings(items.map(\.id))),
      ]
      if let description = job.description { attributes.append(("description", .string(description))) }
      do { try output.finish(attributes) } catch { throw RunFailure(error.description) }
      return RunResult(outputPath: target, items: items.count, checks: checks, failed: failed)
    } catch {
      output.discard()
      throw error
    }
  }
}
