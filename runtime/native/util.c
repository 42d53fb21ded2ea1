/* Small helpers for messages: flag names, slot lookup (quoting and bail are sync.c's). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include "helper.h"

const struct flag_name MOUNT_FLAGS[] = {
  { MS_RDONLY, "MS_RDONLY" }, { MS_NOSUID, "MS_NOSUID" }, { MS_NODEV, "MS_NODEV" }, { MS_NOEXEC, "MS_NOEXEC" },
  { MS_SYNCHRONOUS, "MS_SYNCHRONOUS" }, { MS_REMOUNT, "MS_REMOUNT" }, { MS_MANDLOCK, "MS_MANDLOCK" },
  { MS_DIRSYNC, "MS_DIRSYNC" }, { MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW" }, { MS_NOATIME, "MS_NOATIME" },
  { MS_NODIRATIME, "MS_NODIRATIME" }, { MS_BIND, "MS_BIND" }, { MS_MOVE, "MS_MOVE" }, { MS_REC, "MS_REC" },
  { MS_SILENT, "MS_SILENT" }, { MS_UNBINDABLE, "MS_UNBINDABLE" }, { MS_PRIVATE, "MS_PRIVATE" },
  { MS_SLAVE, "MS_SLAVE" }, { MS_SHARED, "MS_SHARED" }, { MS_RELATIME, "MS_RELATIME" },
  { MS_STRICTATIME, "MS_STRICTATIME" }, { MS_LAZYTIME, "MS_LAZYTIME" }, { 0, NULL },
};

const struct flag_name CLONE_FLAGS[] = {
  { CLONE_NEWNS, "CLONE_NEWNS" }, { CLONE_NEWUTS, "CLONE_NEWUTS" }, { CLONE_NEWIPC, "CLONE_NEWIPC" },
  { CLONE_NEWUSER, "CLONE_NEWUSER" }, { CLONE_NEWPID, "CLONE_NEWPID" }, { CLONE_NEWNET, "CLONE_NEWNET" },
  { CLONE_NEWCGROUP, "CLONE_NEWCGROUP" }, { CLONE_NEWTIME, "CLONE_NEWTIME" }, { 0, NULL },
};

const char *flags_str(unsigned long flags, const struct flag_name *names, char *buf, size_t len) {
  size_t o = 0;
  buf[0] = 0;
  for (const struct flag_name *f = names; f->name != NULL && o < len; f++) {
    if (!(flags & f->bit)) continue;
    o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "|" : "", f->name);
    flags &= ~f->bit;
  }
  if (flags != 0 && o < len) snprintf(buf + o, len - o, "%s0x%lx", o ? "|" : "", flags);
  else if (o == 0) snprintf(buf, len, "0");
  return buf;
}

int slot_fd(int64_t slot) {
  if (slot < 0 || slot >= SLOT_COUNT) bail(EBADF, "slot %lld is outside 0..%d", (long long)slot, SLOT_COUNT - 1);
  if (H.slots[slot] < 0) bail(EBADF, "slot %lld holds no fd (no HOST step opened it)", (long long)slot);
  return H.slots[slot];
}
