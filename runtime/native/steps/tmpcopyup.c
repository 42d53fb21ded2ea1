/*
 * tmpcopyup (runc mountToRootfs "tmpcopyup"): a tmpfs that starts with what the image has at its
 * destination, so `podman run --read-only` keeps e.g. /etc content writable. runc mounts a tmpfs
 * on a temp dir, copies and moves it; here the tmpfs is a detached mount (fsopen/fsmount), the
 * copy works only on fds below the target opened inside the root (nothing is followed: symlinks
 * are copied as symlinks, every open is O_NOFOLLOW relative to its parent), and move_mount puts
 * it in place. Read-only is applied after the copy.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "steps.h"

#define COPY_MAX_DEPTH 128

/* MS_* flags of the mount entry → MOUNT_ATTR_* for the new mount. */
static uint64_t mount_attrs(unsigned long ms) {
  uint64_t attr = 0;
  if (ms & MS_NOSUID) attr |= MOUNT_ATTR_NOSUID;
  if (ms & MS_NODEV) attr |= MOUNT_ATTR_NODEV;
  if (ms & MS_NOEXEC) attr |= MOUNT_ATTR_NOEXEC;
  if (ms & MS_NOATIME) attr |= MOUNT_ATTR_NOATIME;
  else if (ms & MS_STRICTATIME) attr |= MOUNT_ATTR_STRICTATIME;
  if (ms & MS_NODIRATIME) attr |= MOUNT_ATTR_NODIRATIME;
  return attr;
}

/* "size=64m,mode=755" → one fsconfig call per option. */
static void configure_tmpfs(int fs, const char *data) {
  char copy[4096];
  if (strlen(data) >= sizeof copy) bail(E2BIG, "tmpfs options %s too long", qs(data));
  strcpy(copy, data);
  char *save = NULL;
  for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(opt, '=');
    int r;
    if (eq) {
      *eq = 0;
      r = fsconfig(fs, FSCONFIG_SET_STRING, opt, eq + 1, 0);
    } else {
      r = fsconfig(fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
    }
    if (r < 0) bail(errno, "fsconfig(tmpfs, %s) failed", qs(opt));
  }
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) bail(errno, "fsconfig(tmpfs, FSCONFIG_CMD_CREATE) failed");
}

static void copy_attrs(int dirfd, const char *name, const struct stat *st, int is_link) {
  int nofollow = is_link ? AT_SYMLINK_NOFOLLOW : 0;
  if (fchownat(dirfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0) bail(errno, "tmpcopyup: fchownat(%s) failed", qs(name));
  if (!is_link && fchmodat(dirfd, name, st->st_mode & 07777, 0) < 0) bail(errno, "tmpcopyup: fchmodat(%s) failed", qs(name));
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  if (utimensat(dirfd, name, times, nofollow) < 0) bail(errno, "tmpcopyup: utimensat(%s) failed", qs(name));
}

static void copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st) {
  int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) bail(errno, "tmpcopyup: open(%s) failed", qs(name));
  int out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) bail(errno, "tmpcopyup: create(%s) failed", qs(name));
  for (off_t left = st->st_size; left > 0;) {
    ssize_t n = sendfile(out, in, NULL, left > (1 << 30) ? (1 << 30) : (size_t)left);
    if (n < 0) bail(errno, "tmpcopyup: copying %s failed", qs(name));
    if (n == 0) break; /* the file shrank meanwhile */
    left -= n;
  }
  close(in);
  close(out);
}

static void copy_tree(int src, int dst, int depth) {
  if (depth > COPY_MAX_DEPTH) bail(ELOOP, "tmpcopyup: directories nested deeper than %d", COPY_MAX_DEPTH);
  int list = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (list < 0) bail(errno, "tmpcopyup: opendir failed");
  DIR *d = fdopendir(list);
  if (!d) bail(errno, "tmpcopyup: fdopendir failed");
  for (struct dirent *e; (errno = 0, e = readdir(d));) {
    const char *n = e->d_name;
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0) continue;
    struct stat st;
    if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0) bail(errno, "tmpcopyup: lstat(%s) failed", qs(n));
    if (S_ISDIR(st.st_mode)) {
      if (mkdirat(dst, n, 0700) < 0) bail(errno, "tmpcopyup: mkdir(%s) failed", qs(n));
      int s = openat(src, n, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), t = openat(dst, n, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || t < 0) bail(errno, "tmpcopyup: open directory %s failed", qs(n));
      copy_tree(s, t, depth + 1);
      close(s);
      close(t);
    } else if (S_ISREG(st.st_mode)) {
      copy_file(src, dst, n, &st);
    } else if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t len = readlinkat(src, n, target, sizeof target - 1);
      if (len < 0) bail(errno, "tmpcopyup: readlink(%s) failed", qs(n));
      target[len] = 0;
      if (symlinkat(target, dst, n) < 0) bail(errno, "tmpcopyup: symlink(%s) failed", qs(n));
    } else if (mknodat(dst, n, st.st_mode, st.st_rdev) < 0) {
      bail(errno, "tmpcopyup: mknod(%s) failed", qs(n));
    }
    copy_attrs(dst, n, &st, S_ISLNK(st.st_mode));
  }
  if (errno) bail(errno, "tmpcopyup: readdir failed");
  closedir(d);
}

void op_tmpcopyup_in_root(const struct arg *a) {
  const char *target = a[0].s;
  unsigned long flags = (unsigned long)a[1].i;
  /* runc chmods the tmpfs to the mode of the directory it covers only when that directory
   * existed; a directory made for the mount keeps the tmpfs's own mode= (podman --tmpfs). */
  int t = open_in_root(target, O_PATH | O_DIRECTORY, 0);
  int existed = t >= 0;
  if (t < 0 && errno == ENOENT) t = mkdir_all_in_root(target, 0755);
  if (t < 0) bail(errno, "tmpcopyup: open(%s) in root as a directory failed", qs(target));
  if (is_root_fd(t)) bail(EINVAL, "tmpcopyup: target %s resolves to the container root", qs(target));
  int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0) bail(errno, "fsopen(\"tmpfs\") for %s failed", qs(target));
  configure_tmpfs(fs, a[2].s);
  int mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)mount_attrs(flags));
  if (mnt < 0) bail(errno, "fsmount(tmpfs for %s) failed", qs(target));
  close(fs);
  copy_tree(t, mnt, 0);
  if (existed) {
    /* The tmpfs root takes the owner and mode of the directory it covers, as runc does. */
    struct stat st;
    if (fstat(t, &st) < 0) bail(errno, "fstat(%s) failed", qs(target));
    if (fchownat(mnt, "", st.st_uid, st.st_gid, AT_EMPTY_PATH) < 0) bail(errno, "tmpcopyup: chown of the tmpfs root failed");
    int root = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0 || fchmod(root, st.st_mode & 07777) < 0) bail(errno, "tmpcopyup: chmod of the tmpfs root failed");
    close(root);
  }
  if (flags & MS_RDONLY) {
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
    if (mount_setattr(mnt, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) bail(errno, "mount_setattr(tmpfs for %s, MOUNT_ATTR_RDONLY) failed", qs(target));
  }
  if (move_mount(mnt, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) bail(errno, "move_mount(tmpfs, %s) failed", qs(target));
  close(mnt);
  close(t);
}
