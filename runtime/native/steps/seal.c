/*
 * CVE-2019-5736: a container process that can open our /proc/<pid>/exe while we are in its
 * namespaces could overwrite the host binary. We run from a sealed memfd copy instead (runc
 * libcontainer/exeseal, crun cloned_binary.c). The helper is small, so the copy is cheap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "steps.h"

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

void ensure_sealed_self(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) bail(errno, "open(\"/proc/self/exe\", O_RDONLY) failed");
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS) {
    close(self);
    return;
  }
  /* MFD_EXEC: with vm.memfd_noexec=1 a memfd is otherwise not executable (kernel >= 6.3). */
  int mem = memfd_create("bocker-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mem < 0 && errno == EINVAL) mem = memfd_create("bocker-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mem < 0) bail(errno, "memfd_create(\"bocker-init\", MFD_CLOEXEC|MFD_ALLOW_SEALING) failed");
  struct stat st;
  if (fstat(self, &st) < 0) bail(errno, "fstat(/proc/self/exe) failed");
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n = sendfile(mem, self, NULL, (size_t)left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) bail(n < 0 ? errno : EIO, "sendfile(memfd, /proc/self/exe, %lld) failed", (long long)left);
    left -= n;
  }
  if (fcntl(mem, F_ADD_SEALS, REQUIRED_SEALS) < 0) bail(errno, "fcntl(memfd, F_ADD_SEALS, F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE) failed");
  close(self);
  fexecve(mem, argv, environ);
  bail(errno, "fexecve(sealed memfd copy of /proc/self/exe) failed");
}
