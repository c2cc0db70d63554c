import ConvChecks
import ConvCore
import Foundation
import HDF5IO

/// The contents of a convpipe output file, read back for `inspect`, `report`,
/// `merge` and tests: items with their tensors (metadata only), reports and
/// saved matrices, and the items that failed.
package struct OutputSummary: Sendable {
  package struct TensorEntry: Sendable, Encodable {
    package let name: String
    package let shape: [Int]
    package let storedType: String
    package let op: String?

    enum CodingKeys: String, CodingKey { case name, shape, op, storedType = "dtype" }
  }

  package struct ItemEntry: Sendable {
    package let id: String
    package let tensors: [TensorEntry]
    package let reports: [ItemReport]
    /// Saved unrolled matrices: stage id and shape.
    package let matrices: [TensorEntry]

    /// Whether a report did not meet its expectation.
    package var hasFailedCheck: Bool { reports.contains { !$0.passed } }
  }

  package let path: String
  package let attributes: [String: HDF5AttributeValue]
  package let items: [ItemEntry]
  /// Items recorded under `/failed` (`--keep-going`).
  package let failedItems: [FailedItem]
  /// Items of the golden file the run lacked: each is a failed check.
  package let goldenMissing: [String]

  /// Reads the file; fails with a message saying what the file is when it is
  /// HDF5 but was not written by convpipe.
  package static func read(path: String) throws(HDF5Error) -> OutputSummary {
    let file = try ConvpipeOutput.open(path)
    var attributes: [String: HDF5AttributeValue] = [:]
    for name in try file.attributeNames(of: "/") { attributes[name] = try file.attribute(name, of: "/") }
    let items = try OutputComparison.itemIDs(of: file).map { id throws(HDF5Error) in
      ItemEntry(
        id: id, tensors: try entries(under: "\(ItemStorage.group(id))/tensors", in: file),
        reports: try ItemStorage.reports(id, in: file),
        matrices: try entries(under: "\(ItemStorage.group(id))/matrices", in: file))
    }
    let missing = file.exists("/golden_missing_items") ? try file.readStrings("/golden_missing_items") : []
    return OutputSummary(
      path: path, attributes: attributes, items: items, failedItems: try OutputComparison.failedItems(of: file),
      goldenMissing: missing)
  }

  /// The datasets directly under `group` (metadata only), by name.
  private static func entries(under group: String, in file: HDF5File) throws(HDF5Error) -> [TensorEntry] {
    guard file.exists(group) else { return [] }
    return try file.children(of: group).map { name throws(HDF5Error) in
      let path = "\(group)/\(name)"
      let info = try file.datasetInfo(path)
      let op: String? = if case .string(let text)? = try file.attribute("op", of: path) { text } else { nil }
      return TensorEntry(name: name, shape: info.shape, storedType: info.storedType, op: op)
    }
  }

  /// Only what `filter` keeps: items with a failed check (and failed items), or one item.
  package func filtered(_ filter: Filter) -> OutputSummary {
    switch filter {
    case .all:
      return self
    case .failed:
      return OutputSummary(
        path: path, attributes: attributes, items: items.filter(\.hasFailedCheck), failedItems: failedItems,
        goldenMissing: goldenMissing)
    case .item(let id):
      return OutputSummary(
        path: path, attributes: attributes, items: items.filter { $0.id == id },
        failedItems: failedItems.filter { $0.item == id },
        goldenMissing: goldenMissing.filter { $0 == id })
    }
  }

  /// What ``filtered(_:)`` keeps.
  package enum Filter: Sendable, Equatable {
    case all, failed
    case item(String)
  }

  private func text(_ name: String) -> String {
    switch attributes[name] {
    case .string(let value)?: value
    case .int(let value)?: String(value)
    default: "?"
    }
  }

  /// A readable table: the file's job, then per item its tensors, reports and
  /// matrices, then the failed items.
  package func render() -> String {
    let checks = items.flatMap(\.reports)
    var lines = [
      "\(path): job \"\(text("job_name"))\", convpipe \(text("convpipe_version")), sha256 \(text("job_sha256").prefix(12))",
      "\(counted(items.count, "item")), \(counted(checks.count + goldenMissing.count, "check")), "
        + "\(checks.filter { !$0.passed }.count + goldenMissing.count) failed"
        + (failedItems.isEmpty ? "" : "; \(counted(failedItems.count, "item")) could not be computed"),
    ]
    for item in items {
      lines.append("item \(item.id)")
      let nameWidth = max(
        (item.tensors.map(\.name) + item.reports.map(\.name) + item.matrices.map(\.name)).map(\.count).max() ?? 0, 4)
      func pad(_ value: String, _ width: Int) -> String {
        value + String(repeating: " ", count: max(width - value.count, 0))
      }
      let shapeWidth = (item.tensors + item.matrices).map { $0.shape.shapeDescription.count }.max() ?? 0
      for (title, entries) in [("tensors", item.tensors), ("matrices", item.matrices)] where !entries.isEmpty {
        lines.append("  \(title)")
        for entry in entries {
          lines.append(
            "    \(pad(entry.name, nameWidth))  \(pad(entry.shape.shapeDescription, shapeWidth))  \(pad(entry.storedType, 7))  \(entry.op ?? "")"
          )
        }
      }
      if !item.reports.isEmpty {
        lines.append("  reports")
        for report in item.reports {
          let verdict = report.passed ? "PASS" : "FAIL"
          let expectation = report.expect == .fail ? " (expected to fail; held: \(report.held ? "yes" : "no"))" : ""
          let errors =
            report.outcome.maxAbsError.isNaN
            ? ""
            : "  max abs \(formatNumber(report.outcome.maxAbsError))  max rel \(formatNumber(report.outcome.maxRelError))"
          lines.append("    \(pad(report.name, nameWidth))  \(pad(report.check, 8))  \(verdict)\(errors)\(expectation)")
          if !report.passed || report.expect == .fail || report.outcome.maxAbsError.isNaN {
            lines.append("    \(pad("", nameWidth))  \(report.outcome.message)")
          }
        }
      }
    }
    for item in failedItems { lines.append("failed item \(item.item): \(item.error)") }
    for id in goldenMissing {
      lines.append("missing item \(id): in the golden file \(text("golden")), not in this run (a failed check)")
    }
    return lines.joined(separator: "\n")
  }

  /// The same as JSON: `{"path", "job_name", ..., "items": [{"id", "tensors", "reports", "matrices"}], "failed_items"}`.
  package func json() throws -> String {
    struct Report: Encodable {
      let name, check, expect, message: String
      let passed, held: Bool
      let maxAbsError, maxRelError: JSONNumber
      let mismatched, count: Int
      enum CodingKeys: String, CodingKey {
        case name, check, expect, message, passed, held, mismatched, count
        case maxAbsError = "max_abs_error", maxRelError = "max_rel_error"
      }
    }
    struct Item: Encodable {
      let id: String
      let tensors, matrices: [TensorEntry]
      let reports: [Report]
    }
    struct File: Encodable {
      let path, jobName, convpipeVersion, jobSHA256, graphSHA256: String
      let golden: String?
      let checks, checksFailed, itemsFailed: Int
      let items: [Item]
      let failedItems: [FailedItem]
      let goldenMissingItems: [String]
      enum CodingKeys: String, CodingKey {
        case path, checks, items, golden
        case jobName = "job_name", convpipeVersion = "convpipe_version", jobSHA256 = "job_sha256", graphSHA256 =
          "graph_sha256"
        case checksFailed = "checks_failed", itemsFailed = "items_failed", failedItems = "failed_items"
        case goldenMissingItems = "golden_missing_items"
      }
    }
    let reports = items.map { item in
      item.reports.map {
        Report(
          name: $0.name, check: $0.check, expect: $0.expect.rawValue, message: $0.outcome.message, passed: $0.passed,
          held: $0.held, maxAbsError: JSONNumber($0.outcome.maxAbsError),
          maxRelError: JSONNumber($0.outcome.maxRelError),
          mismatched: $0.outcome.mismatched, count: $0.outcome.count)
      }
    }
    let file = File(
      path: path, jobName: text("job_name"), convpipeVersion: text("convpipe_version"), jobSHA256: text("job_sha256"),
      graphSHA256: text("graph_sha256"), golden: attributes["golden"].map { _ in text("golden") },
      checks: reports.joined().count + goldenMissing.count,
      checksFailed: reports.joined().filter { !$0.passed }.count + goldenMissing.count, itemsFailed: failedItems.count,
      items: zip(items, reports).map { Item(id: $0.id, tensors: $0.tensors, matrices: $0.matrices, reports: $1) },
      failedItems: failedItems, goldenMissingItems: goldenMissing)
    return try JSONLines.line(file)
  }
}
