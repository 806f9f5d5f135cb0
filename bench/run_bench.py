#!/usr/bin/python3
"""Containarium's benchmark suite: the daemon measured side by side with what it
stands in front of (Incus itself, and a bare grpc-core server), at growing numbers of
containers. Writes results.md (table and closing notes) and results.png (gnuplot).

    make bench                     full run against the local LXD (minutes)
    make bench BENCH_SMOKE=1       a few seconds against tests/fake_incus (pipeline check)
    make bench BENCH_ARGS="--sizes 10,50 --rounds 3"
    make bench BENCH_ARGS="--capacity-only --sizes 10 --out /tmp/cap"
                                   only the unary-capacity scenario (a minute)

Every figure is the median of per-round medians, rounds interleaving the daemon and
its reference, with the spread (min..max of the round medians) beside it. Load goes to
loopback only: h2load for gRPC, a kept-alive Unix-socket HTTP client for Incus.
"""

import argparse
import datetime
import glob
import http.client
import importlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICE = "/containarium.v1.ContainerService/"
LXD_SOCKET = "/var/lib/lxd/unix.socket"
PROJECT = "containarium-bench"
BRIDGE = "ctrbench0"
BRIDGE_ADDR = "10.77.96.1/22"   # room for 1000 leases, apart from the test bed's
PREFIX = "bench"                 # containers are bench0001-container, ...
pb = None                        # generated stubs (load_stubs)


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# ---- Incus over its socket ------------------------------------------------------------

class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path, timeout=600):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Incus:
    """A kept-alive client: one connection, reused, as a real client would."""

    def __init__(self, socket_path, project):
        self.socket_path, self.project = socket_path, project
        self.conn = UnixHTTP(socket_path)

    def raw(self, method, path, body=None, project=True, headers=None):
        if project:
            path += ("&" if "?" in path else "?") + "project=" + self.project
        data = json.dumps(body) if isinstance(body, (dict, list)) else body
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            hdrs["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = UnixHTTP(self.socket_path)
                if attempt:
                    raise

    def req(self, method, path, body=None, project=True, headers=None):
        status, data = self.raw(method, path, body, project, headers)
        return status, json.loads(data) if data else {}

    def wait(self, doc, timeout=600):
        if doc.get("type") != "async":
            return doc
        status, op = self.req("GET", doc["operation"] + "/wait?timeout=%d" % timeout,
                              project=False)
        return op.get("metadata") or {}

    def ok(self, method, path, body=None, project=True):
        status, doc = self.req(method, path, body, project)
        if status >= 400 or doc.get("type") == "error":
            raise RuntimeError("%s %s: %s %s" % (method, path, status, doc.get("error")))
        op = self.wait(doc)
        if doc.get("type") == "async" and op.get("status") != "Success":
            raise RuntimeError("%s %s: %s" % (method, path, op.get("err")))
        return doc.get("metadata"), op

    def names(self):
        status, doc = self.req("GET", "/1.0/instances")
        return [urllib.parse.urlsplit(u).path.rsplit("/", 1)[-1]
                for u in (doc.get("metadata") or [])]

    def delete_force(self, name):
        self.req("PUT", "/1.0/instances/%s/state" % name, {"action": "stop", "force": True})
        time.sleep(0)
        for _ in range(50):
            status, doc = self.req("GET", "/1.0/instances/%s" % name)
            if status == 404:
                return
            if (doc.get("metadata") or {}).get("status_code") == 102:
                break
            time.sleep(0.1)
        status, doc = self.req("DELETE", "/1.0/instances/%s" % name)
        if status < 400:
            self.wait(doc)


def lxc(*args, check=True):
    r = subprocess.run(["lxc"] + list(args), capture_output=True, text=True, timeout=300)
    if check and r.returncode != 0:
        raise RuntimeError("lxc %s: %s" % (" ".join(args), r.stderr.strip()))
    return r


def setup_lxd_project():
    """The bench's own project, bridge and default profile (idempotent). The test
    bed's LXD and images come first; its project's instances are left alone (they may
    belong to a test run going on now)."""
    subprocess.run([os.path.join(REPO, "tests", "testbed", "testbed-up.sh")], check=True,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, CTR_KEEP_INSTANCES="1"))
    if lxc("network", "show", BRIDGE, check=False).returncode != 0:
        lxc("network", "create", BRIDGE, "ipv4.address=" + BRIDGE_ADDR, "ipv4.nat=false",
            "ipv6.address=none", "ipv4.firewall=false", "ipv6.firewall=false")
    if lxc("project", "show", PROJECT, check=False).returncode != 0:
        lxc("project", "create", PROJECT, "-c", "features.images=false",
            "-c", "features.profiles=true")
    profile = ("config: {}\ndescription: containarium bench\ndevices:\n"
               "  eth0: {name: eth0, nictype: bridged, parent: %s, type: nic}\n"
               "  root: {path: /, pool: default, type: disk}\n" % BRIDGE)
    subprocess.run(["lxc", "profile", "edit", "default", "--project", PROJECT],
                   input=profile, text=True, check=True)


def bench_name(i):
    return "%s%04d-container" % (PREFIX, i)


def ensure_containers(incus, count, image, parallel=4):
    """Creates and starts bench containers until `count` exist (POST with start)."""
    have = set(n for n in incus.names() if n.startswith(PREFIX))
    todo = [i for i in range(1, count + 1) if bench_name(i) not in have]
    errors = []

    def worker(items):
        client = Incus(incus.socket_path, incus.project)
        for i in items:
            name = bench_name(i)
            try:
                client.ok("POST", "/1.0/instances", {
                    "name": name, "type": "container", "start": True,
                    "source": {"type": "image", "alias": image},
                    "config": {"limits.cpu": "1", "limits.memory": "64MiB",
                               "user.containarium.username": name[:-len("-container")],
                               "user.containarium.image": image,
                               "user.containarium.label.bench": "yes"}})
            except Exception as e:  # reported below
                errors.append("%s: %s" % (name, e))
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(todo[k::parallel],))
               for k in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("creating bench containers: " + "; ".join(errors[:5]))
    return len(todo), time.monotonic() - started


def delete_all(incus, parallel=4):
    names = [n for n in incus.names()]

    def worker(items):
        client = Incus(incus.socket_path, incus.project)
        for n in items:
            client.delete_force(n)
    threads = [threading.Thread(target=worker, args=(names[k::parallel],))
               for k in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(names)


# ---- processes under test ---------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def load_stubs(outdir):
    global pb
    stubs = os.path.join(outdir, "stubs")
    os.makedirs(stubs, exist_ok=True)
    protos = sorted(glob.glob(os.path.join(REPO, "proto", "containarium", "v1", "*.proto")))
    subprocess.run(["protoc", "--python_out=" + stubs, "--grpc_out=" + stubs,
                    "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin",
                    "-I" + os.path.join(REPO, "proto")] + protos, check=True)
    sys.path.insert(0, stubs)

    class P:
        pass
    pb = P()
    pb.service = importlib.import_module("containarium.v1.service_pb2")
    pb.grpc = importlib.import_module("containarium.v1.service_pb2_grpc")


class Daemon:
    def __init__(self, binary, workdir, socket_path, project, cache=True, notify=None):
        import grpc  # noqa: F401  (fail early without python3-grpcio)
        os.makedirs(workdir, exist_ok=True)
        self.port = free_port()
        self.workdir = workdir
        self.config = os.path.join(workdir, "containarium.ini")
        self.log_path = os.path.join(workdir, "daemon.log")
        with open(self.config, "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\nadmin_socket = %s\n"
                    "[auth]\nmethod = none\n"
                    "[incus]\nsocket = %s\nproject = %s\ntimeout = 300\n"
                    "[containers]\nimage = ctr-tiny\ncpu = 1\nmemory = 512MiB\ndisk =\n"
                    "[cache]\nenabled = %s\n"
                    "[logging]\nlevel = info\ntarget = stderr\n" % (
                        self.port, os.path.join(workdir, "admin.sock"), socket_path, project,
                        "true" if cache else "false"))
        env = dict(os.environ)
        if notify:
            env["NOTIFY_SOCKET"] = notify
        self.log = open(self.log_path, "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([binary, "daemon", "--config", self.config],
                                     stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL, env=env,
                                     start_new_session=True)
        self.channel = None

    def stub(self):
        import grpc
        if self.channel is None:
            self.channel = grpc.insecure_channel("127.0.0.1:%d" % self.port)
        return pb.grpc.ContainerServiceStub(self.channel)

    def wait_serving(self, timeout=30):
        """Until GetSystemInfo answers OK; returns seconds since the spawn."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited: %s" % self.log_text()[-2000:])
            try:
                self.stub().GetSystemInfo(pb.service.GetSystemInfoRequest(), timeout=1)
                return time.monotonic() - self.started
            except Exception:
                time.sleep(0.005)
        raise RuntimeError("daemon not serving: %s" % self.log_text()[-2000:])

    def wait_log(self, text, count=1, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_text().count(text) >= count:
                return
            time.sleep(0.05)
        raise RuntimeError("daemon never logged %r: %s" % (text, self.log_text()[-2000:]))

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def pids(self):
        kids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry) as f:
                        stat = f.read()
                except OSError:
                    continue
                if int(stat[stat.rfind(")") + 2:].split()[1]) == self.proc.pid:
                    kids.append(int(entry))
        return self.proc.pid, sorted(kids)

    def stop(self):
        if self.channel:
            self.channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


class BareServer:
    def __init__(self, binary, method, reply, processes):
        self.port = free_port()
        self.proc = subprocess.Popen([binary, "127.0.0.1:%d" % self.port, method, reply,
                                      str(processes)], stdout=subprocess.PIPE,
                                     start_new_session=True)
        assert self.proc.stdout.readline().strip() == b"READY"

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def vm_kib(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# ---- measuring ----------------------------------------------------------------------------

def grpc_body(path, message):
    data = message.SerializeToString()
    with open(path, "wb") as f:
        f.write(struct.pack(">BI", 0, len(data)) + data)
    return path


def h2load(port, method, body, logdir, requests=None, duration=None, clients=1, streams=1):
    """One h2load run; returns (requests/s, [latency seconds]) of OK responses."""
    logfile = tempfile.mktemp(dir=logdir, suffix=".h2log")
    cmd = ["h2load", "-c", str(clients), "-m", str(streams), "-t", "1",
           "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body,
           "--log-file", logfile]
    cmd += (["-D", "%dms" % int(duration * 1000), "--warm-up-time", "300ms"] if duration
            else ["-n", str(requests)])
    cmd.append("http://127.0.0.1:%d%s%s" % (port, SERVICE, method))
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    out = run.stdout + run.stderr
    m = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", out)
    failed = re.search(r"requests: .* (\d+) failed", out)
    if not m or (failed and int(failed.group(1)) > 0):
        raise RuntimeError("h2load failed:\n" + out)
    lat = []
    with open(logfile) as f:
        for line in f:
            cols = line.split("\t")
            if len(cols) >= 3 and cols[1] == "200":
                lat.append(int(cols[2]) / 1e6)
    os.unlink(logfile)
    return float(m.group(3)), lat


def quantile(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def time_incus(incus, path, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        status, _ = incus.raw("GET", path)
        out.append(time.perf_counter() - t)
        if status != 200:
            raise RuntimeError("GET %s: %d" % (path, status))
    return out


class Results:
    def __init__(self):
        self.rows = []     # dicts: scenario, size, unit, figure, spread, ref, ref_spread, ratio
        self.notes = []

    def add(self, scenario, size, unit, rounds, ref_name=None, ref_rounds=None,
            better="lower"):
        fig = statistics.median(rounds)
        row = {"scenario": scenario, "size": size, "unit": unit, "figure": fig,
               "spread": (min(rounds), max(rounds)), "ref_name": ref_name,
               "ref": None, "ref_spread": None, "ratio": None, "better": better}
        if ref_rounds:
            ref = statistics.median(ref_rounds)
            row.update(ref=ref, ref_spread=(min(ref_rounds), max(ref_rounds)))
            if fig > 0 and ref > 0:
                row["ratio"] = ref / fig if better == "lower" else fig / ref
        self.rows.append(row)
        log("%-44s %6s  %s" % (scenario, size, fmt(fig, unit)) +
            ("   vs %s %s" % (ref_name, fmt(row["ref"], unit)) if ref_rounds else ""))
        return row

    def find(self, scenario, size=None):
        for r in self.rows:
            if r["scenario"] == scenario and (size is None or r["size"] == size):
                return r
        return None


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "ms":
        return "%.3f ms" % (v * 1e3) if v < 0.01 else "%.1f ms" % (v * 1e3)
    if unit == "s":
        return "%.2f s" % v
    if unit == "req/s":
        return "%.0f req/s" % v
    if unit == "MiB":
        return "%.1f MiB" % v
    return "%g %s" % (v, unit)


# ---- scenarios ----------------------------------------------------------------------------

def scenario_reads(res, d, incus, size, rounds, n_daemon, n_incus, bodies, logdir):
    """ListContainers and GetContainer, one at a time, against Incus's own answer."""
    first = bench_name(1)
    cases = [("ListContainers (all, with state)", "ListContainers", bodies["list"],
              "/1.0/instances?recursion=2"),
             ("GetContainer (one, with state)", "GetContainer", bodies["get"],
              "/1.0/instances/%s?recursion=1" % first)]
    for title, method, body, path in cases:
        ours, theirs = [], []
        for _ in range(rounds):
            _, lat = h2load(d.port, method, body, logdir, requests=n_daemon)
            ours.append(statistics.median(lat))
            theirs.append(statistics.median(time_incus(incus, path, n_incus)))
        res.add(title + ": latency p50", size, "ms", ours,
                "Incus GET " + path.split("?")[0].replace(first, "<name>") + "?" +
                path.split("?")[1], theirs)


def sample_rss(pids, stop, out):
    while not stop.is_set():
        for pid in pids:
            out[pid] = max(out.get(pid, 0), vm_kib(pid, "VmRSS"))
        time.sleep(0.05)


def scenario_capacity(res, d, bare, size, rounds, duration, body, logdir, mem):
    """GetSystemInfo from the cache at 1/16/64 streams, against the bare server."""
    shapes = [(1, 1, 1), (16, 4, 4), (64, 8, 8)]
    master, workers = d.pids()
    for streams, clients, per in shapes:
        ours, theirs, p50, p99, bp50, bp99 = [], [], [], [], [], []
        for _ in range(rounds):
            stop, peak = threading.Event(), {}
            t = threading.Thread(target=sample_rss, args=([master] + workers, stop, peak))
            t.start()
            try:
                qps, lat = h2load(d.port, "GetSystemInfo", body, logdir, duration=duration,
                                  clients=clients, streams=per)
            finally:
                stop.set()
                t.join()
            for pid, kib in peak.items():
                mem[pid] = max(mem.get(pid, 0), kib)
            ours.append(qps)
            p50.append(quantile(lat, 0.5))
            p99.append(quantile(lat, 0.99))
            qps, lat = h2load(bare.port, "GetSystemInfo", body, logdir, duration=duration,
                              clients=clients, streams=per)
            theirs.append(qps)
            bp50.append(quantile(lat, 0.5))
            bp99.append(quantile(lat, 0.99))
        label = "GetSystemInfo capacity, %d stream%s" % (streams, "s" if streams > 1 else "")
        res.add(label + ": QPS", size, "req/s", ours, "bare grpc-core server", theirs,
                better="higher")
        res.add(label + ": latency p50", size, "ms", p50, "bare grpc-core server", bp50)
        res.add(label + ": latency p99", size, "ms", p99, "bare grpc-core server", bp99)


def scenario_memory(res, d, size, peak):
    master, workers = d.pids()
    mib = lambda kib: kib / 1024.0
    res.add("RSS master, idle", size, "MiB", [mib(vm_kib(master, "VmRSS"))])
    res.add("RSS per worker, idle (largest)", size, "MiB",
            [mib(max(vm_kib(w, "VmRSS") for w in workers))])
    # What the process owns, without the shared libraries' pages (RssFile).
    res.add("RSS master, idle: private (RssAnon)", size, "MiB", [mib(vm_kib(master, "RssAnon"))])
    res.add("RSS per worker, idle: private (RssAnon, largest)", size, "MiB",
            [mib(max(vm_kib(w, "RssAnon") for w in workers))])
    if peak:
        res.add("RSS master, under load (peak)", size, "MiB", [mib(peak.get(master, 0))])
        res.add("RSS per worker, under load (peak, largest)", size, "MiB",
                [mib(max(peak.get(w, 0) for w in workers))])


def scenario_startup(res, binary, outdir, socket_path, project, runs):
    """Process start to READY=1 on NOTIFY_SOCKET (first OK GetSystemInfo as well)."""
    ready, serving, how = [], [], "READY=1"
    for i in range(runs):
        path = os.path.join(outdir, "notify%d.sock" % i)
        if os.path.exists(path):
            os.unlink(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        d = Daemon(binary, os.path.join(outdir, "startup%d" % i), socket_path, project,
                   notify=path)
        try:
            got = None
            end = time.monotonic() + 10
            while time.monotonic() < end:
                try:
                    msg = sock.recv(4096).decode(errors="replace")
                except socket.timeout:
                    break
                if "READY=1" in msg.split("\n"):
                    got = time.monotonic() - d.started
                    break
            serving.append(d.wait_serving())
            if got is None:
                how = "first OK GetSystemInfo (no READY=1 received)"
            else:
                ready.append(got)
        finally:
            d.stop()
            sock.close()
            os.unlink(path)
    if ready:
        res.add("Start-up: process start to READY=1", "-", "ms", ready)
    res.add("Start-up: process start to first OK GetSystemInfo", "-", "ms", serving)
    return how


def ssh_ready(key, user, ip, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = subprocess.run(["ssh", "-i", key, "-o", "StrictHostKeyChecking=no",
                            "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                            "-o", "ConnectTimeout=2", "-o", "LogLevel=ERROR",
                            "%s@%s" % (user, ip), "true"], capture_output=True, timeout=30)
        if r.returncode == 0:
            return True
        time.sleep(0.1)
    return False


def direct_create(incus, user, pub, image):
    """The daemon's create steps, done directly against Incus."""
    name = user + "-container"
    incus.ok("POST", "/1.0/instances", {
        "name": name, "type": "container", "source": {"type": "image", "alias": image},
        "config": {"limits.cpu": "1", "limits.memory": "512MiB",
                   "user.containarium.username": user, "user.containarium.image": image,
                   "user.containarium.state": "creating"}})
    incus.ok("PUT", "/1.0/instances/%s/state" % name, {"action": "start", "timeout": 30})
    incus.ok("POST", "/1.0/instances/%s/exec" % name, {
        "command": ["useradd", "-m", "-U", "-u", "1000", "-G", "sudo", "-s", "/bin/bash", user],
        "wait-for-websocket": False, "interactive": False, "record-output": True})
    hdr = lambda uid, mode, typ: {"X-LXD-uid": str(uid), "X-LXD-gid": str(uid),
                                  "X-LXD-mode": mode, "X-LXD-type": typ}
    for path, body, headers in [
            ("/etc/sudoers.d/containarium-" + user, "%s ALL=(ALL) NOPASSWD:ALL\n" % user,
             hdr(0, "0440", "file")),
            ("/home/%s/.ssh" % user, "", hdr(1000, "0700", "directory")),
            ("/home/%s/.ssh/authorized_keys" % user, pub + "\n", hdr(1000, "0600", "file"))]:
        status, doc = incus.req("POST", "/1.0/instances/%s/files?path=%s" % (name, path),
                                body.encode(), headers=headers)
        if status != 200:
            raise RuntimeError("push %s: %s" % (path, doc))
    incus.ok("PATCH", "/1.0/instances/" + name, {"config": {"user.containarium.state": ""}})
    end = time.monotonic() + 60
    while time.monotonic() < end:
        status, doc = incus.req("GET", "/1.0/instances/%s/state" % name)
        for a in (((doc.get("metadata") or {}).get("network") or {}).get("eth0") or {}).get(
                "addresses") or []:
            if a.get("family") == "inet" and a.get("scope") == "global":
                return a["address"]
        time.sleep(0.1)
    raise RuntimeError("no address for " + name)


def scenario_create(res, d, incus, outdir, reps, image):
    key = os.path.join(outdir, "bench_key")
    if not os.path.exists(key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    pub = open(key + ".pub").read().strip()
    ours, theirs = [], []

    def through_daemon(user):
        reply = d.stub().CreateContainer(pb.service.CreateContainerRequest(
            username=user, ssh_keys=[pub], image=image), timeout=300)
        return reply.container.network.ip_address

    for i in range(reps):
        # Alternate which goes first, so neither always meets a warmer host.
        order = [(through_daemon, ours), (lambda u: direct_create(incus, u, pub, image), theirs)]
        for k, (make, into) in enumerate(order if i % 2 == 0 else order[::-1]):
            user = "bssh%d%s" % (i, "ab"[k])
            t = time.monotonic()
            ip = make(user)
            assert ip and ssh_ready(key, user, ip), "%s not reachable over SSH" % user
            into.append(time.monotonic() - t)
            incus.delete_force(user + "-container")
    res.add("CreateContainer until SSH-ready (%s)" % image, "-", "s", ours,
            "the same steps directly against Incus", theirs)


# ---- report -----------------------------------------------------------------------------

GOALS = [
    ("ListContainers at the largest size vs recursion=2", ">= 50x faster"),
    ("gRPC front QPS at 16 streams vs bare grpc-core", ">= 80%"),
    ("CreateContainer until SSH-ready vs direct", "within 5%"),
    ("worker RSS idle", "< 16 MiB"),
    ("master RSS idle", "< 8 MiB"),
    ("start-up to READY=1", "within 100 ms"),
]


def goal_lines(res, sizes):
    lines = []
    big = max(sizes)
    r = res.find("ListContainers (all, with state): latency p50", big)
    if r and r["ratio"]:
        lines.append(("List at %d containers vs `recursion=2`" % big, ">= 50x faster",
                      "%.0fx faster (%s vs %s)" % (r["ratio"], fmt(r["figure"], "ms"),
                                                  fmt(r["ref"], "ms")), r["ratio"] >= 50))
    r = res.find("GetSystemInfo capacity, 16 streams: QPS", big)
    if r and r["ref"]:
        pct = 100.0 * r["figure"] / r["ref"]
        lines.append(("gRPC front at 16 streams vs bare grpc-core", ">= 80%",
                      "%.0f%% (%s vs %s)" % (pct, fmt(r["figure"], "req/s"),
                                             fmt(r["ref"], "req/s")), pct >= 80))
    r = res.find("CreateContainer until SSH-ready (ctr-debian)")
    if r and r["ref"]:
        pct = 100.0 * (r["figure"] - r["ref"]) / r["ref"]
        lines.append(("Create until SSH-ready vs direct steps", "within 5%",
                      "%+.1f%% (%s vs %s)" % (pct, fmt(r["figure"], "s"), fmt(r["ref"], "s")),
                      pct <= 5))
    for who, scen, private, limit in [
            ("Worker", "RSS per worker, idle (largest)",
             "RSS per worker, idle: private (RssAnon, largest)", 16),
            ("Master", "RSS master, idle", "RSS master, idle: private (RssAnon)", 8)]:
        r, p = res.find(scen, sizes[0]), res.find(private, sizes[0])
        if r:
            lines.append(("%s RSS idle (%d containers)" % (who, sizes[0]), "< %d MiB" % limit,
                          fmt(r["figure"], "MiB") + ("; private (RssAnon) %s" % fmt(
                              p["figure"], "MiB") if p else ""), r["figure"] < limit))
    r = res.find("Start-up: process start to READY=1") or \
        res.find("Start-up: process start to first OK GetSystemInfo")
    if r:
        lines.append(("Start-up (%s)" % r["scenario"].split(": ")[1], "within 100 ms",
                      fmt(r["figure"], "ms"), r["figure"] <= 0.1))
    return lines


def write_report(res, out, sizes, meta, notes_file):
    path = os.path.join(out, "results.md")
    with open(path, "w") as f:
        f.write("# Containarium benchmark results\n\n")
        f.write("Generated by `%s` on %s.\n\n" % (meta["command"], meta["when"]))
        f.write("Machine: %s. Incus API server: %s. %s\n\n" % (
            meta["machine"], meta["server"], meta["mode"]))
        f.write("Each figure is the median of %d rounds' medians; the spread is the "
                "min..max of those round medians. References run in the same rounds, "
                "interleaved, so ratios hold on a noisy machine. Ratio: how many times "
                "better the daemon is than the reference (> 1 means faster or more "
                "requests per second).\n\n" % meta["rounds"])
        f.write("## Goals\n\n| goal | target | measured | met |\n|---|---|---|---|\n")
        for name, target, measured, met in goal_lines(res, sizes):
            f.write("| %s | %s | %s | %s |\n" % (name, target, measured,
                                                 "yes" if met else "**no**"))
        f.write("\n## All figures\n\n| scenario | containers | figure (spread) | reference "
                "| reference figure (spread) | ratio |\n|---|---|---|---|---|---|\n")
        for r in res.rows:
            spread = "" if r["spread"][0] == r["spread"][1] else " (%s..%s)" % (
                fmt(r["spread"][0], r["unit"]), fmt(r["spread"][1], r["unit"]))
            ref = "-"
            if r["ref"] is not None:
                ref = fmt(r["ref"], r["unit"]) + (" (%s..%s)" % (
                    fmt(r["ref_spread"][0], r["unit"]), fmt(r["ref_spread"][1], r["unit"])))
            f.write("| %s | %s | %s%s | %s | %s | %s |\n" % (
                r["scenario"], r["size"], fmt(r["figure"], r["unit"]), spread,
                r["ref_name"] or "-", ref, "%.2fx" % r["ratio"] if r["ratio"] else "-"))
        f.write("\n![figures vs number of containers](results.png)\n\n")
        for note in res.notes:
            f.write(note + "\n\n")
        if notes_file and os.path.exists(notes_file):
            f.write(open(notes_file).read())
    return path


def write_plot(res, out, sizes):
    data = os.path.join(out, "results.dat")
    series = [("ListContainers (all, with state): latency p50", "figure", "List (daemon)"),
              ("ListContainers (all, with state): latency p50", "ref", "List (Incus recursion=2)"),
              ("GetContainer (one, with state): latency p50", "figure", "Get (daemon)"),
              ("GetContainer (one, with state): latency p50", "ref", "Get (Incus recursion=1)"),
              ("GetSystemInfo capacity, 16 streams: latency p50", "figure",
               "GetSystemInfo p50 at 16 streams (daemon)"),
              ("GetSystemInfo capacity, 16 streams: latency p50", "ref",
               "GetSystemInfo p50 at 16 streams (bare grpc-core)")]
    with open(data, "w") as f:
        f.write("# size " + " ".join('"%s"' % s[2] for s in series) + "\n")
        for size in sizes:
            vals = []
            for scen, key, _ in series:
                r = res.find(scen, size)
                vals.append("%.6f" % (r[key] * 1e3) if r and r[key] else "NaN")
            f.write("%d %s\n" % (size, " ".join(vals)))
    script = os.path.join(out, "results.gp")
    with open(script, "w") as f:
        f.write('set terminal pngcairo size 1000,600 noenhanced\n' if gnuplot_has_cairo()
                else 'set terminal png size 1000,600 noenhanced\n')
        f.write('set output "%s"\n' % os.path.join(out, "results.png"))
        f.write('set title "Containarium vs its references (lower is better)"\n')
        f.write('set xlabel "containers in the project"\nset ylabel "latency, ms (log)"\n')
        f.write('set logscale y\nset key below\nset grid\nset xtics (%s)\n' %
                ", ".join(str(s) for s in sizes))
        f.write("plot " + ", ".join(
            '"%s" using 1:%d with linespoints title "%s"' % (data, i + 2, s[2])
            for i, s in enumerate(series)) + "\n")
    subprocess.run(["gnuplot", script], check=True)


def gnuplot_has_cairo():
    r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in (r.stdout + r.stderr)


# ---- main -----------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--bare", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--sizes", default="10,50,200")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=float, default=2.0, help="seconds per capacity run")
    ap.add_argument("--create-reps", type=int, default=3)
    ap.add_argument("--notes", default=os.path.join(REPO, "bench", "notes.md"),
                    help="closing notes appended to results.md")
    ap.add_argument("--capacity-only", action="store_true",
                    help="run only the unary-capacity scenario (for quick comparisons; "
                    "give --out a scratch directory)")
    ap.add_argument("--report-only", action="store_true",
                    help="re-render results.md and the plot from OUT/results.json")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.report_only:
        return render(args, json.load(open(os.path.join(args.out, "results.json"))))
    work = tempfile.mkdtemp(prefix="ctr-bench-")
    load_stubs(work)
    workers = os.cpu_count() or 1
    res = Results()
    procs = []
    t0 = time.monotonic()
    try:
        if args.smoke:
            sock = os.path.join(work, "fake.sock")
            fake = subprocess.Popen(["/usr/bin/python3", os.path.join(
                REPO, "tests", "fake_incus", "fake_incus.py"), "--socket", sock, "--events",
                "--project", PROJECT, "--no-preload"], stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL)
            procs.append(fake)
            assert fake.stdout.readline().startswith(b"READY")
            sizes, rounds, n_daemon, n_incus = [2, 3], 2, 20, 5
            duration, create_reps = 0.3, 0
            server = "tests/fake_incus (smoke run: checks the pipeline, not the figures)"
            image = "ctr-tiny"
        else:
            sock = LXD_SOCKET
            setup_lxd_project()
            sizes = [int(s) for s in args.sizes.split(",")]
            rounds, n_daemon, n_incus = args.rounds, 50, 5
            duration, create_reps = args.duration, args.create_reps
            server = "LXD %s (dir pool)" % Incus(sock, PROJECT).req(
                "GET", "/1.0", project=False)[1]["metadata"]["environment"]["server_version"]
            image = "ctr-tiny"
        incus = Incus(sock, PROJECT)
        log("cleaning project %s: %d instances deleted" % (PROJECT, delete_all(incus)))
        how = "READY=1" if args.capacity_only else \
            scenario_startup(res, args.bin, work, sock, PROJECT, 2 if args.smoke else 5)
        d = Daemon(args.bin, os.path.join(work, "daemon"), sock, PROJECT)
        procs.append(d)
        d.wait_serving()
        d.wait_log("Cache: following Incus events")
        bodies = {"list": grpc_body(os.path.join(work, "list.bin"),
                                    pb.service.ListContainersRequest()),
                  "get": grpc_body(os.path.join(work, "get.bin"),
                                   pb.service.GetContainerRequest(username=bench_name(1)[:-10])),
                  "info": grpc_body(os.path.join(work, "info.bin"),
                                    pb.service.GetSystemInfoRequest())}
        for size in sizes:
            if args.smoke:
                for i in range(1, size + 1):
                    if bench_name(i) not in incus.names():
                        incus.ok("POST", "/1.0/instances", {
                            "name": bench_name(i), "start": True,
                            "source": {"type": "image", "alias": "ctr-tiny"},
                            "config": {"user.containarium.username": bench_name(i)[:-10]}})
            else:
                made, took = ensure_containers(incus, size, image)
                log("%d containers made in %.1f s (now %d)" % (made, took, size))
                res.notes.append("Making %d more tiny containers took %.0f s." % (made, took)) \
                    if made else None
            end = time.monotonic() + 120
            while len(d.stub().ListContainers(pb.service.ListContainersRequest(),
                                              timeout=30).containers) < size:
                assert time.monotonic() < end, "the daemon never listed %d containers" % size
                time.sleep(0.2)
            info = d.stub().GetSystemInfo(pb.service.GetSystemInfoRequest(), timeout=30)
            reply = os.path.join(work, "info_reply.bin")
            with open(reply, "wb") as f:
                f.write(pb.service.GetSystemInfoResponse(info=info.info).SerializeToString())
            bare = BareServer(args.bare, SERVICE + "GetSystemInfo", reply, workers)
            procs.append(bare)
            peak = {}
            if not args.capacity_only:
                scenario_memory(res, d, size, None)
                scenario_reads(res, d, incus, size, rounds, n_daemon, n_incus, bodies, work)
            scenario_capacity(res, d, bare, size, max(1, rounds - 2), duration,
                              bodies["info"], work, peak)
            scenario_memory_peak = peak
            master, wk = d.pids()
            res.add("RSS master, under load (peak)", size, "MiB",
                    [scenario_memory_peak.get(master, 0) / 1024.0])
            res.add("RSS per worker, under load (peak, largest)", size, "MiB",
                    [max(scenario_memory_peak.get(w, 0) for w in wk) / 1024.0])
            bare.stop()
            procs.remove(bare)
        if args.capacity_only:
            res.notes.append("Only the unary-capacity scenario was run (--capacity-only).")
        elif create_reps:
            scenario_create(res, d, incus, work, create_reps, "ctr-debian")
        else:
            res.notes.append("CreateContainer until SSH-ready is not run in the smoke run "
                             "(the fake Incus has no SSH).")
        if how != "READY=1":
            res.notes.append("Start-up: %s." % how)
    finally:
        for p in reversed(procs):
            try:
                p.stop() if hasattr(p, "stop") else p.kill()
            except Exception as e:
                log("stopping: %s" % e)
        if not args.smoke:
            log("deleting the bench containers: %d" % delete_all(Incus(LXD_SOCKET, PROJECT)))
    meta = {"command": "make bench" + (" BENCH_SMOKE=1" if args.smoke else ""),
            "when": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
            "machine": "%d CPUs, %s" % (os.cpu_count(), os.uname().release),
            "server": server, "rounds": rounds,
            "mode": "Run took %.0f s." % (time.monotonic() - t0)}
    shutil.rmtree(work, ignore_errors=True)
    saved = {"meta": meta, "sizes": sizes, "rows": res.rows, "notes": res.notes,
             "smoke": args.smoke}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(saved, f, indent=1)
    return render(args, saved)


def render(args, saved):
    """results.md and results.png from the saved figures."""
    res = Results()
    res.rows, res.notes = saved["rows"], [n for n in saved["notes"] if n]
    for r in res.rows:
        for k in ("spread", "ref_spread"):
            r[k] = tuple(r[k]) if r[k] else None
    write_plot(res, args.out, saved["sizes"])
    path = write_report(res, args.out, saved["sizes"], saved["meta"],
                        None if saved["smoke"] else args.notes)
    log("wrote %s and %s" % (path, os.path.join(args.out, "results.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
