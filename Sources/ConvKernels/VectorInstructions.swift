import ConvCore
import ConvLoops
import ConvLoopsAVX2
import _SystemShims

/// The vector instructions of the tap-by-tap loops (``TapRun``): one binary
/// runs everywhere and uses AVX2 with fused multiply-add where the processor has it.
public enum VectorInstructions: Int, Sendable {
  /// The target's baseline (SSE2 on x86-64): a multiply, then an add.
  case baseline
  /// The x86-64-v3 level: 256-bit AVX2 vectors and fused multiply-add.
  case avx2

  /// The best this processor executes.
  public static let available: VectorInstructions = convpipe_supports_x86_64_v3() != 0 ? .avx2 : .baseline

  /// A lower set asked for by the current task (the tests run both), through
  /// `VectorInstructions.$requested.withValue(.baseline) { ... }`.
  @TaskLocal public static var requested: VectorInstructions?

  /// The set the loops use: ``requested`` if given, never more than ``available``.
  public static var active: VectorInstructions {
    VectorInstructions(rawValue: min(requested?.rawValue ?? available.rawValue, available.rawValue)) ?? .baseline
  }
}

extension Float {
  static var tapRunKernel: (TapRun<Float>) -> Void {
    switch VectorInstructions.active {
    case .avx2: computeWithAVX2
    case .baseline: { $0.compute(SIMD8<Float>.self, SeparateMultiplyAdd.self) }
    }
  }
}

extension Double {
  static var tapRunKernel: (TapRun<Double>) -> Void {
    switch VectorInstructions.active {
    case .avx2: computeWithAVX2
    case .baseline: { $0.compute(SIMD4<Double>.self, SeparateMultiplyAdd.self) }
    }
  }
}
