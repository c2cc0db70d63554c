import ConvCore
import ConvChecks
import Foundation
import HDF5IO

/// The run's HDF5 file, written under a temporary name beside the target and
/// renamed over it only when the run completes, so an earlier file at that
/// path is replaced only by a finished run.
///
/// Layout: `/items/<item>/tensors/<name>` (attributes `op`, `params`),
/// `/items/<item>/reports/<stage id>` (one group per check, attributes as
/// ``CheckReport``), `/items/<item>/matrices/<stage id>`; root attributes
/// `convpipe_version`, `job_name`, `job_sha256`, `items`, `checks`, `checks_failed`
/// (and `item_ids`, `description`). Item ids containing `/` become nested groups.
final class OutputFile {
  let target: String
  let temporary: String
  private var file: HDF5File?

  private let removeOnInterrupt: Bool

  /// Creates the temporary file; with `removeOnInterrupt` it is deleted if the
  /// process is interrupted before ``finish(_:)``.
  init(target: String, removeOnInterrupt: Bool = true) throws(HDF5Error) {
    self.target = target
    self.removeOnInterrupt = removeOnInterrupt
    let url = URL(fileURLWithPath: target)
    temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
    file = try HDF5File.create(temporary)
    if removeOnInterrupt { InterruptCleanup.arm(temporary) }
  }

  /// The file as written so far, for reading back.
  func contents() throws(HDF5Error) -> HDF5File { try open() }

  private func open() throws(HDF5Error) -> HDF5File {
    guard let file else { throw HDF5Error(file: temporary, object: nil, message: "the output file is already closed") }
    return file
  }

  static func itemGroup(_ item: String) -> String { "/items/\(item)" }

  func writeTensor(_ tensor: Tensor, item: String, name: String, op: String, params: String, compression: Int) throws(HDF5Error) {
    let path = "\(Self.itemGroup(item))/tensors/\(name)"
    let file = try open()
    try file.writeTensor(tensor, to: path, compressionLevel: compression)
    try file.setAttribute("op", .string(op), on: path)
    try file.setAttribute("params", .string(params), on: path)
  }

  func writeReport(_ report: CheckReport, item: String) throws(HDF5Error) {
    try writeReport(
      stageID: report.stageID, check: report.check.rawValue, expect: report.expect.rawValue,
      passed: report.passed, outcome: report.outcome, item: item)
  }

  /// Writes one report group with the attributes the spec lists.
  func writeReport(stageID: String, check: String, expect: String, passed: Bool, outcome: CheckOutcome, item: String) throws(HDF5Error) {
    let path = "\(Self.itemGroup(item))/reports/\(stageID)"
    let file = try open()
    try file.createGroup(path)
    let attributes: [(String, HDF5AttributeValue)] = [
      ("check", .string(check)), ("passed", .int(passed ? 1 : 0)),
      ("held", .int(outcome.held ? 1 : 0)), ("expect", .string(expect)),
      ("max_abs_error", .double(outcome.maxAbsError)), ("max_rel_error", .double(outcome.maxRelError)),
      ("mismatched", .int(outcome.mismatched)), ("count", .int(outcome.count)),
      ("rtol", .double(outcome.rtol)), ("atol", .double(outcome.atol)), ("message", .string(outcome.message)),
    ]
    for (name, value) in attributes { try file.setAttribute(name, value, on: path) }
  }

  func writeMatrix(_ matrix: Tensor, item: String, stageID: String, compression: Int) throws(HDF5Error) {
    try open().writeTensor(matrix, to: "\(Self.itemGroup(item))/matrices/\(stageID)", compressionLevel: compression)
  }

  /// Sets an attribute of the item's group, creating the group if needed.
  func setItemAttribute(_ name: String, _ value: HDF5AttributeValue, item: String) throws(HDF5Error) {
    let file = try open()
    try file.createGroup(Self.itemGroup(item))
    try file.setAttribute(name, value, on: Self.itemGroup(item))
  }

  /// Copies the item's whole group (tensors, reports, matrices, attributes) from `source`.
  func copyItem(_ item: String, from source: HDF5File) throws(HDF5Error) {
    try open().copy(Self.itemGroup(item), from: source, to: Self.itemGroup(item))
  }

  /// Writes the root attributes, closes the file and renames it over the target.
  func finish(_ attributes: [(String, HDF5AttributeValue)]) throws(HDF5Error) {
    let file = try open()
    try file.createGroup("/items")
    for (name, value) in attributes { try file.setAttribute(name, value, on: "/") }
    try file.close()
    self.file = nil
    defer { if removeOnInterrupt { InterruptCleanup.disarm() } }
    guard rename(temporary, target) == 0 else {
      let reason = String(cString: strerror(errno))
      discard()
      throw HDF5Error(file: target, object: nil, message: "cannot move the finished file into place: \(reason)")
    }
  }

  /// Closes and deletes the temporary file, leaving the target as it was.
  func discard() {
    try? file?.close()
    file = nil
    unlink(temporary)
    if removeOnInterrupt { InterruptCleanup.disarm() }
  }
}
