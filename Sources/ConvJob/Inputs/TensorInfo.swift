import ConvCore

/// A tensor's shape and element type, known before its data is read.
public struct TensorInfo: Sendable, Hashable, CustomStringConvertible {
  public let shape: [Int]
  public let dtype: DType

  public init(shape: [Int], dtype: DType) {
    self.shape = shape
    self.dtype = dtype
  }

  public init(_ tensor: Tensor) { self.init(shape: tensor.shape, dtype: tensor.dtype) }

  /// Bytes of data: elements times 4 or 8 (`Int.max` for an absurd shape).
  public var byteCount: Int { saturatingProduct(shape + [dtype.byteWidth]) }

  public var description: String { "\(shape.shapeDescription) \(dtype.rawValue)" }
}

/// One run of the stage graph: a file of a glob, a row of a split dataset, or `main`.
public struct Item: Sendable, Equatable {
  /// `cats/001` for a glob, the zero-padded row for `split`, `main` otherwise.
  public let id: String
  /// Where the per-item input comes from.
  public let source: ItemSource?
}

/// The per-item input's origin for one item.
public enum ItemSource: Sendable, Equatable {
  case file(String)
  case row(Int)
}
