import ConvChecks
import ConvCore
import HDF5IO

/// Compares convpipe output files tensor by tensor, as h5diff does for HDF5:
/// items and tensors present in one file only, shape and type changes, and
/// values outside `|a - b| <= atol + rtol * |b|` (NaN equal to NaN), with the
/// largest absolute and relative errors and the worst index. Serves both
/// `convpipe diff` and `run --golden`.
public struct OutputComparison: Sendable {
  public let tolerance: Allclose

  /// Exact comparison unless tolerances are given.
  public init(rtol: Double = 0, atol: Double = 0) {
    tolerance = Allclose(rtol: rtol, atol: atol, equalNaN: true)
  }

  /// One item's or tensor's difference, for reports and summaries.
  public struct Difference: Sendable, CustomStringConvertible {
    public let item: String
    /// The tensor's name; nil when the whole item is in one file only.
    public let tensor: String?
    public let outcome: CheckOutcome

    public var description: String {
      "item \(item)" + (tensor.map { " tensor \($0)" } ?? "") + ": " + outcome.message
    }
  }

  /// The item ids of an output file, in its order.
  public static func itemIDs(of file: HDF5File) throws(HDF5Error) -> [String] {
    switch try file.attribute("item_ids", of: "/") {
    case .strings(let ids)?: return ids
    case .string(let id)?: return [id]
    default: return file.exists("/items") ? try file.children(of: "/items") : []
    }
  }

  /// The names of the tensors kept for `item` in `file`.
  public static func tensorNames(item: String, in file: HDF5File) throws(HDF5Error) -> [String] {
    let group = "/items/\(item)/tensors"
    return file.exists(group) ? try file.children(of: group) : []
  }

  /// Compares tensor `name` of `item` in `actual` with the same path in `reference`.
  public func compareTensor(_ name: String, item: String, actual: HDF5File, reference: HDF5File) throws(HDF5Error) -> CheckOutcome {
    let path = "/items/\(item)/tensors/\(name)"
    guard reference.exists(path) else {
      return CheckOutcome(held: false, mismatched: 1, count: 1, rtol: tolerance.rtol, atol: tolerance.atol,
        message: "only in \(actual.path), not in \(reference.path)")
    }
    guard actual.exists(path) else {
      return CheckOutcome(held: false, mismatched: 1, count: 1, rtol: tolerance.rtol, atol: tolerance.atol,
        message: "only in \(reference.path), not in \(actual.path)")
    }
    let (a, b) = (try actual.datasetInfo(path), try reference.datasetInfo(path))
    guard a.shape == b.shape, a.storedType == b.storedType else {
      return CheckOutcome(held: false, mismatched: 1, count: 1, rtol: tolerance.rtol, atol: tolerance.atol,
        message: "\(a.shape.shapeDescription) \(a.storedType) in \(actual.path), \(b.shape.shapeDescription) \(b.storedType) in \(reference.path)")
    }
    return tolerance.compare(try actual.readTensor(path), try reference.readTensor(path))
  }

  /// Every difference between two files: items in one only, then per item the
  /// tensors of either file compared.
  public func compareFiles(_ a: HDF5File, _ b: HDF5File) throws(HDF5Error) -> (items: Int, differences: [Difference]) {
    let aItems = try Self.itemIDs(of: a), bItems = try Self.itemIDs(of: b)
    let bSet = Set(bItems), aSet = Set(aItems)
    var differences: [Difference] = []
    for item in aItems where !bSet.contains(item) { differences.append(itemOnly(item, in: a, notIn: b)) }
    for item in bItems where !aSet.contains(item) { differences.append(itemOnly(item, in: b, notIn: a)) }
    for item in aItems where bSet.contains(item) {
      let names = Set(try Self.tensorNames(item: item, in: a)).union(try Self.tensorNames(item: item, in: b)).sorted()
      for name in names {
        let outcome = try compareTensor(name, item: item, actual: a, reference: b)
        if !outcome.held { differences.append(Difference(item: item, tensor: name, outcome: outcome)) }
      }
    }
    return (aSet.union(bSet).count, differences)
  }

  /// The difference of an item present in `file` only.
  public func itemOnly(_ item: String, in file: HDF5File, notIn other: HDF5File) -> Difference {
    Difference(item: item, tensor: nil, outcome: CheckOutcome(
      held: false, mismatched: 1, count: 1, rtol: tolerance.rtol, atol: tolerance.atol,
      message: "only in \(file.path), not in \(other.path)"))
  }
}
