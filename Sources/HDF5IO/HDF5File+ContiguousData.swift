import CHDF5
import ConvCore
import _HDF5Shims

/// Where a dataset's elements lie in its file, when they lie there as one run
/// of native little-endian floats: contiguous, unfiltered, allocated.
public struct ContiguousStorage: Sendable, Equatable {
  /// The byte offset of the first element in the file.
  public let offset: Int
  public let shape: [Int]
  public let dtype: DType

  /// The number of bytes: elements times the element width.
  public var byteCount: Int { shape.reduce(1, *) * dtype.byteWidth }
}

extension HDF5File {
  /// Creates a dataset of `shape` and `dtype` at `path` whose space is allocated
  /// at once, as one contiguous run, and never filled: its elements are written
  /// afterwards straight into the file at the offset returned (``RawFileAccess``),
  /// without going through libhdf5. Creates missing groups above it; records
  /// no modification time. Nil for a dataset without elements.
  public func createContiguousDataset(_ path: String, shape: [Int], dtype: DType) throws(HDF5Error)
    -> ContiguousStorage?
  {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: path)
      let space = try makeDataspace(shape: shape, object: path)
      try createMissingAncestors(of: path)
      let action = "cannot make dataset creation properties"
      let creation = try objectCreationList(convpipe_H5P_DATASET_CREATE(), object: path)
      try check(action, object: path) { H5Pset_layout(creation.id, H5D_CONTIGUOUS) }
      try check(action, object: path) { H5Pset_alloc_time(creation.id, H5D_ALLOC_TIME_EARLY) }
      try check(action, object: path) { H5Pset_fill_time(creation.id, H5D_FILL_TIME_NEVER) }
      let type = dtype.nativeHDF5Type
      let dataset = try make(.dataset, "cannot create dataset", object: path) {
        H5Dcreate2(file, path, type, space.id, convpipe_H5P_DEFAULT(), creation.id, convpipe_H5P_DEFAULT())
      }
      guard shape.reduce(1, *) > 0 else { return nil }
      let offset = H5Dget_offset(dataset.id)
      guard offset != convpipe_HADDR_UNDEF(), let start = Int(exactly: offset) else {
        throw error("cannot find where the dataset's data was allocated", object: path)
      }
      return ContiguousStorage(offset: start, shape: shape, dtype: dtype)
    }
  }

  /// Where the elements of the dataset at `path` lie, when they are one
  /// contiguous, unfiltered, allocated run of native float32 or float64 (as
  /// convpipe writes uncompressed tensors); nil for anything else (chunked or
  /// compressed data, other element types), which ``readTensor(_:)`` reads.
  public func contiguousStorage(of path: String) throws(HDF5Error) -> ContiguousStorage? {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: path)
      let dataset = try make(.dataset, "cannot open dataset", object: path) {
        H5Dopen2(file, path, convpipe_H5P_DEFAULT())
      }
      let creation = try make(.propertyList, "cannot read dataset properties", object: path) {
        H5Dget_create_plist(dataset.id)
      }
      guard H5Pget_layout(creation.id) == H5D_CONTIGUOUS, H5Pget_nfilters(creation.id) == 0 else { return nil }
      // Reached through an external link, the dataset lies in another file: its offsets mean nothing in this one.
      guard containingFileName(of: dataset.id) == self.path else { return nil }
      let type = try make(.datatype, "cannot read dataset type", object: path) { H5Dget_type(dataset.id) }
      let dtype: DType
      if H5Tequal(type.id, DType.float32.nativeHDF5Type) > 0 {
        dtype = .float32
      } else if H5Tequal(type.id, DType.float64.nativeHDF5Type) > 0 {
        dtype = .float64
      } else {
        return nil
      }
      let space = try make(.dataspace, "cannot read dataset dataspace", object: path) { H5Dget_space(dataset.id) }
      guard let shape = try shape(of: space, object: path) else { return nil }
      let offset = H5Dget_offset(dataset.id)
      guard offset != convpipe_HADDR_UNDEF(), let start = Int(exactly: offset) else { return nil }
      return ContiguousStorage(offset: start, shape: shape, dtype: dtype)
    }
  }
}

extension HDF5File {
  /// The name of the file that holds `object` (another file's for an object
  /// reached through an external link); nil when libhdf5 cannot say.
  func containingFileName(of object: hid_t) -> String? {
    let size = H5Fget_name(object, nil, 0)
    guard size >= 0 else { return nil }
    var name = [CChar](repeating: 0, count: Int(size) + 1)
    guard H5Fget_name(object, &name, name.count) == size else { return nil }
    return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
