"""The daemon as a process: a bad config refuses to start (naming file, line and
reason), a killed worker is replaced while the others serve, many concurrent calls are
all answered, and operations on one container are serialized. Uses the fake Incus."""

import os
import signal
import subprocess
import threading
import time

import grpc
import pytest

from ctrtest import (_alive, _children_of, create_request, daemon_binary, pb,
                     rpc_code, wait_for)

Code = grpc.StatusCode


def run_with_config(tmp_path, text, *extra):
    path = tmp_path / "bad.ini"
    path.write_text(text)
    return path, subprocess.run([daemon_binary(), "daemon", "--config", str(path)] +
                                list(extra), capture_output=True, text=True, timeout=20,
                                stdin=subprocess.DEVNULL)


def good_config(tmp_path, socket_path="/nonexistent/incus.sock"):
    return ("[server]\nlisten = 127.0.0.1:1\nadmin_socket = %s\nworkers = 2\n"
            "[incus]\nsocket = %s\nproject = containarium-test\ntimeout = 60\n"
            "[containers]\nimage = ctr-tiny\ncpu = 1\nmemory = 256MiB\ndisk =\n"
            "docker = false\n[logging]\nlevel = debug\ntarget = stderr\n"
            % (tmp_path / "admin.sock", socket_path))


def test_check_config_accepts_the_test_config(tmp_path):
    _, r = run_with_config(tmp_path, good_config(tmp_path), "--check-config")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("needle,replacement,line,word", [
    ("workers = 2\n", "workers = 2\nwokers = 3\n", 5, "wokers"),
    ("memory = 256MiB\n", "memory = lots\n", 12, "memory"),
    ("timeout = 60\n", "timeout = -4\n", 8, "timeout"),
    ("[logging]\n", "[loging]\n", 15, "loging"),
])
def test_bad_config_refuses_to_start(tmp_path, needle, replacement, line, word):
    text = good_config(tmp_path).replace(needle, replacement)
    path, r = run_with_config(tmp_path, text)
    assert r.returncode != 0
    out = r.stderr + r.stdout
    assert "%s:%d" % (path, line) in out, out
    assert word in out, out
    assert not os.path.exists(tmp_path / "admin.sock")


@pytest.fixture
def fake_daemon(daemon, fake_incus):
    fake = fake_incus()
    return daemon(incus_socket=fake.socket_path), fake


@pytest.mark.timeout(60)
def test_killed_worker_is_replaced(fake_daemon):
    d, _ = fake_daemon
    workers = _children_of(d.proc.pid)
    assert len(workers) == 2, workers
    os.kill(workers[0], signal.SIGKILL)
    # The other worker (or the replacement) keeps answering meanwhile.
    for _ in range(5):
        d.client().GetSystemInfo(pb.service.GetSystemInfoRequest(), timeout=10)
    wait_for(lambda: len([p for p in _children_of(d.proc.pid) if _alive(p)]) == 2, 15,
             what="a replacement worker")
    assert workers[0] not in _children_of(d.proc.pid) or not _alive(workers[0])
    d.assert_alive()


@pytest.mark.timeout(120)
def test_many_concurrent_calls_all_answered(fake_daemon):
    d, _ = fake_daemon
    results = []
    lock = threading.Lock()

    def worker(i):
        client = d.client(admin=(i % 2 == 1))
        for _ in range(10):
            code, _ = rpc_code(client.ListContainers, pb.service.ListContainersRequest(),
                               timeout=30)
            with lock:
                results.append(code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(100)
    assert len(results) == 160
    assert set(results) == {Code.OK}, {c.name: results.count(c) for c in set(results)}


@pytest.mark.timeout(120)
def test_operations_on_one_container_are_serialized(daemon, fake_incus, keys):
    """An AddSSHKey sent while the same user's create is still running waits for it (and
    then finds the user and the first key) instead of racing it."""
    fake = fake_incus(mode="slow_create", slow_create_seconds=4)
    d = daemon(incus_socket=fake.socket_path)
    done = {}

    def create():
        done["create"] = rpc_code(d.client().CreateContainer,
                                  create_request("serial", [keys.a.pub]), timeout=60)
        done["create_at"] = time.monotonic()

    t = threading.Thread(target=create)
    t.start()
    wait_for(lambda: any(r["method"] == "POST" and r["path"] == "/1.0/instances"
                         for r in fake.requests()), 5, interval=0.05,
             what="the create to reach Incus")
    code, reply = rpc_code(d.client().AddSSHKey, pb.service.AddSSHKeyRequest(
        username="serial", ssh_public_key=keys.b.pub), timeout=60)
    added_at = time.monotonic()
    t.join(60)
    assert done["create"][0] == Code.OK, done["create"]
    assert code == Code.OK, (code, reply)
    assert reply.total_keys == 2
    assert added_at >= done["create_at"] - 0.05, "AddSSHKey finished before the create"
    content = fake.state()["instances"]["serial-container"]["files"][
        "/home/serial/.ssh/authorized_keys"]["content"]
    assert [line for line in content.split("\n") if line] == [keys.a.pub, keys.b.pub]
