import Foundation
import ConvCore
import HDF5IO

/// The contents of a convpipe output file, read back for `inspect`, `diff` and tests.
public struct OutputSummary: Sendable {
  public struct TensorEntry: Sendable {
    public let name: String
    public let shape: [Int]
    public let storedType: String
    public let op: String?
  }

  public struct ReportEntry: Sendable {
    public let stageID: String
    public let check: String
    public let passed: Bool
    public let held: Bool
    public let expect: String
    public let maxAbsError: Double
    public let maxRelError: Double
    public let message: String
  }

  public struct ItemEntry: Sendable {
    public let id: String
    public let tensors: [TensorEntry]
    public let reports: [ReportEntry]
  }

  public let path: String
  public let attributes: [String: HDF5AttributeValue]
  public let items: [ItemEntry]

  /// Reads the file's items, tensors (metadata only) and reports.
  public static func read(path: String) throws(HDF5Error) -> OutputSummary {
    let file = try HDF5File.open(path)
    var attributes: [String: HDF5AttributeValue] = [:]
    for name in try file.attributeNames(of: "/") { attributes[name] = try file.attribute(name, of: "/") }
    let items = try OutputComparison.itemIDs(of: file).map { id throws(HDF5Error) in
      ItemEntry(id: id, tensors: try tensors(item: id, in: file), reports: try reports(item: id, in: file))
    }
    return OutputSummary(path: path, attributes: attributes, items: items)
  }

  /// The tensors kept for `item` (metadata only).
  public static func tensors(item: String, in file: HDF5File) throws(HDF5Error) -> [TensorEntry] {
    try OutputComparison.tensorNames(item: item, in: file).map { name throws(HDF5Error) in
      let path = "/items/\(item)/tensors/\(name)"
      let info = try file.datasetInfo(path)
      let op: String? = if case .string(let text)? = try file.attribute("op", of: path) { text } else { nil }
      return TensorEntry(name: name, shape: info.shape, storedType: info.storedType, op: op)
    }
  }

  /// The reports of `item`, read from their attributes.
  public static func reports(item: String, in file: HDF5File) throws(HDF5Error) -> [ReportEntry] {
    let group = "/items/\(item)/reports"
    guard file.exists(group) else { return [] }
    return try file.children(of: group).map { stage throws(HDF5Error) in
      let path = "\(group)/\(stage)"
      func text(_ name: String) throws(HDF5Error) -> String {
        if case .string(let value)? = try file.attribute(name, of: path) { return value }
        return ""
      }
      func number(_ name: String) throws(HDF5Error) -> Double {
        switch try file.attribute(name, of: path) {
        case .double(let value)?: return value
        case .int(let value)?: return Double(value)
        default: return .nan
        }
      }
      return ReportEntry(
        stageID: stage, check: try text("check"), passed: try number("passed") == 1, held: try number("held") == 1,
        expect: try text("expect"), maxAbsError: try number("max_abs_error"), maxRelError: try number("max_rel_error"),
        message: try text("message"))
    }
  }

  /// A readable table: the file's job, then per item its tensors and reports.
  public func render() -> String {
    func text(_ name: String) -> String {
      switch attributes[name] {
      case .string(let value)?: value
      case .int(let value)?: String(value)
      default: "?"
      }
    }
    let checks = items.flatMap(\.reports)
    var lines = [
      "\(path): job \"\(text("job_name"))\", convpipe \(text("convpipe_version")), sha256 \(text("job_sha256").prefix(12))",
      "\(items.count) item\(items.count == 1 ? "" : "s"), \(checks.count) check\(checks.count == 1 ? "" : "s"), \(checks.filter { !$0.passed }.count) failed",
    ]
    for item in items {
      lines.append("item \(item.id)")
      let nameWidth = max((item.tensors.map(\.name) + item.reports.map(\.stageID)).map(\.count).max() ?? 0, 4)
      func pad(_ value: String, _ width: Int) -> String { value + String(repeating: " ", count: max(width - value.count, 0)) }
      if !item.tensors.isEmpty {
        lines.append("  tensors")
        let shapeWidth = item.tensors.map { $0.shape.shapeDescription.count }.max() ?? 0
        for tensor in item.tensors {
          lines.append("    \(pad(tensor.name, nameWidth))  \(pad(tensor.shape.shapeDescription, shapeWidth))  \(pad(tensor.storedType, 7))  \(tensor.op ?? "")")
        }
      }
      if !item.reports.isEmpty {
        lines.append("  reports")
        for report in item.reports {
          let verdict = report.passed ? "PASS" : "FAIL"
          let expectation = report.expect == "fail" ? " (expected to fail; held: \(report.held ? "yes" : "no"))" : ""
          lines.append("    \(pad(report.stageID, nameWidth))  \(pad(report.check, 8))  \(verdict)  max abs \(format(report.maxAbsError))  max rel \(format(report.maxRelError))\(expectation)")
          if !report.passed || report.expect == "fail" { lines.append("    \(pad("", nameWidth))  \(report.message)") }
        }
      }
    }
    return lines.joined(separator: "\n")
  }

  private func format(_ value: Double) -> String {
    value.isFinite ? String(format: "%.3g", value) : "\(value)"
  }
}
