import ConvCore
import ConvLoops
import ConvLoopsAVX2
import ConvLoopsAVX512
import _SystemShims

#if canImport(Glibc)
  import Glibc
#endif

/// The vector instructions of the tap-by-tap loops (``TapRun``): one binary
/// runs everywhere and uses the widest level the processor has, AVX-512 or
/// AVX2 with fused multiply-add, asked once at start.
public enum VectorInstructions: Int, Sendable, CaseIterable, Comparable {
  /// The target's baseline (SSE2 on x86-64): a multiply, then an add.
  case baseline
  /// The x86-64-v3 level: 256-bit AVX2 vectors and fused multiply-add.
  case avx2
  /// The x86-64-v4 level: 512-bit AVX-512 vectors (F, BW, CD, DQ, VL) and fused multiply-add.
  case avx512

  /// The widest level this processor executes.
  public static let processor: VectorInstructions =
    convpipe_supports_x86_64_v4() != 0 ? .avx512 : convpipe_supports_x86_64_v3() != 0 ? .avx2 : .baseline

  /// The environment variable that holds the whole process below its processor's
  /// level, as `ATEN_CPU_CAPABILITY` holds PyTorch: `avx512`, `avx2` or `sse2`.
  /// It also chooses OpenBLAS's kernel for that level (``OpenBLASKernel``).
  public static let environmentVariable = "CONVPIPE_VECTOR_LEVEL"

  /// The level ``environmentVariable`` asks for, nil when unset; an error naming
  /// the accepted values when it holds anything else.
  public static func fromEnvironment() throws(VectorLevelError) -> VectorInstructions? {
    guard let text = getenv(environmentVariable).map({ String(cString: $0) }), !text.isEmpty else { return nil }
    guard let level = allCases.first(where: { $0.name.lowercased().filter { $0 != "-" } == text.lowercased() })
    else { throw VectorLevelError(value: text) }
    return level
  }

  /// The best level this process uses: ``processor``, held to ``environmentVariable`` when set.
  public static let available: VectorInstructions = min((try? fromEnvironment()) ?? processor, processor)

  /// A lower level asked for by the current task or thread (the tests run every
  /// level the processor has), through `VectorInstructions.$requested.withValue(.avx2) { ... }`.
  @TaskLocal public static var requested: VectorInstructions?

  /// The level the loops use: ``requested`` if given, never more than ``available``.
  public static var active: VectorInstructions { min(requested ?? available, available) }

  public static func < (lhs: VectorInstructions, rhs: VectorInstructions) -> Bool { lhs.rawValue < rhs.rawValue }

  /// How people name the level: `AVX-512`, `AVX2`, `SSE2` (``environmentVariable``
  /// takes them in lower case without the dash).
  public var name: String {
    switch self {
    case .baseline: "SSE2"
    case .avx2: "AVX2"
    case .avx512: "AVX-512"
    }
  }
}

/// A ``VectorInstructions/environmentVariable`` value that names no level.
public struct VectorLevelError: Error, CustomStringConvertible {
  public let value: String
  public var description: String {
    "\(VectorInstructions.environmentVariable)=\(value) names no vector level: give avx512, avx2 or sse2"
  }
}

extension Float {
  /// The loops of the active level; at AVX-512, channel lanes run the AVX2
  /// loops, measured faster (`convpipe bench --engine own --lowering taps`,
  /// Zen 5, 2 threads: dcgan-up-512-256 12.9 ms against 15.6, unet-up-2x2 7.4
  /// against 9.5, volume-3d 3.1 against 3.7): their blocks of six accumulators
  /// are twelve independent sums in 256-bit registers and six in 512-bit ones.
  static var tapRunKernel: (TapRun<Float>) -> Void {
    switch VectorInstructions.active {
    case .avx512: { $0.lanes == .channels ? computeWithAVX2($0) : computeWithAVX512($0) }
    case .avx2: computeWithAVX2
    case .baseline: { $0.compute(SIMD8<Float>.self, SeparateMultiplyAdd.self) }
    }
  }
}

extension Double {
  static var tapRunKernel: (TapRun<Double>) -> Void {
    switch VectorInstructions.active {
    case .avx512: computeWithAVX512
    case .avx2: computeWithAVX2
    case .baseline: { $0.compute(SIMD4<Double>.self, SeparateMultiplyAdd.self) }
    }
  }
}
