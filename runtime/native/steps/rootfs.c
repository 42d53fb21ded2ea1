/* The container root: prepare (private/slave propagation, self-bind), pivot or move, read-only remount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "steps.h"

static uint64_t mount_id(int fd, struct statx *stx) {
  if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID | STATX_INO, stx) < 0) bail(errno, "statx(STATX_MNT_ID) failed");
  return stx->stx_mnt_id;
}

/* Whether mount `id` has a "shared:N" optional field in /proc/self/mountinfo (proc(5)). */
static int mount_is_shared(uint64_t id) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) bail(errno, "fopen(\"/proc/self/mountinfo\") failed");
  char line[8192];
  int shared = 0;
  while (fgets(line, sizeof line, f)) {
    char *end;
    if (strtoull(line, &end, 10) != id || *end != ' ') continue;
    /* Optional fields sit between the 6th field and the " - " separator. */
    char *sep = strstr(line, " - ");
    if (sep) *sep = 0;
    shared = strstr(line, " shared:") != NULL;
    break;
  }
  fclose(f);
  return shared;
}

/* pivot_root refuses a new root whose parent mount is shared, which the host's propagation (or a
 * shared/private rootfsPropagation, which is not recursive or keeps peers) can leave it. Like runc's
 * rootfsParentMountPrivate, make that mount private, and only when it is shared: a slave parent
 * must stay a slave so the rootfs bind keeps receiving the host's mounts. The mount root is found
 * by walking ".." from the rootfs's parent until the mount id changes. */
static void make_parent_mount_private(const char *rootfs) {
  char parent[PATH_MAX];
  snprintf(parent, sizeof parent, "%s/..", rootfs);
  int cur = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0) bail(errno, "open(%s) failed", qs(parent));
  struct statx a, b;
  uint64_t id = mount_id(cur, &a);
  if (!mount_is_shared(id)) {
    close(cur);
    return;
  }
  for (;;) {
    int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (up < 0) bail(errno, "openat(\"..\") while looking for the mount of %s failed", qs(parent));
    if (mount_id(up, &b) != id || (b.stx_ino == a.stx_ino && b.stx_dev_major == a.stx_dev_major && b.stx_dev_minor == a.stx_dev_minor)) {
      close(up);
      break;
    }
    close(cur);
    cur = up;
    a = b;
  }
  if (mount(NULL, fd_path(cur), NULL, MS_PRIVATE, NULL) < 0) bail(errno, "mount(NULL, mount of %s, NULL, MS_PRIVATE, NULL) failed", qs(parent));
  close(cur);
}

void op_rootfs_prepare(const struct arg *a) {
  char names[256];
  unsigned long prop = (unsigned long)a[1].i;
  /* Our mount namespace starts as a copy of the host's: stop our mounts propagating back. */
  if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
    bail(errno, "mount(NULL, \"/\", NULL, %s, NULL) failed", flags_str(prop, MOUNT_FLAGS, names, sizeof names));
  make_parent_mount_private(a[0].s);
  /* pivot_root needs the new root to be a mount point. */
  if (mount(a[0].s, a[0].s, NULL, MS_BIND | MS_REC, NULL) < 0)
    bail(errno, "mount(%s, %s, NULL, MS_BIND|MS_REC, NULL) failed", qs(a[0].s), qs(a[0].s));
  H.root_fd = open(a[0].s, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (H.root_fd < 0) bail(errno, "open(%s, O_PATH|O_DIRECTORY) failed", qs(a[0].s));
}

void op_rootfs_open(const struct arg *a) {
  H.root_fd = open(a[0].s, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (H.root_fd < 0) bail(errno, "open(%s, O_PATH|O_DIRECTORY) failed", qs(a[0].s));
}

void op_chroot(const struct arg *a) {
  (void)a;
  if (fchdir(H.root_fd) < 0) bail(errno, "fchdir(root) failed");
  if (chroot(".") < 0) bail(errno, "chroot(\".\") failed");
  if (chdir("/") < 0) bail(errno, "chdir(\"/\") failed");
}

/* runc libcontainer/rootfs_linux.go pivotRoot: pivot_root(".", ".") then detach the old root. */
void op_pivot_root(const struct arg *a) {
  (void)a;
  int old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (old < 0) bail(errno, "open(\"/\") failed");
  if (fchdir(H.root_fd) < 0) bail(errno, "fchdir(root) failed");
  if (syscall(SYS_pivot_root, ".", ".") < 0) bail(errno, "pivot_root(\".\", \".\") failed");
  if (fchdir(old) < 0) bail(errno, "fchdir(old root) failed");
  /* rslave first, so that the detach below cannot propagate to the host. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) bail(errno, "mount(NULL, old root, NULL, MS_SLAVE|MS_REC, NULL) failed");
  if (umount2(".", MNT_DETACH) < 0) bail(errno, "umount2(old root, MNT_DETACH) failed");
  if (chdir("/") < 0) bail(errno, "chdir(\"/\") failed");
  close(old);
}

void op_hide_host_mounts(const struct arg *a) {
  for (char **p = a[0].strv; *p; p++) {
    if (mount(NULL, *p, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
      if (errno == ENOENT) continue; /* under a mount point detached just before */
      bail(errno, "mount(NULL, %s, NULL, MS_SLAVE|MS_REC, NULL) failed", qs(*p));
    }
    if (umount2(*p, MNT_DETACH) == 0) continue;
    if (errno != EINVAL && errno != EPERM) bail(errno, "umount2(%s, MNT_DETACH) failed", qs(*p));
    if (mount("tmpfs", *p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0) bail(errno, "mount(\"tmpfs\", %s) over a mount that could not be detached failed", qs(*p));
  }
}

void op_move_root(const struct arg *a) {
  (void)a;
  if (fchdir(H.root_fd) < 0) bail(errno, "fchdir(root) failed");
  if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) bail(errno, "mount(root, \"/\", NULL, MS_MOVE, NULL) failed");
  if (chroot(".") < 0) bail(errno, "chroot(\".\") failed");
  if (chdir("/") < 0) bail(errno, "chdir(\"/\") failed");
}

void op_root_propagation(const struct arg *a) {
  char names[256];
  unsigned long flags = (unsigned long)a[0].i;
  if (mount(NULL, "/", NULL, flags, NULL) < 0) bail(errno, "mount(NULL, \"/\", NULL, %s, NULL) failed", flags_str(flags, MOUNT_FLAGS, names, sizeof names));
}

void op_remount_root_readonly(const struct arg *a) {
  (void)a;
  if (remount_keep_locked("/", MS_BIND | MS_RDONLY) < 0) bail(errno, "mount(NULL, \"/\", NULL, MS_REMOUNT|MS_BIND|MS_RDONLY, NULL) failed");
}
