/*
 * Test helper for --console-socket: listens on a unix socket, receives the pty master over
 * SCM_RIGHTS (as runc's recvtty does), writes argv[2] to it and copies everything the container
 * prints to stdout until the pty hangs up.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  if (bind(l, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(l, 1) < 0) { perror("bind"); return 1; }
  printf("ready\n");
  fflush(stdout);
  int c = accept(l, NULL, NULL);
  char byte, control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  if (recvmsg(c, &msg, 0) < 0) { perror("recvmsg"); return 1; }
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no fd received\n"); return 1; }
  int master;
  memcpy(&master, CMSG_DATA(cm), sizeof master);
  if (write(master, argv[2], strlen(argv[2])) < 0) { perror("write"); return 1; }
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; /* EIO once the last slave fd is closed */
    fwrite(buf, 1, (size_t)n, stdout);
    fflush(stdout);
  }
  return 0;
}
