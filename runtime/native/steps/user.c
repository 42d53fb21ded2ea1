/* Process attributes: ids, groups, umask, rlimits, no_new_privs, session, personality, io priority. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "steps.h"

void op_setresid(const struct arg *a) {
  uid_t uid = (uid_t)a[0].i;
  gid_t gid = (gid_t)a[1].i;
  /* gid first: after the uid change we may no longer be allowed to. */
  if (setresgid(gid, gid, gid) < 0) bail(errno, "setresgid(%u, %u, %u) failed", gid, gid, gid);
  if (setresuid(uid, uid, uid) < 0) bail(errno, "setresuid(%u, %u, %u) failed", uid, uid, uid);
}

/*
 * The container's stdio was opened outside it (a pipe, a file, the pty slave made by root in the
 * container's devpts): give it to the user the process is about to become, so that it can reopen
 * /proc/self/fd/N or /dev/stdout. Only the uid changes; the group may be unmapped or preferred by
 * the mount. Skipped for fds already the user's and for /dev/null; errors meaning "not ours to
 * change" (unmapped owner, read-only fs) are ignored. runc libcontainer fixStdioPermissions.
 */
void op_fix_stdio_owner(const struct arg *a) {
  uid_t uid = (uid_t)a[0].i;
  struct stat null;
  if (stat("/dev/null", &null) < 0) bail(errno, "stat(/dev/null) failed");
  for (int fd = 0; fd <= 2; fd++) {
    struct stat st;
    if (fstat(fd, &st) < 0) {
      if (errno == EBADF) continue; /* a closed stdio slot has no owner to fix */
      bail(errno, "fstat(fd %d) failed", fd);
    }
    if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev)) continue;
    if (fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
      bail(errno, "fchown(fd %d, %u, %u) failed", fd, uid, st.st_gid);
  }
}

void op_setgroups(const struct arg *a) {
  gid_t *groups = calloc(a[0].n + 1, sizeof(gid_t));
  if (groups == NULL) bail(ENOMEM, "setgroups: out of memory");
  for (uint32_t k = 0; k < a[0].n; k++) groups[k] = (gid_t)a[0].intv[k];
  if (setgroups(a[0].n, groups) < 0) bail(errno, "setgroups(%u groups) failed", a[0].n);
  free(groups);
}

void op_umask(const struct arg *a) { umask((mode_t)a[0].i & 07777); }

void op_rlimit(const struct arg *a) {
  struct rlimit lim = {
    .rlim_cur = a[1].i < 0 ? RLIM_INFINITY : (rlim_t)a[1].i,
    .rlim_max = a[2].i < 0 ? RLIM_INFINITY : (rlim_t)a[2].i,
  };
  if (prlimit(0, (int)a[0].i, &lim, NULL) < 0) bail(errno, "prlimit(0, %lld, %lld, %lld) failed", (long long)a[0].i, (long long)a[1].i, (long long)a[2].i);
}

void op_no_new_privs(const struct arg *a) {
  (void)a;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_NO_NEW_PRIVS, 1) failed");
}

void op_setsid(const struct arg *a) {
  (void)a;
  if (setsid() < 0) bail(errno, "setsid() failed");
}

void op_personality(const struct arg *a) {
  if (personality((unsigned long)a[0].i) < 0) bail(errno, "personality(0x%llx) failed", (long long)a[0].i);
}

void op_ioprio(const struct arg *a) {
  long prio = (long)((a[0].i << 13) | a[1].i); /* IOPRIO_PRIO_VALUE(class, level) */
  if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, prio) < 0)
    bail(errno, "ioprio_set(IOPRIO_WHO_PROCESS, 0, class %lld level %lld) failed", (long long)a[0].i, (long long)a[1].i);
}

/* struct sched_attr, SCHED_ATTR_SIZE_VER0 (glibc has no wrapper). */
struct sched_attr_v0 {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
};

void op_sched(const struct arg *a) {
  struct sched_attr_v0 attr = {
    .size = sizeof attr, .policy = (uint32_t)a[0].i, .flags = (uint64_t)a[1].i, .nice = (int32_t)a[2].i,
    .priority = (uint32_t)a[3].i, .runtime = (uint64_t)a[4].i, .deadline = (uint64_t)a[5].i, .period = (uint64_t)a[6].i,
  };
  if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
    bail(errno, "sched_setattr(0, {policy %lld, flags 0x%llx, nice %lld, priority %lld, runtime %lld, deadline %lld, period %lld}, 0) failed",
         (long long)a[0].i, (long long)a[1].i, (long long)a[2].i, (long long)a[3].i, (long long)a[4].i, (long long)a[5].i, (long long)a[6].i);
}
