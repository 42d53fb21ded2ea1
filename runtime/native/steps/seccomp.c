/*
 * Loads the BPF program compiled by TypeScript (lib/seccomp). With a listener slot the filter is
 * loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER and the listener fd goes to the seccomp agent
 * together with the container process state (runtime-spec config-linux.md "seccomp", listenerPath),
 * which Bun sent as the second document of the HOOKS_SYNC reply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "steps.h"
#include "../sync.h"

void op_seccomp(const struct arg *a) {
  if (a[0].len == 0 || a[0].len % sizeof(struct sock_filter) != 0 || a[0].len / sizeof(struct sock_filter) > BPF_MAXINSNS)
    bail(EINVAL, "seccomp program of %u bytes is not 1..%d instructions of %zu bytes", a[0].len, BPF_MAXINSNS, sizeof(struct sock_filter));
  struct sock_fprog prog = { .len = (unsigned short)(a[0].len / sizeof(struct sock_filter)), .filter = (struct sock_filter *)a[0].s };
  unsigned long flags = (unsigned long)a[1].i;
  int with_listener = a[2].i >= 0;
  int sock = with_listener ? slot_fd(a[2].i) : -1;
  if (with_listener && H.listener_state == NULL)
    bail(EINVAL, "seccomp listener: no listener state was sent with the HOOKS_SYNC reply");
  if (with_listener) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0) bail(errno, "seccomp(SECCOMP_SET_MODE_FILTER, 0x%lx, %u instructions) failed", flags, prog.len);
  if (!with_listener) return;
  /* sendmsg must not itself be a notified syscall, or this blocks forever (runc documents the same). */
  if (send_fd(sock, (int)r, H.listener_state, H.listener_len) < 0) bail(errno, "sendmsg(seccomp listener fd, SCM_RIGHTS) failed");
  close((int)r);
  close(sock);
  H.slots[a[2].i] = -1;
}
