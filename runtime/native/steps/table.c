/* opcode -> handler. main() checks at start that every opcode in opcodes.h has one. */
#include <stddef.h>
#include "steps.h"

#define H_(NAME, fn) { OP_##NAME, op_##fn }
static const struct { int code; step_fn fn; } TABLE[] = {
  H_(OPEN_SLOT, open_slot), H_(CONNECT_SLOT, connect_slot), H_(OOM_SCORE_ADJ, oom_score_adj), H_(FOREGROUND, foreground),
  H_(CGROUP_SYNC, cgroup_sync), H_(CGROUP_ENTER, cgroup_enter), H_(RELEASE_CHILD, release_child), H_(AWAIT_CHILD_USERNS, await_child_userns),
  H_(WRITE_CHILD_PROC, write_child_proc), H_(RESUME_CHILD, resume_child), H_(RUN_IDMAP_TOOL, run_idmap_tool),
  H_(AWAIT_RELEASE, await_release), H_(SETNS, setns), H_(UNSHARE, unshare), H_(REQUEST_IDMAPS, request_idmaps),
  H_(SETRESID, setresid), H_(TIMENS_OFFSETS, timens_offsets), H_(FORK_INIT, fork_init),
  H_(ROOTFS_PREPARE, rootfs_prepare), H_(MKDIR_IN_ROOT, mkdir_in_root), H_(MKFILE_IN_ROOT, mkfile_in_root),
  H_(MOUNT_IN_ROOT, mount_in_root), H_(REMOUNT_IN_ROOT, remount_in_root), H_(PROPAGATE_IN_ROOT, propagate_in_root),
  H_(MKNOD_IN_ROOT, mknod_in_root), H_(BIND_DEVICE_IN_ROOT, bind_device_in_root), H_(SYMLINK_IN_ROOT, symlink_in_root),
  H_(HOOKS_SYNC, hooks_sync), H_(RUN_HOOK, run_hook), H_(PIVOT_ROOT, pivot_root), H_(MOVE_ROOT, move_root),
  H_(REMOUNT_ROOT_READONLY, remount_root_readonly), H_(MASK_PATH, mask_path), H_(READONLY_PATH, readonly_path),
  H_(SETHOSTNAME, sethostname), H_(SETDOMAINNAME, setdomainname), H_(SYSCTL, sysctl), H_(SETSID, setsid),
  H_(CONSOLE, console), H_(RLIMIT, rlimit), H_(NO_NEW_PRIVS, no_new_privs), H_(SECCOMP, seccomp),
  H_(CAP_BOUNDING, cap_bounding), H_(KEEP_CAPS, keep_caps), H_(SETGROUPS, setgroups), H_(CAPS, caps),
  H_(AMBIENT, ambient), H_(UMASK, umask), H_(CHDIR, chdir), H_(REPORT_DONE, report_done),
  H_(EXEC_FIFO_WAIT, exec_fifo_wait), H_(CLOSE_FDS, close_fds), H_(EXEC_PREPARE, exec_prepare), H_(EXEC, exec), H_(PERSONALITY, personality),
  H_(IOPRIO, ioprio), H_(SCHED, sched), H_(SET_EXEC_LABEL, set_exec_label),
  H_(TMPCOPYUP_IN_ROOT, tmpcopyup_in_root), H_(FIX_STDIO_OWNER, fix_stdio_owner), H_(CONSOLE_SIZE, console_size),
  H_(LOOPBACK_UP, loopback_up), H_(ROOTFS_OPEN, rootfs_open), H_(CHROOT, chroot),
  H_(CHDIR_EARLY, chdir_early), H_(CHDIR_DEFERRED, chdir_deferred), H_(SET_READONLY_IN_ROOT, set_readonly_in_root), H_(ROOT_PROPAGATION, root_propagation), H_(HIDE_HOST_MOUNTS, hide_host_mounts),
  H_(SEND_MOUNT_SOURCES, send_mount_sources), H_(RECEIVE_MOUNT_SOURCES, receive_mount_sources), H_(MOUNT_SLOT_IN_ROOT, mount_slot_in_root),
  H_(MOUNT_SETATTR_IN_ROOT, mount_setattr_in_root), H_(IDMAPPED_TREE_SLOT, idmapped_tree_slot), H_(MOVE_MOUNT_SLOT_IN_ROOT, move_mount_slot_in_root),
  H_(SCHED_AFFINITY, sched_affinity), H_(SET_MEMPOLICY, set_mempolicy), H_(SEND_PIDFD, send_pidfd), H_(AWAIT_NET_DEVICES, await_net_devices), H_(MOVE_NET_DEVICES, move_net_devices), H_(RETURN_NET_DEVICES, return_net_devices),
};

step_fn step_handler(int code) {
  for (size_t k = 0; k < sizeof TABLE / sizeof TABLE[0]; k++)
    if (TABLE[k].code == code) return TABLE[k].fn;
  return NULL;
}
