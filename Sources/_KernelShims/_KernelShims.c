#include "_KernelShims.h"

#if defined(__x86_64__)
#include <immintrin.h>

/// One 8 x 8 block: eight rows loaded, transposed by unpacks, shuffles and
/// lane permutes, stored as eight columns.
__attribute__((target("avx2"))) static void transpose_block(const float *from, long from_stride, float *to,
                                                            long to_stride) {
  __m256 r0 = _mm256_loadu_ps(from), r1 = _mm256_loadu_ps(from + from_stride);
  __m256 r2 = _mm256_loadu_ps(from + 2 * from_stride), r3 = _mm256_loadu_ps(from + 3 * from_stride);
  __m256 r4 = _mm256_loadu_ps(from + 4 * from_stride), r5 = _mm256_loadu_ps(from + 5 * from_stride);
  __m256 r6 = _mm256_loadu_ps(from + 6 * from_stride), r7 = _mm256_loadu_ps(from + 7 * from_stride);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  _mm256_storeu_ps(to, _mm256_permute2f128_ps(s0, s4, 0x20));
  _mm256_storeu_ps(to + to_stride, _mm256_permute2f128_ps(s1, s5, 0x20));
  _mm256_storeu_ps(to + 2 * to_stride, _mm256_permute2f128_ps(s2, s6, 0x20));
  _mm256_storeu_ps(to + 3 * to_stride, _mm256_permute2f128_ps(s3, s7, 0x20));
  _mm256_storeu_ps(to + 4 * to_stride, _mm256_permute2f128_ps(s0, s4, 0x31));
  _mm256_storeu_ps(to + 5 * to_stride, _mm256_permute2f128_ps(s1, s5, 0x31));
  _mm256_storeu_ps(to + 6 * to_stride, _mm256_permute2f128_ps(s2, s6, 0x31));
  _mm256_storeu_ps(to + 7 * to_stride, _mm256_permute2f128_ps(s3, s7, 0x31));
}

/// The whole blocks of 8 x 8, in bands of 16 rows where there are (so that
/// each 64-byte line of the result is written whole, by two blocks one after
/// the other), then of 8.
__attribute__((target("avx2"))) static void transpose_blocks(const float *from, float *to, long rows, long columns) {
  long r = 0;
  for (; r + 16 <= rows; r += 16) {
    for (long c = 0; c + 8 <= columns; c += 8) {
      transpose_block(from + r * columns + c, columns, to + c * rows + r, rows);
      transpose_block(from + (r + 8) * columns + c, columns, to + c * rows + r + 8, rows);
    }
  }
  for (; r + 8 <= rows; r += 8) {
    for (long c = 0; c + 8 <= columns; c += 8) transpose_block(from + r * columns + c, columns, to + c * rows + r, rows);
  }
}
#endif

void convpipe_transpose_f32(const float *from, float *to, long rows, long columns, int avx2) {
  long done_rows = 0, done_columns = 0;
#if defined(__x86_64__)
  if (avx2) {
    transpose_blocks(from, to, rows, columns);
    done_rows = rows / 8 * 8;
    done_columns = columns / 8 * 8;
  }
#else
  (void)avx2;
#endif
  // The edges (and everything without AVX2): the rows below the blocks, then the columns right of them.
  for (long r = done_rows; r < rows; r++)
    for (long c = 0; c < columns; c++) to[c * rows + r] = from[r * columns + c];
  for (long r = 0; r < done_rows; r++)
    for (long c = done_columns; c < columns; c++) to[c * rows + r] = from[r * columns + c];
}
