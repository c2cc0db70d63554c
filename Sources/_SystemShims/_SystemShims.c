// The shims are inline functions in include/_SystemShims.h, but for those that
// need _GNU_SOURCE or Linux's own headers, which only a file of their own can include cleanly.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/wait.h>
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

static void *convpipe_reap(void *child) {
  waitpid((pid_t)(intptr_t)child, NULL, 0);
  return NULL;
}

// __GLIBC_PREREQ is a function-like macro only glibc defines: tested in an #if of its own.
#if defined(__linux__) && defined(__GLIBC__)
#if __GLIBC_PREREQ(2, 34)
#define CONVPIPE_HAS_CLOSEFROM 1
#endif
#endif

int convpipe_close_in_child(int descriptor) {
#if defined(CONVPIPE_HAS_CLOSEFROM)
  // A copy numbered above 3, so that dup2 onto 3 always makes a new descriptor without FD_CLOEXEC.
  int source = fcntl(descriptor, F_DUPFD_CLOEXEC, 4);
  if (source < 0) return -1;
  posix_spawn_file_actions_t actions;
  int status = posix_spawn_file_actions_init(&actions);
  if (status == 0) {
    if ((status = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
        (status = posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)) == 0 &&
        (status = posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)) == 0 &&
        (status = posix_spawn_file_actions_adddup2(&actions, source, 3)) == 0 &&
        (status = posix_spawn_file_actions_addclosefrom_np(&actions, 4)) == 0) {
      pid_t child;
      char *arguments[] = {"true", NULL};
      char *environment[] = {NULL};
      status = posix_spawn(&child, "/bin/true", &actions, NULL, arguments, environment);
      if (status == 0) {
        pthread_t reaper;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attributes, 64 << 10);
        // Without the thread the child stays a zombie until this process exits: harmless.
        (void)pthread_create(&reaper, &attributes, convpipe_reap, (void *)(intptr_t)child);
        pthread_attr_destroy(&attributes);
      }
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  close(source);
  if (status != 0) {
    errno = status;
    return -1;
  }
  return 0;
#else
  (void)descriptor;
  errno = ENOSYS;
  return -1;
#endif
}
