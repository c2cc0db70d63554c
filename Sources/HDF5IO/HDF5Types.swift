import ConvCore

/// How ``HDF5File/open(_:mode:)`` opens an existing file.
public enum HDF5OpenMode: Sendable {
  /// Reading only; any write fails.
  case readOnly
  /// Reading and writing.
  case readWrite
}

/// What an object path names inside a file.
public enum HDF5ObjectKind: Sendable {
  case group
  case dataset
}

/// A dataset's metadata, read without reading its elements.
public struct HDF5DatasetInfo: Sendable, Equatable {
  /// The size of every axis, outermost first; empty for a scalar dataset.
  public let shape: [Int]
  /// The element type stored in the file, named like NumPy does without byte
  /// order: `int8`…`int64`, `uint8`…`uint64`, `float16`, `float32`, `float64`.
  public let storedType: String
  /// The element type ``HDF5File/readTensor(_:)`` returns: `float64` for
  /// float64 (and wider) data, `float32` for every narrower float and every integer.
  public let dtype: DType

  public init(shape: [Int], storedType: String, dtype: DType) {
    self.shape = shape
    self.storedType = storedType
    self.dtype = dtype
  }
}

/// The value of an attribute.
///
/// Integers are stored as int64 and reals as float64; strings as variable-length
/// UTF-8. Single values are HDF5 scalars and arrays are one-dimensional.
/// Reading accepts any integer or float width, fixed- or variable-length
/// strings, and flattens multi-dimensional arrays in row-major order; a
/// one-element array stays an array.
public enum HDF5AttributeValue: Sendable, Equatable {
  case string(String)
  case int(Int)
  case double(Double)
  case ints([Int])
  case doubles([Double])
  case strings([String])
}
