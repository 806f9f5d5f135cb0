"""What the systemd-facing tests share: a NOTIFY_SOCKET receiver (the datagram socket a
service manager listens on), a daemon started with extra environment, a real
systemd-journald for the test run, and small /proc readers.

Nothing here imitates the daemon: the receiver is a plain Unix datagram socket, and the
journal is Debian's own systemd-journald read back with journalctl.
"""

import json
import os
import signal
import socket
import subprocess
import threading
import time

import grpc

import ctrtest
from ctrtest import Daemon, pb, wait_for

JOURNALD = "/lib/systemd/systemd-journald"
JOURNAL_SOCKET = "/run/systemd/journal/socket"


class NotifyReceiver:
    """Binds a Unix datagram socket at path and records every sd_notify message as
    (monotonic time, {KEY: value})."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
            with self.lock:
                self.messages.append((time.monotonic(), fields))

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def states(self):
        """The lifecycle states in order: READY, RELOADING, STOPPING."""
        out = []
        for _, f in self.snapshot():
            for key in ("READY", "RELOADING", "STOPPING"):
                if f.get(key) == "1":
                    out.append(key)
        return out

    def wait_state_count(self, key, count, timeout=20):
        wait_for(lambda: self.states().count(key) >= count, timeout,
                 what="%d %s=1 notifications (got %s)" % (count, key, self.states()))

    def statuses(self):
        return [f["STATUS"] for _, f in self.snapshot() if "STATUS" in f]

    def watchdog_times(self):
        return [t for t, f in self.snapshot() if f.get("WATCHDOG") == "1"]

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


class EnvDaemon(Daemon):
    """A Daemon started with extra environment (NOTIFY_SOCKET, WATCHDOG_USEC...)."""

    def __init__(self, workdir, env=None, **kw):
        self.extra_env = env or {}
        super().__init__(workdir, **kw)

    def start(self, require_ok=True, timeout=20):
        env = dict(os.environ, **self.extra_env)
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([ctrtest.daemon_binary(), "daemon", "--config",
                                      self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=self._stderr,
                                     stderr=self._stderr, start_new_session=True, env=env)
        self.wait_ready(require_ok=require_ok, timeout=timeout)
        return self

    def workers(self):
        return sorted(ctrtest._children_of(self.proc.pid))

    def rewrite_config(self, **sections):
        """Rewrites the config file with these section overrides on top of the first."""
        overrides = {s: dict(v) for s, v in self.config.items()}
        for section, values in sections.items():
            overrides.setdefault(section, {}).update(values)
        self.config = ctrtest.write_config(self.config_path, overrides)


def make_daemon(workdir, fake_socket, env=None, **sections):
    """An EnvDaemon on the fake Incus with authentication off (loopback only)."""
    sections.setdefault("auth", {"method": "none"})
    return EnvDaemon(workdir, env=env, incus_socket=fake_socket, **sections)


def cpu_seconds(pid):
    """User + system CPU time of pid, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def info_call(target):
    """One GetSystemInfo on a fresh channel to target ("host:port" or "unix:path")."""
    ch = grpc.insecure_channel(target)
    try:
        return pb.grpc.ContainerServiceStub(ch).GetSystemInfo(
            pb.service.GetSystemInfoRequest(), timeout=10)
    finally:
        ch.close()


# ---------------------------------------------------------------------------------------
# a real systemd-journald

def _journal_socket_alive():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(JOURNAL_SOCKET)
        return True
    except OSError:
        return False
    finally:
        s.close()


class Journald:
    """systemd-journald serving /run/systemd/journal/socket: the one already running,
    or one this test run starts (and stops again)."""

    def __init__(self):
        self.proc = None

    def start(self):
        if _journal_socket_alive():
            return self
        assert os.access(JOURNALD, os.X_OK), "%s missing (package systemd)" % JOURNALD
        os.makedirs("/run/systemd/journal", exist_ok=True)
        self.proc = subprocess.Popen([JOURNALD], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        wait_for(lambda: self.proc.poll() is None and _journal_socket_alive(), 15,
                 what="systemd-journald to serve %s" % JOURNAL_SOCKET)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            # The socket file stays behind; remove it so no later process takes a
            # dead socket for a journal.
            for name in ("socket", "stdout", "dev-log"):
                try:
                    os.unlink(os.path.join("/run/systemd/journal", name))
                except OSError:
                    pass

    @staticmethod
    def entries(*matches, since=None):
        """journalctl -o json entries matching "FIELD=value" terms."""
        cmd = ["journalctl", "--no-pager", "-o", "json"]
        if since:
            cmd += ["--since", since]
        r = subprocess.run(cmd + list(matches), capture_output=True, text=True, timeout=30)
        assert r.returncode in (0, 1), "journalctl failed: %s" % r.stderr
        return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
