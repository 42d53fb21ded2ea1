/* Namespaces, cgroup entry and the stage0 <-> stage1 handshake (README.md process diagram). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "steps.h"
#include "../sync.h"

/* Bytes on the stage0 <-> stage1 socket. */
enum { MSG_GO = 'G', MSG_MAPS_PLEASE = 'M', MSG_MAPS_DONE = 'D', MSG_SOURCES_PLEASE = 'S', MSG_SOURCE_FD = 'F', MSG_NETDEV_PLEASE = 'N', MSG_NETDEV_DONE = 'n' };

static void send_byte(char b, const char *what) {
  if (write_all(H.s01, &b, 1) < 0) bail(errno, "write(%s) to the other stage failed", what);
}

/* stage0 side: if stage1 is gone it has already reported why, so leave quietly. */
static void expect_byte(char want, const char *what) {
  char b;
  if (read_all(H.s01, &b, 1) == 0 && b == want) return;
  if (H.stage1 > 0) {
    int status;
    if (waitpid(H.stage1, &status, 0) == H.stage1 && WIFEXITED(status) && WEXITSTATUS(status) != 0) _exit(1);
  }
  bail(EPIPE, "waiting for %s: the other stage went away", what);
}

void op_cgroup_enter(const struct arg *a) {
  char pid[16];
  int n = snprintf(pid, sizeof pid, "%d", (int)H.stage1);
  int fd = open(a[0].s, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write_all(fd, pid, (size_t)n) < 0) bail(errno, "write(%s, \"%s\") failed", qs(a[0].s), pid);
  close(fd);
}

/* The runtime places stage1 itself (a systemd scope must be started with its pid) before any CGROUP_ENTER. */
void op_cgroup_sync(const struct arg *a) { (void)a; await_cgroup_reply((int)H.stage1); }

void op_release_child(const struct arg *a) { (void)a; send_byte(MSG_GO, "go"); }
void op_await_release(const struct arg *a) { (void)a; expect_byte(MSG_GO, "RELEASE_CHILD"); }
void op_await_child_userns(const struct arg *a) { (void)a; expect_byte(MSG_MAPS_PLEASE, "stage1 to unshare its user namespace"); }
void op_resume_child(const struct arg *a) { (void)a; send_byte(MSG_MAPS_DONE, "maps done"); }

/* The id maps are written from outside: only a process in the parent user namespace may (user_namespaces(7)). */
void op_write_child_proc(const struct arg *a) {
  const char *name = a[0].s;
  if (strcmp(name, "setgroups") != 0 && strcmp(name, "uid_map") != 0 && strcmp(name, "gid_map") != 0)
    bail(EINVAL, "WRITE_CHILD_PROC: %s is not setgroups, uid_map or gid_map", qs(name));
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)H.stage1, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) bail(errno, "open(%s, O_WRONLY) failed", qs(path));
  /* The kernel takes a map in exactly one write. */
  if (write(fd, a[1].s, a[1].len) != (ssize_t)a[1].len) bail(errno, "write(%s, %s) failed", qs(path), qs(a[1].s));
  close(fd);
}

void op_request_idmaps(const struct arg *a) {
  (void)a;
  /* stage0 must be able to open our /proc files; runc nsexec.c does the same dance. */
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_DUMPABLE, 1) failed");
  send_byte(MSG_MAPS_PLEASE, "maps please");
  expect_byte(MSG_MAPS_DONE, "stage0 to write the id maps");
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_DUMPABLE, 0) failed");
}

void op_setns(const struct arg *a) {
  char flags[128];
  if (setns(slot_fd(a[0].i), (int)a[1].i) < 0)
    bail(errno, "setns(slot %lld, %s) failed", (long long)a[0].i, flags_str((unsigned long)a[1].i, CLONE_FLAGS, flags, sizeof flags));
}

void op_unshare(const struct arg *a) {
  char flags[256];
  if (unshare((int)a[0].i) < 0) bail(errno, "unshare(%s) failed", flags_str((unsigned long)a[0].i, CLONE_FLAGS, flags, sizeof flags));
}

void op_timens_offsets(const struct arg *a) {
  int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, a[0].s, a[0].len) != (ssize_t)a[0].len)
    bail(errno, "write(\"/proc/self/timens_offsets\", %s) failed", qs(a[0].s));
  close(fd);
}

/* A new network namespace starts with `lo` down (runc's loopback "network", crun's same step). */
void op_loopback_up(const struct arg *a) {
  (void)a;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) bail(errno, "socket(AF_INET, SOCK_DGRAM) failed");
  struct ifreq ifr = { 0 };
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) bail(errno, "ioctl(\"lo\", SIOCGIFFLAGS) failed");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) bail(errno, "ioctl(\"lo\", SIOCSIFFLAGS, IFF_UP) failed");
  close(fd);
}

/* stage0: the sources are looked up in stage1's new mount namespace (so the fds are mounts the
 * container may bind from) with our credentials (so a 0700 directory on the way is no obstacle
 * to a root mapped to an unprivileged uid). runc nsexec.c send_mountsources does the same. */
void op_send_mount_sources(const struct arg *a) {
  expect_byte(MSG_SOURCES_PLEASE, "stage1 to create its mount namespace");
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)H.stage1);
  int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (own < 0) bail(errno, "open(\"/proc/self/ns/mnt\") failed");
  int child = open(path, O_RDONLY | O_CLOEXEC);
  if (child < 0) bail(errno, "open(%s) failed", qs(path));
  if (setns(child, CLONE_NEWNS) < 0) bail(errno, "setns(%s, CLONE_NEWNS) failed", qs(path));
  for (char **p = a[0].strv; *p; p++) {
    int fd = open(*p, O_PATH | O_CLOEXEC);
    if (fd < 0) bail(errno, "open(%s, O_PATH) in the container's mount namespace failed", qs(*p));
    char tag = MSG_SOURCE_FD;
    if (send_fd(H.s01, fd, &tag, 1) < 0) bail(errno, "sending the fd of %s to stage1 failed", qs(*p));
    close(fd);
  }
  if (setns(own, CLONE_NEWNS) < 0) bail(errno, "setns(own mount namespace) failed");
  close(own);
  close(child);
}

static int recv_fd(int sock) {
  char tag, control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  ssize_t r;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r != 1 || tag != MSG_SOURCE_FD) bail(r < 0 ? errno : EPIPE, "RECEIVE_MOUNT_SOURCES: stage0 sent no fd");
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (cm == NULL || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
    bail(EPROTO, "RECEIVE_MOUNT_SOURCES: a message without exactly one fd");
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  return fd;
}

void op_receive_mount_sources(const struct arg *a) {
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_DUMPABLE, 1) failed");
  send_byte(MSG_SOURCES_PLEASE, "mount sources please");
  for (uint32_t k = 0; k < a[0].n; k++) set_slot(a[0].intv[k], recv_fd(H.s01));
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_DUMPABLE, 0) failed");
}

/* linux.netDevices: stage0 (host root, in the runtime's network namespace where the devices are)
 * moves them into stage1's network namespace once it has one. */
void op_await_net_devices(const struct arg *a) {
  (void)a;
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_DUMPABLE, 1) failed");
  send_byte(MSG_NETDEV_PLEASE, "net devices please");
  expect_byte(MSG_NETDEV_DONE, "stage0 to move the network devices");
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_DUMPABLE, 0) failed");
}

void op_move_net_devices(const struct arg *a) {
  if (a[0].n != a[1].n) bail(EINVAL, "MOVE_NET_DEVICES: %u host names but %u new names", a[0].n, a[1].n);
  expect_byte(MSG_NETDEV_PLEASE, "stage1 to have its network namespace");
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/net", (int)H.stage1);
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) bail(errno, "open(%s) failed", qs(path));
  for (uint32_t k = 0; k < a[0].n; k++) move_net_device(a[0].strv[k], ns, a[1].strv[k]);
  close(ns);
  send_byte(MSG_NETDEV_DONE, "net devices moved");
}
