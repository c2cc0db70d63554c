import ConvLoops

// This module is compiled for the x86-64-v3 level (AVX2 and FMA; see
// Package.swift): call it only where `convpipe_supports_x86_64_v3()` says so.
// Its specialisations of ConvLoops' generic loops use fused multiply-add and
// vector widths the baseline ones in ConvCore do not (SIMD8 and SIMD4 with a
// separate multiply and add) and its own name for fused multiply-add, so no
// symbol of one can stand in for another level's.
// A SIMD16<Float> or SIMD8<Double> vector fills two of the sixteen 256-bit
// registers: blocks of 4 or 6 accumulators leave room for the loads.

/// ``TapRun/compute(_:_:)`` in float32 with AVX2 and FMA (never inlined into a caller compiled for less).
@inline(never)
public func computeWithAVX2(_ run: TapRun<Float>) {
  run.compute(SIMD16<Float>.self, FusedMultiplyAddAVX2.self)
}

/// ``TapRun/compute(_:_:)`` in float64 with AVX2 and FMA (never inlined into a caller compiled for less).
@inline(never)
public func computeWithAVX2(_ run: TapRun<Double>) {
  run.compute(SIMD8<Double>.self, FusedMultiplyAddAVX2.self)
}

/// ``FusedMultiplyAdd`` under this module's own name. A specialisation of
/// ConvLoops' generic loops is named by its type arguments: with
/// `FusedMultiplyAdd` itself, the AVX2 and AVX-512 modules would each compile a
/// `compute<SIMD16<Float>, FusedMultiplyAdd>` of the same name, for their own
/// level, and the linker would keep one of the two for both callers (it kept
/// AVX2's, so the AVX-512 loops ran on 256-bit registers; the other choice
/// would run AVX-512 instructions on AVX2 processors).
enum FusedMultiplyAddAVX2: MultiplyAdd {
  @inline(__always)
  static func add<V: SIMD>(_ sum: V, _ a: V, _ b: V) -> V where V.Scalar: FloatingPoint {
    FusedMultiplyAdd.add(sum, a, b)
  }
}
