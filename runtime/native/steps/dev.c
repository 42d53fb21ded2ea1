/* Device nodes and /dev symlinks, created on the fd of their parent directory inside the root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "steps.h"

void op_mknod_in_root(const struct arg *a) {
  const char *name;
  int parent = open_root_parent(a[0].s, &name);
  mode_t old = umask(0); /* the plan's mode is exact */
  int r = mknodat(parent, name, (mode_t)a[1].i, makedev((unsigned)a[2].i, (unsigned)a[3].i));
  int saved = errno;
  umask(old);
  if (r < 0 && saved == EEXIST) { /* replaces nothing, like runc */
    close(parent);
    return;
  }
  if (r < 0) bail(saved, "mknodat(%s, 0%llo, %lld:%lld) in root failed", qs(a[0].s), (long long)a[1].i, (long long)a[2].i, (long long)a[3].i);
  if (fchownat(parent, name, (uid_t)a[4].i, (gid_t)a[5].i, AT_SYMLINK_NOFOLLOW) < 0)
    bail(errno, "fchownat(%s, %lld, %lld) in root failed", qs(a[0].s), (long long)a[4].i, (long long)a[5].i);
  close(parent);
}

void op_bind_device_in_root(const struct arg *a) {
  const char *name;
  int parent = open_root_parent(a[1].s, &name);
  /* O_EXCL: an existing node (maybe a FIFO planted by the image) is never opened. */
  int fd = openat(parent, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0);
  if (fd >= 0) close(fd);
  else if (errno != EEXIST) bail(errno, "openat(%s, O_CREAT|O_EXCL|O_NOFOLLOW) in root failed", qs(a[1].s));
  close(parent);
  /* No symlinks at all on the way to a device target. */
  int t = open_in_root(a[1].s, O_PATH, RESOLVE_NO_SYMLINKS);
  if (t < 0) bail(errno, "open(%s) in root without symlinks failed", qs(a[1].s));
  if (mount(a[0].s, fd_path(t), NULL, MS_BIND, NULL) < 0) bail(errno, "mount(%s, %s, NULL, MS_BIND, NULL) failed", qs(a[0].s), qs(a[1].s));
  close(t);
}

void op_symlink_in_root(const struct arg *a) {
  const char *name;
  int parent = open_root_parent(a[1].s, &name);
  if (symlinkat(a[0].s, parent, name) < 0 && errno != EEXIST)
    bail(errno, "symlinkat(%s, %s) in root failed", qs(a[0].s), qs(a[1].s));
  close(parent);
}
