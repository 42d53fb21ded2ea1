/* Capability sets as 64-bit masks; the order around the user switch is the compiler's (runc finalizeNamespace). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "steps.h"

static int cap_last(void) {
  int c = 0;
  while (prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0) c++;
  return c;
}

void op_cap_bounding(const struct arg *a) {
  uint64_t keep = (uint64_t)a[0].i;
  for (int c = 0, last = cap_last(); c <= last; c++)
    if (!(keep & (1ull << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) bail(errno, "prctl(PR_CAPBSET_DROP, %d) failed", c);
}

void op_keep_caps(const struct arg *a) {
  if (prctl(PR_SET_KEEPCAPS, a[0].i ? 1 : 0, 0, 0, 0) < 0) bail(errno, "prctl(PR_SET_KEEPCAPS, %d) failed", a[0].i ? 1 : 0);
}

void op_caps(const struct arg *a) {
  uint64_t e = (uint64_t)a[0].i, p = (uint64_t)a[1].i, i = (uint64_t)a[2].i;
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2] = {
    { .effective = (uint32_t)e, .permitted = (uint32_t)p, .inheritable = (uint32_t)i },
    { .effective = (uint32_t)(e >> 32), .permitted = (uint32_t)(p >> 32), .inheritable = (uint32_t)(i >> 32) },
  };
  if (syscall(SYS_capset, &hdr, data) < 0)
    bail(errno, "capset(effective=0x%llx, permitted=0x%llx, inheritable=0x%llx) failed", (unsigned long long)e, (unsigned long long)p, (unsigned long long)i);
}

void op_ambient(const struct arg *a) {
  uint64_t mask = (uint64_t)a[0].i;
  for (int c = 0; c < 64; c++)
    if ((mask & (1ull << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      bail(errno, "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, %d) failed", c);
}
