/* The last steps: cwd, end of setup, the exec FIFO, closing fds, execve. Order: runc standard_init_linux.go. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "steps.h"
#include "../sync.h"

/* CVE-2024-21626: a cwd reached through a leaked fd lies outside our root; getcwd then fails or
 * says "(unreachable)..." instead of an absolute path (runc verifyCwd). */
static void verify_cwd(const char *path) {
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == NULL) bail(errno, "getcwd() after chdir(%s) failed: cwd is outside the container", qs(path));
  if (cwd[0] != '/') bail(EPERM, "chdir(%s) left the cwd outside the container root (%s)", qs(path), qs(cwd));
}

static int chdir_deferred; /* CHDIR_EARLY was refused: CHDIR_DEFERRED does it as the container's user */

void op_chdir_early(const struct arg *a) {
  if (chdir(a[0].s) < 0) {
    if (errno != EACCES && errno != EPERM) bail(errno, "chdir(%s) failed", qs(a[0].s));
    chdir_deferred = 1;
    return;
  }
  verify_cwd(a[0].s);
}

void op_chdir_deferred(const struct arg *a) {
  if (chdir_deferred) op_chdir(a);
}

void op_chdir(const struct arg *a) {
  if (chdir(a[0].s) < 0) bail(errno, "chdir(%s) failed", qs(a[0].s));
  verify_cwd(a[0].s);
}

void op_report_done(const struct arg *a) {
  (void)a;
  if (H.sync_fd >= 0) close(H.sync_fd);
  H.sync_fd = -1;
}

/* runc: reopen our O_PATH fd of exec.fifo for writing, which blocks until `start` opens it for
 * reading, and write "0". The write end stays open, CLOEXEC, so it is gone the moment execve
 * succeeds (CVE-2016-9962: the process never holds it); until then later errors (a failing
 * startContainer hook, execve) are written to it as `error` lines, and `start` reading to EOF
 * learns whether the process really started. */
void op_exec_fifo_wait(const struct arg *a) {
  int path_fd = slot_fd(a[0].i);
  if (H.proc_fd_dir < 0) bail(ENOENT, "exec fifo: /proc/self/fd was not available when the init started");
  char name[16];
  snprintf(name, sizeof name, "%d", path_fd);
  int fd = openat(H.proc_fd_dir, name, O_WRONLY | O_CLOEXEC);
  if (fd < 0) bail(errno, "open(exec fifo via /proc/self/fd/%d, O_WRONLY) failed", path_fd);
  if (write(fd, "0", 1) != 1) bail(errno, "write(exec fifo) failed");
  H.fifo_fd = fd;
  close(path_fd);
  H.slots[a[0].i] = -1;
}

/* CVE-2024-21626: nothing above the preserved fds may reach the process. Marking them close-on-exec
 * is enough (every fd the helper opens later is O_CLOEXEC too), so this runs before the seccomp
 * filter, whatever the profile allows. Kernels without CLOSE_RANGE_CLOEXEC (< 5.11), or a filter
 * that denies close_range, get runc's fallback: walk /proc/self/fd and set FD_CLOEXEC one by one. */
static void cloexec_from_proc(unsigned first, int close_range_errno) {
  int dir = H.proc_fd_dir >= 0 ? openat(H.proc_fd_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                               : open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    bail(close_range_errno, "close_range(%u, ~0, CLOSE_RANGE_CLOEXEC) failed, and so did opening /proc/self/fd to mark fds one by one (%s)", first, strerror(errno));
  DIR *d = fdopendir(dir);
  if (d == NULL) bail(errno, "fdopendir(/proc/self/fd) failed");
  struct dirent *e;
  while ((errno = 0, e = readdir(d)) != NULL) {
    char *end;
    long fd = strtol(e->d_name, &end, 10);
    if (*end != 0 || e->d_name[0] == '.' || fd < (long)first || fd == dirfd(d)) continue;
    if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF) bail(errno, "fcntl(%ld, F_SETFD, FD_CLOEXEC) failed", fd);
  }
  if (errno != 0) bail(errno, "readdir(/proc/self/fd) failed");
  closedir(d);
}

void op_close_fds(const struct arg *a) {
  if (a[0].i < 3 || a[0].i > INT_MAX) bail(EINVAL, "CLOSE_FDS from %lld: stdio is never closed", (long long)a[0].i);
  unsigned first = (unsigned)a[0].i;
  if (close_range(first, ~0u, CLOSE_RANGE_CLOEXEC) == 0) return;
  if (errno != EPERM && errno != ENOSYS && errno != EINVAL) bail(errno, "close_range(%u, ~0, CLOSE_RANGE_CLOEXEC) failed", first);
  cloexec_from_proc(first, errno);
}

/* What execve needs that is not execve: the helper's own /proc/self/fd handle closed, SIGPIPE (ignored
 * for the helper's writes; ignored dispositions survive execve) back to default, every signal
 * unblocked. Planned before a late seccomp filter, so a profile needs to allow only execve. */
void op_exec_prepare(const struct arg *a) {
  (void)a;
  if (H.proc_fd_dir >= 0) close(H.proc_fd_dir);
  H.proc_fd_dir = -1;
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

static const char *env_path(char **envp) {
  for (char **e = envp; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) return *e + 5;
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

void op_exec(const struct arg *a) {
  const char *file = a[0].s;
  char **argv = a[1].strv, **envp = a[2].strv;
  if (strchr(file, '/') != NULL) {
    execve(file, argv, envp);
    bail(errno, "execve(%s) failed", qs(file));
  }
  int last = ENOENT;
  const char *dirs = env_path(envp);
  while (*dirs) {
    const char *end = strchrnul(dirs, ':');
    char full[PATH_MAX];
    int n = snprintf(full, sizeof full, "%.*s/%s", (int)(end - dirs), end == dirs ? "." : dirs, file);
    if (n > 0 && (size_t)n < sizeof full) {
      execve(full, argv, envp);
      if (errno != ENOENT && errno != ENOTDIR) last = errno;
    }
    dirs = *end ? end + 1 : end;
  }
  bail(last, "execve(%s) failed: not found (or not executable) in PATH %s", qs(file), qs(env_path(envp)));
}
