/* One handler per opcode; each does exactly one thing or bails. */
#ifndef BOCKER_STEPS_H
#define BOCKER_STEPS_H
#include "../helper.h"

void ensure_sealed_self(char **argv);
/* mount(MS_REMOUNT|flags), retried with the flags the kernel locked (user namespaces) on EPERM. */
int remount_keep_locked(const char *path, unsigned long flags);
int is_root_fd(int fd);
void set_slot(int64_t slot, int fd); /* bails if out of range or taken */
/* RTM_NEWLINK: move the device `name` of our network namespace into netns_fd as `new_name` (netdev.c); bails. */
void move_net_device(const char *name, int netns_fd, const char *new_name);

#define STEP(name) void op_##name(const struct arg *a)
STEP(open_slot); STEP(connect_slot); STEP(oom_score_adj); STEP(foreground);
STEP(cgroup_sync); STEP(cgroup_enter); STEP(release_child); STEP(await_child_userns); STEP(write_child_proc); STEP(resume_child); STEP(run_idmap_tool);
STEP(await_release); STEP(setns); STEP(unshare); STEP(request_idmaps); STEP(setresid); STEP(timens_offsets); STEP(fork_init);
STEP(rootfs_prepare); STEP(mkdir_in_root); STEP(mkfile_in_root); STEP(mount_in_root); STEP(remount_in_root);
STEP(propagate_in_root); STEP(mknod_in_root); STEP(bind_device_in_root); STEP(symlink_in_root);
STEP(hooks_sync); STEP(run_hook); STEP(pivot_root); STEP(move_root); STEP(remount_root_readonly);
STEP(mask_path); STEP(readonly_path); STEP(sethostname); STEP(setdomainname); STEP(sysctl); STEP(setsid);
STEP(console); STEP(rlimit); STEP(no_new_privs); STEP(seccomp); STEP(cap_bounding); STEP(keep_caps);
STEP(setgroups); STEP(caps); STEP(ambient); STEP(umask); STEP(chdir); STEP(report_done); STEP(fix_stdio_owner); STEP(console_size);
STEP(exec_fifo_wait); STEP(close_fds); STEP(exec_prepare); STEP(exec); STEP(personality); STEP(ioprio); STEP(sched); STEP(set_exec_label); STEP(tmpcopyup_in_root);
STEP(loopback_up); STEP(rootfs_open); STEP(chroot); STEP(chdir_early); STEP(chdir_deferred); STEP(set_readonly_in_root); STEP(root_propagation); STEP(hide_host_mounts);
STEP(send_mount_sources); STEP(receive_mount_sources); STEP(mount_slot_in_root);
STEP(mount_setattr_in_root); STEP(idmapped_tree_slot); STEP(move_mount_slot_in_root); STEP(sched_affinity); STEP(set_mempolicy); STEP(send_pidfd); STEP(await_net_devices); STEP(move_net_devices); STEP(return_net_devices);
#undef STEP

#endif
