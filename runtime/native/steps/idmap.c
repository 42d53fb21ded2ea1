/*
 * RUN_IDMAP_TOOL: an unprivileged runtime may only map its own uid/gid into a new user namespace;
 * anything more goes through the setuid newuidmap/newgidmap, which check /etc/subuid and
 * /etc/subgid (runc nsexec.c try_mapping_tool). TS decides when; we only run `tool <pid> args...`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "steps.h"
#include "../sync.h"

void op_run_idmap_tool(const struct arg *a) {
  const char *tool = a[0].s;
  char pid[16];
  snprintf(pid, sizeof pid, "%d", (int)H.stage1);
  char **argv = calloc(a[1].n + 3, sizeof(char *));
  if (!argv) bail(ENOMEM, "RUN_IDMAP_TOOL: out of memory");
  argv[0] = (char *)tool;
  argv[1] = pid;
  for (uint32_t k = 0; k < a[1].n; k++) argv[k + 2] = a[1].strv[k];
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) bail(errno, "pipe2() for %s failed", qs(tool));
  pid_t child = fork();
  if (child < 0) bail(errno, "fork() for %s failed", qs(tool));
  if (child == 0) {
    /* Our fds 0-2 are the container's stdio: the tool must not write into them. */
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0) _exit(127);
    char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
    execve(tool, argv, envp);
    dprintf(2, "execve: %s", strerror(errno));
    _exit(127);
  }
  close(out[1]);
  char text[512];
  size_t used = 0;
  for (;;) {
    char sink[256];
    int full = used == sizeof text - 1; /* keep the first part, drain the rest so the tool never blocks */
    ssize_t n = full ? read(out[0], sink, sizeof sink) : read(out[0], text + used, sizeof text - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!full) used += (size_t)n;
  }
  text[used] = 0;
  close(out[0]);
  while (used > 0 && (text[used - 1] == '\n' || text[used - 1] == ' ')) text[--used] = 0;
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) bail(errno, "waitpid(%s) failed", qs(tool));
  free(argv);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFSIGNALED(status)) bail(0, "%s %s ... was killed by signal %d: %s", qs(tool), pid, WTERMSIG(status), qs(text));
  bail(0, "%s %s ... exited with status %d: %s", qs(tool), pid, WEXITSTATUS(status), qs(text));
}
