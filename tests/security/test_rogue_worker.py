"""The master trusts no worker (issue 3, item 8).

The real master (tests/security/rogue_daemon.c links the daemon's own libmaster.a) runs
with workers that hand their IPC channel and listeners to this test, which then plays a
worker taken over by an attacker: it sends whatever it likes. The master must

  - kill a worker for a malformed, oversized or unexpected message, and carry on;
  - verify credentials itself: a forged or unsigned token, a claimed uid 0, a claimed
    certificate identity, or a connection that is not an admin's gets nothing;
  - let a worker act for an admin only with that admin's live connection.

Run: ROGUE_DAEMON=build/tests/rogue_daemon /usr/bin/python3 -m pytest tests/security
"""

import array
import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pytest

HEADER = struct.Struct("<HHII")
MAX_PACKET = 12 + 4 * 1024 * 1024
REPLY, LOG, READY, PING, PONG = 64, 65, 66, 67, 68
M = {"CreateContainer": 1, "ListContainers": 2, "GetContainer": 3, "DeleteContainer": 4,
     "GetSystemInfo": 10, "Login": 11, "ValidateToken": 12, "AddUser": 13,
     "ListUsers": 15}
TCP, ADMIN = 1, 2
WORKERS = 8
OK, INVALID_ARGUMENT, PERMISSION_DENIED, UNAVAILABLE, UNAUTHENTICATED = 0, 3, 7, 14, 16


def binary():
    path = os.environ.get("ROGUE_DAEMON")
    if not path:
        here = os.path.dirname(__file__)
        path = os.path.join(here, "..", "..", "build", "tests", "rogue_daemon")
    assert os.access(path, os.X_OK), "no rogue_daemon at %s (make check-security)" % path
    return path


class Rogue:
    """One worker slot under the test's control."""

    def __init__(self, control_conn, P):
        self.P = P
        data, fds, _, _ = socket.recv_fds(control_conn, 256, 4)
        words = data.decode().split()
        self.pid = int(words[1])
        self.control = control_conn
        self.ipc = socket.socket(fileno=fds[0])
        self.admin_listener = socket.socket(fileno=fds[2]) if len(fds) > 2 else None
        for fd in fds[1:2]:
            os.close(fd)
        self.next_id = 1
        self.pongs = 0

    def send(self, mtype, rid, payload, fds=None, flags=0):
        packet = HEADER.pack(mtype, flags, rid, len(payload)) + payload
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        self.ipc.sendmsg([packet], anc)

    def ready(self):
        self.send(READY, 0, self.P.ipc.Ready(pid=self.pid).SerializeToString())

    def _recv(self, timeout):
        self.ipc.settimeout(timeout)
        return self.ipc.recv(MAX_PACKET)

    def call(self, method, request, caller, fds=None, timeout=20):
        """Sends a request; returns (status, message, body bytes)."""
        rid = self.next_id
        self.next_id += 1
        body = self.P.ipc.Request(caller=caller, body=request.SerializeToString())
        self.send(M[method], rid, body.SerializeToString(), fds=fds)
        deadline = time.monotonic() + timeout
        while True:
            data = self._recv(max(0.1, deadline - time.monotonic()))
            assert data, "the master closed the channel of a worker that broke no rule"
            mtype, _, got_id, length = HEADER.unpack_from(data)
            payload = data[HEADER.size:]
            assert len(payload) == length
            if mtype == PING:
                seq = self.P.ipc.Ping.FromString(payload).sequence
                self.send(PONG, 0, self.P.ipc.Pong(sequence=seq).SerializeToString())
                continue
            assert mtype == REPLY and got_id == rid, (mtype, got_id, rid)
            r = self.P.ipc.Reply.FromString(payload)
            return r.status, r.message, r.body

    def expect_killed(self, timeout=10):
        """The master closes the channel and the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = self._recv(0.5)
            except socket.timeout:
                continue
            except ConnectionResetError:
                break
            if not data:
                break
            if HEADER.unpack_from(data)[0] == PING:
                continue
            raise AssertionError("worker got a message instead of being killed: %r" % data[:40])
        else:
            raise AssertionError("the master did not close the channel of a rogue worker")
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            with open("/proc/%d/stat" % self.pid) as f:
                if f.read().split(") ")[1][0] == "Z":
                    return
            time.sleep(0.05)
        raise AssertionError("rogue worker pid %d still alive" % self.pid)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(key, sub, alg="HS256"):
    now = int(time.time())
    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps({"iss": "containarium", "sub": sub, "iat": now,
                           "exp": now + 60}).encode())
    if alg == "none":
        return header + "." + body + "."
    sig = hmac.new(key, (header + "." + body).encode(), hashlib.sha256).digest()
    return header + "." + body + "." + b64(sig)


@pytest.fixture
def harness(protos, tmp_path):
    """The master with WORKERS rogue slots; yields (proc, rogues, paths)."""
    open_dir = tempfile.mkdtemp(prefix="ctr-rogue-")
    os.chmod(open_dir, 0o755)
    control_path = os.path.join(str(tmp_path), "control.sock")
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    control.bind(control_path)
    control.listen(64)
    admin_sock = os.path.join(open_dir, "admin.sock")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = os.path.join(str(tmp_path), "rogue.ini")
    with open(cfg, "w") as f:
        f.write("""[server]
listen = 127.0.0.1:%d
admin_socket = %s
admin_group =
workers = %d
worker_user = nobody
[incus]
socket = %s/no-incus.sock
[auth]
method = token
secret_file = %s/jwt.secret
users_file = %s/users
login_max_failures = 100
[cache]
enabled = false
[logging]
level = debug
target = stderr
""" % (port, admin_sock, WORKERS, tmp_path, tmp_path, tmp_path))
    log_path = os.path.join(str(tmp_path), "master.log")
    log = open(log_path, "wb")
    proc = subprocess.Popen([binary(), "daemon", "--config", cfg], stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, env=dict(os.environ,
                                                               ROGUE_CONTROL=control_path),
                            start_new_session=True)
    control.settimeout(20)
    rogues = []
    try:
        for _ in range(WORKERS):
            conn, _ = control.accept()
            rogues.append(Rogue(conn, protos))
        yield proc, rogues, {"admin": admin_sock, "log": log_path, "control": control,
                             "secret": os.path.join(str(tmp_path), "jwt.secret")}
    finally:
        clean_exit = proc.poll() is None
        if clean_exit:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                clean_exit = False
        log.close()
        control.close()
        shutil.rmtree(open_dir, ignore_errors=True)
    # The master outlived every rogue, stopped cleanly, and (in a sanitized
    # build) no sanitizer reported anything.
    with open(log_path, errors="replace") as f:
        text = f.read()
    assert clean_exit and proc.returncode == 0, "master status %s:\n%s" % (
        proc.returncode, text[-3000:])
    for marker in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
        assert marker not in text, text[-3000:]


def admin_connection(rogue, path, as_uid=None):
    """A client connected to the admin socket (as root, or as uid in a child process
    that stays connected), and the server end, which the rogue accepts itself."""
    child = None
    if as_uid is None:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(path)
    else:
        code = ("import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]);"
                "print('up',flush=True); time.sleep(60)")

        def drop():
            os.setgroups([])
            os.setgid(as_uid)
            os.setuid(as_uid)
        child = subprocess.Popen(["/usr/bin/python3", "-c", code, path], preexec_fn=drop,
                                 stdout=subprocess.PIPE, cwd="/")
        assert child.stdout.readline().strip() == b"up"
        client = None
    rogue.admin_listener.settimeout(10)
    server_end, _ = rogue.admin_listener.accept()
    return client, server_end, child


def test_forged_credentials_get_nothing(harness, protos):
    proc, rogues, paths = harness
    P = protos
    r = rogues[0]
    r.ready()

    def tcp(token="", **kw):
        return P.ipc.Caller(transport=TCP, peer="ipv4:127.0.0.1:4000", bearer_token=token,
                            uid=-1, gid=-1, pid=-1, **kw)

    def admin_claim(uid=0):
        return P.ipc.Caller(transport=ADMIN, peer="unix:uid=%d" % uid, uid=uid, gid=0, pid=1)

    add_alice = P.admin.AddUserRequest(username="alice", role=P.admin.USER_ROLE_USER,
                                       password="alice-pw")
    # A real admin (root) is connected: with that very connection the worker may act.
    client, server_end, _ = admin_connection(r, paths["admin"])
    status, msg, _ = r.call("AddUser", add_alice, admin_claim(), fds=[server_end.fileno()])
    assert status == OK, msg
    # Once the admin has hung up, the same connection proves nothing.
    client.close()
    time.sleep(0.2)
    status, msg, _ = r.call("ListUsers", P.admin.ListUsersRequest(), admin_claim(),
                            fds=[server_end.fileno()])
    assert status == UNAUTHENTICATED, msg
    server_end.close()

    # A non-admin's connection, whatever uid the worker claims, is that non-admin's.
    os.chmod(paths["admin"], 0o666)
    _, server_end, child = admin_connection(r, paths["admin"], as_uid=65534)
    status, msg, _ = r.call("AddUser", P.admin.AddUserRequest(
        username="mallory", role=P.admin.USER_ROLE_ADMIN, password="x"), admin_claim(0),
        fds=[server_end.fileno()])
    assert status == PERMISSION_DENIED and "uid 65534" in msg, msg
    child.kill()
    child.wait()
    server_end.close()

    status, _, body = r.call("Login", P.service.LoginRequest(username="alice",
                                                             password="alice-pw"), tcp())
    assert status == OK
    token = P.service.LoginResponse.FromString(body).token
    with open(paths["secret"], "rb") as f:
        assert f.read()   # the test may read it; a worker (unprivileged) may not

    list_req = P.service.ListContainersRequest()
    cases = [
        # (what, method, request, caller, expected status)
        ("no token, claims uid 0 on TCP", "ListContainers", list_req,
         P.ipc.Caller(transport=TCP, peer="x", uid=0, gid=0, pid=1), UNAUTHENTICATED),
        ("forged token", "ListContainers", list_req, tcp(make_jwt(b"x" * 64, "alice")),
         UNAUTHENTICATED),
        ("alg none", "ListContainers", list_req, tcp(make_jwt(b"", "alice", "none")),
         UNAUTHENTICATED),
        ("claimed certificate identity with TLS off", "ListContainers", list_req,
         tcp(tls_identity="alice"), UNAUTHENTICATED),
        ("unknown transport", "ListContainers", list_req,
         P.ipc.Caller(transport=0, peer="x", bearer_token=token), UNAUTHENTICATED),
        ("user acts on another's container", "DeleteContainer",
         P.service.DeleteContainerRequest(username="bob", force=True), tcp(token),
         PERMISSION_DENIED),
        ("user management over TCP", "ListUsers", P.admin.ListUsersRequest(), tcp(token),
         PERMISSION_DENIED),
        ("invalid argument the worker should have caught", "GetContainer",
         P.service.GetContainerRequest(username="Bad Name"), tcp(token), INVALID_ARGUMENT),
    ]
    for what, method, req, caller, want in cases:
        status, msg, _ = r.call(method, req, caller)
        assert status == want, "%s: got %d %s" % (what, status, msg)
    # The user's own call goes through (to an Incus that is not there).
    status, msg, _ = r.call("GetContainer", P.service.GetContainerRequest(username="alice"),
                            tcp(token))
    assert status == UNAVAILABLE, msg
    assert proc.poll() is None
    with open(paths["log"], errors="replace") as f:
        text = f.read()
    assert "Killing worker" not in text
    assert "alice-pw" not in text and token not in text


def test_protocol_violations_kill_the_worker_not_the_master(harness, protos):
    proc, rogues, paths = harness
    P = protos
    for r in rogues:
        r.ready()
    good_caller = P.ipc.Caller(transport=TCP, peer="ipv4:127.0.0.1:1", uid=-1, gid=-1, pid=-1)
    good = P.ipc.Request(caller=good_caller,
                         body=P.service.GetSystemInfoRequest().SerializeToString())
    admin_caller = P.ipc.Caller(transport=ADMIN, peer="unix:uid=0", uid=0, gid=0, pid=1)
    admin_req = P.ipc.Request(caller=admin_caller,
                              body=P.admin.ListUsersRequest().SerializeToString())

    def length_mismatch(r):
        payload = good.SerializeToString()
        r.ipc.sendmsg([HEADER.pack(10, 0, 1, len(payload) + 5) + payload])

    def oversized(r):
        r.ipc.sendmsg([HEADER.pack(10, 0, 1, MAX_PACKET) + b"\0" * MAX_PACKET])

    def unexpected_type(r):
        r.send(REPLY, 1, P.ipc.Reply(status=0).SerializeToString())

    def body_not_the_message(r):
        r.send(1, 1, P.ipc.Request(caller=good_caller, body=b"\xff\xff\xff\xff").SerializeToString())

    def admin_without_connection(r):
        r.send(15, 1, admin_req.SerializeToString())

    def client_end_as_admin_connection(r):
        # The client end of root's own connection: SO_PEERCRED there names the master
        # (uid 0), so the master must see it is no accepted admin connection.
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(paths["admin"])
        r.send(15, 1, admin_req.SerializeToString(), fds=[client.fileno()])
        client.close()

    def descriptor_with_a_log_line(r):
        a, b = socket.socketpair()
        r.send(LOG, 0, P.ipc.LogLine(priority=6, message="hi").SerializeToString(),
               fds=[a.fileno()])
        a.close()
        b.close()

    violations = [length_mismatch, oversized, unexpected_type, body_not_the_message,
                  admin_without_connection, client_end_as_admin_connection,
                  descriptor_with_a_log_line]
    assert len(violations) < WORKERS
    for r, violate in zip(rogues, violations):
        violate(r)
        r.expect_killed()
        assert proc.poll() is None, "the master died after %s" % violate.__name__
    with open(paths["log"], errors="replace") as f:
        text = f.read()
    assert text.count("Killing worker") == len(violations)
    for why in ("malformed packet", "message type 64 is not allowed",
                "request body is not a valid message",
                "admin-socket request without its connection",
                "no admin-socket client connection",
                "descriptor passed with a message that is no request"):
        assert why in text, why

    # The master still serves: an untouched worker, and a respawned one.
    spare = rogues[len(violations)]
    status, _, _ = spare.call("GetSystemInfo", P.service.GetSystemInfoRequest(), good_caller)
    assert status == UNAUTHENTICATED
    paths["control"].settimeout(20)
    conn, _ = paths["control"].accept()
    fresh = Rogue(conn, P)
    fresh.ready()
    status, _, _ = fresh.call("ValidateToken", P.service.ValidateTokenRequest(token="x.y.z"),
                              good_caller)
    assert status == OK
    assert proc.poll() is None
