import ConvCore
import COpenBLAS
import ConvLoops

/// An element type with OpenBLAS's general matrix product (`sgemm` for Float,
/// `dgemm` for Double) and tap-by-tap vector loops (``VectorInstructions``).
protocol BLASElement: TensorElement, SIMDScalar, Codable {
  /// The loop computing a ``TapRun`` with the ``VectorInstructions/active`` instructions.
  static var tapRunKernel: (TapRun<Self>) -> Void { get }

  /// OpenBLAS's general matrix product for this type (`cblas_sgemm`, `cblas_dgemm`).
  static var gemm: GeneralMatrixProduct<Self> { get }
}

/// The signature of CBLAS's `?gemm`: order, transposes, `m, n, k`, `alpha`, `A`,
/// `lda`, `B`, `ldb`, `beta`, `C`, `ldc`.
typealias GeneralMatrixProduct<T> = (
  CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint,
  T, UnsafePointer<T>?, blasint, UnsafePointer<T>?, blasint, T, UnsafeMutablePointer<T>?, blasint
) -> Void

extension Float: BLASElement {
  static var gemm: GeneralMatrixProduct<Float> { cblas_sgemm }
}

extension Double: BLASElement {
  static var gemm: GeneralMatrixProduct<Double> { cblas_dgemm }
}

extension BLASElement {
  /// Row-major `C = A B`, `C` being `m x n`, `A` `m x k` (stored as its
  /// transpose, `k x m`, when `transposedA`), `B` `k x n`; the leading
  /// dimensions are the row strides of the stored matrices.
  static func multiply(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Self>, lda: Int, transposedA: Bool, _ b: UnsafePointer<Self>, ldb: Int,
    into c: UnsafeMutablePointer<Self>, ldc: Int
  ) {
    _ = ComputeThreads.singleThreadedBLAS
    gemm(
      CblasRowMajor, transposedA ? CblasTrans : CblasNoTrans, CblasNoTrans,
      blasint(m), blasint(n), blasint(k), 1, a, blasint(lda), b, blasint(ldb), 0, c, blasint(ldc))
  }
}

/// Largest size a BLAS dimension or leading dimension may take (`blasint` is 32-bit).
let blasLimit = Int(Int32.max)

/// A float32 `n x n` by `n x n` product for measuring OpenBLAS's own `sgemm`
/// throughput: `2 n^3` floating-point operations per run.
public struct SquareProduct: Sendable {
  public let size: Int
  private let a: [Float]
  private let b: [Float]

  public init(size: Int) {
    self.size = max(1, size)
    var random = SeededRandom(seed: 1)
    a = random.values(self.size * self.size, distribution: .uniform).map(Float.init)
    b = random.values(self.size * self.size, distribution: .uniform).map(Float.init)
  }

  /// Floating-point operations of one run: `2 n^3`.
  public var flops: Double { 2 * Double(size) * Double(size) * Double(size) }

  /// Runs the product once with OpenBLAS using `threads` threads, then returns
  /// OpenBLAS to one thread per call.
  public func run(threads: Int) {
    _ = ComputeThreads.singleThreadedBLAS
    openblas_set_num_threads(Int32(clamping: max(1, threads)))
    defer { openblas_set_num_threads(1) }
    var c = [Float](repeating: 0, count: size * size)
    c.withUnsafeMutableBufferPointer { c in
      guard let c = c.baseAddress else { return }
      cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(size), blasint(size), blasint(size),
        1, a, blasint(size), b, blasint(size), 0, c, blasint(size))
    }
  }
}
