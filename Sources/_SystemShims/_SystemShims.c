// The shims are inline functions in include/_SystemShims.h, but for those that
// need _GNU_SOURCE or Linux's own headers, which only a file of their own can include cleanly.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/fs.h>
#include <sys/ioctl.h>
#endif

#include "_SystemShims.h"


int convpipe_clone_file(int input, int output) {
#if defined(__linux__) && defined(FICLONE)
  return ioctl(output, FICLONE, input);
#else
  errno = EOPNOTSUPP;
  return -1;
#endif
}

int convpipe_call_if_present(const char *name) {
  int (*function)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, name);
  if (function == NULL) return 0;
  function();
  return 1;
}

int convpipe_start_writeback(int descriptor) {
#if defined(__linux__)
  return sync_file_range(descriptor, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
  (void)descriptor;
  return 0;
#endif
}
