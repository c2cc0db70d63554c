import ConvLoops

// This module is compiled for the x86-64-v3 level (AVX2 and FMA; see
// Package.swift): call it only where `convpipe_supports_x86_64_v3()` says so.
// Its specialisations of ConvLoops' generic loops use fused multiply-add and
// vector widths the baseline ones in ConvCore do not (SIMD8 and SIMD4 with a
// separate multiply and add), so no symbol of one can stand in for the other's.
// A SIMD16<Float> or SIMD8<Double> vector fills two of the sixteen 256-bit
// registers: blocks of 4 or 6 accumulators leave room for the loads.

/// ``TapRun/compute(_:_:)`` in float32 with AVX2 and FMA (never inlined into a caller compiled for less).
@inline(never)
public func computeWithAVX2(_ run: TapRun<Float>) {
  run.compute(SIMD16<Float>.self, FusedMultiplyAdd.self)
}

/// ``TapRun/compute(_:_:)`` in float64 with AVX2 and FMA (never inlined into a caller compiled for less).
@inline(never)
public func computeWithAVX2(_ run: TapRun<Double>) {
  run.compute(SIMD8<Double>.self, FusedMultiplyAdd.self)
}
