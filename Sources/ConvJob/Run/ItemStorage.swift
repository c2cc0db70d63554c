import ConvChecks
import ConvCore
import HDF5IO

/// One item's group in convpipe's output layout, written and read back:
///
/// ```
/// /items/<item>                    attrs: input_sha256 (a part file's: elements_sha256 too)
/// /items/<item>/tensors/<name>     attrs: op, params
/// /items/<item>/reports/<name>     attrs: check, passed, held, expect, max_abs_error, max_rel_error,
///                                         mismatched, count, rtol, atol, message
/// /items/<item>/matrices/<stage>
/// ```
///
/// An item reaches an output file only through ``write(_:into:raw:compression:)``,
/// from its values, whatever it came from (computed, or read back from an
/// earlier output by ``read(_:from:raw:)`` for incremental and resumed runs
/// and merged shards): the same calls in the same order (tensors, reports and
/// matrices by name) give the same bytes, so every way of producing an output
/// gives the same file. Uncompressed tensors are allocated by libhdf5 and their
/// elements written straight to the file (``RawFileAccess``).
enum ItemStorage {
  static func group(_ id: String) -> String { "/items/\(id)" }
  static func reportsGroup(_ id: String) -> String { "/items/\(id)/reports" }

  /// Writes `result` as `/items/<id>` of `file`: groups, attributes and the
  /// datasets' space through libhdf5, then the elements through `raw`.
  /// Tensors above 64Ki elements are compressed with gzip at `compression` (1-9)
  /// and written through libhdf5; 0 writes every tensor uncompressed.
  static func write(_ result: ItemResult, into file: HDF5File, raw: RawFileAccess, compression: Int) throws(HDF5Error) {
    // The library's part in one go (a worker reading items back calls in too); the elements outside it.
    let pending = try file.holdingLibrary { () throws(HDF5Error) in
      try createObjects(for: result, in: file, compression: compression)
    }
    for (storage, tensor) in pending { try raw.write(tensor, at: storage) }
  }

  /// Makes `/items/<id>` of `file` for `result` but for the elements of its
  /// uncompressed tensors, which are returned with where they go.
  private static func createObjects(
    for result: ItemResult, in file: HDF5File, compression: Int
  ) throws(HDF5Error) -> [(ContiguousStorage, Tensor)] {
    let group = group(result.id)
    try file.createGroup(group)
    try file.addAttributes(
      [("input_sha256", .string(result.inputHash))]
        + (result.elementsHash.map { [("elements_sha256", .string($0))] } ?? []),
      on: group)
    var pending: [(ContiguousStorage, Tensor)] = []
    func dataset(_ tensor: Tensor, at path: String) throws(HDF5Error) {
      if compression > 0 && tensor.count > compressionThreshold {
        try file.writeTensor(
          tensor, to: path, compressionThreshold: compressionThreshold, compressionLevel: compression)
      } else if let storage = try file.createContiguousDataset(path, shape: tensor.shape, dtype: tensor.dtype) {
        pending.append((storage, tensor))
      }
    }
    for kept in result.tensors.sorted(by: { $0.name < $1.name }) {
      let path = "\(group)/tensors/\(kept.name)"
      try dataset(kept.tensor, at: path)
      try file.addAttributes([("op", .string(kept.op)), ("params", .string(kept.params))], on: path)
    }
    for report in result.reports.sorted(by: { $0.name < $1.name }) { try write(report, item: result.id, in: file) }
    for (stageID, matrix) in result.matrices.sorted(by: { $0.stageID < $1.stageID }) {
      try dataset(matrix, at: "\(group)/matrices/\(stageID)")
    }
    return pending
  }

  /// The SHA-256 a part file records for an item as `elements_sha256`: over each
  /// kept tensor's and matrix's path, shape, element type and the SHA-256 of its
  /// elements, so that `merge` finds elements damaged since the part was written
  /// (HDF5 keeps no checksum of contiguous data).
  static func elementsHash(_ result: ItemResult) -> String {
    func line(_ path: String, _ tensor: Tensor) -> String {
      let digest = tensor.storage.withUnsafeBytes { SHA256.hex($0) }
      return "\(path) \(tensor.shape) \(tensor.dtype.rawValue) \(digest)\n"
    }
    let tensors = result.tensors.sorted { $0.name < $1.name }.map { line("tensors/\($0.name)", $0.tensor) }
    let matrices = result.matrices.sorted { $0.stageID < $1.stageID }.map { line("matrices/\($0.stageID)", $0.matrix) }
    return SHA256.hex(Array((tensors + matrices).joined().utf8))
  }

  /// Whether `result`, item `result.id` read back from `file`, still holds the
  /// elements whose hash the part file recorded (`elements_sha256`); true
  /// when none was recorded (not a part file, or an older one).
  static func elementsIntact(_ result: ItemResult, in file: HDF5File) throws(HDF5Error) -> Bool {
    try recordedElementsHash(result.id, in: file).map { $0 == elementsHash(result) } ?? true
  }

  /// The `elements_sha256` a part file recorded for item `id` of `file`; nil when none was.
  static func recordedElementsHash(_ id: String, in file: HDF5File) throws(HDF5Error) -> String? {
    guard case .string(let recorded)? = try file.attribute("elements_sha256", of: group(id)) else { return nil }
    return recorded
  }

  /// Tensors with more elements than this are compressed when the output asks for it.
  static let compressionThreshold = 1 << 16

  /// Reads item `id` of `file` back into memory, every tensor and report; the
  /// elements of uncompressed tensors through `raw` (outside libhdf5's lock).
  static func read(_ id: String, from file: HDF5File, raw: RawFileAccess?) throws(HDF5Error) -> ItemResult {
    let group = group(id)
    guard case .string(let inputHash)? = try file.attribute("input_sha256", of: group) else {
      throw HDF5Error(file: file.path, object: group, message: "not an item written by convpipe (no input_sha256)")
    }
    var result = ItemResult(id: id, inputHash: inputHash)
    for name in try OutputComparison.tensorNames(item: id, in: file) {
      let path = "\(group)/tensors/\(name)"
      let attributes = try file.attributes(of: path)
      result.tensors.append(
        KeptTensor(
          name: name, tensor: try file.readTensor(path, raw: raw), op: text(attributes["op"]),
          params: text(attributes["params"])))
    }
    result.reports = try reports(id, in: file)
    let matrices = "\(group)/matrices"
    if file.exists(matrices) {
      for stageID in try file.children(of: matrices) {
        result.matrices.append((stageID, try file.readTensor("\(matrices)/\(stageID)", raw: raw)))
      }
    }
    return result
  }

  /// The reports of item `id` in `file`, read from their attributes: a dozen
  /// calls into libhdf5 a report, made in one go (``HDF5File/holdingLibrary(_:)``).
  static func reports(_ id: String, in file: HDF5File) throws(HDF5Error) -> [ItemReport] {
    try file.holdingLibrary { () throws(HDF5Error) in try reportsHeld(id, in: file) }
  }

  private static func reportsHeld(_ id: String, in file: HDF5File) throws(HDF5Error) -> [ItemReport] {
    let group = reportsGroup(id)
    guard file.exists(group) else { return [] }
    return try file.children(of: group).map { name throws(HDF5Error) in
      let attributes = try file.attributes(of: "\(group)/\(name)")
      func number(_ attribute: String) -> Double {
        switch attributes[attribute] {
        case .double(let value)?: return value
        case .int(let value)?: return Double(value)
        default: return .nan
        }
      }
      let outcome = CheckOutcome(
        held: number("held") == 1, maxAbsError: number("max_abs_error"), maxRelError: number("max_rel_error"),
        mismatched: Int(exactly: number("mismatched")) ?? 0, count: Int(exactly: number("count")) ?? 0,
        rtol: number("rtol"), atol: number("atol"), message: text(attributes["message"]))
      return ItemReport(
        name: name, check: text(attributes["check"]),
        expect: Expectation(rawValue: text(attributes["expect"])) ?? .pass, outcome: outcome)
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
    try file.addAttributes(attributes, on: path)
  }

  /// A string attribute's value; empty when it is missing or not a string.
  private static func text(_ value: HDF5AttributeValue?) -> String {
    if case .string(let text)? = value { return text }
    return ""
  }
}
