/*
 * Paths inside the rootfs are attacker input (CVE-2021-30465, CVE-2025-31133 class): resolve them
 * with openat2(RESOLVE_IN_ROOT) against the root fd, create missing components one at a time with
 * mkdirat on the parent's fd, and hand the kernel /proc/self/fd/N of what we opened, never a
 * joined string (crun utils.c safe_openat; runc pathrs.MkdirAllInRoot).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "steps.h"

static int openat2_at(int dirfd, const char *path, int flags, uint64_t resolve) {
  struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve };
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

int open_in_root(const char *path, int flags, uint64_t resolve) {
  if (H.root_fd < 0) bail(EBADF, "%s: no container root yet (ROOTFS_PREPARE must come first)", qs(path));
  return openat2_at(H.root_fd, path, flags, resolve | RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int is_root_fd(int fd) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && fstat(H.root_fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int mkdir_all_in_root(const char *path, mode_t mode) {
  if (strlen(path) >= PATH_MAX) bail(ENAMETOOLONG, "mkdir -p %s: path too long", qs(path));
  char prefix[PATH_MAX + 2] = ""; /* path plus a leading '/' */
  char copy[PATH_MAX];
  strcpy(copy, path);
  int fd = open_in_root("/", O_PATH | O_DIRECTORY, 0);
  if (fd < 0) bail(errno, "open(container root) failed");
  char *save = NULL;
  for (char *comp = strtok_r(copy, "/", &save); comp != NULL; comp = strtok_r(NULL, "/", &save)) {
    if (strcmp(comp, ".") == 0) continue;
    strcat(prefix, "/");
    strcat(prefix, comp);
    int next = open_in_root(prefix, O_PATH | O_DIRECTORY, 0);
    if (next < 0 && errno == ENOENT) {
      if (mkdirat(fd, comp, mode) < 0 && errno != EEXIST) bail(errno, "mkdirat(%s, %s, 0%o) in root failed", qs(prefix), qs(comp), mode);
      /* Open what we just made from its parent, following nothing: it may have been swapped already. */
      next = openat2_at(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    }
    if (next < 0) bail(errno, "open(%s) in root as a directory failed", qs(prefix));
    close(fd);
    fd = next;
  }
  return fd;
}

int open_root_parent(const char *path, const char **name) {
  static char base[NAME_MAX + 1];
  char parent[PATH_MAX];
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/') len--;
  if (len >= PATH_MAX) bail(ENAMETOOLONG, "%s: path too long", qs(path));
  memcpy(parent, path, len);
  parent[len] = 0;
  char *slash = strrchr(parent, '/');
  const char *last = slash ? slash + 1 : parent;
  if (*last == 0 || strcmp(last, ".") == 0 || strcmp(last, "..") == 0 || strlen(last) > NAME_MAX)
    bail(EINVAL, "%s does not end in a file name", qs(path));
  strcpy(base, last);
  if (slash) *slash = 0;
  else parent[0] = 0;
  *name = base;
  return mkdir_all_in_root(parent, 0755);
}

const char *fd_path(int fd) {
  static char buf[2][32];
  static int next;
  char *b = buf[next++ & 1];
  snprintf(b, sizeof buf[0], "/proc/self/fd/%d", fd);
  return b;
}
