/*
 * test_sandbox.c - worker_sandbox_apply() in a forked child running as
 * `nobody`: each test makes one attempt the sandbox must stop (death by
 * SIGSYS, or a refusal the child reports by its exit status) or allow.
 * Needs root (skipped otherwise): the sandbox drops from root.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "worker/worker_peer.h"
#include "worker/worker_sandbox.h"

#define NOBODY 65534
#define CHILD_OK 0
#define CHILD_WRONG 1
#define CHILD_NO_SANDBOX 90
/* Attempts a sanitizer build's filter allows are compiled but not run. */
#define SANITIZED_UNUSED __attribute__((unused))

/* A root-only file (0600) and a socket made before the sandbox. */
static char secret_path[] = "/tmp/test_sandbox_secretXXXXXX";
static int presocket_fd = -1;
static int regular_fd = -1;

/* Forks; the child applies the sandbox and exits with attempt()'s value.
 * Returns the child's wait status. */
static int run_sandboxed(int (*attempt)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		const char *step;

		alarm(20);
		if (worker_sandbox_apply(NOBODY, NOBODY, &step) < 0)
			_exit(CHILD_NO_SANDBOX);
		_exit(attempt());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_killed_by_sigsys(int (*attempt)(void))
{
	int status = run_sandboxed(attempt);

	if (!WIFSIGNALED(status))
		fail_msg("child exited with %d, not killed by SIGSYS", WEXITSTATUS(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void assert_child_ok(int (*attempt)(void))
{
	int status = run_sandboxed(attempt);

	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

/* --- forbidden: each of these must kill the child ------------------------ */

static int try_execve(void)
{
	char *argv[] = { "/bin/true", NULL };

	execve("/bin/true", argv, NULL);
	return CHILD_WRONG;
}

static int try_socket(void)
{
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) < 0 ? CHILD_OK : CHILD_WRONG;
}

static int try_socket_inet(void)
{
	return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) < 0 ? CHILD_OK : CHILD_WRONG;
}

/* connect() on a socket the process already had: still refused. */
static int try_connect_incus(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(sa.sun_path, "/var/lib/lxd/unix.socket");
	(void)connect(presocket_fd, (struct sockaddr *)&sa, sizeof(sa));
	return CHILD_WRONG;
}

static int try_open_write(void)
{
	(void)open("/tmp/test_sandbox_written", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	return CHILD_WRONG;
}

static int try_openat_rdwr(void)
{
	(void)openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
	return CHILD_WRONG;
}

static int try_open_rdonly_creat(void)
{
	(void)openat(AT_FDCWD, "/tmp/test_sandbox_created", O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	return CHILD_WRONG;
}

static int try_open_rdonly_trunc(void)
{
	(void)openat(AT_FDCWD, secret_path, O_RDONLY | O_TRUNC | O_CLOEXEC);
	return CHILD_WRONG;
}

static int SANITIZED_UNUSED try_ptrace(void)
{
	(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return CHILD_WRONG;
}

static int try_mount(void)
{
	(void)mount("none", "/mnt", "tmpfs", 0, NULL);
	return CHILD_WRONG;
}

static int SANITIZED_UNUSED try_fork(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return CHILD_WRONG;
}

static int try_setuid_root(void)
{
	(void)!setuid(0);
	return CHILD_WRONG;
}

static int SANITIZED_UNUSED try_kill_other(void)
{
	(void)kill(getppid(), 0);
	return CHILD_WRONG;
}

static int SANITIZED_UNUSED try_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return CHILD_WRONG;
	(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
	return CHILD_WRONG;
}

static int SANITIZED_UNUSED try_mmap_exec(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return CHILD_WRONG;
}

static int try_bpf(void)
{
	(void)syscall(SYS_bpf, 0, NULL, 0);
	return CHILD_WRONG;
}

static int SANITIZED_UNUSED try_prctl_dumpable(void)
{
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return CHILD_WRONG;
}

static const struct {
	const char *name;
	int (*attempt)(void);
} forbidden[] = {
	{ "execve", try_execve },
	{ "socket(AF_UNIX)", try_socket },
	{ "socket(AF_INET)", try_socket_inet },
	{ "connect to the Incus socket", try_connect_incus },
	{ "open for writing", try_open_write },
	{ "openat O_RDWR", try_openat_rdwr },
	{ "openat O_RDONLY|O_CREAT", try_open_rdonly_creat },
	{ "openat O_RDONLY|O_TRUNC", try_open_rdonly_trunc },
	{ "mount", try_mount },
	{ "setuid(0)", try_setuid_root },
	{ "bpf", try_bpf },
#ifndef CONTAINARIUM_SANITIZED
	/* A sanitizer build allows these for LeakSanitizer (worker_sandbox.c). */
	{ "ptrace", try_ptrace },
	{ "fork (clone without CLONE_THREAD)", try_fork },
	{ "kill another process", try_kill_other },
	{ "mprotect PROT_EXEC", try_mprotect_exec },
	{ "mmap PROT_EXEC", try_mmap_exec },
	{ "prctl(PR_SET_DUMPABLE)", try_prctl_dumpable },
#endif
};

static void test_forbidden_calls_kill(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		print_message("forbidden: %s\n", forbidden[i].name);
		assert_killed_by_sigsys(forbidden[i].attempt);
	}
}

/* --- refused without dying ----------------------------------------------- */

/* The secret is root's, mode 0600: the read-only open the filter lets
 * through meets the file permissions. */
static int try_read_secret(void)
{
	int fd = open(secret_path, O_RDONLY | O_CLOEXEC);

	return fd < 0 && errno == EACCES ? CHILD_OK : CHILD_WRONG;
}

/* glibc must see ENOSYS and fall back to clone. */
static int try_clone3(void)
{
	long r = syscall(SYS_clone3, NULL, 0);

	return r < 0 && errno == ENOSYS ? CHILD_OK : CHILD_WRONG;
}

#ifndef CONTAINARIUM_SANITIZED
/* RLIMIT_FSIZE 0: a write to a regular file fails (SIGXFSZ is ignored). */
static int try_write_file(void)
{
	return write(regular_fd, "x", 1) < 0 && errno == EFBIG ? CHILD_OK : CHILD_WRONG;
}
#endif

static void test_refusals(void **state)
{
	(void)state;
	assert_child_ok(try_read_secret);
	assert_child_ok(try_clone3);
#ifndef CONTAINARIUM_SANITIZED
	assert_child_ok(try_write_file);
#endif
}

/* --- what serving needs still works --------------------------------------- */

static void *thread_main(void *arg)
{
	return arg;
}

static int try_threads(void)
{
	for (int i = 0; i < 4; i++) {
		static int token;
		pthread_t t;
		void *ret = NULL;

		if (pthread_create(&t, NULL, thread_main, &token) != 0 ||
		    pthread_join(t, &ret) != 0 || ret != &token)
			return CHILD_WRONG;
	}
	return CHILD_OK;
}

static int try_socketpair_io(void)
{
	char buf[4];

	/* presocket_fd is connected to presocket peer in the parent's setup */
	if (send(presocket_fd, "ping", 4, MSG_NOSIGNAL) != 4)
		return CHILD_WRONG;
	return recv(presocket_fd, buf, sizeof(buf), 0) == 4 && memcmp(buf, "pong", 4) == 0
	    ? CHILD_OK : CHILD_WRONG;
}

static int try_read_world_readable(void)
{
	char buf[64];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		return CHILD_WRONG;
	close(fd);
	return CHILD_OK;
}

static int try_abort_is_sigabrt(void)
{
	abort();
}

static void test_allowed(void **state)
{
	int status;

	(void)state;
	assert_child_ok(try_threads);
	assert_child_ok(try_read_world_readable);
	/* abort() raises SIGABRT on itself through tgkill: allowed. */
	status = run_sandboxed(try_abort_is_sigabrt);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* --- the state the process is left in ------------------------------------- */

/* Returns the value of field in /proc/self/status, or NULL. */
static char *status_field(const char *text, const char *field, char *out, size_t len)
{
	const char *p = strstr(text, field);
	size_t n;

	if (!p)
		return NULL;
	p += strlen(field);
	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, "\n");
	if (n >= len)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static int try_status(void)
{
	char text[4096], value[128];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	struct rlimit rl;
	struct stat st;

	if (n <= 0)
		return 10;
	text[n] = '\0';
	if (!status_field(text, "\nUid:", value, sizeof(value)) ||
	    strcmp(value, "65534\t65534\t65534\t65534") != 0)
		return 11;
	if (!status_field(text, "\nGid:", value, sizeof(value)) ||
	    strcmp(value, "65534\t65534\t65534\t65534") != 0)
		return 12;
	if (!status_field(text, "\nGroups:", value, sizeof(value)) || value[0] != '\0')
		return 13;
	if (!status_field(text, "\nNoNewPrivs:", value, sizeof(value)) || strcmp(value, "1") != 0)
		return 14;
	if (!status_field(text, "\nSeccomp:", value, sizeof(value)) || strcmp(value, "2") != 0)
		return 15;
	if (!status_field(text, "\nCapEff:", value, sizeof(value)) ||
	    strcmp(value, "0000000000000000") != 0)
		return 16;
	if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 0 || rl.rlim_max != 0)
		return 17;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_max != WORKER_PEER_FD_MAX + 64)
		return 18;
	if (getrlimit(RLIMIT_NPROC, &rl) < 0 || rl.rlim_max != WORKER_SANDBOX_NPROC)
		return 19;
#ifndef CONTAINARIUM_SANITIZED
	if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_max != 0)
		return 20;
	/* Non-dumpable: the kernel gives the process's /proc files to root. */
	if (stat("/proc/self/mem", &st) < 0 || st.st_uid != 0)
		return 21;
#endif
	(void)st;
	return CHILD_OK;
}

static void test_process_state(void **state)
{
	int status;

	(void)state;
	status = run_sandboxed(try_status);
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

static void test_socket_io_allowed(void **state)
{
	int pair[2], status;
	pid_t pid;
	char buf[4];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	presocket_fd = pair[0];
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *step;

		close(pair[1]);
		alarm(20);
		if (worker_sandbox_apply(NOBODY, NOBODY, &step) < 0)
			_exit(CHILD_NO_SANDBOX);
		_exit(try_socketpair_io());
	}
	close(pair[0]);
	assert_int_equal(recv(pair[1], buf, sizeof(buf), 0), 4);
	assert_int_equal(send(pair[1], "pong", 4, MSG_NOSIGNAL), 4);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(pair[1]);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), CHILD_OK);
	presocket_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

/* Root as the target, or group 0: refused before anything is dropped. */
static int try_apply_root(void)
{
	const char *step = NULL;

	if (worker_sandbox_apply(0, NOBODY, &step) != -EPERM || !step ||
	    strcmp(step, "dropping privileges") != 0)
		return CHILD_WRONG;
	return worker_sandbox_apply(NOBODY, 0, &step) == -EPERM ? CHILD_OK : CHILD_WRONG;
}

static void test_refuses_root(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(try_apply_root());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	if (geteuid() != 0)
		return 0;
	fd = mkostemp(secret_path, O_CLOEXEC);
	if (fd < 0 || write(fd, "secret\n", 7) != 7 || fchmod(fd, 0600) < 0)
		return -1;
	close(fd);
	regular_fd = open(secret_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	presocket_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return regular_fd < 0 || presocket_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	unlink(secret_path);
	unlink("/tmp/test_sandbox_written");
	unlink("/tmp/test_sandbox_created");
	close(regular_fd);
	close(presocket_fd);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbidden_calls_kill),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_process_state),
		cmocka_unit_test(test_socket_io_allowed),
		cmocka_unit_test(test_refuses_root),
	};

	if (geteuid() != 0) {
		printf("test_sandbox: needs root (the sandbox drops from root); skipped\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
