"""Workers hold no power (issue 3, item 7), shown on the real daemon.

Each worker must run as [server] worker_user with no supplementary groups, no
capabilities, NO_NEW_PRIVS, a seccomp filter, tight limits and no dumpability. What it
can and cannot do is shown from inside a running production worker, with no back door
in the binary: gdb (as root, with CAP_SYS_PTRACE, which reaches even a non-dumpable
process) attaches to the worker and makes it call open(), socket() or execve() itself.
The seccomp filter applies to those calls as to any other the worker makes. Allowed
calls that the kernel refuses (a 0600 root file) return EACCES and the worker lives on.
Forbidden calls kill the whole worker with SIGSYS. The master logs it and starts a new
worker, and clients keep being served.
"""

import grp
import os
import re
import resource
import shutil
import stat
import subprocess
import tempfile
import threading
import time

import grpc
import pytest

import ctrtest
from ctrtest import pb, wait_for

GDB = shutil.which("gdb") or "/usr/bin/gdb"
NOFILE = 4160 + 64           # WORKER_PEER_FD_MAX + 64 (worker_peer.h, worker_sandbox.c)
NPROC = 4096                 # WORKER_SANDBOX_NPROC (worker_sandbox.h)


# ---------------------------------------------------------------------------------------
# helpers

def worker_pids(d):
    """Worker processes of daemon d (children whose command line is `... __worker`)."""
    pids = []
    for pid in ctrtest._children_of(d.proc.pid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"__worker" in argv and ctrtest._alive(pid):
            pids.append(pid)
    return sorted(pids)


def worker_slot(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        argv = f.read().split(b"\0")
    return int(argv[argv.index(b"--id") + 1])


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def sanitized(pid):
    """True when pid runs a sanitizer build (make SANITIZE=...), whose filter lets
    LeakSanitizer work: dumpable, files may grow, ptrace and fork allowed."""
    with open("/proc/%d/maps" % pid) as f:
        return re.search(r"lib(asan|ubsan|tsan|lsan)\.so", f.read()) is not None


def proc_limits(pid):
    """{'Max open files': ('4224', '4224'), ...} from /proc/PID/limits."""
    limits = {}
    with open("/proc/%d/limits" % pid) as f:
        next(f)
        for line in f:
            m = re.match(r"(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)", line)
            if m:
                limits[m.group(1)] = (m.group(2), m.group(3))
    return limits


def gdb_calls(pid, workdir, *commands):
    """Attaches gdb to pid, runs each command (e.g. 'call (int)getuid()') and detaches.
    Returns (values, output): the integers gdb printed as $N = V, in order."""
    args = [GDB, "-nx", "-batch", "-p", str(pid)]
    for c in commands:
        args += ["-ex", c]
    r = subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL,
                       preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
    out = r.stdout + r.stderr
    values = [int(v) for v in re.findall(r"^\$\d+ = (-?\d+)$", out, re.M)]
    return values, out


class Hammer:
    """A client thread that makes GetSystemInfo calls over fresh connections (so they
    land on any worker) and records (start time, ok) for each."""

    def __init__(self, d):
        self.d = d
        self.results = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            t = time.monotonic()
            ch = grpc.insecure_channel(self.d.address)
            try:
                pb.grpc.ContainerServiceStub(ch).GetSystemInfo(
                    pb.service.GetSystemInfoRequest(), timeout=10)
                ok = True
            except grpc.RpcError:
                ok = False
            finally:
                ch.close()
            self.results.append((t, ok))
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


@pytest.fixture
def sandboxed_daemon(daemon, fake_incus):
    """Factory of daemons with two workers. The workers never talk to Incus, so the
    fake Incus serves as the master's backend: these tests need no LXD and never touch
    the shared test project."""
    def start():
        return daemon(incus_socket=fake_incus().socket_path, server={"workers": "2"})
    return start


@pytest.fixture
def world_dir():
    """A directory under /tmp anyone may traverse (0755), so that a refusal comes from
    the file's own mode, not from a parent directory."""
    path = tempfile.mkdtemp(prefix="ctr-sandbox-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def root_only_file(directory, name, content):
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(content)
    st = os.stat(path)
    assert st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o600
    return path


# ---------------------------------------------------------------------------------------
# the state every worker is in

def test_workers_run_unprivileged_sealed_and_filtered(sandboxed_daemon, worker_user):
    d = sandboxed_daemon()
    pids = wait_for(lambda: len(worker_pids(d)) == 2 and worker_pids(d), 10,
                    what="two workers")
    uid, gid = str(worker_user.pw_uid), str(worker_user.pw_gid)
    assert uid != "0" and gid != "0"
    # A primary group that is the admin socket's group (the default,
    # "containarium") is never kept: workers run in the overflow group.
    try:
        if grp.getgrnam("containarium").gr_gid == worker_user.pw_gid:
            gid = "65534"
    except KeyError:
        pass
    for pid in pids:
        st = proc_status(pid)
        assert st["Uid"].split() == [uid] * 4, st["Uid"]
        assert st["Gid"].split() == [gid] * 4, st["Gid"]
        assert st["Groups"] == "", "supplementary groups left: %r" % st["Groups"]
        assert st["NoNewPrivs"] == "1"
        assert st["Seccomp"] == "2", "no seccomp filter (mode %s)" % st["Seccomp"]
        assert int(st["Seccomp_filters"]) >= 1
        for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
            assert int(st[cap], 16) == 0, "%s = %s" % (cap, st[cap])
        limits = proc_limits(pid)
        if not sanitized(pid):
            # Non-dumpable: the kernel hands the process's /proc entries to root, so
            # the other workers (same uid) cannot ptrace it or read its memory.
            assert os.stat("/proc/%d/mem" % pid).st_uid == 0
            assert limits["Max file size"] == ("0", "0")
        assert limits["Max core file size"] == ("0", "0")
        assert limits["Max open files"] == (str(NOFILE), str(NOFILE))
        assert limits["Max processes"] == (str(NPROC), str(NPROC))
        assert limits["Max locked memory"] == ("0", "0")
    # The master is the one that keeps root.
    assert proc_status(d.proc.pid)["Uid"].split()[1] == "0"
    # And the workers still serve, over TCP and the admin socket.
    for admin in (False, True):
        d.client(admin=admin).GetSystemInfo(pb.service.GetSystemInfoRequest(), timeout=10)


# ---------------------------------------------------------------------------------------
# what a worker cannot reach, asked from inside it

def test_worker_cannot_read_secret_or_users_file(sandboxed_daemon, world_dir, tmp_path):
    d = sandboxed_daemon()
    secret = root_only_file(world_dir, "jwt.secret", "s" * 64 + "\n")
    users = root_only_file(world_dir, "users", "alice:$y$j9T$x$y:admin\n")
    control = os.path.join(world_dir, "readable")
    with open(control, "w") as f:
        f.write("anyone may read this\n")
    os.chmod(control, 0o644)
    pid = worker_pids(d)[0]
    values, out = gdb_calls(
        pid, str(tmp_path),
        'call (int)open("%s", 0)' % secret, "call (int)*(int *)__errno_location()",
        'call (int)open("%s", 0)' % users, "call (int)*(int *)__errno_location()",
        'call (int)open("%s", 0)' % control)
    assert len(values) == 5, "gdb did not run every call:\n" + out
    assert values[0] == -1 and values[1] == 13, "token secret: open gave %s errno %s" % (
        values[0], values[1])
    assert values[2] == -1 and values[3] == 13, "users file: open gave %s errno %s" % (
        values[2], values[3])
    # The same call on a world-readable file works: the refusals above are the
    # worker's identity meeting the files' modes, not a broken call.
    assert values[4] >= 0
    gdb_calls(pid, str(tmp_path), "call (int)close(%d)" % values[4])
    assert ctrtest._alive(pid) and pid in worker_pids(d)
    d.stub.GetSystemInfo(pb.service.GetSystemInfoRequest(), timeout=10)


# ---------------------------------------------------------------------------------------
# forbidden system calls: the worker dies, the master respawns it, clients go on

FORBIDDEN = {
    # socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0): the first step to the Incus socket.
    "socket-to-reach-incus": ["call (int)socket(1, 524289, 0)"],
    "execve": ['call (int)execve("/bin/sh", 0, 0)'],
    # open("/tmp/...", O_WRONLY|O_CREAT, 0600) made by another thread than main: the
    # whole process must go, not only that thread.
    "open-for-writing-from-a-thread": ["thread 2",
                                       'call (int)open("/tmp/ctr-sandbox-w", 65, 384)'],
    "ptrace": ["call (long)ptrace(0, 0, 0, 0)"],
}


@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_forbidden_syscall_kills_worker_master_respawns_clients_served(
        sandboxed_daemon, tmp_path, what):
    d = sandboxed_daemon()
    victim = worker_pids(d)[0]
    slot = worker_slot(victim)
    if what == "ptrace" and sanitized(victim):
        pytest.skip("a sanitizer build allows ptrace for LeakSanitizer")
    with Hammer(d) as hammer:
        time.sleep(0.5)
        killed_at = time.monotonic()
        values, out = gdb_calls(victim, str(tmp_path), *FORBIDDEN[what])
        # gdb gets no value back: the process died inside the call.
        assert values == [], "the forbidden call returned %s:\n%s" % (values, out)
        wait_for(lambda: not ctrtest._alive(victim), 10, what="worker %d to die" % victim)
        assert not os.path.exists("/tmp/ctr-sandbox-w")
        pattern = re.compile(r"Worker %d \(pid %d\) was killed by signal 31 \(Bad system "
                             r"call\): a forbidden system call" % (slot, victim))
        wait_for(lambda: pattern.search(d.log_text()), 10, what="the master's log line")

        def respawned():
            for pid in worker_pids(d):
                if pid != victim and worker_slot(pid) == slot and re.search(
                        r"Worker %d \(pid %d\) is serving" % (slot, pid), d.log_text()):
                    return pid
            return None
        new_pid = wait_for(respawned, 15, what="worker %d to be respawned" % slot)
        respawned_at = time.monotonic()
        time.sleep(1.0)
    d.assert_alive()
    assert proc_status(new_pid)["Seccomp"] == "2"
    assert os.path.exists("/tmp") and not os.path.exists("/tmp/ctr-sandbox-w")
    before = [ok for t, ok in hammer.results if t < killed_at]
    after = [ok for t, ok in hammer.results if t > respawned_at]
    during = [ok for t, ok in hammer.results if killed_at <= t <= respawned_at]
    assert before and all(before)
    # Calls made while the worker was dying may fail (one in flight on it at most);
    # the other worker takes new connections; after the respawn all succeed.
    assert during.count(False) <= 2, "%d calls failed during the respawn" % during.count(False)
    assert len(after) >= 5 and all(after), "calls after the respawn: %s" % after
    print("%s: %d calls before, %d during (%d failed), %d after" % (
        what, len(before), len(during), during.count(False), len(after)))


# ---------------------------------------------------------------------------------------
# the master refuses a worker user that cannot be one

@pytest.mark.parametrize("user, message", [
    ("ctr-no-such-user", r'worker_user "ctr-no-such-user" does not exist: create it with '
                         r'`useradd --system --no-create-home'),
    ("root", r'worker_user "root" has uid 0 gid 0: workers never run as root'),
])
def test_bad_worker_user_refuses_to_start(tmp_path, user, message):
    d = ctrtest.Daemon(str(tmp_path / "d"), server={"worker_user": user})
    r = subprocess.run([ctrtest.daemon_binary(), "daemon", "--config", d.config_path],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode != 0
    assert re.search(message, r.stderr), r.stderr
    assert "__worker" not in r.stderr
