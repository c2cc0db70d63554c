import ConvChecks
import ConvCore
import HDF5IO

/// Compares convpipe output files tensor by tensor, as h5diff does for HDF5:
/// items and tensors present on one side only, shape and type changes, and
/// values outside `|actual - reference| <= atol + rtol * |reference|` (NaN equal
/// to NaN), with the largest absolute error, the largest relative error
/// `|actual - reference| / |reference|` and the worst index.
///
/// One side is always the reference: the golden file for `run --golden`, the
/// first file for `convpipe diff REFERENCE NEW`, so both say the same thing
/// about the same change.
package struct OutputComparison: Sendable {
  package let tolerance: Allclose

  /// Exact comparison unless tolerances are given.
  package init(rtol: Double = 0, atol: Double = 0) {
    tolerance = Allclose(rtol: rtol, atol: atol, equalNaN: true)
  }

  /// One item's or tensor's difference, for reports and summaries.
  package struct Difference: Sendable, CustomStringConvertible {
    package let item: String
    /// The tensor's name; nil when the whole item is on one side only.
    package let tensor: String?
    package let outcome: CheckOutcome

    package var description: String {
      let errors =
        outcome.maxAbsError.isNaN || (outcome.maxAbsError == 0 && outcome.maxRelError == 0)
        ? "" : "max abs error \(outcome.maxAbsError), max rel error \(outcome.maxRelError): "
      return "item \(item)" + (tensor.map { " tensor \($0)" } ?? "") + ": " + errors + outcome.message
    }
  }

  /// A tensor as compared: its values, and the element type it is stored with.
  package struct Operand: Sendable {
    package let tensor: Tensor
    package let storedType: String

    package init(tensor: Tensor, storedType: String) {
      self.tensor = tensor
      self.storedType = storedType
    }

    /// The tensor at `path` of `file`, or nil when there is none; its elements
    /// through `raw` when they lie contiguous (outside libhdf5's lock).
    package static func read(_ path: String, in file: HDF5File, raw: RawFileAccess? = nil) throws(HDF5Error) -> Operand?
    {
      guard file.exists(path) else { return nil }
      let storedType = try file.datasetInfo(path).storedType
      return Operand(tensor: try file.readTensor(path, raw: raw), storedType: storedType)
    }
  }

  /// The item ids of an output file, in its order (the `/item_ids` dataset).
  package static func itemIDs(of file: HDF5File) throws(HDF5Error) -> [String] {
    if file.exists("/item_ids") { return try file.readStrings("/item_ids") }
    return file.exists("/items") ? try file.children(of: "/items") : []
  }

  /// The message of each item recorded under `/failed`, by item id.
  package static func failureMessages(of file: HDF5File) throws(HDF5Error) -> [String: String] {
    Dictionary(try failedItems(of: file).map { ($0.item, $0.error) }, uniquingKeysWith: { first, _ in first })
  }

  /// The items recorded under `/failed` (`--keep-going`), each with its
  /// message; ids with `/` are nested groups.
  package static func failedItems(of file: HDF5File) throws(HDF5Error) -> [FailedItem] {
    var found: [FailedItem] = []
    func visit(_ group: String, prefix: String) throws(HDF5Error) {
      for name in try file.children(of: group) {
        let path = "\(group)/\(name)", id = prefix + name
        if case .string(let message)? = try file.attribute("message", of: path) {
          found.append(FailedItem(item: id, error: message))
        } else {
          try visit(path, prefix: id + "/")
        }
      }
    }
    if file.exists("/failed") { try visit("/failed", prefix: "") }
    return found
  }

  /// The names of the tensors kept for `item` in `file`.
  package static func tensorNames(item: String, in file: HDF5File) throws(HDF5Error) -> [String] {
    let group = "/items/\(item)/tensors"
    return file.exists(group) ? try file.children(of: group) : []
  }

  /// Compares `actual` with `reference`; `referenceName` names the reference side
  /// in messages (a file path), and a side that is nil is missing there.
  /// A tensor on one side only is not a number: its outcome has NaN errors.
  package func compare(_ actual: Operand?, _ reference: Operand?, referenceName: String, actualName: String)
    -> CheckOutcome
  {
    switch (actual, reference) {
    case (nil, _): return missing(referenceName: referenceName, actualName: actualName)
    case (_?, nil): return extra(referenceName: referenceName)
    case (let a?, let b?):
      guard a.tensor.shape == b.tensor.shape, a.storedType == b.storedType else {
        return CheckOutcome(
          held: false, maxAbsError: .nan, maxRelError: .nan, mismatched: max(a.tensor.count, b.tensor.count),
          count: max(a.tensor.count, b.tensor.count), rtol: tolerance.rtol, atol: tolerance.atol,
          message:
            "\(a.tensor.shape.shapeDescription) \(a.storedType) in \(actualName), \(b.tensor.shape.shapeDescription) \(b.storedType) in \(referenceName)"
        )
      }
      return tolerance.compare(a.tensor, b.tensor)
    }
  }

  /// Something (an item, a tensor) the reference has and the new side lacks.
  package func missing(referenceName: String, actualName: String) -> CheckOutcome {
    absent("missing: only in \(referenceName), not in \(actualName)")
  }

  /// Something the new side has and the reference lacks.
  package func extra(referenceName: String) -> CheckOutcome {
    absent("extra: not in \(referenceName)")
  }

  /// A difference of presence: no errors to measure (NaN), one mismatch.
  private func absent(_ message: String) -> CheckOutcome {
    CheckOutcome(
      held: false, maxAbsError: .nan, maxRelError: .nan, mismatched: 1, count: 1,
      rtol: tolerance.rtol, atol: tolerance.atol, message: message)
  }

  /// Every difference between a reference file and a new one, in item order
  /// (the reference's, an item only the new one has right after the item
  /// before it there): an item on one side only (or failed on the other), or
  /// the tensors of either side compared.
  package func compareFiles(reference: HDF5File, actual: HDF5File) throws(HDF5Error) -> (
    items: Int, differences: [Difference]
  ) {
    let referenceItems = try Self.itemIDs(of: reference), actualItems = try Self.itemIDs(of: actual)
    let inReference = Set(referenceItems), inActual = Set(actualItems)
    let failedInActual = try Self.failureMessages(of: actual)
    let failedInReference = try Self.failureMessages(of: reference)
    var differences: [Difference] = []
    for item in referenceItems where !inActual.contains(item) {
      let outcome =
        failedInActual[item].map { absent("failed in \(actual.path): \($0)") }
        ?? missing(referenceName: reference.path, actualName: actual.path)
      differences.append(Difference(item: item, tensor: nil, outcome: outcome))
    }
    for item in actualItems where !inReference.contains(item) {
      let outcome =
        failedInReference[item].map { absent("extra: failed in \(reference.path): \($0)") }
        ?? extra(referenceName: reference.path)
      differences.append(Difference(item: item, tensor: nil, outcome: outcome))
    }
    for item in actualItems where inReference.contains(item) {
      let names = Set(try Self.tensorNames(item: item, in: actual)).union(
        try Self.tensorNames(item: item, in: reference)
      ).sorted()
      for name in names {
        let path = "/items/\(item)/tensors/\(name)"
        let outcome = compare(
          try Operand.read(path, in: actual), try Operand.read(path, in: reference),
          referenceName: reference.path, actualName: actual.path)
        if !outcome.held { differences.append(Difference(item: item, tensor: name, outcome: outcome)) }
      }
    }
    // Each item's place: its index in the reference, and for an item only the
    // new file has, the index of the reference item before it there and its rank after it.
    var place: [String: (Int, Int)] = [:]
    for (index, item) in referenceItems.enumerated() where place[item] == nil { place[item] = (index, 0) }
    var before = -1, after = 0
    for item in actualItems {
      if let (index, rank) = place[item], rank == 0 {
        (before, after) = (index, 0)
      } else if place[item] == nil {
        after += 1
        place[item] = (before, after)
      }
    }
    let inItemOrder = differences.enumerated().sorted {
      let (a, b) = (place[$0.element.item] ?? (-1, 0), place[$1.element.item] ?? (-1, 0))
      return (a.0, a.1, $0.offset) < (b.0, b.1, $1.offset)
    }.map(\.element)
    return (inReference.union(inActual).count, inItemOrder)
  }
}
