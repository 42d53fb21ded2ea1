/*
 * helper -> Bun: text lines, each written with a single write() so lines from stage0, stage1
 * and stage2 sharing the socket never interleave (unix stream writes this small are atomic).
 * Bun -> helper: only the reply to `hooks`.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "helper.h"
#include "sync.h"

#define LINE_MAX_BYTES 4096
#define STATE_MAX_BYTES (1u << 20)

int write_all(int fd, const void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, (const char *)buf + done, len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    done += (size_t)w;
  }
  return 0;
}

int read_all(int fd, void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t r = read(fd, (char *)buf + done, len - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    done += (size_t)r;
  }
  return 0;
}

void sync_send_line(const char *fmt, ...) {
  char line[LINE_MAX_BYTES];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  int fd = H.sync_fd >= 0 ? H.sync_fd : 2;
  (void)write_all(fd, line, (size_t)n);
}

/* Messages carry config strings: escape anything that could break the one-line framing. */
void report_error(const char *origin, int err, const char *msg) {
  char esc[LINE_MAX_BYTES - 64];
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)msg; *p && o + 5 < sizeof esc; p++) {
    if (*p >= 0x20 && *p != 0x7f && *p != '\\') esc[o++] = (char)*p;
    else o += (size_t)snprintf(esc + o, sizeof esc - o, "\\x%02x", *p);
  }
  esc[o] = 0;
  if (H.sync_fd >= 0) {
    sync_send_line("error %s %d %s", origin, err, esc);
    return;
  }
  char line[LINE_MAX_BYTES];
  /* After REPORT_DONE: `start` may still be reading the exec FIFO (startContainer hooks). */
  if (H.fifo_fd >= 0) {
    int n = snprintf(line, sizeof line, "error %s %d %s\n", origin, err, esc);
    if (n > 0 && (size_t)n < sizeof line && write_all(H.fifo_fd, line, (size_t)n) == 0) return;
  }
  int n = snprintf(line, sizeof line, "bocker-init: error %s %d %s: %s\n", origin, err, esc, strerror(err));
  if (n > 0) (void)write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

const char *qs(const char *s) {
  static char bufs[4][1024];
  static int next;
  char *b = bufs[next++ & 3];
  if (s == NULL) return "NULL";
  snprintf(b, sizeof bufs[0], "\"%s\"", s);
  return b;
}

void bail(int err, const char *fmt, ...) {
  char msg[LINE_MAX_BYTES - 64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char origin[16] = "-";
  if (current_step != NULL) snprintf(origin, sizeof origin, "%u", current_step->origin);
  report_error(origin, err, msg);
  _exit(1);
}

int send_fd(int sock, int fd, const void *payload, size_t len) {
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  char dummy = 0;
  struct iovec iov = { .iov_base = len ? (void *)payload : &dummy, .iov_len = len ? len : 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof(int));
  ssize_t r;
  do r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

static char *read_doc(uint32_t len) {
  char *buf = malloc(len + 1);
  if (buf == NULL) bail(ENOMEM, "HOOKS_SYNC: cannot allocate %u bytes for the state", len);
  if (read_all(H.sync_fd, buf, len) < 0) bail(EPIPE, "HOOKS_SYNC: the runtime closed the sync socket inside the %u-byte state", len);
  buf[len] = 0;
  return buf;
}

/* The runtime's one-line reply to `request` (for step's messages), without its newline. */
static void read_reply_line(char *line, size_t size, const char *step, const char *request) {
  size_t n = 0;
  for (;;) {
    char ch;
    ssize_t r = read(H.sync_fd, &ch, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) bail(EPIPE, "%s: the runtime closed the sync socket instead of replying to `%s`", step, request);
    if (ch == '\n') break;
    if (n + 1 >= size) bail(EPROTO, "%s: reply line longer than %zu bytes", step, size);
    line[n++] = ch;
  }
  line[n] = 0;
}

/* CGROUP_SYNC: `cgroup <stage1 pid>`, then `ok\n` (placed) or `abort\n` (exit 1, no message). */
void await_cgroup_reply(int stage1) {
  sync_send_line("cgroup %d", stage1);
  char line[8];
  read_reply_line(line, sizeof line, "CGROUP_SYNC", "cgroup");
  if (strcmp(line, "abort") == 0) _exit(1);
  if (strcmp(line, "ok") != 0) bail(EPROTO, "CGROUP_SYNC: unexpected reply %s", qs(line));
}

/* Reply grammar: `ok <len>[ <len2>]\n<len bytes>[<len2 bytes>]` or `abort\n`. */
void await_hooks_reply(void) {
  if (H.sync_fd < 0) bail(EBADF, "HOOKS_SYNC after REPORT_DONE: the sync socket is closed");
  sync_send_line("hooks");
  char line[64];
  read_reply_line(line, sizeof line, "HOOKS_SYNC", "hooks");
  if (strcmp(line, "abort") == 0) _exit(1);
  /* ok <digits>[ <digits>], nothing else */
  char *end = line + 3;
  unsigned long a = 0, b = 0;
  int ok = strncmp(line, "ok ", 3) == 0 && isdigit((unsigned char)line[3]);
  if (ok) a = strtoul(line + 3, &end, 10);
  int got = 1;
  if (ok && *end == ' ') {
    got = 2;
    ok = isdigit((unsigned char)end[1]);
    if (ok) b = strtoul(end + 1, &end, 10);
  }
  if (!ok || *end != 0 || a > STATE_MAX_BYTES || b > STATE_MAX_BYTES) bail(EPROTO, "HOOKS_SYNC: unexpected reply %s", qs(line));
  free(H.state);
  free(H.listener_state);
  H.state = read_doc((uint32_t)a);
  H.state_len = (uint32_t)a;
  H.listener_state = got == 2 ? read_doc((uint32_t)b) : NULL;
  H.listener_len = got == 2 ? (uint32_t)b : 0;
}
