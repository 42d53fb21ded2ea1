/**
 * The default seccomp profile `bocker-runtime spec` writes: an allow-list in the shape of the one
 * Docker and podman apply by default (moby profiles/seccomp/default.json). Everything not listed
 * fails with EPERM; what a capability would let a process do anyway (mount, unshare, ptrace of
 * others, module loading, setting the clock, ...) is allowed only when that capability is in the
 * container's set. The conditions are resolved here, for one capability set and one host
 * architecture, so the profile in config.json is plain runtime-spec.
 */
import { DEFAULT_CAPABILITIES } from "./capabilities.ts";
import type { LinuxSeccomp, LinuxSeccompArch, LinuxSeccompArg, LinuxSyscall } from "../index.ts";

/** Syscalls every container may make. Names a kernel or libseccomp lacks are skipped at compile time. */
const ALWAYS_ALLOWED = `
accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3
epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old
eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate
fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr
flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate
ftruncate64 futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat getcpu getcwd
getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer
getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid
getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid
gettimeofday getuid getuid32 getxattr getxattrat inotify_add_watch inotify_init inotify_init1
inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get
ioprio_set io_setup io_submit io_uring_enter io_uring_register io_uring_setup ipc kill
landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat
listen listxattr listxattrat llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise
map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2
mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64
mq_timedsend mq_timedsend_time64 mq_unlink mremap mseal msgctl msgget msgrcv msgsnd msync munlock
munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause
pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64
prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev
pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg
remap_file_pages removexattr removexattrat rename renameat renameat2 restart_syscall rmdir rseq
rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam
sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval
sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler
sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64
sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32
setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid
setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32
setxattr setxattrat shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask
sigreturn socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync
sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime
timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64
timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat
utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
`;

/** Linux namespaces' clone flags (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET): only CAP_SYS_ADMIN may create them. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

/** One entry of the profile before resolution: `caps`/`arches` include it, `notCaps`/`notArches` exclude it. */
interface Group {
  names: string;
  action?: "SCMP_ACT_ALLOW" | "SCMP_ACT_ERRNO";
  errnoRet?: number;
  args?: LinuxSeccompArg[];
  caps?: string[];
  notCaps?: string[];
  /** Node's process.arch names of the hosts the entry applies to. */
  arches?: string[];
  notArches?: string[];
}

const GROUPS: Group[] = [
  { names: ALWAYS_ALLOWED },
  // Unprivileged ptrace of one's own children is safe since Linux 4.8 (seccomp checks are redone
  // after the tracer changes registers); moby gates it on minKernel 4.8, below any kernel we support.
  { names: "process_vm_readv process_vm_writev ptrace" },
  // AF_VSOCK (40) reaches the hypervisor host: not for containers.
  { names: "socket", args: [{ index: 0, value: 40, op: "SCMP_CMP_NE" }] },
  // personality: only PER_LINUX, PER_LINUX32, UNAME26 combinations and the query (0xffffffff).
  ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((value): Group => ({ names: "personality", args: [{ index: 0, value, op: "SCMP_CMP_EQ" }] })),
  { names: "arch_prctl modify_ldt", arches: ["x64"] },
  { names: "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls", arches: ["arm", "arm64"] },
  { names: "sync_file_range2 swapcontext", arches: ["ppc64"] },
  { names: "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", arches: ["s390x"] },
  { names: "riscv_flush_icache", arches: ["riscv64"] },
  { names: "open_by_handle_at", caps: ["CAP_DAC_READ_SEARCH"] },
  {
    names: `bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr
      move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog
      umount umount2 unshare`,
    caps: ["CAP_SYS_ADMIN"],
  },
  // Without CAP_SYS_ADMIN, clone may not create namespaces (s390 swaps clone's first two arguments).
  { names: "clone", args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }], notCaps: ["CAP_SYS_ADMIN"], notArches: ["s390x"] },
  { names: "clone", args: [{ index: 1, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }], notCaps: ["CAP_SYS_ADMIN"], arches: ["s390x"] },
  // clone3 passes its flags in memory, which seccomp cannot read: ENOSYS makes libcs fall back to clone.
  { names: "clone3", action: "SCMP_ACT_ERRNO", errnoRet: 38, notCaps: ["CAP_SYS_ADMIN"] },
  { names: "reboot", caps: ["CAP_SYS_BOOT"] },
  { names: "chroot", caps: ["CAP_SYS_CHROOT"] },
  { names: "delete_module init_module finit_module", caps: ["CAP_SYS_MODULE"] },
  { names: "acct", caps: ["CAP_SYS_PACCT"] },
  { names: "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace", caps: ["CAP_SYS_PTRACE"] },
  { names: "iopl ioperm", caps: ["CAP_SYS_RAWIO"] },
  { names: "settimeofday stime clock_settime clock_settime64", caps: ["CAP_SYS_TIME"] },
  { names: "vhangup", caps: ["CAP_SYS_TTY_CONFIG"] },
  { names: "get_mempolicy mbind set_mempolicy set_mempolicy_home_node", caps: ["CAP_SYS_NICE"] },
  { names: "syslog", caps: ["CAP_SYSLOG"] },
  { names: "bpf", caps: ["CAP_BPF"] },
  { names: "perf_event_open", caps: ["CAP_PERFMON"] },
];

/** The host architecture and the compat ABIs its kernel also runs (moby's archMap). */
const ARCHITECTURES: Readonly<Record<string, LinuxSeccompArch[]>> = {
  x64: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  arm64: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
  arm: ["SCMP_ARCH_ARM"],
  s390x: ["SCMP_ARCH_S390X", "SCMP_ARCH_S390"],
  ppc64: ["SCMP_ARCH_PPC64LE"],
  riscv64: ["SCMP_ARCH_RISCV64"],
};

function applies(group: Group, capabilities: ReadonlySet<string>, arch: string): boolean {
  if (group.caps && !group.caps.some((c) => capabilities.has(c))) return false;
  if (group.notCaps?.some((c) => capabilities.has(c))) return false;
  if (group.arches && !group.arches.includes(arch)) return false;
  if (group.notArches?.includes(arch)) return false;
  return true;
}

/**
 * The default profile for a container with `capabilities` (its bounding set; default: the set
 * `spec` writes) on a host of architecture `arch` (Node's process.arch names).
 */
export function defaultSeccompProfile(
  capabilities: readonly string[] = DEFAULT_CAPABILITIES,
  arch: string = process.arch,
): LinuxSeccomp {
  const caps = new Set(capabilities);
  const syscalls: LinuxSyscall[] = GROUPS.filter((g) => applies(g, caps, arch)).map((g) => ({
    names: g.names.trim().split(/\s+/),
    action: g.action ?? "SCMP_ACT_ALLOW",
    ...(g.errnoRet === undefined ? {} : { errnoRet: g.errnoRet }),
    ...(g.args ? { args: g.args.map((a) => ({ ...a })) } : {}),
  }));
  const architectures = ARCHITECTURES[arch];
  return {
    defaultAction: "SCMP_ACT_ERRNO",
    defaultErrnoRet: 1, // EPERM, what a process expects from a call it may not make
    ...(architectures ? { architectures: [...architectures] } : {}),
    syscalls,
  };
}
