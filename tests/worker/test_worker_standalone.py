"""The worker process on its own: this file plays the master.

It creates the worker's IPC socketpair (SOCK_SEQPACKET), a TCP listener on
127.0.0.1 and an admin Unix listener, starts tests/unit/worker_driver (which
moves them to fds 3/4/5 and calls worker_main), answers each forwarded
Request with a Reply, and drives the worker with Debian's python3-grpcio as
an independent gRPC client.

Run:
    make BUILD=build-worker \
        LINK_ORDER="build-worker/libworker.a build-worker/libcommon.a build-worker/libgen.a" \
        build-worker/tests/worker_driver
    WORKER_DRIVER=build-worker/tests/worker_driver /usr/bin/python3 -m pytest -v tests/worker

With sanitizers, build into another directory with SANITIZE=address,undefined
and point WORKER_DRIVER at it; LSAN_OPTIONS gets tests/lsan.supp here.
"""

import os
import queue
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import grpc
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DRIVER = os.path.abspath(os.environ.get(
    "WORKER_DRIVER", os.path.join(ROOT, "build-worker", "tests", "worker_driver")))

IPC_HEADER = struct.Struct("<HHII")        # type, flags, request_id, payload_len
IPC_MAX_PACKET = 12 + 4 * 1024 * 1024
IPC_TYPE_REPLY, IPC_TYPE_LOG, IPC_TYPE_READY = 64, 65, 66
METHOD_GET_CONTAINER, METHOD_GET_SYSTEM_INFO = 3, 10
SO_SNDBUFFORCE, SO_RCVBUFFORCE = 32, 33

SERVICE = "/containarium.v1.ContainerService/"


def _generate_stubs(out):
    """Python modules for the protos, generated now (nothing checked in)."""
    protos = [os.path.join("proto", "containarium", "v1", name)
              for name in ("container.proto", "config.proto", "service.proto")]
    protos.append(os.path.join("proto", "containarium", "ipc", "ipc.proto"))
    try:
        import grpc_tools  # noqa: F401
        cmd = [sys.executable, "-m", "grpc_tools.protoc"]
    except ImportError:
        cmd = ["protoc", "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin"]
    subprocess.run(cmd + ["-Iproto", "--python_out=" + out, "--grpc_out=" + out]
                   + protos, cwd=ROOT, check=True)


_STUBS = tempfile.mkdtemp(prefix="containarium-worker-stubs-")
_generate_stubs(_STUBS)
sys.path.insert(0, _STUBS)
from containarium.ipc import ipc_pb2  # noqa: E402
from containarium.v1 import container_pb2, service_pb2, service_pb2_grpc  # noqa: E402


# The worker drops to these ids (nobody) before serving, as under the master.
SANDBOX_IDS = ["--uid", "65534", "--gid", "65534"]


def _sanitizer_env():
    env = dict(os.environ)
    supp = os.path.join(ROOT, "tests", "lsan.supp")
    if os.path.exists(supp):
        env["LSAN_OPTIONS"] = "suppressions=%s:print_suppressions=0" % supp
    env.setdefault("ASAN_OPTIONS", "abort_on_error=0:exitcode=99")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:exitcode=98:print_stacktrace=1")
    return env


class FakeMaster:
    """The master's side of one worker: listeners, IPC channel, the process."""

    def __init__(self, tmp, max_message_bytes=65536, max_calls=64,
                 tcp=True, admin=True, extra_args=()):
        self.tmp = tmp
        self.sock, worker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        for s in (self.sock, worker_end):
            s.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, IPC_MAX_PACKET + 4096)
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, IPC_MAX_PACKET + 4096)
        self.tcp = self.admin = None
        fds = [worker_end.fileno(), -1, -1]
        if tcp:
            self.tcp = socket.create_server(("127.0.0.1", 0), backlog=128)
            self.port = self.tcp.getsockname()[1]
            fds[1] = self.tcp.fileno()
        if admin:
            self.admin_path = os.path.join(tmp, "admin.sock")
            self.admin = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.admin.bind(self.admin_path)
            self.admin.listen(128)
            fds[2] = self.admin.fileno()
        self.stderr_path = os.path.join(tmp, "worker.stderr")
        self.stderr = open(self.stderr_path, "wb")
        argv = [DRIVER] + [str(f) for f in fds] + [
            "--", "--id", "1", "--max-message-bytes", str(max_message_bytes),
            "--max-calls", str(max_calls)] + SANDBOX_IDS + list(extra_args)
        self.proc = subprocess.Popen(argv, pass_fds=[f for f in fds if f >= 0],
                                     stdin=subprocess.DEVNULL, stdout=self.stderr,
                                     stderr=self.stderr, env=_sanitizer_env())
        worker_end.close()
        self.packets = queue.Queue()
        self.logs = []
        self.logs_cond = threading.Condition()
        self.eof = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # -- the IPC channel ---------------------------------------------------

    def _read(self):
        while True:
            try:
                data = self.sock.recv(IPC_MAX_PACKET + 1)
            except OSError:
                data = b""
            if not data:
                self.eof = True
                self.packets.put(None)
                with self.logs_cond:
                    self.logs_cond.notify_all()
                return
            assert len(data) >= IPC_HEADER.size, "short packet from worker"
            ptype, flags, rid, plen = IPC_HEADER.unpack_from(data)
            assert flags == 0 and plen == len(data) - IPC_HEADER.size
            payload = data[IPC_HEADER.size:]
            if ptype == IPC_TYPE_LOG:
                line = ipc_pb2.LogLine.FromString(payload)
                assert rid == 0
                with self.logs_cond:
                    self.logs.append(line)
                    self.logs_cond.notify_all()
            else:
                self.packets.put((ptype, rid, payload))

    def next_packet(self, timeout=10):
        packet = self.packets.get(timeout=timeout)
        assert packet is not None, "worker closed the channel"
        return packet

    def no_packet(self, wait=0.5):
        try:
            packet = self.packets.get(timeout=wait)
        except queue.Empty:
            return True
        self.packets.put(packet)
        return False

    def wait_ready(self):
        ptype, rid, payload = self.next_packet(timeout=20)
        assert ptype == IPC_TYPE_READY and rid == 0
        assert ipc_pb2.Ready.FromString(payload).pid == self.proc.pid

    def next_request(self, timeout=10):
        """Returns (method, request_id, containarium.ipc.Request)."""
        ptype, rid, payload = self.next_packet(timeout)
        assert 1 <= ptype <= 63, "unexpected packet type %d" % ptype
        assert rid != 0
        return ptype, rid, ipc_pb2.Request.FromString(payload)

    def send(self, ptype, rid, payload, flags=0):
        self.sock.send(IPC_HEADER.pack(ptype, flags, rid, len(payload)) + payload)

    def reply(self, rid, status=0, message="", body=b""):
        msg = ipc_pb2.Reply(status=status, message=message, body=body)
        self.send(IPC_TYPE_REPLY, rid, msg.SerializeToString())

    def wait_log(self, text, timeout=10):
        end = time.monotonic() + timeout
        with self.logs_cond:
            while True:
                for line in self.logs:
                    if text in line.message:
                        return line
                left = end - time.monotonic()
                if left <= 0 or self.eof:
                    raise AssertionError("no log line with %r in %r" % (
                        text, [l.message for l in self.logs]))
                self.logs_cond.wait(left)

    # -- clients and the process -------------------------------------------

    def tcp_channel(self):
        return grpc.insecure_channel("127.0.0.1:%d" % self.port)

    def admin_channel(self):
        return grpc.insecure_channel("unix:" + self.admin_path)

    def wait_exit(self, timeout=15):
        return self.proc.wait(timeout=timeout)

    def stderr_text(self):
        if not self.stderr.closed:
            self.stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for s in (self.sock, self.tcp, self.admin):
            if s is not None:
                s.close()
        self.stderr.close()


def assert_clean_stderr(text):
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer"):
        assert marker not in text, text


@pytest.fixture
def tmp():
    path = tempfile.mkdtemp(prefix="containarium-worker-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def make_master(tmp):
    """Starts a worker under a fake master; on teardown it must stop cleanly
    on SIGTERM (exit 0) with no sanitizer report, unless the test ended it."""
    if not os.access(DRIVER, os.X_OK):
        pytest.fail("no worker driver at %s (see the module docstring)" % DRIVER)
    masters = []

    def make(**kwargs):
        m = FakeMaster(tmp, **kwargs)
        masters.append(m)
        m.wait_ready()
        return m

    yield make
    for m in masters:
        running = m.proc.poll() is None
        m.close()
        if running:
            assert m.proc.returncode == 0, m.stderr_text()
        assert_clean_stderr(m.stderr_text())


@pytest.fixture
def master(make_master):
    return make_master()


def raw_call(channel, method, body, **kwargs):
    """Sends body (bytes) as the request of method; returns a future."""
    stub = channel.unary_unary(SERVICE + method)
    return stub.future(body, **kwargs)


def system_info_reply(hostname="test"):
    info = container_pb2.SystemInfo(hostname=hostname, total_cpus=4)
    return service_pb2.GetSystemInfoResponse(info=info).SerializeToString()


# -- the tests ---------------------------------------------------------------


def test_valid_call_forwarded_and_answered(master):
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        fut = stub.GetSystemInfo.future(service_pb2.GetSystemInfoRequest(), timeout=10)
        method, rid, req = master.next_request()
        assert method == METHOD_GET_SYSTEM_INFO
        assert req.caller.transport == ipc_pb2.Caller.TCP
        assert req.caller.peer.startswith("ipv4:127.0.0.1:")
        port = int(req.caller.peer.rsplit(":", 1)[1])
        assert 0 < port < 65536 and port != master.port
        assert (req.caller.uid, req.caller.gid, req.caller.pid) == (-1, -1, -1)
        assert req.caller.bearer_token == ""
        assert req.body == b""
        master.reply(rid, body=system_info_reply())
        resp = fut.result(timeout=10)
        assert resp.info.hostname == "test" and resp.info.total_cpus == 4


def test_body_forwarded_byte_for_byte(master):
    # username "alice" plus an unknown field 111 (varint 1): the master must
    # see exactly what the client sent, unknown field included.
    body = service_pb2.GetContainerRequest(username="alice").SerializeToString() + b"\xf8\x06\x01"
    with master.tcp_channel() as ch:
        fut = raw_call(ch, "GetContainer", body, timeout=10)
        method, rid, req = master.next_request()
        assert method == METHOD_GET_CONTAINER
        assert req.body == body
        resp = service_pb2.GetContainerResponse(
            container=container_pb2.Container(name="alice-container", username="alice"))
        master.reply(rid, body=resp.SerializeToString())
        got = service_pb2.GetContainerResponse.FromString(fut.result(timeout=10))
        assert got.container.name == "alice-container"


def test_invalid_username_not_forwarded(master):
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            stub.GetContainer(service_pb2.GetContainerRequest(username="Bad User!"), timeout=10)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "username" in e.value.details()
        assert master.no_packet()


def test_malformed_protobuf(master):
    with master.tcp_channel() as ch:
        with pytest.raises(grpc.RpcError) as e:
            raw_call(ch, "GetContainer", b"\xff\xff\xff\xff", timeout=10).result()
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert e.value.details() == "request: malformed protobuf"
        assert master.no_packet()


def test_bearer_token_in_caller(master):
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        fut = stub.GetSystemInfo.future(service_pb2.GetSystemInfoRequest(), timeout=10,
                                        metadata=(("authorization", "Bearer " + token),))
        _, rid, req = master.next_request()
        assert req.caller.bearer_token == token
        master.reply(rid, body=system_info_reply())
        fut.result(timeout=10)
    # The token is a secret: it never appears in a log line.
    assert not any(token in line.message for line in master.logs)


@pytest.mark.parametrize("value,details", [
    ("Basic YWxpY2U6c2VjcmV0", 'authorization: expected "Bearer <token>"'),
    ("Bearer ", 'authorization: expected "Bearer <token>"'),
    ("Bearer " + "a" * 9000, "authorization: longer than 8192 bytes"),
])
def test_bad_authorization_refused(master, value, details):
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            stub.GetSystemInfo(service_pb2.GetSystemInfoRequest(), timeout=10,
                               metadata=(("authorization", value),))
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert e.value.details() == details
        assert master.no_packet()


def test_admin_socket_caller_is_peer_uid(master):
    with master.admin_channel() as ch, master.tcp_channel() as tcp_ch:
        # A TCP connection open at the same time must not be confused with it.
        tcp_fut = service_pb2_grpc.ContainerServiceStub(tcp_ch).GetSystemInfo.future(
            service_pb2.GetSystemInfoRequest(), timeout=10)
        _, tcp_rid, tcp_req = master.next_request()
        fut = service_pb2_grpc.ContainerServiceStub(ch).GetSystemInfo.future(
            service_pb2.GetSystemInfoRequest(), timeout=10)
        _, rid, req = master.next_request()
        assert req.caller.transport == ipc_pb2.Caller.ADMIN
        assert req.caller.peer == "unix:uid=%d" % os.getuid()
        assert req.caller.uid == os.getuid() == 0
        assert req.caller.gid == os.getgid()
        assert req.caller.pid == os.getpid()
        assert tcp_req.caller.transport == ipc_pb2.Caller.TCP
        master.reply(rid, body=system_info_reply("admin"))
        master.reply(tcp_rid, body=system_info_reply("tcp"))
        assert fut.result(timeout=10).info.hostname == "admin"
        assert tcp_fut.result(timeout=10).info.hostname == "tcp"


def test_error_reply_status_and_message(master):
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        fut = stub.GetContainer.future(service_pb2.GetContainerRequest(username="alice"), timeout=10)
        _, rid, _ = master.next_request()
        # A body with an error status is ignored.
        master.reply(rid, status=grpc.StatusCode.NOT_FOUND.value[0],
                     message="container alice-container not found", body=b"\x0a\x00")
        with pytest.raises(grpc.RpcError) as e:
            fut.result(timeout=10)
        assert e.value.code() == grpc.StatusCode.NOT_FOUND
        assert e.value.details() == "container alice-container not found"


def test_oversize_request_refused_by_grpc(master):
    body = service_pb2.GetContainerRequest(username="alice").SerializeToString()
    body += b"\xfa\x06" + b"\x80\x80\x08" + b"x" * 131072   # field 111, 128 KiB
    with master.tcp_channel() as ch:
        with pytest.raises(grpc.RpcError) as e:
            raw_call(ch, "GetContainer", body, timeout=10).result()
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert master.no_packet()


def test_fifty_concurrent_calls_answered_out_of_order(master):
    users = ["user%02d" % i for i in range(50)]
    channels = [master.tcp_channel() for _ in range(3)] + [master.admin_channel()]
    try:
        futs = {}
        for i, user in enumerate(users):
            stub = service_pb2_grpc.ContainerServiceStub(channels[i % len(channels)])
            futs[user] = stub.GetContainer.future(
                service_pb2.GetContainerRequest(username=user), timeout=20)
        pending = []
        for _ in users:
            _, rid, req = master.next_request()
            pending.append((rid, service_pb2.GetContainerRequest.FromString(req.body).username))
        assert sorted(u for _, u in pending) == users
        assert len({rid for rid, _ in pending}) == 50
        random.Random(7).shuffle(pending)
        for rid, user in pending:
            resp = service_pb2.GetContainerResponse(
                container=container_pb2.Container(name=user + "-container", username=user))
            master.reply(rid, body=resp.SerializeToString())
        for user, fut in futs.items():
            assert fut.result(timeout=20).container.username == user
    finally:
        for ch in channels:
            ch.close()


def test_max_calls_bound(make_master):
    master = make_master(max_calls=2)
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        first = [stub.GetSystemInfo.future(service_pb2.GetSystemInfoRequest(), timeout=10)
                 for _ in range(2)]
        rids = [master.next_request()[1] for _ in range(2)]
        with pytest.raises(grpc.RpcError) as e:
            stub.GetSystemInfo(service_pb2.GetSystemInfoRequest(), timeout=10)
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert e.value.details() == "worker busy"
        for rid in rids:
            master.reply(rid, body=system_info_reply())
        for fut in first:
            fut.result(timeout=10)
        # The slots are free again.
        fut = stub.GetSystemInfo.future(service_pb2.GetSystemInfoRequest(), timeout=10)
        master.reply(master.next_request()[1], body=system_info_reply())
        fut.result(timeout=10)


def test_cancelled_call_frees_its_slot_and_late_reply_is_dropped(make_master):
    master = make_master(max_calls=1)
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            fut = stub.GetSystemInfo.future(service_pb2.GetSystemInfoRequest(), timeout=0.5)
            _, late_rid, _ = master.next_request()
            fut.result(timeout=10)
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        time.sleep(0.3)   # the worker sees the cancellation
        fut = stub.GetSystemInfo.future(service_pb2.GetSystemInfoRequest(), timeout=10)
        _, rid, _ = master.next_request()
        assert rid != late_rid
        master.reply(late_rid, body=system_info_reply("late"))   # dropped quietly
        master.reply(rid, body=system_info_reply("current"))
        assert fut.result(timeout=10).info.hostname == "current"
    assert master.proc.poll() is None


def test_log_line_arrives_as_ipc_log(master):
    line = master.wait_log("Worker 1 serving")
    assert line.priority == 6   # LOG_INFO


def test_tcp_absent_admin_only(make_master):
    master = make_master(tcp=False)
    with master.admin_channel() as ch:
        fut = service_pb2_grpc.ContainerServiceStub(ch).GetSystemInfo.future(
            service_pb2.GetSystemInfoRequest(), timeout=10)
        _, rid, req = master.next_request()
        assert req.caller.transport == ipc_pb2.Caller.ADMIN
        master.reply(rid, body=system_info_reply())
        fut.result(timeout=10)


@pytest.mark.parametrize("packet", [
    b"garbage",                                                   # short
    IPC_HEADER.pack(IPC_TYPE_REPLY, 0, 1, 10) + b"x",             # length mismatch
    IPC_HEADER.pack(IPC_TYPE_REPLY, 1, 1, 0),                     # flags
    IPC_HEADER.pack(99, 0, 1, 0),                                 # unknown type
    IPC_HEADER.pack(IPC_TYPE_READY, 0, 0, 0),                     # not for a worker
    IPC_HEADER.pack(IPC_TYPE_REPLY, 0, 0, 0),                     # request id 0
    IPC_HEADER.pack(IPC_TYPE_REPLY, 0, 5, 3) + b"\xff\xff\xff",  # bad protobuf
    IPC_HEADER.pack(IPC_TYPE_REPLY, 0, 5, 2) + b"\x08\x63",      # status 99
])
def test_garbage_from_master_is_fatal(make_master, packet):
    master = make_master()
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        fut = stub.GetSystemInfo.future(service_pb2.GetSystemInfoRequest(), timeout=10)
        master.next_request()
        master.sock.send(packet)
        assert master.wait_exit() == 1
        with pytest.raises(grpc.RpcError) as e:
            fut.result(timeout=10)
        assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    assert_clean_stderr(master.stderr_text())


def test_master_closing_channel_stops_worker(make_master):
    master = make_master()
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        fut = stub.GetSystemInfo.future(service_pb2.GetSystemInfoRequest(), timeout=10)
        master.next_request()
        master.sock.shutdown(socket.SHUT_RDWR)
        master.sock.close()
        assert master.wait_exit() == 0
        with pytest.raises(grpc.RpcError) as e:
            fut.result(timeout=10)
        assert e.value.code() == grpc.StatusCode.UNAVAILABLE


def test_sigterm_drains_pending_calls(make_master):
    master = make_master()
    with master.tcp_channel() as ch:
        stub = service_pb2_grpc.ContainerServiceStub(ch)
        fut = stub.GetSystemInfo.future(service_pb2.GetSystemInfoRequest(), timeout=10)
        _, rid, _ = master.next_request()
        master.proc.send_signal(signal.SIGTERM)
        master.wait_log("Worker stopping: signal received")
        master.reply(rid, body=system_info_reply("drained"))
        assert fut.result(timeout=10).info.hostname == "drained"
    assert master.wait_exit() == 0


def test_many_connections_one_call_each(master):
    for i in range(30):
        with (master.admin_channel() if i % 2 else master.tcp_channel()) as ch:
            fut = service_pb2_grpc.ContainerServiceStub(ch).GetSystemInfo.future(
                service_pb2.GetSystemInfoRequest(), timeout=10)
            _, rid, req = master.next_request()
            want = ipc_pb2.Caller.ADMIN if i % 2 else ipc_pb2.Caller.TCP
            assert req.caller.transport == want
            master.reply(rid, body=system_info_reply(str(i)))
            assert fut.result(timeout=10).info.hostname == str(i)


@pytest.mark.parametrize("args", [
    [],
    ["--id", "1", "--max-message-bytes", "65536"],
    ["--id", "x", "--max-message-bytes", "65536", "--max-calls", "4"],
    ["--id", "1", "--max-message-bytes", "-5", "--max-calls", "4"],
    ["--id", "1", "--max-message-bytes", "65536", "--max-calls", "0"],
    ["--id", "1", "--max-message-bytes", "65536", "--max-calls", "4", "--bogus", "1"],
    ["--id", "1", "--id", "2", "--max-message-bytes", "65536", "--max-calls", "4"],
    # the sandbox's ids: required, never root
    ["--id", "1", "--max-message-bytes", "65536", "--max-calls", "4"],
    ["--id", "1", "--max-message-bytes", "65536", "--max-calls", "4",
     "--uid", "0", "--gid", "65534"],
    ["--id", "1", "--max-message-bytes", "65536", "--max-calls", "4",
     "--uid", "65534", "--gid", "0"],
])
def test_bad_command_line_exits_2(args):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with a, b:
        proc = subprocess.run([DRIVER, str(b.fileno()), "-1", "-1", "--"] + args,
                              pass_fds=[b.fileno()], capture_output=True, env=_sanitizer_env(),
                              timeout=20)
    assert proc.returncode == 2
    assert b"Bad worker command line" in proc.stderr


def test_missing_ipc_fd_exits_2():
    proc = subprocess.run([DRIVER, "-1", "-1", "-1", "--", "--id", "1",
                           "--max-message-bytes", "65536", "--max-calls", "4"] + SANDBOX_IDS,
                          capture_output=True, env=_sanitizer_env(), timeout=20)
    assert proc.returncode == 2
    assert b"fd 3 (IPC) is missing" in proc.stderr
