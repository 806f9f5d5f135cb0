/*
 * worker_sandbox.c - resource limits, privilege drop and the seccomp
 * allow-list of a worker; see worker_sandbox.h.
 *
 * The filter is a table, as in OpenSSH's sandbox-seccomp-filter.c: each
 * system call the worker may make, with its argument conditions. Anything
 * not in the table kills the process. The list was taken from strace of
 * workers serving every method over TCP and the admin socket (grpc 1.51,
 * glibc 2.36) and is kept no wider than that.
 *
 * A sanitizer build (CONTAINARIUM_SANITIZED, set by `make SANITIZE=...`)
 * keeps the process dumpable, lets files grow and allows the few calls
 * LeakSanitizer's exit-time scan makes (a ptrace of its own threads); a
 * production build never has those.
 */
#include "worker_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <seccomp.h>

#include "worker_peer.h"

/* The clone flags glibc's pthread_create passes: a thread, nothing else. */
#define WORKER_SANDBOX_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | \
	CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | \
	CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
/* open flags that could create, truncate or write: none may be set. */
#define WORKER_SANDBOX_OPEN_WRITE_MASK (O_ACCMODE | O_CREAT | O_TRUNC | \
	O_APPEND | (O_TMPFILE & ~O_DIRECTORY))
/* Descriptors: the connection table plus grpc's epoll, eventfds and pipes. */
#define WORKER_SANDBOX_NOFILE (WORKER_PEER_FD_MAX + 64)

#ifdef WORKER_SANDBOX_DEBUG
#define WORKER_SANDBOX_DEFAULT_ACTION SCMP_ACT_TRAP
#else
#define WORKER_SANDBOX_DEFAULT_ACTION SCMP_ACT_KILL_PROCESS
#endif

/* One entry of the allow-list: a system call and up to two conditions. */
struct worker_sandbox_rule {
	int syscall;
	uint32_t action;
	unsigned n_args;
	struct scmp_arg_cmp args[2];
};

#define CMP(index, op, a, b) { (index), (op), (scmp_datum_t)(a), (scmp_datum_t)(b) }
#define ALLOW(name) { SCMP_SYS(name), SCMP_ACT_ALLOW, 0, { { 0 } } }
#define ALLOW_IF(name, cmp) { SCMP_SYS(name), SCMP_ACT_ALLOW, 1, { cmp } }
#define ALLOW_ARG_EQ(name, index, value) \
	ALLOW_IF(name, CMP(index, SCMP_CMP_EQ, value, 0))
/* (arg & mask) == value on the low 32 bits (an int argument's upper half
 * is not defined by the ABI). */
#define ALLOW_ARG_MASKED(name, index, mask, value) \
	ALLOW_IF(name, CMP(index, SCMP_CMP_MASKED_EQ, (uint32_t)(mask), value))
#define ANSWER(name, err) { SCMP_SYS(name), SCMP_ACT_ERRNO(err), 0, { { 0 } } }

/*
 * Sets resource to value, soft and hard, or to the current hard limit when
 * that is lower (raising it needs CAP_SYS_RESOURCE, which a master started
 * by systemd does not pass on). Returns 0 or a negative errno.
 */
static int worker_sandbox_limit(int resource, rlim_t value)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return -errno;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < value)
		value = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = value;
	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

/* Sets each limit, soft and hard. Returns 0 or a negative errno. */
static int worker_sandbox_limit_resources(void)
{
	static const struct { int resource; rlim_t value; } limits[] = {
		{ RLIMIT_CORE, 0 },
		{ RLIMIT_MEMLOCK, 0 },
		{ RLIMIT_MSGQUEUE, 0 },
		{ RLIMIT_LOCKS, 0 },
		{ RLIMIT_NOFILE, WORKER_SANDBOX_NOFILE },
		{ RLIMIT_NPROC, WORKER_SANDBOX_NPROC },
#if !defined(CONTAINARIUM_SANITIZED) && !defined(WORKER_SANDBOX_DEBUG)
		{ RLIMIT_FSIZE, 0 },    /* stderr may be a file: reports must fit */
#endif
	};

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		int r = worker_sandbox_limit(limits[i].resource, limits[i].value);

		if (r < 0)
			return r;
	}
	/* A write beyond RLIMIT_FSIZE fails with EFBIG instead of killing. */
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		return -errno;
	return 0;
}

/*
 * Becomes uid:gid with no supplementary groups, real, effective and saved
 * ids alike. Returns 0 or a negative errno.
 */
static int worker_sandbox_drop_privileges(uid_t uid, gid_t gid)
{
	if (uid == 0 || gid == 0)
		return -EPERM;
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -errno;
	return 0;
}

/*
 * Checks the drop took: every id is the target, no group is left, and
 * neither root's uid nor gid can be taken back. Returns 0 or -EPERM.
 */
static int worker_sandbox_check_dropped(uid_t uid, gid_t gid)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return -errno;
	if (ruid != uid || euid != uid || suid != uid ||
	    rgid != gid || egid != gid || sgid != gid || getgroups(0, NULL) != 0)
		return -EPERM;
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0)
		return -EPERM;
	return 0;
}

/* No core, no ptrace by the sibling workers, no privilege from exec. */
static int worker_sandbox_seal(void)
{
#ifdef CONTAINARIUM_SANITIZED
	const unsigned long dumpable = 1;   /* LeakSanitizer ptraces itself */
#else
	const unsigned long dumpable = 0;
#endif
	if (prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

#ifdef WORKER_SANDBOX_DEBUG
/* Prints the number of the refused system call; async-signal-safe. */
static void worker_sandbox_report(int sig, siginfo_t *info, void *context)
{
	char buf[64] = "worker sandbox: forbidden system call ";
	size_t len = strlen(buf);
	char digits[12];
	int n = 0;
	unsigned nr = (unsigned)info->si_syscall;

	(void)sig;
	(void)context;
	do
		digits[n++] = (char)('0' + nr % 10);
	while ((nr /= 10) && n < (int)sizeof(digits));
	while (n > 0 && len < sizeof(buf) - 1)
		buf[len++] = digits[--n];
	buf[len++] = '\n';
	(void)!write(STDERR_FILENO, buf, len);
}

static int worker_sandbox_debug_setup(void)
{
	struct sigaction sa = { .sa_sigaction = worker_sandbox_report, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
}
#endif

/* Adds the rules of table[0..n) to ctx. Returns 0 or a negative errno. */
static int worker_sandbox_add_rules(scmp_filter_ctx ctx,
    const struct worker_sandbox_rule *table, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = seccomp_rule_add_array(ctx, table[i].action, table[i].syscall,
		    table[i].n_args, table[i].args);

		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Adds the allow-list. Calls with a condition listed twice are allowed
 * when either condition holds. Returns 0 or a negative errno.
 */
static int worker_sandbox_add_allow_list(scmp_filter_ctx ctx)
{
	const pid_t self = getpid();
	const struct worker_sandbox_rule rules[] = {
		/* memory; never executable */
		ALLOW(brk), ALLOW(munmap), ALLOW(mremap), ALLOW(madvise),
		ALLOW_ARG_MASKED(mmap, 2, PROT_EXEC, 0),
		ALLOW_ARG_MASKED(mprotect, 2, PROT_EXEC, 0),
		/* threads: clone only as pthread_create does it */
		ANSWER(clone3, ENOSYS),
		ALLOW_ARG_MASKED(clone, 0, 0xffffffffu, WORKER_SANDBOX_THREAD_FLAGS),
		ALLOW(set_robust_list), ALLOW(rseq), ALLOW(futex), ALLOW(set_tid_address),
		ALLOW(exit), ALLOW(exit_group), ALLOW(sched_yield), ALLOW(sched_getaffinity),
		ALLOW(sched_getparam), ALLOW(sched_getscheduler),
		ALLOW(sched_get_priority_min), ALLOW(sched_get_priority_max),
		ALLOW_ARG_EQ(prctl, 0, PR_SET_NAME), ALLOW_ARG_EQ(prctl, 0, PR_GET_NAME),
		/* signals: only to this process */
		ALLOW(rt_sigaction), ALLOW(rt_sigprocmask), ALLOW(rt_sigreturn),
		ALLOW(sigaltstack), ALLOW(restart_syscall),
		ALLOW_ARG_EQ(tgkill, 0, self),
		/* time, identity, randomness */
		ALLOW(clock_gettime), ALLOW(clock_getres), ALLOW(gettimeofday),
		ALLOW(nanosleep), ALLOW(clock_nanosleep), ALLOW(getrandom),
		ALLOW(getpid), ALLOW(gettid), ALLOW(getuid), ALLOW(geteuid),
		ALLOW(getgid), ALLOW(getegid), ALLOW(uname), ALLOW(getrusage), ALLOW(sysinfo),
		ALLOW(getrlimit), ALLOW_ARG_EQ(prlimit64, 2, 0),
		/* files: read-only opens (the user's own permissions apply) */
		ALLOW_ARG_MASKED(openat, 2, WORKER_SANDBOX_OPEN_WRITE_MASK, O_RDONLY),
		ALLOW_ARG_MASKED(open, 1, WORKER_SANDBOX_OPEN_WRITE_MASK, O_RDONLY),
		ALLOW(read), ALLOW(readv), ALLOW(pread64), ALLOW(write), ALLOW(writev),
		ALLOW(close), ALLOW(lseek), ALLOW(fstat), ALLOW(newfstatat), ALLOW(statx),
		ALLOW_ARG_EQ(fcntl, 1, F_GETFL), ALLOW_ARG_EQ(fcntl, 1, F_SETFL),
		ALLOW_ARG_EQ(fcntl, 1, F_GETFD), ALLOW_ARG_EQ(fcntl, 1, F_SETFD),
		ALLOW_ARG_EQ(ioctl, 1, FIONREAD), ALLOW_ARG_EQ(ioctl, 1, FIONBIO),
		/* event loops */
		ALLOW(epoll_create1), ALLOW(epoll_ctl), ALLOW(epoll_wait), ALLOW(epoll_pwait),
		ALLOW(eventfd2), ALLOW(pipe2), ALLOW(poll), ALLOW(ppoll),
		/* sockets already open or accepted; no socket(), no connect() */
		ALLOW(accept4), ALLOW(recvmsg), ALLOW(sendmsg), ALLOW(recvfrom),
		ALLOW(sendto), ALLOW(shutdown), ALLOW(getsockname), ALLOW(getpeername),
		ALLOW(getsockopt), ALLOW(setsockopt),
#ifdef CONTAINARIUM_SANITIZED
		/* LeakSanitizer's exit-time scan: a tracer clone that ptraces us */
		ALLOW(clone), ALLOW(prctl), ALLOW(ptrace), ALLOW(wait4), ALLOW(getppid),
		ALLOW(readlink), ALLOW(readlinkat), ALLOW(getdents), ALLOW(getdents64),
		ALLOW(kill), ALLOW(waitid), ALLOW(sched_setaffinity),
		ALLOW(tgkill), ALLOW(mmap), ALLOW(mprotect),
#endif
	};

	return worker_sandbox_add_rules(ctx, rules, sizeof(rules) / sizeof(rules[0]));
}

/* Builds and loads the filter, on every thread. Returns 0 or a negative errno. */
static int worker_sandbox_load_filter(void)
{
	scmp_filter_ctx ctx;
	int r;

	ctx = seccomp_init(WORKER_SANDBOX_DEFAULT_ACTION);
	if (!ctx)
		return -ENOMEM;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (r == 0)
		r = worker_sandbox_add_allow_list(ctx);
#ifdef WORKER_SANDBOX_DEBUG
	if (r == 0)
		r = worker_sandbox_debug_setup();
#endif
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

int worker_sandbox_apply(uid_t uid, gid_t gid, const char **ret_step)
{
	const char *step = NULL;
	int r;

	if ((r = worker_sandbox_limit_resources()) < 0)
		step = "setting resource limits";
	else if ((r = worker_sandbox_drop_privileges(uid, gid)) < 0)
		step = "dropping privileges";
	else if ((r = worker_sandbox_check_dropped(uid, gid)) < 0)
		step = "checking that root cannot be regained";
	else if ((r = worker_sandbox_seal()) < 0)
		step = "setting non-dumpable and no-new-privileges";
	else if ((r = worker_sandbox_load_filter()) < 0)
		step = "loading the seccomp filter";
	if (r < 0)
		*ret_step = step;
	return r;
}
