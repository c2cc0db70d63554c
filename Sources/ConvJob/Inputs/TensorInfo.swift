import ConvCore

/// A tensor's shape and element type, known before its data is read.
package struct TensorInfo: Sendable, Hashable, CustomStringConvertible {
  package let shape: [Int]
  package let dtype: DType

  package init(shape: [Int], dtype: DType) {
    self.shape = shape
    self.dtype = dtype
  }

  package init(_ tensor: Tensor) { self.init(shape: tensor.shape, dtype: tensor.dtype) }

  /// Bytes of data: elements times 4 or 8 (`Int.max` for an absurd shape).
  package var byteCount: Int { saturatingProduct(shape + [dtype.byteWidth]) }

  package var description: String { "\(shape.shapeDescription) \(dtype.rawValue)" }
}

/// One run of the stage graph: a file of a glob, a row of a split dataset, or `main`.
package struct Item: Sendable, Equatable {
  /// `cats/001` for a glob, the zero-padded row for `split`, `main` otherwise.
  package let id: String
  /// Where the per-item input comes from.
  package let source: ItemSource?
  /// Its place among all the job's items (the catalog's order), whichever shard runs it.
  package let index: Int

  package init(id: String, source: ItemSource?, index: Int = 0) {
    self.id = id
    self.source = source
    self.index = index
  }
}

/// The per-item input's origin for one item.
package enum ItemSource: Sendable, Equatable {
  case file(String)
  case row(Int)
}
