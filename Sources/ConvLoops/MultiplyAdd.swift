/// How a loop adds a product to a vector sum: `sum + a * b`.
public protocol MultiplyAdd {
  static func add<V: SIMD>(_ sum: V, _ a: V, _ b: V) -> V where V.Scalar: FloatingPoint
}

/// `sum + a * b` rounded once (`fma`): one instruction where the processor has
/// FMA, a library call per lane where it has not, so only loops compiled for
/// FMA use it.
public enum FusedMultiplyAdd: MultiplyAdd {
  @inlinable @inline(__always)
  public static func add<V: SIMD>(_ sum: V, _ a: V, _ b: V) -> V where V.Scalar: FloatingPoint {
    sum.addingProduct(a, b)
  }
}

/// `sum + a * b` as a multiply, then an add (two roundings).
public enum SeparateMultiplyAdd: MultiplyAdd {
  @inlinable @inline(__always)
  public static func add<V: SIMD>(_ sum: V, _ a: V, _ b: V) -> V where V.Scalar: FloatingPoint {
    sum + a * b
  }
}

/// How a loop reads a vector of `V.scalarCount` source cells `step` elements apart.
public protocol VectorLoad {
  static func load<V: SIMD>(_ pointer: UnsafePointer<V.Scalar>, step: Int) -> V
}

/// Neighbouring cells (`step` 1): one unaligned load.
public enum ContiguousLoad: VectorLoad {
  @inlinable @inline(__always)
  public static func load<V: SIMD>(_ pointer: UnsafePointer<V.Scalar>, step: Int) -> V {
    UnsafeRawPointer(pointer).loadUnaligned(as: V.self)
  }
}

/// Cells `step` elements apart, lane by lane.
public enum StridedLoad: VectorLoad {
  @inlinable @inline(__always)
  public static func load<V: SIMD>(_ pointer: UnsafePointer<V.Scalar>, step: Int) -> V {
    var vector = V()
    for lane in 0..<V.scalarCount { vector[lane] = pointer[lane &* step] }
    return vector
  }
}
