import CHDF5
import _HDF5Shims

extension HDF5File {
  /// Writes `values` as a one-dimensional dataset of 64-bit signed integers at
  /// `path` (h5py reads it as an `int64` array), creating missing groups above it.
  public func writeIntegers(_ values: [Int], to path: String) throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: path)
      let space = try makeDataspace(shape: [values.count], object: path)
      try createMissingAncestors(of: path)
      let creation = try objectCreationList(convpipe_H5P_DATASET_CREATE(), object: path)
      let type = convpipe_H5T_NATIVE_INT64()
      let dataset = try make(.dataset, "cannot create dataset", object: path) {
        H5Dcreate2(file, path, type, space.id, convpipe_H5P_DEFAULT(), creation.id, convpipe_H5P_DEFAULT())
      }
      guard !values.isEmpty else { return }
      let stored = values.map { Int64($0) }
      try check("cannot write dataset", object: path) {
        stored.withUnsafeBytes {
          H5Dwrite(dataset.id, type, convpipe_H5S_ALL(), convpipe_H5S_ALL(), convpipe_H5P_DEFAULT(), $0.baseAddress)
        }
      }
    }
  }

  /// Reads a one-dimensional dataset of integers at `path` (any width and
  /// sign that fits 64 bits, converted by libhdf5).
  public func readIntegers(_ path: String) throws(HDF5Error) -> [Int] {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: path)
      let dataset = try make(.dataset, "cannot open dataset", object: path) {
        H5Dopen2(file, path, convpipe_H5P_DEFAULT())
      }
      let stored = try make(.datatype, "cannot read dataset type", object: path) { H5Dget_type(dataset.id) }
      guard H5Tget_class(stored.id) == H5T_INTEGER else {
        throw error("cannot read integers: the dataset does not hold integers", object: path)
      }
      let space = try make(.dataspace, "cannot read dataset dataspace", object: path) { H5Dget_space(dataset.id) }
      guard let shape = try shape(of: space, object: path), shape.count == 1 else {
        throw error("cannot read integers: the dataset is not one-dimensional", object: path)
      }
      var values = [Int64](repeating: 0, count: shape[0])
      guard !values.isEmpty else { return [] }
      try check("cannot read integers", object: path) {
        values.withUnsafeMutableBytes {
          H5Dread(
            dataset.id, convpipe_H5T_NATIVE_INT64(), convpipe_H5S_ALL(), convpipe_H5S_ALL(), convpipe_H5P_DEFAULT(),
            $0.baseAddress)
        }
      }
      return values.map { Int($0) }
    }
  }
}
