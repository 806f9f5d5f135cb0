"""Helpers shared by the integration tests: the daemon under test, the real LXD, the
fake Incus, a Unix-socket relay that can play "Incus went away", and RPC assertions.

Fixtures live in conftest.py; this module holds the plain code they (and the tests) use.
Everything here is bounded in time: each wait has a deadline and fails loudly past it.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import grpc

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PYTHON = "/usr/bin/python3"
LXD_SOCKET = os.environ.get("CTR_LXD_SOCKET", "/var/lib/lxd/unix.socket")
PROJECT = os.environ.get("CTR_PROJECT", "containarium-test")
BRIDGE_NET = "10.77.13."
IMAGE_TINY = "ctr-tiny"
IMAGE_DEBIAN = "ctr-debian"
FAKE_INCUS = os.path.join(REPO, "tests", "fake_incus", "fake_incus.py")

MiB = 1024 * 1024
GiB = 1024 * MiB

# The generated stubs, filled in by conftest's `stubs` fixture:
# pb.container (container_pb2), pb.service (service_pb2), pb.grpc (service_pb2_grpc).
class _Stubs:
    container = None
    service = None
    grpc = None


pb = _Stubs()


WORKER_USER = "containarium"


def ensure_worker_user(name=WORKER_USER):
    """Creates the workers' system user when missing (as `make install` advises);
    returns its pwd entry."""
    import pwd
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", name], check=True, timeout=60)
        return pwd.getpwnam(name)


def daemon_binary():
    return os.environ.get("CONTAINARIUM_BIN") or os.path.join(REPO, "build", "containarium")


# ---------------------------------------------------------------------------------------
# small utilities

def wait_for(predicate, timeout, interval=0.1, what="condition"):
    """Poll predicate() until it returns a truthy value; return it. Fail past timeout."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - reported below if we time out
            last_exc = e
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s%s" % (
                timeout, what, "" if last_exc is None else " (last error: %r)" % last_exc))
        time.sleep(interval)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SIZE_UNITS = {"": 1, "B": 1, "kB": 10**3, "KB": 10**3, "MB": 10**6, "GB": 10**9,
               "TB": 10**12, "PB": 10**15, "EB": 10**18, "KiB": 2**10, "MiB": 2**20,
               "GiB": 2**30, "TiB": 2**40, "PiB": 2**50, "EiB": 2**60}


def parse_size(text):
    """Bytes in an Incus size string ("256MiB", "4GB", "268435456")."""
    m = re.fullmatch(r"\s*(\d+)\s*([kKMGTPE]i?B|B)?\s*", text)
    assert m, "not an Incus size: %r" % text
    unit = m.group(2) or ""
    if unit == "KB":
        unit = "kB"
    return int(m.group(1)) * _SIZE_UNITS[unit]


def call_failed(request):
    """True when the test's call phase failed (or never ran): fixtures use it to print
    logs, and to skip teardown checks that would only repeat the failure."""
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


def tail(path, lines=60):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)


# ---------------------------------------------------------------------------------------
# requests and RPC assertions

def create_request(username, keys=(), cpu="", memory="", disk="", image="", labels=None,
                   docker=False):
    return pb.service.CreateContainerRequest(
        username=username, ssh_keys=list(keys), image=image, enable_docker=docker,
        labels=labels or {},
        resources=pb.container.ResourceLimits(cpu=cpu, memory=memory, disk=disk))


def expect_error(call, request, code, field=None, timeout=30, metadata=None):
    """Make the call, which must fail with `code`; when `field` is given the status
    details must name it. Returns the grpc.RpcError."""
    try:
        reply = call(request, timeout=timeout, metadata=metadata)
    except grpc.RpcError as e:
        assert e.code() == code, "expected %s, got %s: %r" % (code.name, e.code().name,
                                                             e.details())
        if field is not None:
            assert field in (e.details() or ""), \
                "%s details should name the field %r: %r" % (code.name, field, e.details())
        return e
    raise AssertionError("expected %s, but the call succeeded: %s" % (code.name, reply))


def rpc_code(call, request, timeout=30):
    """The status code of a call (grpc.StatusCode.OK when it succeeds) and the reply or
    the error."""
    try:
        return grpc.StatusCode.OK, call(request, timeout=timeout)
    except grpc.RpcError as e:
        return e.code(), e


# ---------------------------------------------------------------------------------------
# LXD (or any Incus-API server) over its Unix socket

class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class IncusAPI:
    """A minimal REST client: enough for tests to look behind the daemon's back."""

    def __init__(self, socket_path=LXD_SOCKET, project=PROJECT, timeout=60):
        self.socket_path = socket_path
        self.project = project
        self.timeout = timeout

    def raw(self, method, path, body=None, headers=None, project=True):
        if project and self.project:
            sep = "&" if "?" in path else "?"
            path += sep + "project=" + urllib.parse.quote(self.project)
        conn = _UnixHTTPConnection(self.socket_path, self.timeout)
        try:
            data = body
            hdrs = dict(headers or {})
            if body is not None and not isinstance(body, (bytes, str)):
                data = json.dumps(body)
                hdrs.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def request(self, method, path, body=None, project=True):
        status, _, data = self.raw(method, path, body, project=project)
        doc = json.loads(data)
        return status, doc

    def get(self, path, project=True):
        status, doc = self.request("GET", path, project=project)
        assert status == 200 and doc["type"] == "sync", "GET %s: %s %s" % (path, status, doc)
        return doc["metadata"]

    def wait(self, doc, timeout=120):
        """Wait for an async operation document; return the finished operation."""
        assert doc["type"] == "async", doc
        status, op = self.request("GET", doc["operation"] + "/wait?timeout=%d" % timeout,
                                  project=False)
        assert status == 200, op
        return op["metadata"]

    def instance(self, name):
        """The instance with its state (recursion=1), or None when there is none."""
        status, doc = self.request("GET", "/1.0/instances/%s?recursion=1" % name)
        if status == 404:
            return None
        assert status == 200, doc
        return doc["metadata"]

    def instance_names(self):
        return [urllib.parse.urlsplit(u).path.rsplit("/", 1)[-1]
                for u in self.get("/1.0/instances")]

    def instances(self):
        return self.get("/1.0/instances?recursion=1")

    def ipv4(self, name):
        inst = self.instance(name)
        if not inst or not inst.get("state") or not inst["state"].get("network"):
            return None
        for addr in (inst["state"]["network"].get("eth0") or {}).get("addresses", []):
            if addr["family"] == "inet":
                return addr["address"]
        return None

    def pull(self, name, path):
        """(content bytes, headers) of a file in an instance, or (None, None)."""
        status, headers, data = self.raw(
            "GET", "/1.0/instances/%s/files?path=%s" % (name, urllib.parse.quote(path)))
        if status == 404:
            return None, None
        assert status == 200, (status, data[:300])
        return data, {k.lower(): v for k, v in headers.items()}

    def file_owner_mode(self, headers):
        def h(suffix):
            for prefix in ("x-lxd-", "x-incus-"):
                if prefix + suffix in headers:
                    return headers[prefix + suffix]
            raise AssertionError("no %s header in %s" % (suffix, headers))
        return int(h("uid")), int(h("gid")), int(h("mode"), 8)

    def passwd_entry(self, name, user):
        data, _ = self.pull(name, "/etc/passwd")
        assert data is not None, "%s has no /etc/passwd" % name
        for line in data.decode().splitlines():
            f = line.split(":")
            if f[0] == user:
                return f
        return None

    def delete_force(self, name, timeout=90):
        """Stop (forced) and delete an instance; quiet when it does not exist. LXD
        refuses an operation while another one (a concurrent stop or delete, from the
        daemon or another cleanup) holds the instance: retry until it is gone."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            status, doc = self.request("PUT", "/1.0/instances/%s/state" % name,
                                       {"action": "stop", "force": True, "timeout": 30})
            if status == 404:
                return
            if doc.get("type") == "async":
                self.wait(doc)
            status, doc = self.request("DELETE", "/1.0/instances/%s" % name)
            if status == 404:
                return
            last = doc
            if doc.get("type") == "async":
                last = self.wait(doc)
                if last["status"] == "Success":
                    return
            if self.instance(name) is None:
                return
            time.sleep(0.5)
        raise AssertionError("could not delete %s: %s" % (name, last))


def lxc(*args, timeout=120, check=True):
    """Run the lxc client against the test project; return CompletedProcess."""
    cmd = ["lxc"] + list(args)
    r = subprocess.run(cmd, capture_output=True, timeout=timeout,
                       env=dict(os.environ, LXD_DIR=os.path.dirname(LXD_SOCKET)))
    if check:
        assert r.returncode == 0, "%s failed (%d): %s %s" % (
            " ".join(cmd), r.returncode, r.stdout.decode(errors="replace"),
            r.stderr.decode(errors="replace"))
    return r


def lxc_exec(name, *command, timeout=60, check=True):
    return lxc("exec", "--project", PROJECT, name, "--", *command, timeout=timeout,
               check=check)


def cleanup_containers(api, names=None):
    """Delete every instance named *-container in the project (or just `names`)."""
    if names is None:
        names = [n for n in api.instance_names() if n.endswith("-container")]
    for name in names:
        api.delete_force(name)
    return names


# ---------------------------------------------------------------------------------------
# the daemon under test

DEFAULT_CONFIG = {
    "server": {"listen": None, "admin_socket": None, "workers": "2"},
    "incus": {"socket": LXD_SOCKET, "project": PROJECT, "timeout": "60"},
    "containers": {"image": IMAGE_TINY, "cpu": "1", "memory": "256MiB", "disk": "",
                   "docker": "false"},
    "logging": {"level": "debug", "target": "stderr"},
    # Tests of other features call the TCP port without tokens; test_auth*.py
    # set method = token (allowed with none only because listen is loopback).
    "auth": {"method": "none"},
}


def write_config(path, overrides):
    """Write an INI config from DEFAULT_CONFIG updated with {section: {key: value}}."""
    config = {s: dict(v) for s, v in DEFAULT_CONFIG.items()}
    for section, values in overrides.items():
        config.setdefault(section, {}).update(values)
    with open(path, "w") as f:
        for section, values in config.items():
            f.write("[%s]\n" % section)
            for k, v in values.items():
                f.write("%s = %s\n" % (k, "" if v is None else v))
            f.write("\n")
    return config


def _children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def _alive(pid):
    """True when pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].split()[0] != "Z"


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                     "ERROR: UndefinedBehaviorSanitizer")


class Daemon:
    """One `containarium daemon --config F` process with its own config and log."""

    def __init__(self, workdir, incus_socket=LXD_SOCKET, **sections):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.port = free_port()
        self.admin_socket = os.path.join(workdir, "admin.sock")
        self.config_path = os.path.join(workdir, "containarium.ini")
        self.stderr_path = os.path.join(workdir, "daemon.stderr")
        overrides = {"server": {"listen": "127.0.0.1:%d" % self.port,
                                "admin_socket": self.admin_socket},
                     "incus": {"socket": incus_socket},
                     "auth": {"secret_file": os.path.join(workdir, "jwt.secret"),
                              "users_file": os.path.join(workdir, "users")}}
        for section, values in sections.items():
            overrides.setdefault(section, {}).update(values)
        self.config = write_config(self.config_path, overrides)
        self.address = "127.0.0.1:%d" % self.port
        self.proc = None
        self._stderr = None
        self._channels = []
        self._stub = None

    # -- process ---------------------------------------------------------------------
    def start(self, require_ok=True, timeout=20):
        binary = daemon_binary()
        assert os.access(binary, os.X_OK), "no daemon binary at %s (set CONTAINARIUM_BIN)" % binary
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([binary, "daemon", "--config", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=self._stderr,
                                     stderr=self._stderr, start_new_session=True)
        self.wait_ready(require_ok=require_ok, timeout=timeout)
        return self

    def log_tail(self, lines=60):
        return tail(self.stderr_path, lines)

    def log_text(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self):
        assert self.alive(), "daemon exited (status %s); stderr tail:\n%s" % (
            self.proc.returncode, self.log_tail())

    def wait_ready(self, require_ok=True, timeout=20):
        """Wait until the TCP endpoint serves gRPC and GetSystemInfo answers (with OK
        when require_ok, with any status from the daemon otherwise)."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            self.assert_alive()
            ch = grpc.insecure_channel(self.address)
            try:
                grpc.channel_ready_future(ch).result(timeout=1)
            except grpc.FutureTimeoutError:
                ch.close()
                last = "TCP endpoint %s not ready" % self.address
                continue
            try:
                pb.grpc.ContainerServiceStub(ch).GetSystemInfo(
                    pb.service.GetSystemInfoRequest(), timeout=5)
                ch.close()
                return
            except grpc.RpcError as e:
                last = "GetSystemInfo: %s %s" % (e.code().name, e.details())
                ch.close()
                if not require_ok and e.code() != grpc.StatusCode.UNIMPLEMENTED:
                    return
            time.sleep(0.2)
        raise AssertionError("daemon not ready in %d s (%s); stderr tail:\n%s" % (
            timeout, last, self.log_tail()))

    def stop(self, timeout=10):
        """SIGTERM; it must exit within `timeout` s, cleanly, workers with it. Returns a
        list of problems (empty when all went well)."""
        problems = []
        for ch in self._channels:
            ch.close()
        self._channels = []
        self._stub = None
        if self.proc is None:
            return problems
        if self.proc.poll() is not None:
            problems.append("daemon had already exited with status %s" % self.proc.returncode)
        else:
            kids = _children_of(self.proc.pid)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                problems.append("daemon did not exit within %d s of SIGTERM (killed)" % timeout)
            rc = self.proc.returncode
            if rc not in (0, -signal.SIGTERM):
                problems.append("daemon exited with status %s after SIGTERM" % rc)
            deadline = time.monotonic() + 5
            while any(_alive(k) for k in kids) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = [k for k in kids if _alive(k)]
            for k in left:
                try:
                    os.kill(k, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if left:
                problems.append("worker processes %s outlived the master" % left)
        if self._stderr:
            self._stderr.close()
            self._stderr = None
        text = self.log_text()
        for marker in SANITIZER_MARKERS:
            if marker in text:
                problems.append("sanitizer report in daemon stderr (%r)" % marker)
        return problems

    def kill_hard(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait(timeout=10)

    # -- clients ---------------------------------------------------------------------
    def channel(self, admin=False):
        """A new channel (a separate client connection) to the TCP or admin endpoint."""
        target = "unix:" + self.admin_socket if admin else self.address
        ch = grpc.insecure_channel(target)
        self._channels.append(ch)
        return ch

    def client(self, admin=False):
        return pb.grpc.ContainerServiceStub(self.channel(admin))

    @property
    def stub(self):
        if self._stub is None:
            self._stub = self.client()
        return self._stub


# ---------------------------------------------------------------------------------------
# the fake Incus, as a separate process

class FakeIncus:
    def __init__(self, workdir, mode="normal", server="incus", slow_create_seconds=5.0,
                 preload=True):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.socket_path = os.path.join(workdir, "incus.sock")
        self.log_path = os.path.join(workdir, "fake_incus.log")
        self.control_file = os.path.join(workdir, "fake_incus.control")
        self.args = ["--mode", mode, "--server", server, "--slow-create-seconds",
                     str(slow_create_seconds), "--control-file", self.control_file,
                     "--project", PROJECT]
        if not preload:
            self.args.append("--no-preload")
        self.proc = None
        self.api = IncusAPI(self.socket_path, project=PROJECT, timeout=30)

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([PYTHON, FAKE_INCUS, "--socket", self.socket_path]
                                     + self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=log,
                                     start_new_session=True)
        log.close()
        line = self._readline(10)
        assert line.startswith(b"READY"), "fake_incus did not start: %r\n%s" % (
            line, tail(self.log_path))
        return self

    def _readline(self, timeout):
        result = []
        t = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()),
                             daemon=True)
        t.start()
        t.join(timeout)
        return result[0] if result else b""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # abrupt, like a crashed Incus: connections just close
            self.proc.wait(timeout=10)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass

    def control(self, path, body=None):
        status, doc = self.api.request("POST" if body is not None else "GET",
                                       "/__fake/" + path, body, project=False)
        assert status == 200, doc
        return doc["metadata"]

    def set_mode(self, mode, **kw):
        return self.control("mode", dict(kw, mode=mode))

    def release(self):
        return self.control("release", {})

    def requests(self):
        return self.control("requests")

    def reset_requests(self):
        return self.control("reset", {})

    def state(self):
        return self.control("state")


# ---------------------------------------------------------------------------------------
# a Unix-socket relay: the daemon talks to it as to Incus; stop() makes Incus vanish

class UnixRelay:
    def __init__(self, path, upstream):
        self.path = path
        self.upstream = upstream
        self.listener = None
        self.conns = []
        self.lock = threading.Lock()

    def start(self):
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()
        return self

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                up.connect(self.upstream)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, up]
            for a, b in ((client, up), (up, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        """Close the listener and every relayed connection; remove the socket file."""
        if self.listener:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------------------------------
# SSH keys

class KeyPair:
    def __init__(self, directory, name, comment=None):
        self.path = os.path.join(directory, name)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                        comment or name, "-f", self.path], check=True, timeout=30)
        with open(self.path + ".pub") as f:
            self.pub = f.read().strip()
        self.type, self.blob = self.pub.split()[:2]

    def with_comment(self, comment):
        """The same public key with another comment (spaces and quotes allowed)."""
        return "%s %s %s" % (self.type, self.blob, comment)


def ssh(key_path, user, host, command, timeout=15):
    return subprocess.run(
        ["ssh", "-i", key_path, "-o", "StrictHostKeyChecking=no", "-o",
         "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
         "-o", "LogLevel=ERROR", "%s@%s" % (user, host), command],
        capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def which(prog):
    return shutil.which(prog) is not None


def python_env(stubs_dir):
    env = dict(os.environ)
    env["PYTHONPATH"] = stubs_dir + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


__all__ = [n for n in dir(sys.modules[__name__]) if not n.startswith("_")]
