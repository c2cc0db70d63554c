import CHDF5
import _HDF5Shims

extension HDF5File {
  /// Writes `texts` as a one-dimensional dataset of variable-length UTF-8
  /// strings at `path` (h5py reads it as an array of `str` with `.asstr()`),
  /// creating missing groups above it. For lists that may be long, such as item
  /// ids: an attribute must fit in its object's 64 KiB header, a dataset need not.
  public func writeStrings(_ texts: [String], to path: String) throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let type = try variableLengthStringType(H5T_CSET_UTF8, object: path)
      let dataset = try createList(path, count: texts.count, type: type.id)
      guard !texts.isEmpty else { return }
      let transfer = try stringTransfer(count: texts.count, object: path)
      try check("cannot write dataset", object: path) {
        withCStrings(texts) {
          H5Dwrite(dataset.id, type.id, convpipe_H5S_ALL(), convpipe_H5S_ALL(), transfer.id, $0)
        }
      }
    }
  }

  /// Reads a one-dimensional dataset of strings (variable-length) at `path`.
  public func readStrings(_ path: String) throws(HDF5Error) -> [String] {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let (dataset, space, count) = try openList(path, of: "strings")
      let type = try variableLengthStringType(H5T_CSET_UTF8, object: path)
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
      guard !pointers.isEmpty else { return [] }
      let transfer = try stringTransfer(count: count, object: path)
      try check("cannot read strings", object: path) {
        pointers.withUnsafeMutableBytes {
          H5Dread(dataset.id, type.id, convpipe_H5S_ALL(), convpipe_H5S_ALL(), transfer.id, $0.baseAddress)
        }
      }
      let texts = pointers.map { $0.map { String(cString: $0) } ?? "" }
      try check("cannot free strings read", object: path) {
        pointers.withUnsafeMutableBytes { H5Dvlen_reclaim(type.id, space.id, convpipe_H5P_DEFAULT(), $0.baseAddress) }
      }
      return texts
    }
  }

  /// Transfer properties for `count` variable-length strings, whose type
  /// conversion buffer holds them all (16 bytes each, at most libhdf5's
  /// default 1 MiB): libhdf5 allocates that buffer zeroed, twice, for every
  /// read and write of strings, which at 1 MiB cost a run 0.9 ms in page faults.
  private func stringTransfer(count: Int, object: String) throws(HDF5Error) -> HDF5Handle {
    let transfer = try make(.propertyList, "cannot make transfer properties", object: object) {
      H5Pcreate(convpipe_H5P_DATASET_XFER())
    }
    try check("cannot size the conversion buffer", object: object) {
      H5Pset_buffer(transfer.id, min(16 * max(count, 1), 1 << 20), nil, nil)
    }
    return transfer
  }

  // MARK: - Helpers shared with the integer lists; call them inside `HDF5Library.serialised`.

  /// Creates a one-dimensional dataset of `count` elements of `type` at `path`,
  /// creating missing groups above it and recording no modification time.
  func createList(_ path: String, count: Int, type: hid_t) throws(HDF5Error) -> HDF5Handle {
    let file = try fileID(for: path)
    let space = try makeDataspace(shape: [count], object: path)
    try createMissingAncestors(of: path)
    let creation = try objectCreationList(convpipe_H5P_DATASET_CREATE(), object: path)
    return try make(.dataset, "cannot create dataset", object: path) {
      H5Dcreate2(file, path, type, space.id, convpipe_H5P_DEFAULT(), creation.id, convpipe_H5P_DEFAULT())
    }
  }

  /// Opens the one-dimensional dataset at `path`: it, its dataspace and its
  /// length; `what` (`strings`) names what was to be read when it is not one-dimensional.
  func openList(_ path: String, of what: String) throws(HDF5Error) -> (
    dataset: HDF5Handle, space: HDF5Handle, count: Int
  ) {
    let file = try fileID(for: path)
    let dataset = try make(.dataset, "cannot open dataset", object: path) {
      H5Dopen2(file, path, convpipe_H5P_DEFAULT())
    }
    let space = try make(.dataspace, "cannot read dataset dataspace", object: path) { H5Dget_space(dataset.id) }
    guard let shape = try shape(of: space, object: path), shape.count == 1 else {
      throw error("cannot read \(what): the dataset is not one-dimensional", object: path)
    }
    return (dataset, space, shape[0])
  }
}
