/*
 * recvtty: the console-socket end for terminal tests (cf. runc contrib/cmd/recvtty). Listens on a
 * unix socket, receives the pty master the runtime sends with SCM_RIGHTS (runtime.md --console-socket,
 * runc docs/terminals.md), then copies everything the container writes to stdout until the pty closes.
 *
 *   recvtty SOCKET_PATH
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: recvtty SOCKET_PATH\n"); return 2; }
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(argv[1]) >= sizeof addr.sun_path) { fprintf(stderr, "recvtty: socket path too long\n"); return 2; }
  strcpy(addr.sun_path, argv[1]);
  if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(ls, 1) < 0) { perror("recvtty: listen"); return 1; }
  int conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) { perror("recvtty: accept"); return 1; }
  char data[256];
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0) { perror("recvtty: recvmsg"); return 1; }
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "recvtty: no fd received\n"); return 1; }
  int master;
  memcpy(&master, CMSG_DATA(cmsg), sizeof master);
  close(conn);
  close(ls);
  unlink(argv[1]);
  char buf[65536];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; /* EIO once the last slave fd closes */
    if (write(1, buf, (size_t)n) < 0) return 1;
  }
  return 0;
}
