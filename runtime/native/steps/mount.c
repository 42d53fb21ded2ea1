/* Mount steps on targets resolved inside the root (see inroot.c). Before PIVOT_ROOT, /proc is the host's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "steps.h"

#define EMPTY_AS_NULL(s) ((s)[0] ? (s) : NULL)

/* Open a mount target, refusing the root itself: mounting over the rootfs hides it (runc checks this too). */
static int open_target(const char *path, const char *what) {
  int fd = open_in_root(path, O_PATH, 0);
  if (fd < 0) bail(errno, "%s: open(%s) in root failed", what, qs(path));
  if (is_root_fd(fd)) bail(EINVAL, "%s: target %s resolves to the container root", what, qs(path));
  return fd;
}

void op_mkdir_in_root(const struct arg *a) {
  close(mkdir_all_in_root(a[0].s, (mode_t)a[1].i));
}

void op_mkfile_in_root(const struct arg *a) {
  int fd = open_in_root(a[0].s, O_PATH, 0);
  if (fd >= 0) {
    close(fd);
    return;
  }
  if (errno != ENOENT) bail(errno, "open(%s) in root failed", qs(a[0].s));
  const char *name;
  int parent = open_root_parent(a[0].s, &name);
  /* O_EXCL|O_NOFOLLOW: never open (let alone truncate) something that appeared meanwhile. */
  fd = openat(parent, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, (mode_t)a[1].i);
  if (fd < 0 && errno != EEXIST) bail(errno, "openat(%s, O_CREAT|O_EXCL|O_NOFOLLOW, 0%llo) in root failed", qs(a[0].s), (long long)a[1].i);
  if (fd >= 0) close(fd);
  close(parent);
}

void op_mount_in_root(const struct arg *a) {
  const char *src = a[0].s, *target = a[1].s, *fstype = a[2].s, *data = a[4].s;
  unsigned long flags = (unsigned long)a[3].i;
  char names[512];
  int fd = open_target(target, "mount");
  if (mount(EMPTY_AS_NULL(src), fd_path(fd), EMPTY_AS_NULL(fstype), flags, EMPTY_AS_NULL(data)) < 0)
    bail(errno, "mount(%s, %s, %s, %s, %s) failed", qs(src), qs(target), qs(fstype), flags_str(flags, MOUNT_FLAGS, names, sizeof names), qs(data));
  close(fd);
}

void op_mount_slot_in_root(const struct arg *a) {
  char names[512];
  unsigned long flags = (unsigned long)a[2].i;
  int src = slot_fd(a[0].i);
  int fd = open_target(a[1].s, "mount");
  if (mount(fd_path(src), fd_path(fd), NULL, flags, NULL) < 0)
    bail(errno, "mount(slot %lld, %s, NULL, %s, NULL) failed", (long long)a[0].i, qs(a[1].s), flags_str(flags, MOUNT_FLAGS, names, sizeof names));
  close(fd);
  close(src);
  H.slots[a[0].i] = -1;
}

int remount_keep_locked(const char *path, unsigned long flags) {
  if (mount(NULL, path, NULL, MS_REMOUNT | flags, NULL) == 0) return 0;
  if (errno != EPERM) return -1;
  /* In a user namespace the kernel refuses to clear flags inherited from a more privileged
   * mount (mount_namespaces(7) "locked"); keep the ones it has (runc does the same retry). */
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) return -1;
  static const struct { unsigned long st, ms; } locked[] = {
    { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV }, { ST_NOEXEC, MS_NOEXEC },
    { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
  };
  for (size_t k = 0; k < sizeof locked / sizeof locked[0]; k++)
    if (sv.f_flag & locked[k].st) flags |= locked[k].ms;
  return mount(NULL, path, NULL, MS_REMOUNT | flags, NULL);
}

void op_remount_in_root(const struct arg *a) {
  char names[512];
  unsigned long flags = (unsigned long)a[1].i;
  int fd = open_target(a[0].s, "remount"); /* opened now, so it is the mount on top */
  if (remount_keep_locked(fd_path(fd), flags) < 0)
    bail(errno, "mount(NULL, %s, NULL, %s, NULL) failed", qs(a[0].s), flags_str(MS_REMOUNT | flags, MOUNT_FLAGS, names, sizeof names));
  close(fd);
}

void op_propagate_in_root(const struct arg *a) {
  char names[256];
  unsigned long flags = (unsigned long)a[1].i;
  int fd = open_in_root(a[0].s, O_PATH, 0);
  if (fd < 0) bail(errno, "propagation: open(%s) in root failed", qs(a[0].s));
  if (mount(NULL, fd_path(fd), NULL, flags, NULL) < 0)
    bail(errno, "mount(NULL, %s, NULL, %s, NULL) failed", qs(a[0].s), flags_str(flags, MOUNT_FLAGS, names, sizeof names));
  close(fd);
}
