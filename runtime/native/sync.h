/* Messages on the sync socket (README.md "Messages") and fd passing. */
#ifndef BOCKER_SYNC_H
#define BOCKER_SYNC_H
#include <stddef.h>
#include <stdint.h>

void sync_send_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_error(const char *origin, int err, const char *msg);
/* Sends `error <origin> <errno> <message>` (one write) and exits 1. */
__attribute__((noreturn, format(printf, 2, 3))) void bail(int err, const char *fmt, ...);
const char *qs(const char *s);       /* quotes s for a message; rotates over a few static buffers */
int send_fd(int sock, int fd, const void *payload, size_t len);
void await_cgroup_reply(int stage1); /* CGROUP_SYNC: send `cgroup <pid>`, read `ok` or `abort` */
void await_hooks_reply(void);   /* HOOKS_SYNC: send `hooks`, read `ok ...` or `abort` */
int write_all(int fd, const void *buf, size_t len);
int read_all(int fd, void *buf, size_t len);

#endif
