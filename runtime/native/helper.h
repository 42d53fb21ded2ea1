/* State shared by the stages and the step handlers of bocker-init. Single-threaded by design. */
#ifndef BOCKER_HELPER_H
#define BOCKER_HELPER_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "plan.h"
#include "sync.h" /* bail, qs: every stage and step reports through the sync socket */

#define SLOT_COUNT 64

struct helper {
  int sync_fd;          /* -1 once REPORT_DONE closed it; errors then go to stderr */
  unsigned preserve;    /* fds 3 .. 3+preserve-1 belong to the container */
  int slots[SLOT_COUNT];
  int root_fd;          /* O_PATH fd of the container root (ROOTFS_PREPARE) */
  int proc_fd_dir;      /* stage2: O_PATH fd of its own /proc/self/fd, to reopen O_PATH fds */
  int fifo_fd;          /* exec FIFO opened for writing by EXEC_FIFO_WAIT, open (CLOEXEC) until execve */
  int s01;              /* stage0 <-> stage1 socketpair end */
  pid_t stage1;         /* stage0: stage1's pid */
  int foreground;
  char *state;          /* state JSON from the last HOOKS_SYNC reply */
  uint32_t state_len;
  char *listener_state; /* optional second document of the reply: the seccomp listener payload */
  uint32_t listener_len;
};

extern struct helper H;
extern const struct step *current_step; /* its origin goes into error lines */

typedef void (*step_fn)(const struct arg *a);
step_fn step_handler(int code);

/* Flag rendering for error messages ("MS_NOSUID|MS_NODEV|0x4"). */
struct flag_name { unsigned long bit; const char *name; };
const char *flags_str(unsigned long flags, const struct flag_name *names, char *buf, size_t len);
extern const struct flag_name MOUNT_FLAGS[], CLONE_FLAGS[];

int slot_fd(int64_t slot);           /* bails unless the slot holds an fd */

/* Path helpers inside the container root (steps/inroot.c). */
int open_in_root(const char *path, int flags, uint64_t resolve);  /* -1 + errno */
int open_root_parent(const char *path, const char **name);        /* mkdir -p parent (0755), bails on error */
int mkdir_all_in_root(const char *path, mode_t mode);             /* returns an O_PATH fd, bails on error */
const char *fd_path(int fd);                                      /* "/proc/self/fd/N" (static buffer) */

#endif
