"""Self-test of the fake Incus, through curl --unix-socket as any client would see it,
and its response shapes compared with the real LXD's (when LXD answers).

    /usr/bin/python3 -m pytest -v tests/fake_incus
"""

import json
import os
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_incus.py")
LXD_SOCKET = "/var/lib/lxd/unix.socket"
PROJECT = os.environ.get("CTR_PROJECT", "containarium-test")


def curl(sock, method, path, data=None, headers=(), timeout=10):
    """(http status, headers dict lower-cased, body bytes) or (None, None, None) when
    the connection closed without a response."""
    cmd = ["curl", "-sS", "-i", "--unix-socket", sock, "-X", method, "-m", str(timeout),
           "http://incus" + path]
    for h in headers:
        cmd += ["-H", h]
    if data is not None:
        cmd += ["--data-binary", "@-"]
    r = subprocess.run(cmd, input=data if isinstance(data, bytes) else
                       (data or "").encode(), capture_output=True, timeout=timeout + 5)
    if r.returncode != 0:
        return None, r.stderr.decode(), None
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 100"):
        head, _, body = body.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def jcurl(sock, method, path, data=None, **kw):
    status, hdrs, body = curl(sock, method, path,
                              None if data is None else json.dumps(data), **kw)
    return status, json.loads(body)


def wait_op(sock, doc, timeout=10):
    assert doc["type"] == "async", doc
    status, op = jcurl(sock, "GET", doc["operation"] + "/wait?timeout=%d" % timeout)
    assert status == 200
    return op["metadata"]


@pytest.fixture
def fake(tmp_path):
    sock = str(tmp_path / "incus.sock")
    ctl = str(tmp_path / "control.json")
    p = subprocess.Popen([sys.executable, FAKE, "--socket", sock, "--control-file", ctl,
                          "--slow-create-seconds", "2", "--project", PROJECT],
                         stdout=subprocess.PIPE)
    assert p.stdout.readline().startswith(b"READY")
    yield sock, ctl
    p.kill()
    p.wait(10)


P = "?project=" + PROJECT


def test_server_info(fake):
    sock, _ = fake
    status, doc = jcurl(sock, "GET", "/1.0")
    assert status == 200
    assert doc["type"] == "sync" and doc["status_code"] == 200
    env = doc["metadata"]["environment"]
    assert env["server"] == "incus" and env["server_version"] == "6.0.0"
    assert env["kernel_version"] == os.uname().release and env["os_name"]


def test_instance_lifecycle(fake):
    sock, _ = fake
    status, doc = jcurl(sock, "POST", "/1.0/instances" + P, {
        "name": "zed-container", "source": {"type": "image", "alias": "ctr-tiny"},
        "config": {"limits.cpu": "1"}})
    assert status == 202 and doc["status_code"] == 100
    assert wait_op(sock, doc)["status"] == "Success"
    status, doc = jcurl(sock, "POST", "/1.0/instances" + P, {
        "name": "zed-container", "source": {"type": "image", "alias": "ctr-tiny"}})
    op = wait_op(sock, doc)
    assert op["status"] == "Failure" and "already exists" in op["err"]
    status, doc = jcurl(sock, "POST", "/1.0/instances" + P, {
        "name": "x-container", "source": {"type": "image", "alias": "nosuch"}})
    assert status == 404 and doc["type"] == "error" and doc["error_code"] == 404

    status, doc = jcurl(sock, "PUT", "/1.0/instances/zed-container/state" + P,
                        {"action": "start"})
    assert wait_op(sock, doc)["status"] == "Success"
    status, doc = jcurl(sock, "PUT", "/1.0/instances/zed-container/state" + P,
                        {"action": "start"})
    op = wait_op(sock, doc)
    assert op["status"] == "Failure" and op["err"] == "The instance is already running"

    status, doc = jcurl(sock, "GET", "/1.0/instances/zed-container?recursion=1&project="
                        + PROJECT)
    inst = doc["metadata"]
    assert inst["status"] == "Running" and inst["config"]["limits.cpu"] == "1"
    assert inst["state"]["network"]["eth0"]["addresses"][0]["family"] == "inet"

    status, doc = jcurl(sock, "GET", "/1.0/instances?recursion=2&project=" + PROJECT)
    assert {i["name"] for i in doc["metadata"]} >= {"zed-container", "bob-container"}
    assert all("state" in i for i in doc["metadata"])

    status, doc = jcurl(sock, "DELETE", "/1.0/instances/zed-container" + P)
    assert status == 400 and doc["error"] == "Instance is running"
    status, doc = jcurl(sock, "PUT", "/1.0/instances/zed-container/state" + P,
                        {"action": "stop", "force": True})
    assert wait_op(sock, doc)["status"] == "Success"
    status, doc = jcurl(sock, "DELETE", "/1.0/instances/zed-container" + P)
    assert wait_op(sock, doc)["status"] == "Success"
    status, doc = jcurl(sock, "GET", "/1.0/instances/zed-container" + P)
    assert status == 404 and doc["error"] == "Instance not found"


def test_exec_and_files(fake):
    sock, _ = fake
    inst = "/1.0/instances/bob-container"
    status, doc = jcurl(sock, "POST", inst + "/exec" + P, {
        "command": ["useradd", "-m", "-s", "/bin/bash", "dave"], "record-output": True,
        "wait-for-websocket": False, "interactive": False})
    op = wait_op(sock, doc)
    assert op["metadata"]["return"] == 0
    status, doc = jcurl(sock, "POST", inst + "/exec" + P, {
        "command": ["id", "-u", "dave"], "record-output": True})
    op = wait_op(sock, doc)
    status, _, out = curl(sock, "GET", op["metadata"]["output"]["1"] + P)
    assert status == 200 and out == b"1001\n"   # bob is 1000
    status, _, _ = curl(sock, "POST", inst + "/files" + P + "&path=/home/dave/.ssh",
                        headers=["X-Incus-Type: directory", "X-Incus-Uid: 1001",
                                 "X-Incus-Mode: 0700"])
    assert status == 200
    key = b"ssh-ed25519 AAAAC3 '; touch /tmp/pwned #\n"
    status, _, _ = curl(sock, "POST", inst + "/files" + P + "&path=/home/dave/.ssh/"
                        "authorized_keys", data=key,
                        headers=["X-Incus-Uid: 1001", "X-Incus-Gid: 1001",
                                 "X-Incus-Mode: 0600", "Transfer-Encoding: chunked"])
    assert status == 200
    status, hdrs, body = curl(sock, "GET", inst + "/files" + P +
                              "&path=/home/dave/.ssh/authorized_keys")
    assert (status, body) == (200, key)
    assert (hdrs["x-incus-uid"], hdrs["x-incus-mode"], hdrs["x-incus-type"]) == \
        ("1001", "0600", "file")
    status, _, _ = curl(sock, "POST", inst + "/files" + P + "&path=/nonexistent/x", data=b"x")
    assert status == 404


def test_fault_modes(fake):
    sock, ctl = fake

    def mode(m, **kw):
        status, doc = jcurl(sock, "POST", "/__fake/mode", dict(kw, mode=m))
        assert status == 200, doc

    mode("http500")
    status, hdrs, body = curl(sock, "GET", "/1.0")
    assert status == 500 and hdrs["content-type"].startswith("text/html")
    mode("malformed")
    status, hdrs, body = curl(sock, "GET", "/1.0")
    assert status == 200
    with pytest.raises(ValueError):
        json.loads(body)
    mode("drop")
    status, err, _ = curl(sock, "GET", "/1.0")
    assert status is None and "Empty reply" in err
    # the control file works too
    with open(ctl, "w") as f:
        json.dump({"mode": "normal"}, f)
    status, _, _ = curl(sock, "GET", "/1.0")
    assert status == 200

    mode("hang_operation")
    status, doc = jcurl(sock, "PUT", "/1.0/instances/carol-container/state" + P,
                        {"action": "start"})
    t0 = time.monotonic()
    status, op = jcurl(sock, "GET", doc["operation"] + "/wait?timeout=1")
    assert op["metadata"]["status"] == "Running" and time.monotonic() - t0 >= 0.9
    done = []
    t = threading.Thread(target=lambda: done.append(
        jcurl(sock, "GET", doc["operation"] + "/wait", timeout=20)))
    t.start()
    time.sleep(0.5)
    assert not done
    jcurl(sock, "POST", "/__fake/release", {})
    t.join(10)
    assert done and done[0][1]["metadata"]["status"] == "Success"

    mode("slow_create", slow_create_seconds=2)
    t0 = time.monotonic()
    status, doc = jcurl(sock, "POST", "/1.0/instances" + P, {
        "name": "slow-container", "source": {"type": "image", "alias": "ctr-tiny"}})
    status, _ = jcurl(sock, "GET", "/1.0/instances" + P)
    assert status == 200 and time.monotonic() - t0 < 1
    assert wait_op(sock, doc)["status"] == "Success"
    assert time.monotonic() - t0 >= 1.9


# ---------------------------------------------------------------------------------------
# shapes against the real LXD

def lxd_up():
    if not os.path.exists(LXD_SOCKET):
        return False
    status, _, _ = curl(LXD_SOCKET, "GET", "/1.0", timeout=5)
    return status == 200


def keyset(d):
    return set(d) if isinstance(d, dict) else set()


@pytest.mark.skipif(not lxd_up(), reason="no LXD at %s to compare with" % LXD_SOCKET)
def test_shapes_match_real_lxd(fake):
    sock, _ = fake
    for path in ("/1.0", "/1.0/resources", "/1.0/storage-pools/default/resources",
                 "/1.0/instances/nonexistent" + P, "/1.0/operations/nonexistent",
                 "/1.0/images/aliases/nonexistent", "/1.0/instances?recursion=2&project="
                 + PROJECT):
        rs, real = jcurl(LXD_SOCKET, "GET", path)
        fs, mine = jcurl(sock, "GET", path)
        assert rs == fs, path
        assert keyset(real) == keyset(mine), path
        assert real["type"] == mine["type"], path
        if real["type"] == "error":
            assert real["error"] == mine["error"], path
    _, real = jcurl(LXD_SOCKET, "GET", "/1.0")
    _, mine = jcurl(sock, "GET", "/1.0")
    assert keyset(real["metadata"]["environment"]) - {"server_lts"} <= \
        keyset(mine["metadata"]["environment"]) | {"backup_metadata_version_range",
                                                   "instance_types", "firewall"}
    _, real = jcurl(LXD_SOCKET, "GET", "/1.0/resources")
    _, mine = jcurl(sock, "GET", "/1.0/resources")
    assert keyset(real["metadata"]) == keyset(mine["metadata"])
    assert keyset(real["metadata"]["memory"]) == keyset(mine["metadata"]["memory"])
    _, real = jcurl(LXD_SOCKET, "GET", "/1.0/instances?recursion=2&project=" + PROJECT)
    _, mine = jcurl(sock, "GET", "/1.0/instances?recursion=2&project=" + PROJECT)
    if real["metadata"]:
        r0, m0 = real["metadata"][0], mine["metadata"][0]
        assert keyset(r0) == keyset(m0)
        running = [i for i in real["metadata"] if i["status"] == "Running"]
        if running:
            assert keyset(running[0]["state"]) == keyset(m0["state"])
            assert keyset(running[0]["state"]["memory"]) == keyset(m0["state"]["memory"])
