// Kernels that need the processor's shuffle instructions, which Swift's SIMD
// types do not expose: C with intrinsics, each variant compiled for its
// instruction set through a target attribute and chosen at run time.
#ifndef CONVPIPE_KERNEL_SHIMS_H
#define CONVPIPE_KERNEL_SHIMS_H

/// to[c * rows + r] = from[r * columns + c] for a rows x columns float32 matrix:
/// in 8 x 8 blocks transposed in AVX registers when `avx2` is nonzero (the
/// caller's vector level, which must be at least AVX2 then), element by
/// element otherwise and at the edges.
void convpipe_transpose_f32(const float *from, float *to, long rows, long columns, int avx2);

#endif
