// What Swift cannot reach directly in the C library and the compiler's
// builtins: the processor's instruction sets, glibc's allocator settings, and
// open(2)'s O_DIRECT, which glibc's headers show only to _GNU_SOURCE.
#ifndef CONVPIPE_SYSTEM_SHIMS_H
#define CONVPIPE_SYSTEM_SHIMS_H

#include <stdlib.h>  // defines __GLIBC__ with glibc
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/// The `O_DIRECT` flag of open(2) (reads and writes that bypass the page
/// cache), or 0 where the platform has none.
static inline int convpipe_O_DIRECT(void) {
#if defined(__linux__)
  return 040000;  // <asm-generic/fcntl.h>: the same on x86-64 and arm64
#else
  return 0;
#endif
}

/// 1 when the processor implements the x86-64-v3 level (AVX, AVX2, FMA, BMI1/2,
/// F16C, LZCNT, MOVBE) and the OS saves its registers; 0 elsewhere, including
/// every processor that is not x86-64. Asked at run time, so one binary uses
/// wider vector instructions where they exist and still runs where they do not.
static inline int convpipe_supports_x86_64_v3(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v3");
#else
  return 0;
#endif
}

/// Keeps freed blocks below `bytes` in the process's heap instead of returning
/// them to the kernel (glibc's mmap and trim thresholds; no effect elsewhere),
/// so a buffer freed by one item serves the next without new page faults.
/// The trim threshold is set only if glibc accepts the mmap one (older glibc
/// caps it), since a fixed trim threshold alone would freeze the default mmap one.
static inline void convpipe_keep_freed_memory(int bytes) {
#if defined(__GLIBC__)
  if (mallopt(M_MMAP_THRESHOLD, bytes) == 1) { mallopt(M_TRIM_THRESHOLD, bytes); }
#else
  (void)bytes;
#endif
}

#endif
