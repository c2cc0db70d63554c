import CHDF5
import Foundation
import _HDF5Shims

extension HDF5File {
  /// Attaches attribute `name` with `value` to the group or dataset at
  /// `objectPath` (`"/"` for the root group), replacing an attribute of that name.
  ///
  /// Integers are written as int64, reals as float64, strings as
  /// variable-length UTF-8; single values as scalars, arrays one-dimensional.
  public func setAttribute(_ name: String, _ value: HDF5AttributeValue, on objectPath: String) throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: objectPath)
      if try attributeExists(name, on: objectPath, in: file) {
        try check("cannot replace attribute '\(name)'", object: objectPath) {
          H5Adelete_by_name(file, objectPath, name, convpipe_H5P_DEFAULT())
        }
      }
      try addAttribute(name, value, on: objectPath, in: file)
    }
  }

  /// Attaches `attributes`, in order, to an object that has none of them yet
  /// (one just created): one call into libhdf5's lock for them all, and no
  /// check for an attribute to replace. Throws when one exists already.
  public func addAttributes(_ attributes: [(String, HDF5AttributeValue)], on objectPath: String) throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: objectPath)
      for (name, value) in attributes { try addAttribute(name, value, on: objectPath, in: file) }
    }
  }

  /// Creates and writes attribute `name` of the object at `objectPath`.
  private func addAttribute(_ name: String, _ value: HDF5AttributeValue, on objectPath: String, in file: hid_t)
    throws(HDF5Error)
  {
    switch value {
    case .int(let number): try writeNumbers([Int64(number)], isScalar: true, name, on: objectPath, in: file)
    case .ints(let numbers):
      try writeNumbers(numbers.map { Int64($0) }, isScalar: false, name, on: objectPath, in: file)
    case .double(let number): try writeNumbers([number], isScalar: true, name, on: objectPath, in: file)
    case .doubles(let numbers): try writeNumbers(numbers, isScalar: false, name, on: objectPath, in: file)
    case .string(let text): try writeStrings([text], isScalar: true, name, on: objectPath, in: file)
    case .strings(let texts): try writeStrings(texts, isScalar: false, name, on: objectPath, in: file)
    }
  }

  /// The value of attribute `name` of the group or dataset at `objectPath`; nil
  /// when the object has no such attribute.
  ///
  /// Reads integers and floats of any width (as `Int` and `Double`) and fixed-
  /// or variable-length strings; a scalar reads as a single value, any array
  /// as a flat array. Throws when the object is missing or the attribute holds
  /// another type class.
  public func attribute(_ name: String, of objectPath: String) throws(HDF5Error) -> HDF5AttributeValue? {
    try HDF5Library.serialised { () throws(HDF5Error) -> HDF5AttributeValue? in
      // The object is opened first and held: reached through an external link, its file then stays
      // open while the attribute is read (by name from the root, libhdf5 1.10 closes it too early).
      let object = try openObject(objectPath)
      guard try ask("cannot look up attribute '\(name)'", object: objectPath, { H5Aexists(object.id, name) }) else {
        return nil
      }
      return try readAttribute(name, of: object, at: objectPath)
    }
  }

  /// Every attribute of the group or dataset at `objectPath`, by name: the
  /// object opened once, where ``attribute(_:of:)`` opens it and looks the
  /// name up for each (reading 3,000 reports of eleven attributes: a kept
  /// nightly run of 1,500 items 0.26 -> 0.20 s).
  public func attributes(of objectPath: String) throws(HDF5Error) -> [String: HDF5AttributeValue] {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let object = try openObject(objectPath)
      var values: [String: HDF5AttributeValue] = [:]
      for name in try names(ofAttributesOf: object, at: objectPath) {
        values[name] = try readAttribute(name, of: object, at: objectPath)
      }
      return values
    }
  }

  /// The value of attribute `name` of `object`, which stands at `objectPath`; nil for an empty one.
  private func readAttribute(_ name: String, of object: HDF5Handle, at objectPath: String) throws(HDF5Error)
    -> HDF5AttributeValue?
  {
    let action = "cannot read attribute '\(name)'"
    let attribute = try make(.attribute, action, object: objectPath) {
      H5Aopen(object.id, name, convpipe_H5P_DEFAULT())
    }
    let type = try make(.datatype, action, object: objectPath) { H5Aget_type(attribute.id) }
    let space = try make(.dataspace, action, object: objectPath) { H5Aget_space(attribute.id) }
    let shape = try shape(of: space, object: objectPath)
    let isScalar = shape == []
    let count = try shape.map { (shape) throws(HDF5Error) in try elementCount(of: shape, object: objectPath) } ?? 0
    let reader = AttributeReader(file: self, attribute: attribute, count: count, action: action, object: objectPath)

    switch H5Tget_class(type.id) {
    case H5T_INTEGER:
      let numbers = try reader.numbers(Int64.self, as: convpipe_H5T_NATIVE_INT64()).map { Int($0) }
      return isScalar ? numbers.first.map { .int($0) } : .ints(numbers)
    case H5T_FLOAT:
      let numbers = try reader.numbers(Double.self, as: convpipe_H5T_NATIVE_DOUBLE())
      return isScalar ? numbers.first.map { .double($0) } : .doubles(numbers)
    case H5T_STRING:
      let texts = try reader.strings(storedAs: type, space: space)
      return isScalar ? texts.first.map { .string($0) } : .strings(texts)
    case let typeClass:
      throw error("\(action): unsupported type class \(typeClassName(typeClass))", object: objectPath)
    }
  }

  /// The names of the attributes of the group or dataset at `objectPath`, sorted.
  public func attributeNames(of objectPath: String) throws(HDF5Error) -> [String] {
    try HDF5Library.serialised { () throws(HDF5Error) in
      try names(ofAttributesOf: try openObject(objectPath), at: objectPath).sorted()
    }
  }

  /// The names of the attributes of `object`, which stands at `objectPath`, in name order.
  private func names(ofAttributesOf object: HDF5Handle, at objectPath: String) throws(HDF5Error) -> [String] {
    let listed = NameCollector.gather { collector in
      H5Aiterate2(
        object.id, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, into in NameCollector.collect(name, into: into) },
        collector)
    }
    try check("cannot list attributes", object: objectPath) { listed.status }
    return listed.names
  }

  // MARK: - Helpers

  /// The group or dataset at `objectPath`, open.
  private func openObject(_ objectPath: String) throws(HDF5Error) -> HDF5Handle {
    let file = try fileID(for: objectPath)
    return try make(.object, "cannot open object", object: objectPath) {
      H5Oopen(file, objectPath, convpipe_H5P_DEFAULT())
    }
  }

  private func attributeExists(_ name: String, on objectPath: String, in file: hid_t) throws(HDF5Error) -> Bool {
    try ask("cannot look up attribute '\(name)'", object: objectPath) {
      H5Aexists_by_name(file, objectPath, name, convpipe_H5P_DEFAULT())
    }
  }

  private func createAttribute(
    _ name: String, type: hid_t, shape: [Int], on objectPath: String, in file: hid_t
  ) throws(HDF5Error) -> HDF5Handle {
    let space = try makeDataspace(shape: shape, object: objectPath)
    return try make(.attribute, "cannot create attribute '\(name)'", object: objectPath) {
      H5Acreate_by_name(
        file, objectPath, name, type, space.id,
        convpipe_H5P_DEFAULT(), convpipe_H5P_DEFAULT(), convpipe_H5P_DEFAULT())
    }
  }

  /// Writes `texts` as a new variable-length UTF-8 string attribute, scalar or one-dimensional.
  private func writeStrings(
    _ texts: [String], isScalar: Bool, _ name: String, on objectPath: String, in file: hid_t
  ) throws(HDF5Error) {
    let type = try variableLengthStringType(H5T_CSET_UTF8, object: objectPath)
    let attribute = try createAttribute(
      name, type: type.id, shape: isScalar ? [] : [texts.count], on: objectPath, in: file)
    guard !texts.isEmpty else { return }
    try check("cannot write attribute '\(name)'", object: objectPath) {
      withCStrings(texts) { H5Awrite(attribute.id, type.id, $0) }
    }
  }

  /// Writes int64 or float64 `numbers` as a new attribute, scalar or one-dimensional.
  private func writeNumbers<Number: AttributeNumber>(
    _ numbers: [Number], isScalar: Bool, _ name: String, on objectPath: String, in file: hid_t
  ) throws(HDF5Error) {
    let type = Number.nativeHDF5Type
    let attribute = try createAttribute(
      name, type: type, shape: isScalar ? [] : [numbers.count], on: objectPath, in: file)
    guard !numbers.isEmpty else { return }
    try check("cannot write attribute '\(name)'", object: objectPath) {
      numbers.withUnsafeBytes { H5Awrite(attribute.id, type, $0.baseAddress) }
    }
  }
}

/// A number type attributes are written as.
private protocol AttributeNumber: Numeric {
  /// The predefined native HDF5 type (never close it).
  static var nativeHDF5Type: hid_t { get }
}

extension Int64: AttributeNumber {
  static var nativeHDF5Type: hid_t { convpipe_H5T_NATIVE_INT64() }
}

extension Double: AttributeNumber {
  static var nativeHDF5Type: hid_t { convpipe_H5T_NATIVE_DOUBLE() }
}

/// Calls `body` with a C array of NUL-terminated copies of `strings`, the
/// memory layout of variable-length string elements.
func withCStrings(_ strings: [String], _ body: (UnsafeRawPointer?) -> herr_t) -> herr_t {
  let copies = strings.map { strdup($0) }
  defer { copies.forEach { free($0) } }
  return copies.withUnsafeBytes { body($0.baseAddress) }
}

/// Reads the elements of one open attribute.
private struct AttributeReader {
  let file: HDF5File
  let attribute: HDF5Handle
  let count: Int
  let action: String
  let object: String

  /// The elements converted by libhdf5 to `memoryType`, the native type of `Number`.
  func numbers<Number: Numeric>(_: Number.Type, as memoryType: hid_t) throws(HDF5Error) -> [Number] {
    var numbers = [Number](repeating: 0, count: count)
    guard count > 0 else { return numbers }
    try file.check(action, object: object) {
      numbers.withUnsafeMutableBytes { H5Aread(attribute.id, memoryType, $0.baseAddress) }
    }
    return numbers
  }

  /// The elements of a string attribute stored as `type`, fixed- or variable-length.
  func strings(storedAs type: HDF5Handle, space: HDF5Handle) throws(HDF5Error) -> [String] {
    guard count > 0 else { return [] }
    let isVariableLength = try file.ask(action, object: object) { H5Tis_variable_str(type.id) }
    return isVariableLength
      ? try variableLengthStrings(characterSet: H5Tget_cset(type.id), space: space)
      : try fixedLengthStrings(type: type)
  }

  private func variableLengthStrings(characterSet: H5T_cset_t, space: HDF5Handle) throws(HDF5Error) -> [String] {
    let memoryType = try file.variableLengthStringType(characterSet, object: object)
    var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
    try file.check(action, object: object) {
      pointers.withUnsafeMutableBytes { H5Aread(attribute.id, memoryType.id, $0.baseAddress) }
    }
    let texts = pointers.map { $0.map { String(cString: $0) } ?? "" }
    try file.check("\(action): cannot free its strings", object: object) {
      pointers.withUnsafeMutableBytes {
        H5Dvlen_reclaim(memoryType.id, space.id, convpipe_H5P_DEFAULT(), $0.baseAddress)
      }
    }
    return texts
  }

  /// Fixed-length strings end at their first NUL; space-padded ones also lose trailing spaces.
  private func fixedLengthStrings(type: HDF5Handle) throws(HDF5Error) -> [String] {
    let width = H5Tget_size(type.id)
    let (byteCount, overflow) = count.multipliedReportingOverflow(by: width)
    guard width > 0, !overflow else { throw file.error("\(action): invalid string size \(width)", object: object) }
    var bytes = [UInt8](repeating: 0, count: byteCount)
    try file.check(action, object: object) {
      bytes.withUnsafeMutableBytes { H5Aread(attribute.id, type.id, $0.baseAddress) }
    }
    let isSpacePadded = H5Tget_strpad(type.id) == H5T_STR_SPACEPAD
    return stride(from: 0, to: byteCount, by: width).map { start in
      var text = bytes[start..<(start + width)].prefix { $0 != 0 }
      if isSpacePadded { while text.last == UInt8(ascii: " ") { text.removeLast() } }
      return String(decoding: text, as: UTF8.self)
    }
  }
}
