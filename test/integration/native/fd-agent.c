/* Test agent: accepts one connection on a unix socket, receives one fd with SCM_RIGHTS (like a
 * --console-socket reader, a seccomp agent or a --pidfd-socket receiver) and prints what it got.
 * console: then copies the pty to stdout; pidfd: prints the Pid of the fd's fdinfo and waits
 * (poll) until that process exits, which only a real pidfd of it does.
 * usage: fd-agent <socket> console|seccomp|pidfd */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  if (bind(l, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(l, 1) < 0) return perror("bind"), 1;
  printf("ready\n");
  fflush(stdout);
  int c = accept(l, NULL, NULL);
  char payload[65536], control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { payload, sizeof payload - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  ssize_t n = recvmsg(c, &msg, 0);
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (n < 0 || cm == NULL || cm->cmsg_type != SCM_RIGHTS) return fprintf(stderr, "no fd received\n"), 1;
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  payload[n] = 0;
  printf("payload=%s\n", payload);
  char link[256] = "", path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t ln = readlink(path, link, sizeof link - 1);
  if (ln > 0) link[ln] = 0;
  printf("fd=%s\n", link);
  fflush(stdout);
  if (strcmp(argv[2], "console") == 0) {
    char buf[4096];
    while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
  }
  if (strcmp(argv[2], "pidfd") == 0) {
    char line[256];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    FILE *info = fopen(path, "r");
    while (info && fgets(line, sizeof line, info))
      if (strncmp(line, "Pid:", 4) == 0) printf("%s", line);
    fflush(stdout);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, 30000) == 1) printf("exited\n");
  }
  close(fd);
  return 0;
}
