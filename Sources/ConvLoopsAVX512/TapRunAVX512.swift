import ConvLoops

// This module is compiled for the x86-64-v4 level (AVX-512 F, BW, CD, DQ, VL;
// see Package.swift): call it only where `convpipe_supports_x86_64_v4()` says
// so. A SIMD16<Float> or SIMD8<Double> vector is one of its thirty-two 512-bit
// registers, so the blocks of ConvLoops keep every accumulator and load in
// registers with room to spare.

/// ``TapRun/compute(_:_:)`` in float32 with AVX-512 (never inlined into a caller compiled for less).
@inline(never)
public func computeWithAVX512(_ run: TapRun<Float>) {
  run.compute(SIMD16<Float>.self, FusedMultiplyAddAVX512.self)
}

/// ``TapRun/compute(_:_:)`` in float64 with AVX-512 (never inlined into a caller compiled for less).
@inline(never)
public func computeWithAVX512(_ run: TapRun<Double>) {
  run.compute(SIMD8<Double>.self, FusedMultiplyAddAVX512.self)
}

/// ``FusedMultiplyAdd`` under this module's own name. A specialisation of
/// ConvLoops' generic loops is named by its type arguments: with
/// `FusedMultiplyAdd` itself, the AVX2 and AVX-512 modules would each compile a
/// `compute<SIMD16<Float>, FusedMultiplyAdd>` of the same name, for their own
/// level, and the linker would keep one of the two for both callers (it kept
/// AVX2's, so the AVX-512 loops ran on 256-bit registers; the other choice
/// would run AVX-512 instructions on AVX2 processors).
enum FusedMultiplyAddAVX512: MultiplyAdd {
  @inline(__always)
  static func add<V: SIMD>(_ sum: V, _ a: V, _ b: V) -> V where V.Scalar: FloatingPoint {
    FusedMultiplyAdd.add(sum, a, b)
  }
}
