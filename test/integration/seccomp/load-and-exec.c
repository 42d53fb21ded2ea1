/*
 * Test-only stand-in for bocker-init's SECCOMP step: load-and-exec PROGRAM FLAGS CMD [ARGS...]
 * reads classic-BPF bytes from PROGRAM, sets no_new_privs (so no CAP_SYS_ADMIN is needed, as in
 * the runtime), loads them with seccomp(SECCOMP_SET_MODE_FILTER, FLAGS) and execs CMD.
 * With CMD `--syscall NR` it instead makes syscall NR (all arguments 0) and prints
 * "errno E" (0 on success): for calls no shell command makes, such as numbers past the table.
 * `--syscall32 NR` does the same through the i386 entry (int $0x80, x86_64 only), which the
 * filter sees as AUDIT_ARCH_I386: the compat ABI a container could otherwise slip through.
 * With SECCOMP_FILTER_FLAG_NEW_LISTENER the listener fd is closed before the exec: with no
 * listener left, the kernel fails every SCMP_ACT_NOTIFY syscall with ENOSYS, which the test sees.
 * Exit codes: 120 usage, 121 reading PROGRAM, 122 prctl, 123 seccomp, 124 execv.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: %s PROGRAM FLAGS CMD [ARGS...]\n", argv[0]);
		return 120;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 121;
	}
	static struct sock_filter insns[BPF_MAXINSNS];
	size_t n = fread(insns, sizeof insns[0], BPF_MAXINSNS, f);
	int trailing = fgetc(f) != EOF;
	fclose(f);
	if (n == 0 || trailing) {
		fprintf(stderr, "%s: expected 1 to %d instructions\n", argv[1], BPF_MAXINSNS);
		return 121;
	}
	unsigned long flags = strtoul(argv[2], NULL, 0);
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = insns};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		perror("prctl(PR_SET_NO_NEW_PRIVS)");
		return 122;
	}
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (rc < 0) {
		perror("seccomp(SECCOMP_SET_MODE_FILTER)");
		return 123;
	}
	if (rc > 0) close((int)rc); /* the listener */
	if (strcmp(argv[3], "--syscall") == 0 && argc == 5) {
		errno = 0;
		long ret = syscall(strtol(argv[4], NULL, 0), 0L, 0L, 0L, 0L, 0L, 0L);
		printf("errno %d\n", ret < 0 ? errno : 0);
		return 0;
	}
#if defined(__x86_64__)
	if (strcmp(argv[3], "--syscall32") == 0 && argc == 5) {
		long ret = strtol(argv[4], NULL, 0);
		__asm__ volatile("int $0x80" : "+a"(ret) : "b"(0L), "c"(0L), "d"(0L), "S"(0L), "D"(0L) : "memory");
		printf("errno %ld\n", ret < 0 && ret > -4096 ? -ret : 0L);
		return 0;
	}
#endif
	execv(argv[3], argv + 3);
	fprintf(stderr, "execv %s: %s\n", argv[3], strerror(errno));
	return 124;
}
