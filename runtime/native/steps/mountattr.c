/*
 * mount_setattr(2) steps: recursive mount attributes (runc's rro, rnosuid, ...) and idmapped
 * mounts (MOUNT_ATTR_IDMAP, runtime-spec config.md "idmap"/"ridmap"). The id-mapped tree is made
 * by stage0 in the host's mount namespace as a detached mount (open_tree OPEN_TREE_CLONE), whose
 * fd every later stage inherits through its slot; the init attaches it with move_mount, which
 * accepts a detached tree from any mount namespace (runc 1.2 mountFd does the same).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include "steps.h"

void op_mount_setattr_in_root(const struct arg *a) {
  struct mount_attr attr = { .attr_set = (uint64_t)a[1].i, .attr_clr = (uint64_t)a[2].i };
  unsigned flags = AT_EMPTY_PATH | (a[3].i ? AT_RECURSIVE : 0);
  int fd = open_in_root(a[0].s, O_PATH, 0);
  if (fd < 0) bail(errno, "mount_setattr: open(%s) in root failed", qs(a[0].s));
  if (is_root_fd(fd)) bail(EINVAL, "mount_setattr: target %s resolves to the container root", qs(a[0].s));
  if (mount_setattr(fd, "", flags, &attr, sizeof attr) < 0)
    bail(errno, "mount_setattr(%s, %s, set 0x%llx, clear 0x%llx) failed", qs(a[0].s), a[3].i ? "AT_RECURSIVE" : "0",
         (unsigned long long)attr.attr_set, (unsigned long long)attr.attr_clr);
  close(fd);
}

static void write_map(pid_t pid, const char *name, const struct arg *map) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) bail(errno, "idmapped mount: open(%s, O_WRONLY) failed", qs(path));
  /* The kernel takes a map in exactly one write. */
  if (write(fd, map->s, map->len) != (ssize_t)map->len) bail(errno, "idmapped mount: write(%s, %s) failed", qs(path), qs(map->s));
  close(fd);
}

/* A user namespace with these maps, held by a child that only waits to be killed (runc
 * userns.GetUserNamespaceFd; the namespace lives on through the fd). */
static int userns_with_maps(const struct arg *uid_map, const struct arg *gid_map) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) bail(errno, "pipe2() failed");
  pid_t pid = fork();
  if (pid < 0) bail(errno, "fork() for the id-mapping user namespace failed");
  if (pid == 0) {
    int err = unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
    if (write(p[1], &err, sizeof err) != sizeof err) _exit(1);
    for (;;) pause();
  }
  close(p[1]);
  int err = EPIPE;
  ssize_t r = read(p[0], &err, sizeof err);
  close(p[0]);
  if (r != sizeof err || err != 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    bail(r == sizeof err ? err : EPIPE, "unshare(CLONE_NEWUSER) for an idmapped mount failed");
  }
  write_map(pid, "uid_map", uid_map);
  write_map(pid, "gid_map", gid_map);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int saved = errno;
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  if (fd < 0) bail(saved, "open(%s) failed", qs(path));
  return fd;
}

void op_idmapped_tree_slot(const struct arg *a) {
  const char *source = a[1].s;
  int recursive_tree = (a[4].i & 1) != 0, recursive_attr = (a[4].i & 2) != 0;
  int userns = userns_with_maps(&a[2], &a[3]);
  int tree = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive_tree ? AT_RECURSIVE : 0));
  if (tree < 0) bail(errno, "open_tree(%s, OPEN_TREE_CLONE%s) failed", qs(source), recursive_tree ? "|AT_RECURSIVE" : "");
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
  if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive_attr ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
    bail(errno, "mount_setattr(%s, MOUNT_ATTR_IDMAP%s) failed", qs(source), recursive_attr ? ", AT_RECURSIVE" : "");
  close(userns);
  set_slot(a[0].i, tree);
}

void op_move_mount_slot_in_root(const struct arg *a) {
  int tree = slot_fd(a[0].i);
  int fd = open_in_root(a[1].s, O_PATH, 0);
  if (fd < 0) bail(errno, "move_mount: open(%s) in root failed", qs(a[1].s));
  if (is_root_fd(fd)) bail(EINVAL, "move_mount: target %s resolves to the container root", qs(a[1].s));
  if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    bail(errno, "move_mount(slot %lld, %s) failed", (long long)a[0].i, qs(a[1].s));
  close(fd);
  close(tree);
  H.slots[a[0].i] = -1;
}
