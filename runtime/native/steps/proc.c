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

void op_set_readonly_in_root(const struct arg *a) {
  int t = open_in_root(a[0].s, O_PATH, 0);
  if (t < 0) bail(errno, "read-only remount: open(%s) in root failed", qs(a[0].s));
  /* Only the mount itself: the kernel applies the attribute to the mount the fd is on, so the
   * fd must be the root of a mount, not a directory somewhere below one. */
  struct statx here, up;
  int parent = openat(t, "..", O_PATH | O_CLOEXEC);
  if (parent < 0 || statx(t, "", AT_EMPTY_PATH, STATX_MNT_ID, &here) < 0 || statx(parent, "", AT_EMPTY_PATH, STATX_MNT_ID, &up) < 0)
    bail(errno, "read-only remount: statx(%s) failed", qs(a[0].s));
  close(parent);
  if (here.stx_mnt_id == up.stx_mnt_id) bail(EINVAL, "read-only remount: %s is not a mount point", qs(a[0].s));
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  if (mount_setattr(t, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) bail(errno, "mount_setattr(%s, MOUNT_ATTR_RDONLY) failed", qs(a[0].s));
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

/* CVE-2025-52881: a container could bind another procfs file (e.g. /proc/sys/kernel/core_pattern)
 * over its attr/exec so that our label write lands there. Refuse a file that is not on procfs or
 * whose mount differs from /proc's own, i.e. anything mounted over it. */
static int open_attr_file(const char *name, char *path, size_t len) {
  snprintf(path, len, "/proc/thread-self/attr/%s", name);
  int fd = open_in_root(path, O_WRONLY, 0);
  if (fd < 0) return -1;
  int proc = open_in_root("/proc", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
  if (proc < 0) bail(errno, "open(\"/proc\") in root failed");
  struct statfs sf;
  struct statx a, b;
  if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC) bail(EXDEV, "%s is not on procfs", qs(path));
  if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &a) < 0 || statx(proc, "", AT_EMPTY_PATH, STATX_MNT_ID, &b) < 0) bail(errno, "statx(%s, STATX_MNT_ID) failed", qs(path));
  if (a.stx_mnt_id != b.stx_mnt_id) bail(EXDEV, "refusing to write a label: %s is covered by another mount", qs(path));
  close(proc);
  return fd;
}

void op_set_exec_label(const struct arg *a) {
  /* exec (setns) has no ROOTFS_PREPARE: its root is the container's "/". */
  if (H.root_fd < 0 && (H.root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) bail(errno, "open(\"/\") failed");
  char path[256];
  for (uint32_t k = 0; k < a[0].n; k++) {
    int fd = open_attr_file(a[0].strv[k], path, sizeof path);
    if (fd < 0 && errno == ENOENT && k + 1 < a[0].n) continue;
    if (fd < 0) bail(errno, "open(%s, O_WRONLY) in root failed", qs(path));
    if (write_all(fd, a[1].s, a[1].len) < 0) bail(errno, "write(%s, %s) failed", qs(path), qs(a[1].s));
    close(fd);
    return;
  }
  bail(EINVAL, "SET_EXEC_LABEL without an attr file");
}
