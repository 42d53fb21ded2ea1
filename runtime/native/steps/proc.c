/*
 * After the pivot: masked and read-only paths, sysctls, host and domain name. The mounts here use
 * the fd-based mount API (open_tree/move_mount/fsmount), so they neither depend on a /proc in the
 * container nor go through a path the container could have replaced.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "steps.h"
#include "../sync.h"

static void attach(int tree, int target, const char *what, const char *path) {
  if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    bail(errno, "move_mount(%s, %s) failed", what, qs(path));
  close(tree);
}

static void mask_directory(int target, const char *path) {
  int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0) bail(errno, "fsopen(\"tmpfs\") for masking %s failed", qs(path));
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) bail(errno, "fsconfig(tmpfs, FSCONFIG_CMD_CREATE) failed");
  int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
  if (mnt < 0) bail(errno, "fsmount(tmpfs, MOUNT_ATTR_RDONLY) failed");
  close(fs);
  attach(mnt, target, "read-only tmpfs", path);
}

/* CVE-2025-31133: the /dev/null we bind must be the real null device, reached without symlinks. */
static void mask_file(int target, const char *path) {
  int null = open_in_root("/dev/null", O_PATH, RESOLVE_NO_SYMLINKS);
  if (null < 0) bail(errno, "masking %s: open(\"/dev/null\") in root without symlinks failed", qs(path));
  struct stat st;
  if (fstat(null, &st) < 0) bail(errno, "fstat(\"/dev/null\") failed");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    bail(EPERM, "refusing to mask %s: the container's /dev/null is not the char device 1:3", qs(path));
  int tree = open_tree(null, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0) bail(errno, "open_tree(\"/dev/null\", OPEN_TREE_CLONE) failed");
  close(null);
  attach(tree, target, "/dev/null", path);
}

void op_mask_path(const struct arg *a) {
  int t = open_in_root(a[0].s, O_PATH, 0);
  if (t < 0 && errno == ENOENT) return;
  if (t < 0) bail(errno, "masking: open(%s) in root failed", qs(a[0].s));
  if (is_root_fd(t)) bail(EINVAL, "refusing to mask %s: it resolves to the container root", qs(a[0].s));
  struct stat st;
  if (fstat(t, &st) < 0) bail(errno, "fstat(%s) failed", qs(a[0].s));
  if (S_ISDIR(st.st_mode)) mask_directory(t, a[0].s);
  else mask_file(t, a[0].s);
  close(t);
}

void op_readonly_path(const struct arg *a) {
  int t = open_in_root(a[0].s, O_PATH, 0);
  if (t < 0 && errno == ENOENT) return;
  if (t < 0) bail(errno, "read-only path: open(%s) in root failed", qs(a[0].s));
  int tree = open_tree(t, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
  if (tree < 0) bail(errno, "open_tree(%s, OPEN_TREE_CLONE|AT_RECURSIVE) failed", qs(a[0].s));
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    bail(errno, "mount_setattr(%s, MOUNT_ATTR_RDONLY, AT_RECURSIVE) failed", qs(a[0].s));
  attach(tree, t, "read-only bind", a[0].s);
  close(t);
}

void op_sysctl(const struct arg *a) {
  char path[4200];
  if (strstr(a[0].s, "..") != NULL || snprintf(path, sizeof path, "/proc/sys/%s", a[0].s) >= (int)sizeof path)
    bail(EINVAL, "sysctl %s: not a plain /proc/sys path", qs(a[0].s));
  int fd = open_in_root(path, O_WRONLY, RESOLVE_NO_SYMLINKS);
  if (fd < 0) bail(errno, "open(%s, O_WRONLY) in root failed", qs(path));
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC) bail(EXDEV, "sysctl %s: %s is not on procfs", qs(a[0].s), qs(path));
  if (write_all(fd, a[1].s, a[1].len) < 0) bail(errno, "write(%s, %s) failed", qs(path), qs(a[1].s));
  close(fd);
}

void op_sethostname(const struct arg *a) {
  if (sethostname(a[0].s, a[0].len) < 0) bail(errno, "sethostname(%s) failed", qs(a[0].s));
}

void op_setdomainname(const struct arg *a) {
  if (setdomainname(a[0].s, a[0].len) < 0) bail(errno, "setdomainname(%s) failed", qs(a[0].s));
}
