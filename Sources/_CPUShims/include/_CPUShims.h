// What the processor running convpipe can execute, asked at run time so one
// binary uses wider vector instructions where they exist and still runs where
// they do not.
#ifndef CONVPIPE_CPU_SHIMS_H
#define CONVPIPE_CPU_SHIMS_H

/// 1 when the processor implements the x86-64-v3 level (AVX, AVX2, FMA, BMI1/2,
/// F16C, LZCNT, MOVBE) and the OS saves its registers; 0 elsewhere, including
/// every processor that is not x86-64.
static inline int convpipe_supports_x86_64_v3(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v3");
#else
  return 0;
#endif
}

#endif
