/* CPU affinity and the NUMA memory policy of the process to exec (runtime-spec 1.3
 * process.execCPUAffinity, linux.memoryPolicy). Both are inherited across fork and execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "steps.h"

void op_sched_affinity(const struct arg *a) {
  cpu_set_t *set = CPU_ALLOC(CPU_SETSIZE * 8);
  size_t size = CPU_ALLOC_SIZE(CPU_SETSIZE * 8);
  if (set == NULL) bail(ENOMEM, "CPU_ALLOC failed");
  CPU_ZERO_S(size, set);
  for (uint32_t k = 0; k < a[0].n; k++) {
    if (a[0].intv[k] < 0 || a[0].intv[k] >= CPU_SETSIZE * 8) bail(EINVAL, "sched_setaffinity: cpu %lld out of range", (long long)a[0].intv[k]);
    CPU_SET_S((size_t)a[0].intv[k], size, set);
  }
  if (sched_setaffinity(0, size, set) < 0) bail(errno, "sched_setaffinity(0, %u cpus) failed", (unsigned)a[0].n);
  CPU_FREE(set);
}

#define NODE_BITS 1024
void op_set_mempolicy(const struct arg *a) {
  unsigned long mask[NODE_BITS / (8 * sizeof(unsigned long))];
  memset(mask, 0, sizeof mask);
  const size_t per = 8 * sizeof(unsigned long);
  for (uint32_t k = 0; k < a[2].n; k++) {
    int64_t node = a[2].intv[k];
    if (node < 0 || node >= NODE_BITS) bail(EINVAL, "set_mempolicy: node %lld out of range", (long long)node);
    mask[node / per] |= 1UL << (node % per);
  }
  /* The kernel reads maxnode - 1 bits (mbind(2) BUGS), hence the + 1, as libnuma passes. */
  long r = a[2].n ? syscall(SYS_set_mempolicy, (int)(a[0].i | a[1].i), mask, (unsigned long)NODE_BITS + 1)
                  : syscall(SYS_set_mempolicy, (int)(a[0].i | a[1].i), NULL, 0UL);
  if (r < 0) bail(errno, "set_mempolicy(mode %lld, flags 0x%llx, %u nodes) failed", (long long)a[0].i, (long long)a[1].i, (unsigned)a[2].n);
}
