/* HOST steps: stage0, still in the runtime's namespaces, before the fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "steps.h"
#include "../sync.h"

void set_slot(int64_t slot, int fd) {
  if (slot < 0 || slot >= SLOT_COUNT) bail(EINVAL, "slot %lld is outside 0..%d", (long long)slot, SLOT_COUNT - 1);
  if (H.slots[slot] >= 0) bail(EBUSY, "slot %lld is already in use", (long long)slot);
  H.slots[slot] = fd;
}

void op_open_slot(const struct arg *a) {
  /* Existing files only (namespace files, exec.fifo): the helper never creates host files. */
  if ((a[2].i & O_CREAT) || (a[2].i & O_TMPFILE) == O_TMPFILE) bail(EINVAL, "open(%s): OPEN_SLOT does not create files (flags 0x%llx)", qs(a[1].s), (long long)a[2].i);
  int fd = open(a[1].s, (int)a[2].i | O_CLOEXEC, 0);
  if (fd < 0) bail(errno, "open(%s, 0x%llx) into slot %lld failed", qs(a[1].s), (long long)a[2].i, (long long)a[0].i);
  set_slot(a[0].i, fd);
}

void op_connect_slot(const struct arg *a) {
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen(a[1].s) >= sizeof addr.sun_path) bail(ENAMETOOLONG, "connect(%s): socket path longer than %zu bytes", qs(a[1].s), sizeof addr.sun_path - 1);
  strcpy(addr.sun_path, a[1].s);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) bail(errno, "socket(AF_UNIX, SOCK_STREAM) failed");
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) bail(errno, "connect(%s) failed", qs(a[1].s));
  set_slot(a[0].i, fd);
}

void op_oom_score_adj(const struct arg *a) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", (long long)a[0].i);
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write_all(fd, buf, (size_t)n) < 0) bail(errno, "write(\"/proc/self/oom_score_adj\", %s) failed", qs(buf));
  close(fd);
}

void op_foreground(const struct arg *a) {
  (void)a;
  H.foreground = 1;
}
