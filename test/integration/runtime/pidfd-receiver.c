/* Test receiver for --pidfd-socket: accepts one connection, receives one fd (SCM_RIGHTS), prints
 * the payload, what the fd is and the Pid of its fdinfo, then waits (poll) until that process
 * exits and says so: only a real pidfd of the process behaves like that.
 * usage: pidfd-receiver <socket> */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  if (bind(l, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(l, 1) < 0) return perror("bind"), 1;
  printf("ready\n");
  fflush(stdout);
  int c = accept(l, NULL, NULL);
  char payload[256], control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { payload, sizeof payload - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  ssize_t n = recvmsg(c, &msg, 0);
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (n < 0 || cm == NULL || cm->cmsg_type != SCM_RIGHTS) return fprintf(stderr, "no fd received\n"), 1;
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  payload[n] = 0;
  char link[256] = "", path[64], line[256];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t ln = readlink(path, link, sizeof link - 1);
  if (ln > 0) link[ln] = 0;
  printf("payload=%s\nfd=%s\n", payload, link);
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *info = fopen(path, "r");
  while (info && fgets(line, sizeof line, info))
    if (strncmp(line, "Pid:", 4) == 0) printf("%s", line);
  fflush(stdout);
  struct pollfd p = { .fd = fd, .events = POLLIN };
  if (poll(&p, 1, 30000) == 1) printf("exited\n");
  return 0;
}
