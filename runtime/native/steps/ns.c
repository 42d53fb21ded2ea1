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
enum { MSG_GO = 'G', MSG_MAPS_PLEASE = 'M', MSG_MAPS_DONE = 'D' };

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
