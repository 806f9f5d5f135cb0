"""The daemon's life under signals, the way an admin's systemctl drives it: SIGHUP
reloads while clients hammer it (no call fails), a bad config on reload is refused and
the old one keeps serving, SIGTERM with calls in flight answers each of them and exits
0, a worker killed by SIGSEGV is replaced, and a worker that keeps dying at start-up is
respawned with a growing delay instead of a busy loop."""

import os
import re
import signal
import threading
import time
import uuid

import grpc
import pytest

from ctrtest import create_request, pb, wait_for
from systemd_helpers import cpu_seconds, make_daemon

Code = grpc.StatusCode


class Hammer:
    """Threads making calls in a loop, each on its own connection (TCP or admin),
    until stopped; records every failure."""

    def __init__(self, d, threads=4):
        self.d = d
        self.stop_flag = threading.Event()
        self.ok = 0
        self.failures = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i % 4 == 3,), daemon=True)
                        for i in range(threads)]

    def _run(self, admin):
        target = "unix:" + self.d.admin_socket if admin else self.d.address
        ch = grpc.insecure_channel(target)
        stub = pb.grpc.ContainerServiceStub(ch)
        calls = [(stub.GetSystemInfo, pb.service.GetSystemInfoRequest()),
                 (stub.ListContainers, pb.service.ListContainersRequest()),
                 (stub.GetContainer, pb.service.GetContainerRequest(username="bob"))]
        n = 0
        while not self.stop_flag.is_set():
            call, req = calls[n % len(calls)]
            n += 1
            try:
                call(req, timeout=15)
                with self.lock:
                    self.ok += 1
            except grpc.RpcError as e:
                with self.lock:
                    self.failures.append("%s on %s: %s %s" % (
                        type(req).__name__, target, e.code().name, e.details()))
        ch.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(30)


def _wait_generation(d, old, count, timeout=20):
    """Waits until `count` workers run and none of `old` is among them."""
    wait_for(lambda: len(d.workers()) == count and not set(old) & set(d.workers()),
             timeout, what="a new generation of %d workers (now %s, old %s)" % (
                 count, d.workers(), old))


@pytest.mark.timeout(120)
def test_sighup_under_load_loses_no_call(tmp_path, fake_incus):
    fake = fake_incus()
    d = make_daemon(str(tmp_path / "d"), fake.socket_path,
                    server={"workers": "2", "drain_timeout": "5"}).start()
    try:
        with Hammer(d) as h:
            time.sleep(1.0)
            for workers in ("3", "2"):
                old = d.workers()
                d.rewrite_config(server={"workers": workers})
                d.proc.send_signal(signal.SIGHUP)
                _wait_generation(d, old, int(workers))
                time.sleep(1.0)
        assert h.failures == [], "%d of %d calls failed across reloads: %s" % (
            len(h.failures), h.ok + len(h.failures), h.failures[:5])
        assert h.ok > 50, "only %d calls made" % h.ok
        log = d.log_text()
        assert log.count("Reloaded ") == 2
        assert "is replaced; draining it" in log
    finally:
        assert d.stop() == []


@pytest.mark.timeout(90)
def test_bad_config_on_reload_keeps_the_old_one(tmp_path, fake_incus):
    fake = fake_incus()
    d = make_daemon(str(tmp_path / "d"), fake.socket_path, server={"workers": "2"}).start()
    try:
        before = d.workers()
        good = open(d.config_path).read()
        with open(d.config_path, "w") as f:
            f.write(good.replace("workers = 2", "workers = banana"))
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "Reload refused" in d.log_text(), 10, what="the refusal")
        line = [l for l in d.log_text().splitlines() if "Reload refused" in l][0]
        assert re.search(re.escape(d.config_path) + r":\d+: .*workers", line), line
        time.sleep(1.0)
        assert d.workers() == before, "workers were replaced by a refused reload"
        d.stub.ListContainers(pb.service.ListContainersRequest(), timeout=10)
        d.assert_alive()
        # Fixed, the same signal works.
        with open(d.config_path, "w") as f:
            f.write(good.replace("workers = 2", "workers = 3"))
        d.proc.send_signal(signal.SIGHUP)
        _wait_generation(d, before, 3)
        d.stub.ListContainers(pb.service.ListContainersRequest(), timeout=10)
    finally:
        assert d.stop() == []


def _in_flight(fake, name, timeout=10):
    wait_for(lambda: any(r.get("method") == "POST" and "/instances" in r.get("path", "") and
                         name in str(r.get("body", "")) for r in fake.requests()),
             timeout, what="the create of %s to reach Incus" % name)


def _create_in_thread(d, user, keys, results):
    def run():
        try:
            d.client().CreateContainer(create_request(user, [keys.a.pub]), timeout=60)
            results[user] = Code.OK
        except grpc.RpcError as e:
            results[user] = e.code()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@pytest.mark.timeout(120)
def test_sigterm_answers_calls_in_flight_then_exits_0(tmp_path, fake_incus, keys):
    fake = fake_incus(mode="slow_create", slow_create_seconds=3)
    d = make_daemon(str(tmp_path / "d"), fake.socket_path,
                    server={"workers": "2", "drain_timeout": "20"}).start()
    results = {}
    users = ["term" + uuid.uuid4().hex[:6] for _ in range(3)]
    threads = [_create_in_thread(d, u, keys, results) for u in users]
    for u in users:
        _in_flight(fake, u)
    workers = d.workers()
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    rc = d.proc.wait(timeout=30)
    took = time.monotonic() - t0
    for t in threads:
        t.join(10)
    assert rc == 0, d.log_tail()
    assert results == {u: Code.OK for u in users}, results
    assert took < 20, "exit took %.1f s" % took
    assert not [w for w in workers if os.path.exists("/proc/%d" % w)], "workers outlived it"
    assert "Stopping: workers stop accepting" in d.log_text()
    d.stop()  # closes its log; it has exited already


@pytest.mark.timeout(120)
def test_reload_with_a_call_in_flight_answers_it(tmp_path, fake_incus, keys):
    """The old worker keeps its slot until it drained: the reply for its call reaches it."""
    fake = fake_incus(mode="slow_create", slow_create_seconds=3)
    d = make_daemon(str(tmp_path / "d"), fake.socket_path,
                    server={"workers": "1", "drain_timeout": "20"}).start()
    try:
        results = {}
        user = "rl" + uuid.uuid4().hex[:6]
        t = _create_in_thread(d, user, keys, results)
        _in_flight(fake, user)
        old = d.workers()
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: len(d.workers()) == 2, 10, what="the new worker next to the old")
        t.join(30)
        assert results == {user: Code.OK}
        _wait_generation(d, old, 1)
    finally:
        assert d.stop() == []


@pytest.mark.timeout(60)
def test_worker_killed_by_sigsegv_is_respawned(tmp_path, fake_incus):
    fake = fake_incus()
    # In a sanitizer build ASan would catch the signal and report; let it kill.
    asan = ":".join(o for o in (os.environ.get("ASAN_OPTIONS", ""), "handle_segv=0") if o)
    d = make_daemon(str(tmp_path / "d"), fake.socket_path, env={"ASAN_OPTIONS": asan},
                    server={"workers": "2"}).start()
    try:
        victim = d.workers()[0]
        os.kill(victim, signal.SIGSEGV)
        wait_for(lambda: len(d.workers()) == 2 and victim not in d.workers(), 10,
                 what="a replacement worker")
        wait_for(lambda: "was killed by signal 11" in d.log_text(), 5, what="the log line")
        for _ in range(6):
            d.client().ListContainers(pb.service.ListContainersRequest(), timeout=10)
    finally:
        assert d.stop() == []


@pytest.mark.timeout(90)
def test_crash_loop_at_start_up_is_throttled(tmp_path, fake_incus):
    """Each worker is killed the moment it appears: the respawn delay doubles, the master
    stays idle in between, and the log says so."""
    fake = fake_incus()
    d = make_daemon(str(tmp_path / "d"), fake.socket_path, server={"workers": "1"}).start()
    try:
        master_cpu = cpu_seconds(d.proc.pid)
        spawn_times = []
        deadline = time.monotonic() + 20
        while len(spawn_times) < 6 and time.monotonic() < deadline:
            for pid in d.workers():
                try:
                    os.kill(pid, signal.SIGKILL)
                    spawn_times.append(time.monotonic())
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        gaps = [b - a for a, b in zip(spawn_times, spawn_times[1:])]
        if gaps and gaps[0] < 0.3:
            # The first worker had run over 5 s: not a start-up death, respawned at once.
            gaps = gaps[1:]
        assert len(gaps) >= 4, "only %d respawns in 20 s" % len(spawn_times)
        # 0.5, 1, 2, 4 s: each at least 1.6 times the one before.
        for a, b in zip(gaps, gaps[1:]):
            assert b >= 1.6 * a, "respawn delays do not grow: %s" % gaps
        assert gaps[0] >= 0.4, gaps
        assert cpu_seconds(d.proc.pid) - master_cpu < 1.0, "the master spun"
        log = d.log_text()
        for ms in ("500", "1000", "2000", "4000"):
            assert "respawning in %s ms" % ms in log
        assert "keeps dying at start-up" in log
        # Left alone, it comes back and serves.
        d.wait_ready(timeout=40)
    finally:
        assert d.stop() == []


@pytest.mark.timeout(60)
def test_a_call_longer_than_the_connection_age_completes(tmp_path, fake_incus, keys):
    """Connections are recycled at two fifths of drain_timeout (0.8 s here) with a
    graceful GOAWAY; a 4 s create on such a connection still gets its answer."""
    fake = fake_incus(mode="slow_create", slow_create_seconds=4)
    d = make_daemon(str(tmp_path / "d"), fake.socket_path,
                    server={"workers": "2", "drain_timeout": "2"}).start()
    try:
        results = {}
        user = "age" + uuid.uuid4().hex[:6]
        t = _create_in_thread(d, user, keys, results)
        t.join(30)
        assert results == {user: Code.OK}
    finally:
        assert d.stop() == []
