// What Swift cannot reach directly in the C library and the compiler's
// builtins: the processor's name and instruction sets, glibc's allocator settings,
// open(2)'s O_DIRECT, which glibc's headers show only to _GNU_SOURCE, Linux's FICLONE,
// and a child process started with only the descriptors it needs (glibc's posix_spawn closefrom).
#ifndef CONVPIPE_SYSTEM_SHIMS_H
#define CONVPIPE_SYSTEM_SHIMS_H

#include <stdlib.h>  // defines __GLIBC__ with glibc
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
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

/// Makes the file `output` share the blocks of `input` (Linux's FICLONE, a
/// reflink: instant on Btrfs, XFS and others that have it): 0, or -1 with errno
/// (EOPNOTSUPP or EXDEV where the file system cannot, as ext4).
int convpipe_clone_file(int input, int output);

/// Starts writing the file's dirty pages to the disk without waiting for them
/// (Linux's sync_file_range with SYNC_FILE_RANGE_WRITE; elsewhere nothing):
/// 0, or -1 with errno. The file systems that delay allocating blocks (ext4)
/// allocate them now, so a later rename over another file, which makes ext4
/// flush the file first, finds little left to do.
int convpipe_start_writeback(int descriptor);

/// Gives a reference to the open file `descriptor` to a child process that
/// exits at once (`/bin/true`, its output to /dev/null, no other descriptors),
/// and has a detached thread reap it: when the file has no name left, the last
/// close, where the file system frees the file's blocks, is the child's. On
/// ext4 mounted with `discard` that frees them synchronously, about 150 ms a
/// GB, which this process then does not wait for. 0, or -1 with errno; the
/// caller still closes `descriptor`.
int convpipe_close_in_child(int descriptor);

/// Calls the function `int name(void)` if the process has one of that name
/// (dlsym): 1 if it did, 0 if there is none.
int convpipe_call_if_present(const char *name);

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

/// 1 when the processor implements the x86-64-v4 level (AVX-512 F, BW, CD, DQ
/// and VL, on top of x86-64-v3) and the OS saves its registers; 0 elsewhere.
static inline int convpipe_supports_x86_64_v4(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v4");
#else
  return 0;
#endif
}

/// The processor's brand string (CPUID leaves 0x80000002 to 0x80000004, e.g.
/// "AMD EPYC 9R45 96-Core Processor"), NUL-terminated in `name` (49 bytes), with
/// its family and model as Linux's /proc/cpuinfo gives them: `family = base +
/// extended` when the base family is 15, `model = base + (extended << 4)` when
/// the base family is 6 or 15. Empty and 0 where CPUID is missing.
static inline void convpipe_processor_identity(char name[49], int *family, int *model) {
  memset(name, 0, 49);
  *family = 0;
  *model = 0;
#if defined(__x86_64__)
  unsigned int eax, ebx, ecx, edx;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
    unsigned int base_family = (eax >> 8) & 0xf, base_model = (eax >> 4) & 0xf;
    *family = (int)(base_family == 15 ? base_family + ((eax >> 20) & 0xff) : base_family);
    *model = (int)(base_family == 6 || base_family == 15 ? base_model + (((eax >> 16) & 0xf) << 4) : base_model);
  }
  if (__get_cpuid_max(0x80000000, 0) >= 0x80000004) {
    unsigned int *words = (unsigned int *)name;
    for (unsigned int leaf = 0; leaf < 3; leaf++) {
      __get_cpuid(0x80000002 + leaf, &words[4 * leaf], &words[4 * leaf + 1], &words[4 * leaf + 2], &words[4 * leaf + 3]);
    }
  }
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
