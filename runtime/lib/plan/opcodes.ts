/**
 * The single source of the plan's opcodes. `scripts/gen-opcodes.ts` turns this table into
 * `runtime/native/build/opcodes.h`; neither side writes a number by hand (runc keeps its
 * netlink attribute numbers twice, in Go and in nsexec.c; we do not).
 *
 * Argument kinds, one letter per argument, checked strictly by the C parser before any step runs:
 *   i  a 64-bit integer
 *   s  a byte string (the C side gets it NUL-terminated)
 *   S  a list of strings: an `i` count followed by that many `s`
 *   I  a list of integers: an `i` count followed by that many `i`
 *
 * `sections` says where an opcode may appear; the parser rejects it anywhere else.
 * The wire format, processes and messages are described in runtime/native/README.md.
 */

export const PLAN_MAGIC = 0x4c504b42; // "BKPL" little-endian
export const PLAN_VERSION = 1;

export const SECTIONS = ["host", "parent", "child", "init"] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface OpcodeSpec {
  readonly code: number;
  readonly args: string;
  readonly sections: readonly SectionName[];
  readonly doc: string;
}

export const OPCODES = {
  // ---- host: stage0, in the runtime's own namespaces, before the fork ----
  OPEN_SLOT: { code: 1, args: "isi", sections: ["host"], doc: "open(path, flags|O_CLOEXEC) into fd slot (namespace files, exec fifo with O_PATH); args slot, path, flags; existing files only (O_CREAT/O_TMPFILE refused)" },
  CONNECT_SLOT: { code: 2, args: "is", sections: ["host"], doc: "connect a unix stream socket to path into fd slot (console socket, seccomp listener); args slot, path" },
  OOM_SCORE_ADJ: { code: 3, args: "i", sections: ["host"], doc: "write /proc/self/oom_score_adj (inherited by every later stage)" },
  FOREGROUND: { code: 4, args: "", sections: ["host"], doc: "stage0 becomes a child subreaper, waits for the init and exits with its status (128+signal)" },

  // ---- parent: stage0, acting on stage1 (the forked child) ----
  CGROUP_ENTER: { code: 20, args: "s", sections: ["parent"], doc: "write stage1's pid into this cgroup.procs file (or a resctrl group's tasks file)" },
  RELEASE_CHILD: { code: 21, args: "", sections: ["parent"], doc: "tell stage1 to start its CHILD steps" },
  AWAIT_CHILD_USERNS: { code: 22, args: "", sections: ["parent"], doc: "wait until stage1 has unshared its user namespace" },
  WRITE_CHILD_PROC: { code: 23, args: "ss", sections: ["parent"], doc: "write content to /proc/<stage1>/<name>; name is setgroups, uid_map or gid_map" },
  RESUME_CHILD: { code: 24, args: "", sections: ["parent"], doc: "tell stage1 its id maps are written" },
  CGROUP_SYNC: { code: 26, args: "", sections: ["parent"], doc: "send `cgroup <stage1 pid>` and wait for `ok` (the runtime has placed stage1: a systemd scope started with its pid) or `abort` (exit 1, no message); before CGROUP_ENTER" },
  RUN_IDMAP_TOOL: { code: 25, args: "sS", sections: ["parent"], doc: "args tool, mapping args: run `tool <stage1 pid> args...` (newuidmap/newgidmap, for maps an unprivileged runtime may not write itself), stdin /dev/null, stdout+stderr captured into the error; fails unless it exits 0" },

  // ---- child: stage1 ----
  AWAIT_RELEASE: { code: 40, args: "", sections: ["child"], doc: "wait for RELEASE_CHILD" },
  SETNS: { code: 41, args: "ii", sections: ["child"], doc: "setns(slot fd, nstype)" },
  UNSHARE: { code: 42, args: "i", sections: ["child"], doc: "unshare(flags)" },
  REQUEST_IDMAPS: { code: 43, args: "", sections: ["child"], doc: "ask stage0 to write our id maps and wait until it has" },
  SETRESID: { code: 44, args: "ii", sections: ["child", "init"], doc: "args uid, gid: setresgid(gid, gid, gid) then setresuid(uid, uid, uid)" },
  TIMENS_OFFSETS: { code: 45, args: "s", sections: ["child"], doc: "write /proc/self/timens_offsets (before the first process enters the time namespace)" },
  FORK_INIT: { code: 46, args: "", sections: ["child"], doc: "fork; the child runs INIT, stage1 reports `init <pid>` and exits 0; must be the last CHILD step (the parser checks)" },

  // ---- init: stage2, the container's first process ----
  ROOTFS_PREPARE: { code: 60, args: "si", sections: ["init"], doc: "args rootfs path, propagation flags (e.g. MS_SLAVE|MS_REC; 0 skips): mount(NULL, \"/\", NULL, propagation), bind the rootfs onto itself (MS_BIND|MS_REC), open it as the root fd" },
  MKDIR_IN_ROOT: { code: 61, args: "si", sections: ["init"], doc: "mkdir -p path (mode) inside the root, one component at a time on the parent fd; never creates through a symlink" },
  MKFILE_IN_ROOT: { code: 62, args: "si", sections: ["init"], doc: "create parents (0755) and an empty file (mode) if missing, inside the root" },
  MOUNT_IN_ROOT: { code: 63, args: "sssis", sections: ["init"], doc: "args source, target, fstype, flags, data (\"\" = NULL): mount onto /proc/self/fd/N of the target opened in root; the target must exist and not be the root. MS_BIND ignores other flags: follow with REMOUNT_IN_ROOT" },
  REMOUNT_IN_ROOT: { code: 64, args: "si", sections: ["init"], doc: "mount(NULL, target, NULL, MS_REMOUNT|flags) (pass MS_BIND for a bind mount's per-mount flags); on EPERM retried with the flags the kernel locked (nosuid, nodev, noexec, atime)" },
  PROPAGATE_IN_ROOT: { code: 65, args: "si", sections: ["init"], doc: "mount(NULL, target, NULL, propagation flags)" },
  MKNOD_IN_ROOT: { code: 66, args: "siiiii", sections: ["init"], doc: "args path, mode incl. type, major, minor, uid, gid: mknodat on the parent fd (umask 0) then fchownat; an existing entry is left alone (runc)" },
  BIND_DEVICE_IN_ROOT: { code: 67, args: "ss", sections: ["init"], doc: "args host path, path in root: create an empty file (O_EXCL) if missing, then bind the host device onto it, resolved without symlinks (user namespaces cannot mknod)" },
  SYMLINK_IN_ROOT: { code: 68, args: "ss", sections: ["init"], doc: "args target, linkpath: symlinkat on the parent fd unless linkpath exists" },
  HOOKS_SYNC: { code: 69, args: "", sections: ["init"], doc: "send `hooks`, wait for `ok <len>[ <len2>]\\n<state>[<listener payload>]` (kept for RUN_HOOK and SECCOMP) or `abort` (exit 1, no message)" },
  RUN_HOOK: { code: 70, args: "sSSi", sections: ["init"], doc: "fork+execve(path, args, env) with the state JSON on stdin, stdout+stderr to the helper's stderr; timeout seconds (0 = none) SIGKILLs it and fails; non-zero exit fails" },
  PIVOT_ROOT: { code: 71, args: "", sections: ["init"], doc: "pivot_root into the root fd, detach the old root" },
  MOVE_ROOT: { code: 72, args: "", sections: ["init"], doc: "--no-pivot: MS_MOVE the root onto / and chroot" },
  REMOUNT_ROOT_READONLY: { code: 73, args: "", sections: ["init"], doc: "remount / read-only (root.readonly)" },
  MASK_PATH: { code: 74, args: "s", sections: ["init"], doc: "after pivot: bind /dev/null (reached without symlinks, checked to be char 1:3) over a file, read-only tmpfs over a directory (open_tree/fsmount + move_mount on fds); missing is fine" },
  READONLY_PATH: { code: 75, args: "s", sections: ["init"], doc: "after pivot: recursive bind of path onto itself, read-only (open_tree + mount_setattr + move_mount); missing is fine" },
  SETHOSTNAME: { code: 76, args: "s", sections: ["init"], doc: "sethostname" },
  SETDOMAINNAME: { code: 77, args: "s", sections: ["init"], doc: "setdomainname" },
  SYSCTL: { code: 78, args: "ss", sections: ["init"], doc: "args path, value: write value to /proc/sys/<path> (path uses / separators, no ..), opened in root without symlinks and checked to be procfs" },
  SETSID: { code: 79, args: "", sections: ["init"], doc: "setsid" },
  CONSOLE: { code: 80, args: "ii", sections: ["init"], doc: "args slot, bind: open the container's /dev/ptmx (checked 5:2), unlock, open the slave with TIOCGPTPEER, TIOCSCTTY (SETSID first), dup2 onto 0-2; with bind=1 (create, after the pivot) bind the slave onto /dev/console (created if missing, reached without symlinks, must be a file or char device); send the master over the slot socket (SCM_RIGHTS, payload \"/dev/pts/N\") and close the slot" },
  RLIMIT: { code: 81, args: "iii", sections: ["init"], doc: "prlimit(0, resource, soft, hard); -1 means RLIM_INFINITY" },
  NO_NEW_PRIVS: { code: 82, args: "", sections: ["init"], doc: "prctl(PR_SET_NO_NEW_PRIVS)" },
  SECCOMP: { code: 83, args: "sii", sections: ["init"], doc: "args program (sock_filter bytes), flags, listener slot (-1 none): seccomp(SECCOMP_SET_MODE_FILTER, flags); with a slot adds NEW_LISTENER and sends the listener fd with the HOOKS_SYNC listener payload (SCM_RIGHTS)" },
  CAP_BOUNDING: { code: 84, args: "i", sections: ["init"], doc: "drop every capability not in the mask from the bounding set" },
  KEEP_CAPS: { code: 85, args: "i", sections: ["init"], doc: "prctl(PR_SET_KEEPCAPS, on)" },
  SETGROUPS: { code: 86, args: "I", sections: ["init"], doc: "setgroups(list)" },
  CAPS: { code: 87, args: "iii", sections: ["init"], doc: "capset(effective, permitted, inheritable) as 64-bit masks" },
  AMBIENT: { code: 88, args: "i", sections: ["init"], doc: "raise each capability of the mask in the ambient set" },
  UMASK: { code: 89, args: "i", sections: ["init"], doc: "umask" },
  CHDIR: { code: 90, args: "s", sections: ["init"], doc: "chdir, then fail if getcwd fails or is not absolute: the cwd is outside the root (CVE-2024-21626)" },
  REPORT_DONE: { code: 91, args: "", sections: ["init"], doc: "close the sync fd: Bun sees EOF, setup succeeded; later errors go to stderr as `bocker-init: error ...`" },
  EXEC_FIFO_WAIT: { code: 92, args: "i", sections: ["init"], doc: "reopen the slot's O_PATH fd O_WRONLY through the /proc/self/fd opened at FORK_INIT (blocks until `start` reads), write \"0\"; the write end stays open (CLOEXEC) and carries later `error` lines, so EOF for `start` means execve succeeded or the init died" },
  CLOSE_FDS: { code: 93, args: "i", sections: ["init"], doc: "close_range(first >= 3, ~0, CLOSE_RANGE_CLOEXEC): nothing above the preserved fds reaches the process; on EPERM/ENOSYS/EINVAL (a seccomp filter, kernels < 5.11) FD_CLOEXEC is set on each fd listed in /proc/self/fd (runc)" },
  EXEC_PREPARE: { code: 102, args: "", sections: ["init"], doc: "close the /proc/self/fd handle opened at FORK_INIT, SIGPIPE back to SIG_DFL, unblock every signal: what execve needs besides execve, so it can run before a late seccomp filter" },
  EXEC: { code: 94, args: "sSS", sections: ["init"], doc: "execve(file, argv, envp); a file without / is searched in envp's PATH" },
  PERSONALITY: { code: 95, args: "i", sections: ["init"], doc: "personality(domain)" },
  SCHED: { code: 97, args: "iiiiiii", sections: ["init"], doc: "args policy, flags, nice, priority, runtime, deadline, period (ns): sched_setattr(0, {size 48, ...}, 0)" },
  TMPCOPYUP_IN_ROOT: { code: 99, args: "sis", sections: ["init"], doc: "args target dir, MS flags, tmpfs data (fsconfig keys, `source=` included): a missing target is made (0755); a detached tmpfs (fsopen/fsconfig/fsmount), the target's contents copied in through fds without following anything (symlinks stay symlinks; owner, mode, times kept), the owner and mode of a target that existed on its root, read-only after the copy if MS_RDONLY, then move_mount onto the target (runc tmpcopyup)" },
  SET_EXEC_LABEL: { code: 98, args: "Ss", sections: ["init"], doc: "args attr files (tried in order, first that exists), content: write content to /proc/thread-self/attr/<file>, opened in root and checked to be on procfs with no mount over it (CVE-2025-52881); the LSM applies it at execve" },
  CONSOLE_SIZE: { code: 101, args: "ii", sections: ["init"], doc: "args height, width: TIOCSWINSZ on fd 0, the pty slave CONSOLE just made stdin (runc setupConsole Resize)" },
  FIX_STDIO_OWNER: { code: 100, args: "i", sections: ["init"], doc: "arg uid: fchown each of fds 0-2 to uid (group kept) unless it is already owned by uid or is the container's /dev/null device; EINVAL, EPERM and EROFS are skipped (runc fixStdioPermissions)" },
  LOOPBACK_UP: { code: 110, args: "", sections: ["child"], doc: "set IFF_UP on `lo` (SIOCGIFFLAGS/SIOCSIFFLAGS on an AF_INET socket) in the network namespace just created: runc and crun bring loopback up, and anything talking to 127.0.0.1 relies on it" },
  ROOTFS_OPEN: { code: 111, args: "s", sections: ["init"], doc: "arg rootfs path: open it as the root fd and nothing else; for a container without a mount namespace, whose mounts are the runtime's own (no propagation change, no self-bind)" },
  CHROOT: { code: 112, args: "", sections: ["init"], doc: "fchdir to the root fd, chroot(\".\"), chdir(\"/\"): how a container without a mount namespace enters its rootfs (runc prepareRootfs)" },
  CHDIR_EARLY: { code: 113, args: "s", sections: ["init"], doc: "chdir while still privileged, then verify as CHDIR does; EACCES/EPERM is not an error but leaves the chdir to CHDIR_DEFERRED (runc finalizeNamespace: a cwd only the container's user may enter)" },
  CHDIR_DEFERRED: { code: 114, args: "s", sections: ["init"], doc: "CHDIR, only if CHDIR_EARLY was refused (EACCES/EPERM); otherwise nothing" },
  SET_READONLY_IN_ROOT: { code: 115, args: "s", sections: ["init"], doc: "mount_setattr(MOUNT_ATTR_RDONLY) on the mount at path (opened in root; not recursive, must be a mount point): a mount kept writable until its contents were made (runc finalizeRootfs: /dev, tmpfs); needs no /proc" },
  ROOT_PROPAGATION: { code: 116, args: "i", sections: ["init"], doc: "after PIVOT_ROOT or MOVE_ROOT: mount(NULL, \"/\", NULL, flags, NULL), the container root's own propagation (runc prepareRootfs, after jailing)" },
  HIDE_HOST_MOUNTS: { code: 117, args: "S", sections: ["init"], doc: "--no-pivot, before MOVE_ROOT: for each mount point, mount(NULL, path, NULL, MS_SLAVE|MS_REC) so nothing propagates back, then umount2(MNT_DETACH), or a tmpfs over it when that is refused (EINVAL/EPERM: a locked mount in a user namespace); a path already gone (ENOENT) is skipped (runc msMoveRoot)" },
  SEND_MOUNT_SOURCES: { code: 118, args: "S", sections: ["parent"], doc: "wait until stage1 has its mount namespace (RECEIVE_MOUNT_SOURCES), setns into it, open each path O_PATH with our (host) credentials, send the fds to stage1 (SCM_RIGHTS, one per byte) and setns back (runc nsexec send_mountsources): bind sources under directories the container's root may not search" },
  RECEIVE_MOUNT_SOURCES: { code: 119, args: "I", sections: ["child"], doc: "after UNSHARE of the mount namespace: ask stage0 for the bind mount sources (dumpable meanwhile, so stage0 may open our /proc/<pid>/ns/mnt) and put the fds it sends into these slots, in order" },
  MOUNT_SLOT_IN_ROOT: { code: 120, args: "isi", sections: ["init"], doc: "args slot, target, flags: bind mount the slot's O_PATH fd (via /proc/self/fd, still the host's /proc before the pivot) onto the target opened in root, as MOUNT_IN_ROOT; closes the slot" },
  MOUNT_SETATTR_IN_ROOT: { code: 130, args: "siii", sections: ["init"], doc: "args target, attr_set, attr_clr, recursive (0/1): mount_setattr(target opened in root, AT_EMPTY_PATH[|AT_RECURSIVE], {attr_set, attr_clr}); runc's recursive options rro, rnosuid, ... (mount_setattr(2))" },
  IDMAPPED_TREE_SLOT: { code: 131, args: "isssi", sections: ["host"], doc: "args slot, source path, uid_map text, gid_map text, flags (1 = recursive tree as rbind, 2 = AT_RECURSIVE idmap as ridmap): fork a child into a new user namespace, write the maps, open its ns/user, kill it; open_tree(source, OPEN_TREE_CLONE) and mount_setattr(MOUNT_ATTR_IDMAP) with that namespace; the detached tree goes into the slot (runtime-spec config.md idmap mounts; runc mountIdMapped)" },
  MOVE_MOUNT_SLOT_IN_ROOT: { code: 132, args: "is", sections: ["init"], doc: "args slot, target: move_mount the slot's detached tree onto the target opened in root (not the root itself); closes the slot" },
  SCHED_AFFINITY: { code: 133, args: "I", sections: ["host", "init"], doc: "sched_setaffinity(0, cpus): in HOST it is the initial set every stage inherits before entering the cgroup, in INIT the final one before execve (runtime-spec process.execCPUAffinity, runc 1.2)" },
  SET_MEMPOLICY: { code: 134, args: "iiI", sections: ["init"], doc: "args mode, flags, nodes: set_mempolicy(mode|flags, node mask, 1025) (NULL mask when nodes is empty); inherited across execve (runtime-spec linux.memoryPolicy)" },
  SEND_PIDFD: { code: 135, args: "is", sections: ["init"], doc: "args slot, payload: pidfd_open(getpid()) and send it over the slot's connected socket (SCM_RIGHTS, payload \"standard\" or \"setns\" as runc), then close the slot (--pidfd-socket)" },
  AWAIT_NET_DEVICES: { code: 136, args: "", sections: ["child"], doc: "after UNSHARE (or SETNS) of the network namespace: dumpable, ask stage0 to move the devices in (MOVE_NET_DEVICES) and wait until it has" },
  MOVE_NET_DEVICES: { code: 137, args: "SS", sections: ["parent"], doc: "args host names, names in the container: wait for AWAIT_NET_DEVICES, open /proc/<stage1>/ns/net and move each device there, renamed, in one RTM_NEWLINK (IFLA_NET_NS_FD + IFLA_IFNAME, as runc netnsAttach), then release stage1" },
  RETURN_NET_DEVICES: { code: 138, args: "sSS", sections: ["host"], doc: "args netns path, names in the container, original names: setns into that network namespace to open an rtnetlink socket and find the devices, setns back, and move each into our namespace under its original name in one RTM_NEWLINK (delete; runc netnsDettach)" },
  IOPRIO: { code: 96, args: "ii", sections: ["init"], doc: "ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(class, level))" },
} as const satisfies Record<string, OpcodeSpec>;

export type OpName = keyof typeof OPCODES;
