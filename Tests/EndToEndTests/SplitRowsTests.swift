import ConvCore
import Foundation
import HDF5IO
import PositionedJSON
import Testing
import TestSupport

/// An HDF5 dataset split into one item per row (`"split": true`), through the
/// built binary: each item holds its row and the stage's result of it, and
/// `--incremental` recomputes only a row that changed.
@Suite("Split HDF5 rows: one item per row")
struct SplitRowsTests {
  static func writeRows(_ path: String, rows: [[Float]]) throws {
    let file = try HDF5File.create(path)
    try file.writeTensor(try Tensor(shape: [rows.count, 1, 4, 4], values: rows.flatMap { $0 }), to: "/x")
    try file.close()
  }

  @Test("each row is an item with its own values; a changed row alone is computed again")
  func rows() throws {
    let directory = Fixtures.temporaryDirectory("convpipe-split")
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = directory.appendingPathComponent("rows.h5").path
    var rows = (0..<5).map { row in (0..<16).map { Float(row * 100 + $0) } }
    try Self.writeRows(data, rows: rows)
    let job = directory.appendingPathComponent("job.json").path
    try """
    {"convpipe": 1,
     "inputs": {"x": {"hdf5": "rows.h5", "dataset": "/x", "split": true},
                "w": {"values": [[[[0, 0, 0], [0, 2, 0], [0, 0, 0]]]]}},
     "stages": [{"id": "y", "op": "conv", "input": "x", "weight": "w", "padding": 1}],
     "outputs": {"path": "out.h5", "tensors": ["x", "y"]}}
    """.write(toFile: job, atomically: true, encoding: .utf8)
    let output = directory.appendingPathComponent("out.h5").path
    let first = try ConvPipeProcess.run(["run", job, "--threads", "2", "--quiet"])
    #expect(first.exitCode == 0, "\(first.standardError)")
    func item(_ id: String, _ tensor: String) throws -> [Double] {
      let file = try HDF5File.open(output)
      defer { try? file.close() }
      return try file.readTensor("/items/\(id)/tensors/\(tensor)").doubles
    }
    for row in 0..<5 {
      #expect(try item("\(row)", "x") == rows[row].map(Double.init))
      #expect(try item("\(row)", "y") == rows[row].map { Double($0) * 2 }, "the centre tap doubles each value")
    }
    rows[3] = rows[3].map { -$0 }
    try Self.writeRows(data, rows: rows)
    let log = directory.appendingPathComponent("again.jsonl").path
    let again = try ConvPipeProcess.run(["run", job, "--incremental", "--log", log, "--quiet"])
    #expect(again.exitCode == 0, "\(again.standardError)")
    let statuses = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap {
      line -> (String, String)? in
      let value = try JSONParser.parse(String(line))
      guard let id = value["item"]?.stringValue, let status = value["status"]?.stringValue else { return nil }
      return (id, status)
    }
    #expect(statuses.filter { $0.1 == "computed" }.map(\.0) == ["3"])
    #expect(statuses.filter { $0.1 == "reused" }.count == 4)
    #expect(try item("3", "y") == rows[3].map { Double($0) * 2 })
  }
}
