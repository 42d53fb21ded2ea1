/*
 * terminal=true: a pty from the container's own /dev/ptmx (devpts is mounted by then), made our
 * controlling terminal and stdio; the master goes to --console-socket with SCM_RIGHTS and the pty
 * name as the payload (runc utils.SendFile). The slave is opened with TIOCGPTPEER, not by path,
 * so no /dev/pts entry the container controls is involved (CVE-2025-52565 class).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include "steps.h"
#include "../sync.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* config-linux.md "/dev/console": bind the pty slave onto it (runc mountConsole). The target is
 * reached without symlinks and must be a file or a char device (CVE-2025-52565: a container
 * that swaps /dev/console for a symlink must not redirect the bind); a missing one is created. */
static void bind_dev_console(int slave) {
  int t = open_in_root("/dev/console", O_PATH, RESOLVE_NO_SYMLINKS);
  if (t < 0 && errno == ENOENT) {
    const char *name;
    int dev = open_root_parent("/dev/console", &name);
    int f = openat(dev, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0666);
    if (f < 0 && errno != EEXIST) bail(errno, "openat(\"/dev/console\", O_CREAT|O_EXCL|O_NOFOLLOW, 0666) in root failed");
    if (f >= 0) close(f);
    close(dev);
    t = open_in_root("/dev/console", O_PATH, RESOLVE_NO_SYMLINKS);
  }
  if (t < 0) bail(errno, "open(\"/dev/console\") in root without symlinks failed");
  struct stat st;
  if (fstat(t, &st) < 0) bail(errno, "fstat(\"/dev/console\") failed");
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) bail(EPERM, "refusing to bind the console: /dev/console in the container is neither a file nor a char device");
  int tree = open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0) bail(errno, "open_tree(pty slave, OPEN_TREE_CLONE) failed");
  if (move_mount(tree, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) bail(errno, "move_mount(pty slave, \"/dev/console\") failed");
  close(tree);
  close(t);
}

void op_console(const struct arg *a) {
  int sock = slot_fd(a[0].i);
  /* exec (setns) has no ROOTFS_PREPARE: its root is the container's "/". */
  if (H.root_fd < 0 && (H.root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) bail(errno, "open(\"/\") failed");
  int m = open_in_root("/dev/ptmx", O_RDWR | O_NOCTTY, 0);
  if (m < 0) bail(errno, "open(\"/dev/ptmx\", O_RDWR|O_NOCTTY) in root failed");
  struct stat st;
  if (fstat(m, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
    bail(EPERM, "/dev/ptmx in the container is not the pty multiplexer (char 5:2)");
  int n, unlock = 0;
  if (ioctl(m, TIOCGPTN, &n) < 0) bail(errno, "ioctl(ptmx, TIOCGPTN) failed");
  if (ioctl(m, TIOCSPTLCK, &unlock) < 0) bail(errno, "ioctl(ptmx, TIOCSPTLCK, 0) failed");
  int slave = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) bail(errno, "ioctl(ptmx, TIOCGPTPEER) failed");
  /* Like runc (console.ClearONLCR): output bytes reach the socket's reader unmodified. */
  struct termios tio;
  if (tcgetattr(slave, &tio) == 0) {
    tio.c_oflag &= ~(tcflag_t)ONLCR;
    tcsetattr(slave, TCSANOW, &tio);
  }
  if (ioctl(slave, TIOCSCTTY, 0) < 0) bail(errno, "ioctl(/dev/pts/%d, TIOCSCTTY) failed (SETSID must come first)", n);
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) bail(errno, "dup2(/dev/pts/%d, %d) failed", n, fd);
  if (a[1].i) bind_dev_console(slave);
  close(slave);
  char name[32];
  int len = snprintf(name, sizeof name, "/dev/pts/%d", n);
  if (send_fd(sock, m, name, (size_t)len) < 0) bail(errno, "sendmsg(console socket, pty master, SCM_RIGHTS) failed");
  close(m);
  close(sock);
  H.slots[a[0].i] = -1;
}

/* process.consoleSize: the size the terminal starts with (runc resizes the master likewise). */
void op_console_size(const struct arg *a) {
  struct winsize ws = { .ws_row = (unsigned short)a[0].i, .ws_col = (unsigned short)a[1].i };
  if (ioctl(STDIN_FILENO, TIOCSWINSZ, &ws) < 0) bail(errno, "ioctl(stdin pty, TIOCSWINSZ, %lldx%lld) failed", (long long)a[0].i, (long long)a[1].i);
}

/* --pidfd-socket (runc 1.2 setupPidfd): the process sends a pidfd of itself, so the receiver holds
 * a handle that can never name a recycled pid; the payload says "standard" (create) or "setns" (exec). */
void op_send_pidfd(const struct arg *a) {
  int sock = slot_fd(a[0].i);
  int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (pidfd < 0) bail(errno, "pidfd_open(self) failed");
  if (send_fd(sock, pidfd, a[1].s, a[1].len) < 0) bail(errno, "sendmsg(pidfd socket, pidfd, SCM_RIGHTS) failed");
  close(pidfd);
  close(sock);
  H.slots[a[0].i] = -1;
}
