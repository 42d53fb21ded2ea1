/*
 * bocker-init: interprets a plan compiled by bocker-runtime (README.md). Three stages, shaped like
 * runc's nsexec.c: stage0 stays in the host namespaces, stage1 joins/unshares namespaces, stage2 is
 * the container init (or the exec'd process). The helper decides nothing; every step does one thing
 * and a failing step reports `error <origin> <errno> <message>` and ends its stage with exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helper.h"
#include "steps/steps.h"
#include "sync.h"

struct helper H = { .sync_fd = -1, .root_fd = -1, .proc_fd_dir = -1, .fifo_fd = -1, .s01 = -1 };
const struct step *current_step;

static void run_section(const struct plan *plan, unsigned section) {
  for (uint32_t k = 0; k < plan->count[section]; k++) {
    current_step = &plan->steps[section][k];
    step_handler(current_step->spec->code)(current_step->args);
  }
  current_step = NULL;
}

static unsigned parse_uint(const char *s, const char *what) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *s == 0 || *end != 0 || v > 65535) {
    fprintf(stderr, "bocker-init: bad %s %s\nusage: bocker-init <sync-fd> <preserve-fds>\n", what, s);
    exit(1);
  }
  return (unsigned)v;
}

/* CVE-2024-21626: nothing Bun had open (its event loop holds many fds) may survive into us. */
static void close_inherited_fds(unsigned sync_fd) {
  unsigned keep_end = 3 + H.preserve; /* first fd not preserved */
  if (sync_fd < keep_end) {
    fprintf(stderr, "bocker-init: sync fd %u lies inside the preserved range 3..%u\n", sync_fd, keep_end - 1);
    exit(1);
  }
  if (sync_fd > keep_end && close_range(keep_end, sync_fd - 1, 0) < 0) goto fail;
  if (close_range(sync_fd + 1, ~0u, 0) < 0) goto fail;
  return;
fail:
  fprintf(stderr, "bocker-init: close_range: %s\n", strerror(errno));
  exit(1);
}

/* stage1 after FORK_INIT: report the init's host pid to Bun and to stage0, then leave. */
static void stage1_after_fork(pid_t init, int ordered) {
  sync_send_line("init %d", (int)init);
  close(ordered); /* releases stage2: its messages come after `init <pid>` */
  char msg[1 + sizeof(int32_t)] = { 'P' };
  int32_t p = init;
  memcpy(msg + 1, &p, sizeof p);
  if (write_all(H.s01, msg, sizeof msg) < 0) bail(errno, "write(stage0 socket, init pid) failed");
  _exit(0);
}

static const struct plan *the_plan;

void op_fork_init(const struct arg *a) {
  (void)a;
  /* The README's message order: stage2 may not write (`hooks`, an error) before stage1 has sent
   * `init <pid>`, or the runtime would see them out of order. stage2 waits for EOF on this pipe. */
  int order[2];
  if (pipe2(order, O_CLOEXEC) < 0) bail(errno, "pipe2(O_CLOEXEC) failed");
  pid_t pid = fork();
  if (pid < 0) bail(errno, "fork() of the container init failed");
  if (pid > 0) {
    close(order[0]);
    stage1_after_fork(pid, order[1]);
  }
  close(order[1]);
  char c;
  while (read(order[0], &c, 1) < 0 && errno == EINTR) {}
  close(order[0]);
  close(H.s01);
  H.s01 = -1;
  /* Opened now, while /proc is the host's (or, after SETNS, the container's): only EXEC_FIFO_WAIT
   * needs it, and an exec into a container without /proc must still work. */
  H.proc_fd_dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  run_section(the_plan, SECTION_INIT);
  _exit(0);
}

static volatile pid_t forward_to;

static void forward_signal(int sig) { kill(forward_to, sig); }

/* Foreground: like `runc run`, pass every signal we get on to the init (a terminal's SIGINT,
 * Bun's SIGTERM), reap orphans (we are a subreaper) until the init exits, mirror its status. */
static void wait_for_init(pid_t init) {
  forward_to = init;
  struct sigaction sa = { .sa_handler = forward_signal };
  sigemptyset(&sa.sa_mask);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && (sig < 32 || sig >= SIGRTMIN)) sigaction(sig, &sa, NULL);
  for (;;) {
    int status;
    pid_t p = waitpid(-1, &status, 0);
    if (p < 0 && errno == EINTR) continue;
    if (p < 0) bail(errno, "waitpid(-1) while waiting for init %d failed", (int)init);
    if (p != init) continue;
    if (WIFEXITED(status)) exit(WEXITSTATUS(status));
    exit(128 + WTERMSIG(status));
  }
}

static void stage0(const struct plan *plan) {
  run_section(plan, SECTION_HOST);
  if (H.foreground && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_CHILD_SUBREAPER, 1) failed");
  int sv[2];
  pid_t self = getpid();
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) bail(errno, "socketpair(AF_UNIX, SOCK_STREAM) failed");
  pid_t child = fork();
  if (child < 0) bail(errno, "fork() of stage1 failed");
  if (child == 0) {
    close(sv[0]);
    H.s01 = sv[1];
    /* stage1 must not outlive a stage0 that died before releasing it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_PDEATHSIG, SIGKILL) failed");
    if (getppid() != self) _exit(1); /* stage0 died before the prctl */
    run_section(plan, SECTION_CHILD);
    _exit(0);
  }
  close(sv[1]);
  H.s01 = sv[0];
  H.stage1 = child;
  run_section(plan, SECTION_PARENT);

  /* stage1 either sends 'P' + pid after FORK_INIT, or exits (having reported its own error). */
  char msg[1 + sizeof(int32_t)];
  int have_init = read_all(H.s01, msg, sizeof msg) == 0;
  if (have_init && msg[0] != 'P') {
    kill(child, SIGKILL);
    bail(EPROTO, "stage1 sent '%c' where stage0 expected the init pid", msg[0]);
  }
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) bail(errno, "waitpid(stage1 %d) failed", (int)child);
  if (WIFSIGNALED(status)) bail(0, "stage1 was killed by signal %d", WTERMSIG(status));
  if (WEXITSTATUS(status) != 0) _exit(1);
  /* Nothing more to say: closing lets Bun see EOF once stage2 reaches REPORT_DONE. */
  close(H.sync_fd);
  H.sync_fd = -1;
  if (!H.foreground) exit(0);
  if (!have_init) exit(0);
  int32_t init;
  memcpy(&init, msg + 1, sizeof init);
  wait_for_init(init);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bocker-init <sync-fd> <preserve-fds>\n");
    return 1;
  }
  unsigned sync_fd = parse_uint(argv[1], "sync fd");
  H.preserve = parse_uint(argv[2], "preserve-fds count");
  close_inherited_fds(sync_fd);
  H.sync_fd = (int)sync_fd;
  for (int k = 0; k < SLOT_COUNT; k++) H.slots[k] = -1;
  ensure_sealed_self(argv);
  /* While we hold host fds nobody in the container may ptrace us or open our /proc files. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_DUMPABLE, 0) failed");
  if (fcntl(H.sync_fd, F_SETFD, FD_CLOEXEC) < 0) bail(errno, "fcntl(sync fd %d, F_SETFD, FD_CLOEXEC) failed", H.sync_fd);
  signal(SIGPIPE, SIG_IGN);
  for (size_t k = 0; k < OPCODE_SPEC_COUNT; k++)
    if (step_handler(OPCODE_SPECS[k].code) == NULL) bail(ENOSYS, "this helper has no handler for %s", OPCODE_SPECS[k].name);

  static struct plan plan;
  char err[512];
  if (plan_read(H.sync_fd, &plan, err, sizeof err) < 0) {
    /* Drain what Bun already sent: closing a unix socket with unread data resets the
     * connection, and Bun would see ECONNRESET instead of our error line. */
    char sink[4096];
    while (recv(H.sync_fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {}
    bail(EINVAL, "invalid plan: %s", err);
  }
  the_plan = &plan;
  stage0(&plan);
  return 0;
}
