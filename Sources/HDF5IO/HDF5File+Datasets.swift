import CHDF5
import ConvCore
import _HDF5Shims

extension HDF5File {
  /// The shape and element types of the dataset at `path`, without reading its elements.
  ///
  /// Throws when `path` is missing or not a dataset, or when its elements are
  /// not integers or floats (strings, compounds, …): the message names the type class.
  public func datasetInfo(_ path: String) throws(HDF5Error) -> HDF5DatasetInfo {
    try HDF5Library.serialised { () throws(HDF5Error) in try openDataset(path).info }
  }

  /// Reads the whole dataset at `path` as a tensor of the dataset's shape.
  ///
  /// Integer datasets of any width and sign load as float32, float16 and
  /// float32 as float32, float64 as float64; libhdf5 converts from the stored
  /// byte order and width. A scalar dataset loads with shape `[]`.
  public func readTensor(_ path: String) throws(HDF5Error) -> Tensor {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let dataset = try openDataset(path)
      return try read(
        dataset, shape: dataset.info.shape, memorySpace: convpipe_H5S_ALL(), fileSpace: convpipe_H5S_ALL())
    }
  }

  /// Reads rows `rows` of axis 0 of the dataset at `path`, keeping the axis:
  /// the result has shape `[rows.count] + shape.dropFirst()`.
  ///
  /// Element types convert as in ``readTensor(_:)``. Throws when the dataset is
  /// scalar or `rows` is not within `0..<shape[0]`.
  public func readTensor(_ path: String, rows: Range<Int>) throws(HDF5Error) -> Tensor {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let dataset = try openDataset(path)
      guard let rowCount = dataset.info.shape.first else {
        throw error("cannot read rows of a scalar dataset", object: path)
      }
      guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
        throw error(
          "cannot read rows \(rows.lowerBound)..<\(rows.upperBound): axis 0 has \(rowCount) rows", object: path)
      }
      let sliceShape = [rows.count] + dataset.info.shape.dropFirst()
      guard !rows.isEmpty else { return .zeros(shape: sliceShape, dtype: dataset.info.dtype) }

      let start = [hsize_t(rows.lowerBound)] + sliceShape.dropFirst().map { _ in 0 }
      let count = sliceShape.map { hsize_t($0) }
      try check("cannot select rows \(rows.lowerBound)..<\(rows.upperBound)", object: path) {
        H5Sselect_hyperslab(dataset.space.id, H5S_SELECT_SET, start, nil, count, nil)
      }
      let memorySpace = try makeDataspace(shape: sliceShape, object: path)
      return try read(dataset, shape: sliceShape, memorySpace: memorySpace.id, fileSpace: dataset.space.id)
    }
  }

  /// Writes `tensor` as a dataset of its shape and element type (float32 or
  /// float64) at `path`, replacing a dataset already there and creating any
  /// missing groups above it.
  ///
  /// A tensor of shape `[]` becomes a scalar dataset. With a `compressionLevel`
  /// from 1 to 9, a tensor with more than `compressionThreshold` elements is
  /// stored in chunks of about 64Ki elements, compressed with the shuffle filter
  /// and gzip at that level; smaller ones, and all with level 0, are contiguous.
  /// Throws when a group exists at `path` or the file is read-only.
  public func writeTensor(
    _ tensor: Tensor, to path: String, compressionThreshold: Int = 1 << 16, compressionLevel: Int = 4
  ) throws(HDF5Error) {
    try HDF5Library.serialised { () throws(HDF5Error) in
      let file = try fileID(for: path)
      switch kind(of: path) {
      case .dataset: try check("cannot replace dataset", object: path) { H5Ldelete(file, path, convpipe_H5P_DEFAULT()) }
      case .group: throw error("cannot write dataset: a group exists at this path", object: path)
      case nil: break
      }
      let space = try makeDataspace(shape: tensor.shape, object: path)
      try createMissingAncestors(of: path)
      let level = min(max(compressionLevel, 0), 9)
      let isCompressed = level > 0 && !tensor.shape.isEmpty && tensor.count > 0 && tensor.count > compressionThreshold
      let creation = try datasetCreationList(
        compressedShape: isCompressed ? tensor.shape : nil, level: level, object: path)
      let memoryType = tensor.dtype.nativeHDF5Type
      let dataset = try make(.dataset, "cannot create dataset", object: path) {
        H5Dcreate2(file, path, memoryType, space.id, convpipe_H5P_DEFAULT(), creation.id, convpipe_H5P_DEFAULT())
      }
      guard tensor.count > 0 else { return }
      try check("cannot write dataset", object: path) {
        tensor.storage.withUnsafeBytes {
          H5Dwrite(
            dataset.id, memoryType, convpipe_H5S_ALL(), convpipe_H5S_ALL(), convpipe_H5P_DEFAULT(), $0.baseAddress)
        }
      }
    }
  }

  /// The number of elements a compressed dataset's chunk holds at most (unless
  /// the innermost axis alone is longer).
  static let chunkElements = 1 << 16

  /// The chunk shape for a compressed dataset of `shape`: whole inner axes and
  /// as many outer indices as fit in ``chunkElements``.
  static func chunkShape(for shape: [Int]) -> [Int] {
    var chunk = shape
    for axis in chunk.indices {
      let inner = chunk[(axis + 1)...].reduce(1, *)
      guard inner < chunkElements else {
        chunk[axis] = 1
        continue
      }
      chunk[axis] = max(1, min(chunk[axis], chunkElements / inner))
      break
    }
    return chunk
  }
}

/// An open dataset with its file dataspace and metadata.
struct OpenDataset {
  let path: String
  let dataset: HDF5Handle
  let space: HDF5Handle
  let info: HDF5DatasetInfo
}

extension HDF5File {
  /// Opens the dataset at `path` and reads its metadata; throws unless it holds numbers.
  private func openDataset(_ path: String) throws(HDF5Error) -> OpenDataset {
    let file = try fileID(for: path)
    let dataset = try make(.dataset, "cannot open dataset", object: path) {
      H5Dopen2(file, path, convpipe_H5P_DEFAULT())
    }
    let type = try make(.datatype, "cannot read dataset type", object: path) { H5Dget_type(dataset.id) }
    let (storedType, dtype) = try numericType(type, object: path)
    let space = try make(.dataspace, "cannot read dataset dataspace", object: path) { H5Dget_space(dataset.id) }
    guard let shape = try shape(of: space, object: path) else {
      throw error("cannot read dataset: it has a null dataspace (no elements, not even a scalar)", object: path)
    }
    return OpenDataset(
      path: path, dataset: dataset, space: space,
      info: HDF5DatasetInfo(shape: shape, storedType: storedType, dtype: dtype))
  }

  /// The NumPy-style name of a numeric stored type and the dtype it loads as.
  private func numericType(_ type: HDF5Handle, object: String) throws(HDF5Error) -> (String, DType) {
    let bits = H5Tget_size(type.id) * 8
    switch H5Tget_class(type.id) {
    case H5T_INTEGER:
      let sign = H5Tget_sign(type.id)
      guard sign != H5T_SGN_ERROR else { throw .fromLibrary("cannot read integer sign", file: path, object: object) }
      return ((sign == H5T_SGN_NONE ? "uint" : "int") + "\(bits)", .float32)
    case H5T_FLOAT:
      return ("float\(bits)", bits >= 64 ? .float64 : .float32)
    case let typeClass:
      throw error(
        "cannot read dataset as numbers: its elements have type class \(typeClassName(typeClass))", object: object)
    }
  }

  /// Reads the selected elements of `dataset` into a tensor of `shape` and the dataset's dtype.
  private func read(
    _ dataset: OpenDataset, shape: [Int], memorySpace: hid_t, fileSpace: hid_t
  ) throws(HDF5Error) -> Tensor {
    switch dataset.info.dtype {
    case .float32: try read(Float.self, from: dataset, shape: shape, memorySpace: memorySpace, fileSpace: fileSpace)
    case .float64: try read(Double.self, from: dataset, shape: shape, memorySpace: memorySpace, fileSpace: fileSpace)
    }
  }

  private func read<Element: TensorElement>(
    _: Element.Type, from dataset: OpenDataset, shape: [Int], memorySpace: hid_t, fileSpace: hid_t
  ) throws(HDF5Error) -> Tensor {
    let object = dataset.path
    var values = [Element](repeating: 0, count: try elementCount(of: shape, object: object))
    if !values.isEmpty {
      try check("cannot read dataset", object: object) {
        values.withUnsafeMutableBytes {
          H5Dread(
            dataset.dataset.id, Element.dtype.nativeHDF5Type, memorySpace, fileSpace, convpipe_H5P_DEFAULT(),
            $0.baseAddress)
        }
      }
    }
    do {
      return try Tensor(shape: shape, values: values)
    } catch {
      throw self.error("cannot make tensor: \(error)", object: object)
    }
  }

  /// The creation properties for a new dataset: chunked, shuffled and
  /// gzip-compressed at `level` when `compressedShape` is given, otherwise the defaults.
  private func datasetCreationList(compressedShape: [Int]?, level: Int, object: String) throws(HDF5Error) -> HDF5Handle
  {
    let action = "cannot make dataset creation properties"
    let list = try objectCreationList(convpipe_H5P_DATASET_CREATE(), object: object)
    guard let compressedShape else { return list }
    let chunk = Self.chunkShape(for: compressedShape).map { hsize_t($0) }
    try check(action, object: object) { H5Pset_chunk(list.id, Int32(chunk.count), chunk) }
    try check(action, object: object) { H5Pset_shuffle(list.id) }
    try check(action, object: object) { H5Pset_deflate(list.id, UInt32(level)) }
    return list
  }
}
