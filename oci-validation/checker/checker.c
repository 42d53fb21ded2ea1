/*
 * checker: the container process of the oci-validation suite (cf. youki tests/contest runtimetest,
 * crun tests/init.c). It reports, as one JSON object on stdout, what a process sees from inside the
 * container, so that the runner can compare it with config.json. It makes no judgement itself.
 *
 *   checker report [--sysctl NAME]... [--path PATH]...   print the JSON report
 *   checker sleep [SECONDS]                              sleep (forever without SECONDS); SIGTERM ends it
 *   checker exit N                                       exit with status N
 *   checker write PATH TEXT                              write TEXT to PATH; print {"errno":E}
 *   checker mkdir PATH                                   mkdir PATH; print {"errno":E} (seccomp tests)
 *
 * Built static (`cc -static -O2`) so it runs in any rootfs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

static int first_field = 1;

static void json_str(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p == '\n') fputs("\\n", stdout);
    else if (*p == '\t') fputs("\\t", stdout);
    else if (*p < 0x20 || *p >= 0x7f) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void key(const char *k) {
  if (!first_field) putchar(',');
  first_field = 0;
  json_str(k);
  putchar(':');
}

/* Reads a whole small file into buf (NUL-terminated); returns bytes read or -errno. */
static long read_file(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buf + total, size - 1 - total);
    if (n < 0) { int e = errno; close(fd); return -e; }
    if (n == 0 || total + n >= size - 1) { total += n > 0 ? n : 0; break; }
    total += n;
  }
  close(fd);
  buf[total] = 0;
  return (long)total;
}

static void report_ids(void) {
  key("pid"); printf("%d", getpid());
  key("ppid"); printf("%d", getppid());
  key("uid"); printf("%u", getuid());
  key("gid"); printf("%u", getgid());
  key("euid"); printf("%u", geteuid());
  key("egid"); printf("%u", getegid());
  gid_t groups[256];
  int n = getgroups(256, groups);
  key("groups"); putchar('[');
  for (int i = 0; i < n; i++) printf("%s%u", i ? "," : "", groups[i]);
  putchar(']');
  char cwd[PATH_MAX];
  key("cwd"); if (getcwd(cwd, sizeof cwd)) json_str(cwd); else printf("null");
  key("isatty"); printf("[%s,%s,%s]", isatty(0) ? "true" : "false", isatty(1) ? "true" : "false", isatty(2) ? "true" : "false");
  key("personality"); printf("%d", personality(0xffffffff));
  /* ioprio_get(IOPRIO_WHO_PROCESS, 0): class << 13 | level */
  long ioprio = syscall(SYS_ioprio_get, 1, 0);
  key("ioprio"); printf("{\"class\":%ld,\"level\":%ld}", ioprio < 0 ? -1 : ioprio >> 13, ioprio < 0 ? -1 : ioprio & 0x1fff);
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, 0);
  key("scheduler"); printf("{\"policy\":%d,\"nice\":%d}", sched_getscheduler(0), errno ? 0 : nice);
}

static void report_args_env(int argc, char **argv) {
  key("args"); putchar('[');
  for (int i = 0; i < argc; i++) { if (i) putchar(','); json_str(argv[i]); }
  putchar(']');
  key("env"); putchar('[');
  for (char **e = environ; *e; e++) { if (e != environ) putchar(','); json_str(*e); }
  putchar(']');
}

static void report_uts(void) {
  struct utsname u;
  uname(&u);
  key("hostname"); json_str(u.nodename);
  key("domainname"); json_str(u.domainname);
}

static void report_namespaces(void) {
  const char *names[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};
  key("namespaces"); putchar('{');
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char path[64], target[128];
    snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (i) putchar(',');
    json_str(names[i]); putchar(':');
    if (n < 0) { printf("null"); continue; }
    target[n] = 0;
    /* "net:[4026531840]" -> the inode number, what a host-side stat of an nsfs file shows. */
    char *open_br = strchr(target, '[');
    printf("%lu", open_br ? strtoul(open_br + 1, NULL, 10) : 0UL);
  }
  putchar('}');
}

/* mountinfo: "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
static void report_mounts(void) {
  static char buf[1 << 20];
  key("mounts"); putchar('[');
  if (read_file("/proc/self/mountinfo", buf, sizeof buf) < 0) { putchar(']'); return; }
  int first = 1;
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    char *fields[32];
    int nf = 0;
    for (char *save = NULL, *f = strtok_r(line, " ", &save); f && nf < 32; f = strtok_r(NULL, " ", &save)) fields[nf++] = f;
    int dash = -1;
    for (int i = 6; i < nf; i++) if (strcmp(fields[i], "-") == 0) { dash = i; break; }
    if (dash < 0 || dash + 3 > nf) continue;
    if (!first) putchar(',');
    first = 0;
    printf("{\"id\":%s,\"parent\":%s,\"dev\":", fields[0], fields[1]);
    json_str(fields[2]);
    printf(",\"root\":"); json_str(fields[3]);
    printf(",\"target\":"); json_str(fields[4]);
    printf(",\"options\":"); json_str(fields[5]);
    printf(",\"optional\":[");
    for (int i = 6; i < dash; i++) { if (i > 6) putchar(','); json_str(fields[i]); }
    printf("],\"fstype\":"); json_str(fields[dash + 1]);
    printf(",\"source\":"); json_str(fields[dash + 2]);
    printf(",\"superOptions\":"); json_str(dash + 3 < nf ? fields[dash + 3] : "");
    putchar('}');
  }
  putchar(']');
}

/* The status lines the suite compares: capability sets, no_new_privs, seccomp mode, umask. */
static void report_status(void) {
  static char buf[16384];
  const char *wanted[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Umask"};
  key("status"); putchar('{');
  if (read_file("/proc/self/status", buf, sizeof buf) >= 0) {
    int first = 1;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
      char *colon = strchr(line, ':');
      if (!colon) continue;
      *colon = 0;
      for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++) {
        if (strcmp(line, wanted[i]) != 0) continue;
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t') value++;
        if (!first) putchar(',');
        first = 0;
        json_str(line); putchar(':'); json_str(value);
      }
    }
  }
  putchar('}');
}

static void report_rlimits(void) {
  struct { const char *name; int res; } limits[] = {
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
  };
  key("rlimits"); putchar('{');
  for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
    struct rlimit rl;
    getrlimit(limits[i].res, &rl);
    if (i) putchar(',');
    /* RLIM_INFINITY is printed as -1 so JSON numbers stay exact. */
    printf("\"%s\":{\"soft\":%lld,\"hard\":%lld}", limits[i].name,
           rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur,
           rl.rlim_max == RLIM_INFINITY ? -1LL : (long long)rl.rlim_max);
  }
  putchar('}');
}

static void report_fds(void) {
  key("fds"); putchar('{');
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    int self = dirfd(d), first = 1;
    for (struct dirent *e; (e = readdir(d));) {
      if (e->d_name[0] == '.' || atoi(e->d_name) == self) continue;
      char path[300], target[PATH_MAX];
      snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
      ssize_t n = readlink(path, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = 0;
      if (!first) putchar(',');
      first = 0;
      json_str(e->d_name); putchar(':'); json_str(target);
    }
    closedir(d);
  }
  putchar('}');
}

static void report_one_dev(const char *path, int *first) {
  struct stat st;
  if (lstat(path, &st) < 0) return;
  if (!*first) putchar(',');
  *first = 0;
  json_str(path);
  const char *type = S_ISCHR(st.st_mode) ? "c" : S_ISBLK(st.st_mode) ? "b" : S_ISDIR(st.st_mode) ? "d"
                   : S_ISLNK(st.st_mode) ? "l" : S_ISFIFO(st.st_mode) ? "p" : S_ISSOCK(st.st_mode) ? "s" : "f";
  printf(":{\"type\":\"%s\",\"major\":%u,\"minor\":%u,\"mode\":%u,\"uid\":%u,\"gid\":%u", type,
         major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777, st.st_uid, st.st_gid);
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = 0;
    printf(",\"link\":"); json_str(target);
  }
  putchar('}');
}

static void report_devices(void) {
  key("devices"); putchar('{');
  int first = 1;
  const char *dirs[] = {"/dev", "/dev/pts"};
  for (size_t i = 0; i < 2; i++) {
    DIR *d = opendir(dirs[i]);
    if (!d) continue;
    for (struct dirent *e; (e = readdir(d));) {
      if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
      char path[PATH_MAX];
      snprintf(path, sizeof path, "%s/%s", dirs[i], e->d_name);
      report_one_dev(path, &first);
    }
    closedir(d);
  }
  putchar('}');
}

static void report_sysctl(const char *name, int *first) {
  char path[PATH_MAX], value[4096];
  snprintf(path, sizeof path, "/proc/sys/%s", name);
  for (char *p = path + strlen("/proc/sys/"); *p; p++) if (*p == '.') *p = '/';
  long n = read_file(path, value, sizeof value);
  if (!*first) putchar(',');
  *first = 0;
  json_str(name); putchar(':');
  if (n < 0) { printf("null"); return; }
  while (n > 0 && (value[n - 1] == '\n' || value[n - 1] == ' ')) value[--n] = 0;
  json_str(value);
}

/* What a masked or read-only path looks like: readable bytes, directory entries, ST_RDONLY, write errno. */
static void report_path(const char *path, int *first) {
  if (!*first) putchar(',');
  *first = 0;
  json_str(path); putchar(':');
  struct stat st;
  if (stat(path, &st) < 0) { printf("{\"exists\":false,\"errno\":%d}", errno); return; }
  struct statvfs vfs;
  int rdonly = statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
  printf("{\"exists\":true,\"dir\":%s,\"readonly\":%s", S_ISDIR(st.st_mode) ? "true" : "false", rdonly ? "true" : "false");
  if (S_ISDIR(st.st_mode)) {
    int entries = 0;
    DIR *d = opendir(path);
    if (d) {
      for (struct dirent *e; (e = readdir(d));) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) entries++;
      closedir(d);
    }
    printf(",\"entries\":%d", entries);
  } else {
    static char buf[65536];
    long n = read_file(path, buf, sizeof buf);
    printf(",\"bytes\":%ld", n);
  }
  putchar('}');
}

static void report_proc_files(void) {
  char buf[8192];
  key("oomScoreAdj");
  if (read_file("/proc/self/oom_score_adj", buf, sizeof buf) >= 0) printf("%d", atoi(buf)); else printf("null");
  const char *files[][2] = {{"cgroup", "/proc/self/cgroup"}, {"uidMap", "/proc/self/uid_map"}, {"gidMap", "/proc/self/gid_map"}, {"timensOffsets", "/proc/self/timens_offsets"}};
  for (size_t i = 0; i < 4; i++) {
    key(files[i][0]);
    if (read_file(files[i][1], buf, sizeof buf) >= 0) json_str(buf); else printf("null");
  }
}

static int cmd_report(int argc, char **argv) {
  putchar('{');
  report_ids();
  report_args_env(argc, argv);
  report_uts();
  report_namespaces();
  report_status();
  report_rlimits();
  report_proc_files();
  report_fds();
  report_devices();
  report_mounts();
  int first_sysctl = 1, first_path = 1;
  key("sysctl"); putchar('{');
  for (int i = 2; i + 1 < argc; i++) if (strcmp(argv[i], "--sysctl") == 0) report_sysctl(argv[++i], &first_sysctl);
  putchar('}');
  key("paths"); putchar('{');
  for (int i = 2; i + 1 < argc; i++) if (strcmp(argv[i], "--path") == 0) report_path(argv[++i], &first_path);
  putchar('}');
  puts("}");
  return 0;
}

static void on_term(int sig) { (void)sig; _exit(0); }

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "report";
  if (strcmp(cmd, "report") == 0) return cmd_report(argc, argv);
  if (strcmp(cmd, "sleep") == 0) {
    /* PID 1 ignores signals without a handler; install one so SIGTERM from `kill` ends us. */
    signal(SIGTERM, on_term);
    if (argc > 2) sleep((unsigned)atoi(argv[2]));
    else for (;;) pause();
    return 0;
  }
  if (strcmp(cmd, "exit") == 0 && argc > 2) return atoi(argv[2]);
  if (strcmp(cmd, "write") == 0 && argc > 3) {
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = fd < 0 ? errno : (write(fd, argv[3], strlen(argv[3])) < 0 ? errno : 0);
    if (fd >= 0) close(fd);
    printf("{\"errno\":%d}\n", err);
    return 0;
  }
  if (strcmp(cmd, "mkdir") == 0 && argc > 2) {
    printf("{\"errno\":%d}\n", mkdir(argv[2], 0755) < 0 ? errno : 0);
    return 0;
  }
  fprintf(stderr, "checker: unknown command %s\n", cmd);
  return 2;
}
