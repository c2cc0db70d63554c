/// The element types a tensor can hold.
public enum DType: String, Sendable, CaseIterable, Codable {
  case float32
  case float64

  /// Bytes per element: 4 for float32, 8 for float64.
  public var byteWidth: Int { self == .float32 ? 4 : 8 }

  /// The type two operands compute in: float64 if either is float64.
  public static func common(_ types: [DType]) -> DType {
    types.contains(.float64) ? .float64 : .float32
  }
}

/// A floating-point element type that a ``Tensor`` can store.
public protocol TensorElement: BinaryFloatingPoint, Sendable {
  /// The tensor element type this Swift type stores as.
  static var dtype: DType { get }
  /// Wraps values of this type as tensor storage.
  static func storage(_ values: [Self]) -> TensorStorage
}

extension Float: TensorElement {
  public static var dtype: DType { .float32 }
  public static func storage(_ values: [Float]) -> TensorStorage { .float32(values) }
}

extension Double: TensorElement {
  public static var dtype: DType { .float64 }
  public static func storage(_ values: [Double]) -> TensorStorage { .float64(values) }
}

/// Contiguous row-major element storage of one of the ``DType``s.
public enum TensorStorage: Sendable, Equatable {
  case float32([Float])
  case float64([Double])

  /// Number of elements stored.
  public var count: Int {
    switch self {
    case .float32(let values): values.count
    case .float64(let values): values.count
    }
  }

  /// Calls `body` with the raw bytes of the stored elements (native byte order).
  public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
    switch self {
    case .float32(let values): try values.withUnsafeBytes(body)
    case .float64(let values): try values.withUnsafeBytes(body)
    }
  }

  /// The element type stored.
  public var dtype: DType {
    switch self {
    case .float32: .float32
    case .float64: .float64
    }
  }
}

/// A dense, contiguous, row-major tensor.
///
/// Convolution tensors follow PyTorch's layout `[N, C, spatial...]` with one to
/// three (or more) spatial dimensions; weights are `[C_out, C_in/groups, k...]`
/// for `conv` and `[C_in, C_out/groups, k...]` for `conv_transpose`.
/// The element count always equals the product of `shape`.
public struct Tensor: Sendable, Equatable {
  /// The size of every axis, outermost first.
  public let shape: [Int]
  /// The elements in row-major order.
  public let storage: TensorStorage

  /// Creates a tensor, checking that `storage` holds `shape.product` elements.
  public init(shape: [Int], storage: TensorStorage) throws(TensorError) {
    guard shape.allSatisfy({ $0 >= 0 }) else { throw .negativeSize(shape) }
    let expected = shape.reduce(1, *)
    guard expected == storage.count else {
      throw .countMismatch(shape: shape, count: storage.count)
    }
    self.shape = shape
    self.storage = storage
  }

  /// Creates a tensor from typed values; `values.count` must equal the product of `shape`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public init<T: TensorElement>(shape: [Int], values: [T]) throws(TensorError) {
    try self.init(shape: shape, storage: T.storage(values))
  }

  /// Creates a tensor of `shape` whose elements `body` writes, in row-major
  /// order, into a zero-filled buffer of exactly `shape.product` elements.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public init<T: TensorElement>(
    shape: [Int], of type: T.Type, initializingWith body: (inout UnsafeMutableBufferPointer<T>) -> Void
  ) {
    var values = [T](repeating: 0, count: shape.reduce(1, { $0 * max($1, 0) }))
    values.withUnsafeMutableBufferPointer { body(&$0) }
    self.init(uncheckedShape: shape.map { max($0, 0) }, values: values)
  }

  /// Internal initialiser for results whose count is correct by construction.
  package init<T: TensorElement>(uncheckedShape shape: [Int], values: [T]) {
    self.shape = shape
    self.storage = T.storage(values)
  }

  /// A tensor of zeros.
  public static func zeros(shape: [Int], dtype: DType) -> Tensor {
    let count = shape.reduce(1, *)
    switch dtype {
    case .float32: return Tensor(uncheckedShape: shape, values: [Float](repeating: 0, count: count))
    case .float64: return Tensor(uncheckedShape: shape, values: [Double](repeating: 0, count: count))
    }
  }

  /// The element type.
  public var dtype: DType { storage.dtype }
  /// The number of elements: the product of `shape`.
  public var count: Int { storage.count }
  /// The number of axes.
  public var rank: Int { shape.count }
  /// The sizes of the spatial axes: `shape[2...]`.
  public var spatialShape: [Int] { Array(shape.dropFirst(2)) }
  /// The size of the data in bytes.
  public var byteCount: Int { count * dtype.byteWidth }

  /// The elements converted to `T` (no copy when already of that type).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func values<T: TensorElement>(as type: T.Type = T.self) -> [T] {
    switch storage {
    case .float32(let values):
      if let same = values as? [T] { return same }
      return values.map { T($0) }
    case .float64(let values):
      if let same = values as? [T] { return same }
      return values.map { T($0) }
    }
  }

  /// The elements as `Double`, whatever the storage type.
  public var doubles: [Double] { values(as: Double.self) }

  /// The same tensor with its elements converted to `dtype`.
  public func converted(to dtype: DType) -> Tensor {
    if dtype == self.dtype { return self }
    switch dtype {
    case .float32: return Tensor(uncheckedShape: shape, values: values(as: Float.self))
    case .float64: return Tensor(uncheckedShape: shape, values: values(as: Double.self))
    }
  }

  /// The same elements under another shape with the same element count.
  public func reshaped(_ newShape: [Int]) throws(TensorError) -> Tensor {
    try Tensor(shape: newShape, storage: storage)
  }
}

/// Why a tensor could not be made.
public enum TensorError: Error, Equatable, CustomStringConvertible {
  case negativeSize([Int])
  case countMismatch(shape: [Int], count: Int)

  public var description: String {
    switch self {
    case .negativeSize(let shape):
      return "shape \(shape.shapeDescription) has a negative size"
    case .countMismatch(let shape, let count):
      return "shape \(shape.shapeDescription) needs \(shape.reduce(1, *)) elements, got \(count)"
    }
  }
}

extension Array where Element == Int {
  /// `[1, 3, 8, 8]` written as `1x3x8x8`, the way the plan and reports print shapes.
  public var shapeDescription: String {
    isEmpty ? "scalar" : map(String.init).joined(separator: "x")
  }
}
