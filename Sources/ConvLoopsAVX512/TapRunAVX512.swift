import ConvLoops

// This module is compiled for the x86-64-v4 level (AVX-512 F, BW, CD, DQ, VL;
// see Package.swift): call it only where `convpipe_supports_x86_64_v4()` says
// so. A SIMD16<Float> or SIMD8<Double> vector is one of its thirty-two 512-bit
// registers, so the blocks of ConvLoops keep every accumulator and load in
// registers with room to spare.

/// ``TapRun/compute(_:_:)`` in float32 with AVX-512 (never inlined into a caller compiled for less).
@inline(never)
public func computeWithAVX512(_ run: TapRun<Float>) {
  run.compute(SIMD16<Float>.self, FusedMultiplyAdd.self)
}

/// ``TapRun/compute(_:_:)`` in float64 with AVX-512 (never inlined into a caller compiled for less).
@inline(never)
public func computeWithAVX512(_ run: TapRun<Double>) {
  run.compute(SIMD8<Double>.self, FusedMultiplyAdd.self)
}
