import CHDF5
import _HDF5Shims

extension HDF5File {
  /// Writes `values` as a one-dimensional dataset of 64-bit signed integers at
  /// `path` (h5py reads it as an `int64` array), creating missing groups above it.
  public func writeIntegers(_ values: [Int], to path: String) throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let type = convpipe_H5T_NATIVE_INT64()
      let dataset = try createList(path, count: values.count, type: type)
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
      let (dataset, _, count) = try openList(path, of: "integers")
      let stored = try make(.datatype, "cannot read dataset type", object: path) { H5Dget_type(dataset.id) }
      guard H5Tget_class(stored.id) == H5T_INTEGER else {
        throw error("cannot read integers: the dataset does not hold integers", object: path)
      }
      var values = [Int64](repeating: 0, count: count)
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
