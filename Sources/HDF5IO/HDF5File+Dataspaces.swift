import CHDF5
import ConvCore
import _HDF5Shims

// Dataspace and datatype helpers shared by datasets and attributes; call them
// inside `HDF5Library.serialised`.
extension HDF5File {
  /// A scalar dataspace for an empty `shape`, otherwise a fixed-size simple one.
  func makeDataspace(shape: [Int], object: String) throws(HDF5Error) -> HDF5Handle {
    let dims = shape.map { hsize_t($0) }
    return try make(.dataspace, "cannot make dataspace of shape \(shape.shapeDescription)", object: object) {
      dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil)
    }
  }

  /// The shape of a dataspace: `[]` when scalar, nil when null (no elements at all).
  func shape(of space: HDF5Handle, object: String) throws(HDF5Error) -> [Int]? {
    switch H5Sget_simple_extent_type(space.id) {
    case H5S_SCALAR:
      return []
    case H5S_NULL:
      return nil
    default:
      let rank = H5Sget_simple_extent_ndims(space.id)
      guard rank >= 0 else { throw .fromLibrary("cannot read dataspace rank", file: path, object: object) }
      var dims = [hsize_t](repeating: 0, count: Int(rank))
      try check("cannot read dataspace size", object: object) { H5Sget_simple_extent_dims(space.id, &dims, nil) }
      let shape = dims.compactMap { Int(exactly: $0) }
      guard shape.count == dims.count else { throw error("dataspace size \(dims) is too large", object: object) }
      return shape
    }
  }

  /// The product of `shape`, or an error when it overflows `Int`.
  func elementCount(of shape: [Int], object: String) throws(HDF5Error) -> Int {
    var count = 1
    for size in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow else { throw error("shape \(shape.shapeDescription) has too many elements", object: object) }
      count = product
    }
    return count
  }

  /// A copy of `type` that the caller owns and may modify.
  func copyType(_ type: hid_t, object: String) throws(HDF5Error) -> HDF5Handle {
    try make(.datatype, "cannot copy datatype", object: object) { H5Tcopy(type) }
  }

  /// A variable-length C string type in character set `characterSet`.
  func variableLengthStringType(_ characterSet: H5T_cset_t, object: String) throws(HDF5Error) -> HDF5Handle {
    let type = try copyType(convpipe_H5T_C_S1(), object: object)
    try check("cannot make string datatype", object: object) { H5Tset_size(type.id, convpipe_H5T_VARIABLE()) }
    try check("cannot make string datatype", object: object) { H5Tset_cset(type.id, characterSet) }
    return type
  }
}

/// The lower-case name of an HDF5 type class, for error messages.
func typeClassName(_ typeClass: H5T_class_t) -> String {
  switch typeClass {
  case H5T_INTEGER: "integer"
  case H5T_FLOAT: "float"
  case H5T_TIME: "time"
  case H5T_STRING: "string"
  case H5T_BITFIELD: "bitfield"
  case H5T_OPAQUE: "opaque"
  case H5T_COMPOUND: "compound"
  case H5T_REFERENCE: "reference"
  case H5T_ENUM: "enum"
  case H5T_VLEN: "variable-length sequence"
  case H5T_ARRAY: "array"
  default: "unknown"
  }
}

extension DType {
  /// The native-endian HDF5 memory type of this element type (predefined; never close it).
  var nativeHDF5Type: hid_t {
    switch self {
    case .float32: convpipe_H5T_NATIVE_FLOAT()
    case .float64: convpipe_H5T_NATIVE_DOUBLE()
    }
  }
}
