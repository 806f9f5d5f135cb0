"""The daemon as a systemd service, with systemd's own tools and protocols:
socket activation through systemd-socket-activate (both listeners passed by name), the
sd_notify sequence READY -> RELOADING -> READY -> STOPPING with STATUS= and watchdog
pings read from a NOTIFY_SOCKET the test binds, and structured entries in a real
systemd-journald read back with journalctl."""

import os
import re
import signal
import socket
import subprocess
import time
import uuid

import grpc
import pytest

import ctrtest
from ctrtest import create_request, free_port, pb, wait_for
from systemd_helpers import Journald, NotifyReceiver, info_call, make_daemon

Code = grpc.StatusCode


# ---------------------------------------------------------------------------------------
# socket activation

def _activate(tmp_path, fdnames, config_overrides, fake_socket, notify=None):
    """Runs `systemd-socket-activate -l 127.0.0.1:P -l DIR/act.sock --fdname=... daemon`
    and returns (process, port, admin path, config, stderr path)."""
    port = free_port()
    admin = os.path.join(str(tmp_path), "act.sock")
    config = os.path.join(str(tmp_path), "containarium.ini")
    overrides = {"incus": {"socket": fake_socket}, "auth": {"method": "none"}}
    for section, values in config_overrides.items():
        overrides.setdefault(section, {}).update(values)
    ctrtest.write_config(config, overrides)
    stderr = os.path.join(str(tmp_path), "daemon.stderr")
    # systemd-socket-activate gives the program a fresh environment: -E passes more.
    extra = ["-E", "NOTIFY_SOCKET=" + notify] if notify else []
    with open(stderr, "wb") as err:
        proc = subprocess.Popen(["systemd-socket-activate", "-l", "127.0.0.1:%d" % port,
                                 "-l", admin, "--fdname=" + fdnames] + extra +
                                [ctrtest.daemon_binary(), "daemon", "--config", config],
                                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                start_new_session=True)
    wait_for(lambda: os.path.exists(admin), 10, what="systemd-socket-activate to bind")
    return proc, port, admin, config, stderr


def _kick(port):
    """systemd-socket-activate execs the daemon at the first connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def _stop(proc, timeout=15):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
            raise AssertionError("daemon did not exit within %d s of SIGTERM" % timeout)
    return proc.returncode


@pytest.mark.timeout(90)
def test_socket_activation_serves_grpc_and_admin(tmp_path, fake_incus):
    fake = fake_incus()
    unused_port = free_port()
    unused_admin = os.path.join(str(tmp_path), "config-admin.sock")
    notify = NotifyReceiver(os.path.join(str(tmp_path), "notify.sock"))
    proc, port, admin, _, stderr = _activate(
        tmp_path, "grpc:admin",
        {"server": {"listen": "127.0.0.1:%d" % unused_port, "admin_socket": unused_admin}},
        fake.socket_path, notify=notify.path)
    try:
        _kick(port)
        notify.wait_state_count("READY", 1)
        # gRPC on both inherited listeners; nothing on what the config names.
        info = info_call("127.0.0.1:%d" % port)
        assert info is not None
        ch = grpc.insecure_channel("unix:" + admin)
        listing = pb.grpc.ContainerServiceStub(ch).ListContainers(
            pb.service.ListContainersRequest(), timeout=10)
        ch.close()
        assert "bob-container" in {c.name for c in listing.containers}
        assert not os.path.exists(unused_admin), "bound the config's admin socket too"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", unused_port), timeout=2).close()
        text = open(stderr, errors="replace").read()
        assert "Serving on the sockets systemd passed: grpc admin" in text, text[-3000:]
        assert _stop(proc) == 0
        # The admin socket belongs to the socket unit: the daemon leaves it in place.
        assert os.path.exists(admin)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        notify.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fdnames, reason", [
    ("grpc:bogus", 'socket named "bogus"'),
    ("admin:grpc", 'passed as "admin" (fd 3) is not a listening Unix stream socket'),
])
def test_socket_activation_refuses_what_it_does_not_know(tmp_path, fake_incus, fdnames,
                                                         reason):
    fake = fake_incus()
    proc, port, _, _, stderr = _activate(tmp_path, fdnames, {}, fake.socket_path)
    try:
        _kick(port)
        proc.wait(timeout=20)
        text = open(stderr, errors="replace").read()
        assert proc.returncode not in (0, None), text
        assert "Refusing to start" in text and reason in text, text[-2000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------
# sd_notify and the watchdog

@pytest.mark.timeout(120)
def test_notify_sequence_status_and_watchdog(tmp_path, fake_incus):
    fake = fake_incus()
    notify = NotifyReceiver(os.path.join(str(tmp_path), "notify.sock"))
    d = make_daemon(os.path.join(str(tmp_path), "d"), fake.socket_path,
                    env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"},
                    server={"workers": "2", "drain_timeout": "5"})
    try:
        d.start()
        notify.wait_state_count("READY", 1)
        assert notify.states() == ["READY"]
        # STATUS: workers, open connections and requests served.
        stub = d.stub
        for _ in range(5):
            stub.ListContainers(pb.service.ListContainersRequest(), timeout=10)
        def status_seen():
            # A call each time keeps our connection open (connections are recycled
            # at two fifths of drain_timeout and a channel reconnects on its next call).
            stub.GetSystemInfo(pb.service.GetSystemInfoRequest(), timeout=10)
            return any("2 of 2 workers serving" in s and " 1 connections" in s and
                       int(s.split(", ")[2].split()[0]) >= 5 for s in notify.statuses())
        wait_for(status_seen, 10, interval=0.3,
                 what="a STATUS with 2 workers, our connection and >= 5 requests "
                      "(got %s)" % notify.statuses()[-3:])
        # WATCHDOG=1 at half of WATCHDOG_USEC.
        t0 = time.monotonic()
        time.sleep(2.6)
        pings = [t for t in notify.watchdog_times() if t >= t0]
        assert 4 <= len(pings) <= 7, "expected ~5 pings in 2.6 s, got %d" % len(pings)

        # A stuck worker stops the pings; they resume when it moves again.
        worker = d.workers()[0]
        os.kill(worker, signal.SIGSTOP)
        try:
            time.sleep(4.5)  # > 3 missed pings (1.6 s) plus a watchdog period
            t1 = time.monotonic()
            time.sleep(2.0)
            assert [t for t in notify.watchdog_times() if t >= t1] == [], \
                "watchdog fed while a worker was stopped"
        finally:
            os.kill(worker, signal.SIGCONT)
        t2 = time.monotonic()
        wait_for(lambda: [t for t in notify.watchdog_times() if t >= t2], 5,
                 what="watchdog pings to resume")
        assert "withholding the watchdog" in d.log_text()

        # SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 once new workers serve.
        before = time.monotonic()
        old = d.workers()
        d.proc.send_signal(signal.SIGHUP)
        notify.wait_state_count("READY", 2)
        reloading = [f for _, f in notify.snapshot() if f.get("RELOADING") == "1"]
        assert len(reloading) == 1
        usec = int(reloading[0]["MONOTONIC_USEC"])
        assert before * 1e6 - 1e6 <= usec <= time.monotonic() * 1e6, \
            "MONOTONIC_USEC %d is not CLOCK_MONOTONIC now" % usec
        wait_for(lambda: not set(old) & set(d.workers()), 15, what="old workers to exit")
        d.stub.ListContainers(pb.service.ListContainersRequest(), timeout=10)

        # Incus gone is not the daemon dead: the pings go on.
        fake.stop()
        code = None
        try:
            d.stub.ListContainers(pb.service.ListContainersRequest(), timeout=10)
        except grpc.RpcError as e:
            code = e.code()
        assert code == Code.UNAVAILABLE
        t3 = time.monotonic()
        time.sleep(2.1)
        assert len([t for t in notify.watchdog_times() if t >= t3]) >= 3, \
            "the watchdog stopped while Incus was down"

        # SIGTERM: STOPPING=1, exit 0.
        problems = d.stop(timeout=15)
        assert problems == []
        assert notify.states() == ["READY", "RELOADING", "READY", "STOPPING"]
    finally:
        if d.alive():
            d.kill_hard()
        notify.close()


# ---------------------------------------------------------------------------------------
# the journal

@pytest.mark.timeout(60)
def test_without_a_journal_auto_logs_plain_lines_to_stderr(tmp_path, fake_incus):
    """[logging] target = auto with no journal socket: plain lines on stderr. (Runs
    before this module starts a journald.)"""
    if os.path.exists("/run/systemd/journal/socket"):
        pytest.skip("a journal socket exists on this machine")
    fake = fake_incus()
    d = make_daemon(os.path.join(str(tmp_path), "d"), fake.socket_path,
                    logging={"target": "auto", "level": "notice"})
    try:
        d.start()
        text = d.log_text()
        assert re.search(r"containarium\[%d\]: notice: Containarium started" % d.proc.pid,
                         text), text[-2000:]
        assert ": info: " not in text and ": debug: " not in text   # level notice
    finally:
        assert d.stop() == []


@pytest.fixture(scope="module")
def journald():
    """A real systemd-journald (the running one, or one started here and stopped after
    this module)."""
    j = Journald().start()
    yield j
    j.stop()


@pytest.mark.timeout(90)
def test_journal_has_structured_audit_and_worker_entries(tmp_path, fake_incus, journald,
                                                         keys):
    fake = fake_incus()
    d = make_daemon(os.path.join(str(tmp_path), "d"), fake.socket_path,
                    logging={"target": "journal", "level": "info"})
    user = "jr" + uuid.uuid4().hex[:8]
    try:
        d.start()
        reply = d.client(admin=True).CreateContainer(create_request(user, [keys.a.pub]),
                                                     timeout=30)
        assert reply is not None
        pid = str(d.proc.pid)

        def audit_entry():
            found = Journald.entries("SYSLOG_IDENTIFIER=containarium", "_PID=" + pid,
                                     "CONTAINARIUM_OP=CreateContainer")
            return found[-1] if found else None
        entry = wait_for(audit_entry, 15, what="the audit entry in the journal")
        assert entry["PRIORITY"] == "5"                      # notice
        assert entry["CONTAINARIUM_CONTAINER"] == user + "-container"
        assert entry["CONTAINARIUM_CALLER"]                  # who, as the master saw it
        assert entry["CONTAINARIUM_PEER"].startswith("unix:")
        assert entry["CONTAINARIUM_RESULT"] == "OK"
        assert int(entry["CONTAINARIUM_DURATION_MS"]) >= 0
        assert entry["CONTAINARIUM_WORKER"].isdigit()
        assert user in entry["MESSAGE"]

        # Worker lines travel through the master, tagged with the worker.
        worker_lines = Journald.entries("SYSLOG_IDENTIFIER=containarium", "_PID=" + pid,
                                        "CONTAINARIUM_WORKER=0")
        assert any("serving" in e["MESSAGE"] for e in worker_lines), worker_lines[-5:]
        # Level from the config: info, so no debug entries.
        everything = Journald.entries("SYSLOG_IDENTIFIER=containarium", "_PID=" + pid)
        assert everything and all(int(e["PRIORITY"]) <= 6 for e in everything)
        # Nothing went to stderr but what precedes the journal.
        assert "Containarium started" not in d.log_text()
    finally:
        d.stop()
