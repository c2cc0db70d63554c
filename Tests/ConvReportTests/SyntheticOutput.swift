import ConvCore
import Foundation
import HDF5IO
import TestSupport

/// A convpipe output file written directly in the output layout, for tests
/// that need many items, chosen failures or names no job would produce.
struct SyntheticOutput {
  struct Item {
    var id: String
    /// Kept tensors by name.
    var tensors: [(String, Tensor)]
    /// Reports: name, check, whether the condition held, message.
    var reports: [(name: String, check: String, held: Bool, message: String)]
  }

  let path: String

  /// Writes `items` with the root attributes a run writes (`job_json` and
  /// `graph_sha256` only when `job` and `graph` are given), and `extra` ones.
  init(
    items: [Item], jobName: String = "synthetic", job: String? = nil, graph: String? = nil,
    extra: [(String, HDF5AttributeValue)] = [], in directory: URL = Fixtures.temporaryDirectory("convreport")
  ) throws {
    path = directory.appendingPathComponent("out.h5").path
    let file = try HDF5File.create(path)
    for item in items {
      let group = "/items/\(item.id)"
      try file.createGroup(group)
      try file.setAttribute("input_sha256", .string("0"), on: group)
      for (name, tensor) in item.tensors {
        try file.writeTensor(tensor, to: "\(group)/tensors/\(name)")
        try file.setAttribute("op", .string("conv"), on: "\(group)/tensors/\(name)")
      }
      for report in item.reports {
        let reportPath = "\(group)/reports/\(report.name)"
        try file.createGroup(reportPath)
        let attributes: [(String, HDF5AttributeValue)] = [
          ("check", .string(report.check)), ("passed", .int(report.held ? 1 : 0)), ("held", .int(report.held ? 1 : 0)),
          ("expect", .string("pass")), ("max_abs_error", .double(report.held ? 0 : 1.5)), ("max_rel_error", .double(0)),
          ("mismatched", .int(report.held ? 0 : 1)), ("count", .int(1)), ("rtol", .double(0)), ("atol", .double(0)),
          ("message", .string(report.message)),
        ]
        for (name, value) in attributes { try file.setAttribute(name, value, on: reportPath) }
      }
    }
    let failed = items.flatMap(\.reports).filter { !$0.held }.count
    var root: [(String, HDF5AttributeValue)] = [
      ("convpipe_version", .string("0.1.0")), ("job_name", .string(jobName)), ("items", .int(items.count)),
      ("item_ids", .strings(items.map(\.id))), ("items_failed", .int(0)),
      ("checks", .int(items.flatMap(\.reports).count)), ("checks_failed", .int(failed)),
    ]
    if let job { root.append(("job_json", .string(job))) }
    if let graph { root.append(("graph_sha256", .string(graph))) }
    root += extra
    for (name, value) in root { try file.setAttribute(name, value, on: "/") }
    try file.close()
  }

  /// A `[1, channels, size, size]` float32 tensor of values `scale * sin(seed + index)`.
  static func tensor(channels: Int = 3, size: Int = 48, seed: Int = 0, scale: Double = 1) -> Tensor {
    Tensor(shape: [1, channels, size, size], of: Float.self) { values in
      for index in values.indices { values[index] = Float(scale * sin(Double(seed + index))) }
    }
  }
}
