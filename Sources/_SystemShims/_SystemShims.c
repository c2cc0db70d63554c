// The shims are inline functions in include/_SystemShims.h, but for those that
// need _GNU_SOURCE or Linux's own headers, which only a file of their own can include cleanly.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
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

int convpipe_replace_file(const char *temporary, const char *target) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
  struct stat existing;
  // Only a file is exchanged: rename(2) refuses to put a file over a directory, an exchange would not.
  if (lstat(target, &existing) == 0 && S_ISREG(existing.st_mode)) {
    if (renameat2(AT_FDCWD, temporary, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
      unlink(temporary);  // the earlier file, now under the temporary name
      return 0;
    }
    // EINVAL: a file system without exchanges; ENOENT: the target went meanwhile.
    if (errno != EINVAL && errno != ENOSYS && errno != ENOENT) return -1;
  }
#endif
  return rename(temporary, target);
}
