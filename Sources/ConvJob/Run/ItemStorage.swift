import ConvChecks
import ConvCore
import HDF5IO

/// One item's group in convpipe's output layout, written and read back:
///
/// ```
/// /items/<item>                    attrs: input_sha256
/// /items/<item>/tensors/<name>     attrs: op, params
/// /items/<item>/reports/<name>     attrs: check, passed, held, expect, max_abs_error, max_rel_error,
///                                         mismatched, count, rtol, atol, message
/// /items/<item>/matrices/<stage>
/// ```
///
/// An item reaches an output file only by ``HDF5File/copy(_:from:to:)`` of
/// its whole group: built in memory by ``build(_:compression:)`` when it was
/// computed, or taken from an earlier output (incremental runs, resumed runs,
/// merged shards). HDF5 makes the same copy of the same objects wherever they
/// come from, so every way of producing an output gives the same bytes.
enum ItemStorage {
  static func group(_ id: String) -> String { "/items/\(id)" }
  static func reportsGroup(_ id: String) -> String { "/items/\(id)/reports" }

  /// A new in-memory file holding `result` under `/items/<id>`.
  static func build(_ result: ItemResult, compression: Int) throws(HDF5Error) -> HDF5File {
    let file = try HDF5File.createInMemory(name: "item \(result.id)")
    let group = group(result.id)
    try file.createGroup(group)
    try file.setAttribute("input_sha256", .string(result.inputHash), on: group)
    for kept in result.tensors {
      let path = "\(group)/tensors/\(kept.name)"
      try file.writeTensor(kept.tensor, to: path, compressionLevel: compression)
      try file.setAttribute("op", .string(kept.op), on: path)
      try file.setAttribute("params", .string(kept.params), on: path)
    }
    for report in result.reports { try write(report, item: result.id, in: file) }
    for (stageID, matrix) in result.matrices {
      try file.writeTensor(matrix, to: "\(group)/matrices/\(stageID)", compressionLevel: compression)
    }
    return file
  }

  /// Reads item `id` of `file` back into memory, every tensor and report.
  static func read(_ id: String, from file: HDF5File) throws(HDF5Error) -> ItemResult {
    let group = group(id)
    guard case .string(let inputHash)? = try file.attribute("input_sha256", of: group) else {
      throw HDF5Error(file: file.path, object: group, message: "not an item written by convpipe (no input_sha256)")
    }
    var result = ItemResult(id: id, inputHash: inputHash)
    for name in try OutputComparison.tensorNames(item: id, in: file) {
      let path = "\(group)/tensors/\(name)"
      result.tensors.append(
        KeptTensor(
          name: name, tensor: try file.readTensor(path), op: try text("op", of: path, in: file),
          params: try text("params", of: path, in: file)))
    }
    result.reports = try reports(id, in: file)
    let matrices = "\(group)/matrices"
    if file.exists(matrices) {
      for stageID in try file.children(of: matrices) {
        result.matrices.append((stageID, try file.readTensor("\(matrices)/\(stageID)")))
      }
    }
    return result
  }

  /// The reports of item `id` in `file`, read from their attributes.
  static func reports(_ id: String, in file: HDF5File) throws(HDF5Error) -> [ItemReport] {
    let group = reportsGroup(id)
    guard file.exists(group) else { return [] }
    return try file.children(of: group).map { name throws(HDF5Error) in
      let path = "\(group)/\(name)"
      func number(_ attribute: String) throws(HDF5Error) -> Double {
        switch try file.attribute(attribute, of: path) {
        case .double(let value)?: return value
        case .int(let value)?: return Double(value)
        default: return .nan
        }
      }
      let outcome = CheckOutcome(
        held: try number("held") == 1, maxAbsError: try number("max_abs_error"),
        maxRelError: try number("max_rel_error"),
        mismatched: Int(exactly: try number("mismatched")) ?? 0, count: Int(exactly: try number("count")) ?? 0,
        rtol: try number("rtol"), atol: try number("atol"), message: try text("message", of: path, in: file))
      return ItemReport(
        name: name, check: try text("check", of: path, in: file),
        expect: Expectation(rawValue: try text("expect", of: path, in: file)) ?? .pass, outcome: outcome)
    }
  }

  /// Writes one report group with the attributes the job format lists.
  private static func write(_ report: ItemReport, item: String, in file: HDF5File) throws(HDF5Error) {
    let path = "\(reportsGroup(item))/\(report.name)"
    try file.createGroup(path)
    let outcome = report.outcome
    let attributes: [(String, HDF5AttributeValue)] = [
      ("check", .string(report.check)), ("passed", .int(report.passed ? 1 : 0)),
      ("held", .int(outcome.held ? 1 : 0)), ("expect", .string(report.expect.rawValue)),
      ("max_abs_error", .double(outcome.maxAbsError)), ("max_rel_error", .double(outcome.maxRelError)),
      ("mismatched", .int(outcome.mismatched)), ("count", .int(outcome.count)),
      ("rtol", .double(outcome.rtol)), ("atol", .double(outcome.atol)), ("message", .string(outcome.message)),
    ]
    for (name, value) in attributes { try file.setAttribute(name, value, on: path) }
  }

  private static func text(_ name: String, of path: String, in file: HDF5File) throws(HDF5Error) -> String {
    if case .string(let value)? = try file.attribute(name, of: path) { return value }
    return ""
  }
}
