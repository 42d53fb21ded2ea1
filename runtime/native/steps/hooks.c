/* Hooks that run inside the container's namespaces (createContainer, startContainer; runtime-spec config.md "POSIX-platform Hooks"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "steps.h"
#include "../sync.h"

void op_hooks_sync(const struct arg *a) {
  (void)a;
  await_hooks_reply();
}

/* Child: state on stdin, stdout and stderr to ours; an execve failure is reported through err_pipe. */
static void __attribute__((noreturn)) hook_child(const struct arg *a, int in, int err_pipe) {
  if (dup2(in, 0) < 0 || dup2(2, 1) < 0) _exit(127);
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execve(a[0].s, a[1].strv, a[2].strv);
  int e = errno;
  if (write(err_pipe, &e, sizeof e) < 0) _exit(126);
  _exit(127);
}

void op_run_hook(const struct arg *a) {
  const char *path = a[0].s;
  if (H.state == NULL) bail(EINVAL, "hook %s: no state JSON yet (HOOKS_SYNC must come first)", qs(path));
  int in[2], ep[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) bail(errno, "pipe2() for hook %s failed", qs(path));
  if (H.state_len > 65536) (void)fcntl(in[1], F_SETPIPE_SZ, (int)H.state_len);
  pid_t pid = fork();
  if (pid < 0) bail(errno, "fork() for hook %s failed", qs(path));
  if (pid == 0) hook_child(a, in[0], ep[1]);
  close(in[0]);
  close(ep[1]);
  (void)write_all(in[1], H.state, H.state_len); /* a hook that ignores stdin is fine */
  close(in[1]);
  int exec_errno;
  if (read(ep[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    waitpid(pid, NULL, 0);
    bail(exec_errno, "execve(%s) of hook failed", qs(path));
  }
  close(ep[0]);
  int pidfd = pidfd_open(pid, 0);
  if (pidfd < 0) bail(errno, "pidfd_open(hook %s pid %d) failed", qs(path), (int)pid);
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int timeout_ms = a[3].i > 0 ? (int)(a[3].i * 1000) : -1;
  int r;
  while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {}
  if (r == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    bail(ETIMEDOUT, "hook %s did not finish within its timeout of %lld s and was killed", qs(path), (long long)a[3].i);
  }
  close(pidfd);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) bail(errno, "waitpid(hook %s) failed", qs(path));
  if (WIFSIGNALED(status)) bail(0, "hook %s was killed by signal %d", qs(path), WTERMSIG(status));
  if (WEXITSTATUS(status) != 0) bail(0, "hook %s exited with status %d", qs(path), WEXITSTATUS(status));
}
