#!/usr/bin/python3
"""A small fake Incus server for Containarium's fault tests.

It serves, over HTTP/1.1 on a Unix socket, the part of the Incus REST API the daemon
uses, in Incus's real response shapes (checked against LXD 5.0.2, which serves the
same API: see test_fake_incus.py):

    sync   {"type":"sync","status":"Success","status_code":200,"operation":"",
            "error_code":0,"error":"","metadata":...}
    async  {"type":"async","status":"Operation created","status_code":100,
            "operation":"/1.0/operations/<id>", ..., "metadata":<operation>}   (HTTP 202)
    error  {"type":"error","status":"","status_code":0,"operation":"",
            "error_code":<http code>,"error":"<message>","metadata":null}

Endpoints: GET /1.0; GET /1.0/instances (recursion 0/1/2); POST /1.0/instances;
GET/PUT/PATCH/DELETE /1.0/instances/<n>; GET/PUT /1.0/instances/<n>/state;
POST /1.0/instances/<n>/exec (record-output); GET /1.0/instances/<n>/logs/<f>;
GET/POST/DELETE /1.0/instances/<n>/files?path=; GET /1.0/operations/<id>[/wait];
DELETE /1.0/operations/<id>; GET /1.0/resources; GET /1.0/storage-pools[/<p>[/resources]];
GET /1.0/images/aliases/<a>; GET /1.0/projects/<p>; with --events, GET /1.0/events
(a websocket: every completed operation sends an "operation" event and a "lifecycle"
event naming its instances, and a PATCH an "instance-updated" lifecycle event).

Instances live in memory, each with a tiny virtual file system (so the file API and
`useradd`/`id`/`cat`/`mkdir` through exec behave plausibly); other exec commands
succeed with no output.

Fault modes (one at a time), chosen with --mode at start, or at run time through the
control endpoint on the same socket or through a control file (--control-file, JSON
{"mode": ..., "slow_create_seconds": N}, re-read whenever its mtime changes):

    normal          answer properly
    http500         every request: HTTP 500 with an HTML body
    malformed       every request: HTTP 200, application/json, truncated JSON
    hang_operation  operations never complete (a wait returns them still Running when
                    it has a timeout, or blocks) until released
    drop            read the request, then close the connection without a response
    slow_create     the create operation stays Running for N seconds; all else prompt
    exec_fail       every exec operation ends with return code 1 (stderr says why)

Control endpoint (never subject to faults):
    GET  /__fake/state              mode, instances (with their files), operations
    POST /__fake/mode               {"mode": "...", "slow_create_seconds": N}
    POST /__fake/release            complete every held operation now
    GET  /__fake/requests           the request log (method, path, query, body)
    POST /__fake/reset              forget the request log
    GET  /__fake/events             {"clients": N, "refuse": bool}
    POST /__fake/events             {"drop": true} closes every event stream;
                                    {"refuse": true|false} answers new ones 503 (or not)

Run:  /usr/bin/python3 fake_incus.py --socket PATH [--mode M] [--server incus|lxd]
      [--control-file F] [--slow-create-seconds N] [--no-preload] [--events]
It prints "READY <socket>" on stdout once it accepts connections.
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import shlex
import signal
import socket
import socketserver
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

MODES = ("normal", "http500", "malformed", "hang_operation", "drop", "slow_create",
         "exec_fail")

STATUS_CODES = {"Running": 103, "Stopped": 102, "Frozen": 110, "Error": 112,
                "Success": 200, "Failure": 400, "Cancelled": 401}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def sync_body(metadata):
    return {"type": "sync", "status": "Success", "status_code": 200, "operation": "",
            "error_code": 0, "error": "", "metadata": metadata}


def ws_text_frame(payload):
    """One unmasked, final websocket text frame (server to client)."""
    n = len(payload)
    if n < 126:
        head = bytes([0x81, n])
    elif n < 65536:
        head = bytes([0x81, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x81, 127]) + n.to_bytes(8, "big")
    return head + payload


def error_body(code, message):
    return {"type": "error", "status": "", "status_code": 0, "operation": "",
            "error_code": code, "error": message, "metadata": None}


class Operation:
    def __init__(self, description, resources, duration=0.0, hold=False):
        self.id = str(uuid.uuid4())
        self.description = description
        self.resources = resources
        self.created_at = now_iso()
        self.updated_at = self.created_at
        self.status = "Running"
        self.metadata = None
        self.err = ""
        self.done = threading.Event()
        self.duration = duration
        self.hold = hold          # completes only when released
        self.action = None        # callable run at completion: returns (ok, err, metadata)

    def url(self):
        return "/1.0/operations/" + self.id

    def to_json(self):
        return {"id": self.id, "class": "task", "description": self.description,
                "created_at": self.created_at, "updated_at": self.updated_at,
                "status": self.status, "status_code": STATUS_CODES[self.status],
                "resources": self.resources, "metadata": self.metadata,
                "may_cancel": False, "err": self.err, "location": "none"}


class VFS:
    """Files of one instance: path -> dict(type, content, uid, gid, mode)."""

    def __init__(self):
        self.nodes = {}
        for d in ("/", "/etc", "/etc/sudoers.d", "/home", "/root", "/tmp", "/bin",
                  "/usr", "/usr/sbin"):
            self.nodes[d] = {"type": "directory", "uid": 0, "gid": 0,
                             "mode": 0o1777 if d == "/tmp" else 0o755}
        self.put_file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0, 0, 0o644)
        self.put_file("/etc/group", b"root:x:0:\nsudo:x:27:\nusers:x:100:\n", 0, 0, 0o644)
        self.put_file("/etc/hosts", b"127.0.0.1 localhost\n", 0, 0, 0o644)

    @staticmethod
    def norm(path):
        return os.path.normpath("/" + path.lstrip("/"))

    def parent_ok(self, path):
        parent = os.path.dirname(path) or "/"
        return self.nodes.get(parent, {}).get("type") == "directory"

    def put_file(self, path, content, uid, gid, mode):
        self.nodes[self.norm(path)] = {"type": "file", "content": content, "uid": uid,
                                       "gid": gid, "mode": mode}

    def mkdir_p(self, path, uid=0, gid=0, mode=0o755):
        path = self.norm(path)
        parts = [p for p in path.split("/") if p]
        cur = ""
        for p in parts:
            cur += "/" + p
            if cur not in self.nodes:
                self.nodes[cur] = {"type": "directory", "uid": uid, "gid": gid,
                                   "mode": mode}

    def listdir(self, path):
        path = self.norm(path)
        prefix = path.rstrip("/") + "/"
        return sorted(p[len(prefix):] for p in self.nodes
                      if p.startswith(prefix) and p != path and "/" not in p[len(prefix):])

    def to_json(self):
        out = {}
        for p, n in self.nodes.items():
            e = {k: v for k, v in n.items() if k != "content"}
            if n["type"] == "file":
                try:
                    e["content"] = n["content"].decode()
                except UnicodeDecodeError:
                    e["content_b64"] = base64.b64encode(n["content"]).decode()
            out[p] = e
        return out


class Instance:
    _ip_counter = [10]

    def __init__(self, name, project, config=None, devices=None, status="Stopped",
                 image="ctr-tiny"):
        self.name = name
        self.project = project
        self.config = {"image.description": "fake image " + image, "image.os": "busybox",
                       "volatile.base_image": "f" * 64,
                       "volatile.eth0.hwaddr": "00:16:3e:00:00:%02x" % (
                           Instance._ip_counter[0] % 256)}
        self.config.update(config or {})
        self.devices = devices or {}
        self.status = status
        self.created_at = now_iso()
        self.last_used_at = self.created_at
        Instance._ip_counter[0] += 1
        self.ip = "10.99.0.%d" % (Instance._ip_counter[0] % 250 + 2)
        self.vfs = VFS()

    def expanded_devices(self):
        devs = {"eth0": {"name": "eth0", "nictype": "bridged", "parent": "fakebr0",
                         "type": "nic"},
                "root": {"path": "/", "pool": "default", "type": "disk"}}
        devs.update(self.devices)
        return devs

    def state(self):
        running = self.status == "Running"
        st = {"status": self.status, "status_code": STATUS_CODES[self.status],
              "disk": {"root": {"usage": 12345678, "total": 0}} if running else {},
              "memory": {"usage": 4194304 if running else 0,
                         "usage_peak": 8388608 if running else 0,
                         "swap_usage": 0, "swap_usage_peak": 0},
              "network": None, "pid": 4242 if running else 0,
              "processes": 3 if running else 0,
              "cpu": {"usage": 123456789 if running else 0}}
        if running:
            st["network"] = {
                "eth0": {"addresses": [
                    {"family": "inet", "address": self.ip, "netmask": "24",
                     "scope": "global"},
                    {"family": "inet6", "address": "fe80::216:3eff:fe00:1",
                     "netmask": "64", "scope": "link"}],
                    "counters": {"bytes_received": 7716, "bytes_sent": 1522,
                                 "packets_received": 57, "packets_sent": 13,
                                 "errors_received": 0, "errors_sent": 0,
                                 "packets_dropped_outbound": 0,
                                 "packets_dropped_inbound": 0},
                    "hwaddr": self.config["volatile.eth0.hwaddr"],
                    "host_name": "vethfake", "mtu": 1500, "state": "up",
                    "type": "broadcast"},
                "lo": {"addresses": [{"family": "inet", "address": "127.0.0.1",
                                      "netmask": "8", "scope": "local"}],
                       "counters": {"bytes_received": 0, "bytes_sent": 0,
                                    "packets_received": 0, "packets_sent": 0,
                                    "errors_received": 0, "errors_sent": 0,
                                    "packets_dropped_outbound": 0,
                                    "packets_dropped_inbound": 0},
                       "hwaddr": "", "host_name": "", "mtu": 65536, "state": "up",
                       "type": "loopback"}}
        return st

    def to_json(self, with_state=False):
        d = {"architecture": "x86_64", "config": dict(self.config),
             "devices": dict(self.devices), "ephemeral": False, "profiles": ["default"],
             "stateful": False, "description": "", "created_at": self.created_at,
             "expanded_config": dict(self.config),
             "expanded_devices": self.expanded_devices(), "name": self.name,
             "status": self.status, "status_code": STATUS_CODES[self.status],
             "last_used_at": self.last_used_at, "location": "none", "type": "container",
             "project": self.project}
        if with_state:
            d["backups"] = None
            d["state"] = self.state()
            d["snapshots"] = None
        return d


class FakeIncus:
    """All state, behind one lock."""

    def __init__(self, server="incus", mode="normal", slow_create_seconds=5.0,
                 control_file=None, preload=True, project="containarium-test",
                 events=False):
        self.lock = threading.RLock()
        self.events = events          # serve /1.0/events
        self.event_clients = []       # [(socket, project)]
        self.events_refused = False
        self.project = project
        self.server = server
        self.mode = mode
        self.slow_create_seconds = slow_create_seconds
        self.control_file = control_file
        self.control_mtime = None
        self.instances = {}       # name -> Instance
        self.operations = {}      # id -> Operation
        self.exec_logs = {}       # (instance, filename) -> bytes
        self.requests = []
        self.release_event = threading.Event()
        self.images = {"ctr-tiny": "a" * 64, "ctr-debian": "b" * 64}
        if preload:
            bob = Instance("bob-container", project, status="Running", config={
                "limits.cpu": "1", "limits.memory": "256MiB",
                "user.containarium.username": "bob",
                "user.containarium.label.team": "fake"})
            bob.vfs.put_file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
                             b"bob:x:1000:1000::/home/bob:/bin/sh\n", 0, 0, 0o644)
            bob.vfs.mkdir_p("/home/bob/.ssh", 1000, 1000, 0o700)
            carol = Instance("carol-container", project, status="Stopped", config={
                "limits.cpu": "2", "limits.memory": "512MiB",
                "user.containarium.username": "carol"})
            self.instances = {bob.name: bob, carol.name: carol}

    # ---- control -------------------------------------------------------------------
    def set_mode(self, mode, slow_create_seconds=None):
        if mode not in MODES:
            raise ValueError("unknown mode %r" % mode)
        with self.lock:
            self.mode = mode
            if slow_create_seconds is not None:
                self.slow_create_seconds = float(slow_create_seconds)
            if mode != "hang_operation":
                self.release_event.set()
                self.release_event = threading.Event()

    def release(self):
        with self.lock:
            ev = self.release_event
            self.release_event = threading.Event()
            held = [op for op in self.operations.values() if op.hold and not op.done.is_set()]
            for op in held:
                op.hold = False
        ev.set()
        return len(held)

    def poll_control_file(self):
        if not self.control_file:
            return
        try:
            mtime = os.stat(self.control_file).st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self.control_mtime:
            return
        self.control_mtime = mtime
        try:
            with open(self.control_file) as f:
                ctl = json.load(f)
            self.set_mode(ctl.get("mode", "normal"), ctl.get("slow_create_seconds"))
            if ctl.get("release"):
                self.release()
        except (OSError, ValueError) as e:
            print("fake_incus: bad control file: %s" % e, file=sys.stderr)

    # ---- events --------------------------------------------------------------------
    def emit(self, project, type_, metadata):
        """Send one event to every stream subscribed to project; drop broken ones."""
        msg = ws_text_frame(json.dumps({"type": type_, "timestamp": now_iso(),
                                        "metadata": metadata, "location": "none",
                                        "project": project}).encode())
        with self.lock:
            for client in list(self.event_clients):
                sock, wanted = client
                if wanted != project:
                    continue
                try:
                    sock.sendall(msg)
                except OSError:
                    self.event_clients.remove(client)

    def emit_instance_change(self, name, action="instance-updated", op=None):
        if op is not None:
            self.emit(self.project, "operation", dict(op.to_json()))
        self.emit(self.project, "lifecycle", {
            "action": action, "source": "/1.0/instances/%s?project=%s" % (name, self.project),
            "context": {}, "requestor": None})

    def drop_event_streams(self):
        with self.lock:
            clients, self.event_clients = self.event_clients, []
        for sock, _ in clients:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return len(clients)

    # ---- operations ----------------------------------------------------------------
    def start_operation(self, description, resources, action, duration=0.0):
        hold = self.mode == "hang_operation"
        op = Operation(description, resources, duration=duration, hold=hold)
        op.action = action
        with self.lock:
            self.operations[op.id] = op
            release_event = self.release_event

        def run():
            if op.duration > 0:
                time.sleep(op.duration)
            while op.hold:
                release_event.wait(0.2)
                if release_event.is_set():
                    break
            with self.lock:
                try:
                    ok, err, metadata = op.action(op) if op.action else (True, "", None)
                except Exception as e:  # a bug in the fake: fail the operation, loudly
                    import traceback
                    traceback.print_exc()
                    ok, err, metadata = False, "fake_incus internal error: %s" % e, None
                op.status = "Success" if ok else "Failure"
                op.err = err
                op.metadata = metadata
                op.updated_at = now_iso()
                if self.events:
                    for path in (op.resources or {}).get("instances", []):
                        self.emit_instance_change(path.rsplit("/", 1)[-1], op=op)
            op.done.set()

        threading.Thread(target=run, daemon=True).start()
        return op


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-incus/1.0"
    fake = None  # set by make_server

    # The Unix socket has no peer address; the base class expects a tuple.
    def address_string(self):
        return "unix"

    def log_message(self, fmt, *args):
        if os.environ.get("FAKE_INCUS_VERBOSE"):
            sys.stderr.write("fake_incus: " + (fmt % args) + "\n")

    # ---- plumbing ------------------------------------------------------------------
    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send_raw(self, code, body, ctype="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, code, obj, headers=None):
        self.send_raw(code, json.dumps(obj).encode(), headers=headers)

    def sync(self, metadata, code=200):
        self.send_json(code, sync_body(metadata))

    def error(self, code, message):
        self.send_json(code, error_body(code, message))

    def async_op(self, op):
        body = {"type": "async", "status": "Operation created", "status_code": 100,
                "operation": op.url(), "error_code": 0, "error": "",
                "metadata": op.to_json()}
        self.send_json(202, body, headers={"Location": op.url()})

    def file_header(self, name):
        return ("X-Incus-" if self.fake.server == "incus" else "X-LXD-") + name

    def get_file_header(self, name, default=None):
        for prefix in ("X-Incus-", "X-LXD-"):
            v = self.headers.get(prefix + name)
            if v is not None:
                return v
        return default

    # ---- dispatch ------------------------------------------------------------------
    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def dispatch(self):
        fake = self.fake
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = self.read_body()
        if path.startswith("/__fake/"):
            return self.control(path, body)
        fake.poll_control_file()
        entry = {"method": self.command, "path": path, "query": query,
                 "time": time.time()}
        if body:
            try:
                entry["body"] = json.loads(body)
            except ValueError:
                entry["body_raw"] = body.decode(errors="replace")
        entry["headers"] = {k: v for k, v in self.headers.items()
                            if k.lower().startswith(("x-incus-", "x-lxd-"))}
        with fake.lock:
            fake.requests.append(entry)
            mode = fake.mode
        if mode == "http500":
            html = (b"<html><head><title>500 Internal Server Error</title></head>"
                    b"<body><h1>Internal Server Error</h1></body></html>")
            return self.send_raw(500, html, ctype="text/html; charset=utf-8")
        if mode == "malformed":
            return self.send_raw(200, b'{"type":"sync","status":"Success","status_code'
                                      b'":200,"metadata":{"config":{"lim')
        if mode == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        try:
            return self.route(path, query, body)
        except BrokenPipeError:
            self.close_connection = True
        except Exception as e:  # a bug in the fake: say so as Incus would
            import traceback
            traceback.print_exc()
            self.error(500, "fake_incus internal error: %s" % e)
        return None

    def control(self, path, body):
        fake = self.fake
        try:
            args = json.loads(body) if body else {}
        except ValueError:
            return self.error(400, "bad JSON")
        if path == "/__fake/state" and self.command == "GET":
            with fake.lock:
                return self.sync({
                    "mode": fake.mode, "slow_create_seconds": fake.slow_create_seconds,
                    "instances": {n: dict(i.to_json(), files=i.vfs.to_json())
                                  for n, i in fake.instances.items()},
                    "operations": {o.id: o.to_json() for o in fake.operations.values()}})
        if path == "/__fake/mode" and self.command == "POST":
            try:
                fake.set_mode(args.get("mode", "normal"), args.get("slow_create_seconds"))
            except ValueError as e:
                return self.error(400, str(e))
            return self.sync({"mode": fake.mode})
        if path == "/__fake/release" and self.command == "POST":
            return self.sync({"released": fake.release()})
        if path == "/__fake/requests" and self.command == "GET":
            with fake.lock:
                return self.sync(list(fake.requests))
        if path == "/__fake/events" and self.command == "GET":
            with fake.lock:
                return self.sync({"clients": len(fake.event_clients),
                                  "refuse": fake.events_refused})
        if path == "/__fake/events" and self.command == "POST":
            if "refuse" in args:
                fake.events_refused = bool(args["refuse"])
            dropped = fake.drop_event_streams() if args.get("drop") else 0
            return self.sync({"dropped": dropped})
        if path == "/__fake/reset" and self.command == "POST":
            with fake.lock:
                fake.requests.clear()
            return self.sync({})
        return self.error(404, "not found")

    def route(self, path, query, body):
        fake = self.fake
        parts = [p for p in path.split("/") if p]
        m = self.command
        if parts == ["1.0"] and m == "GET":
            return self.sync(self.server_info())
        if parts == ["1.0", "events"] and m == "GET" and fake.events:
            return self.event_stream(query)
        if parts == ["1.0", "resources"] and m == "GET":
            return self.sync(self.resources())
        if parts[:2] == ["1.0", "projects"] and len(parts) == 3 and m == "GET":
            return self.sync({"name": parts[2], "description": "", "config": {
                "features.images": "false", "features.profiles": "false"},
                "used_by": []})
        if parts[:2] == ["1.0", "storage-pools"]:
            return self.route_pools(parts[2:], query)
        if parts[:3] == ["1.0", "images", "aliases"] and len(parts) == 4 and m == "GET":
            target = fake.images.get(parts[3])
            if not target:
                return self.error(404, "Image alias not found")
            return self.sync({"description": "", "target": target, "name": parts[3],
                              "type": "container"})
        if parts[:2] == ["1.0", "operations"] and len(parts) >= 3:
            return self.route_operation(parts[2], parts[3:], query)
        if parts[:2] == ["1.0", "instances"]:
            if len(parts) == 2:
                if m == "GET":
                    return self.list_instances(query)
                if m == "POST":
                    return self.create_instance(query, body)
                return self.error(405, "method not allowed")
            return self.route_instance(parts[2], parts[3:], query, body)
        return self.error(404, "not found")

    # ---- events ----------------------------------------------------------------------
    def event_stream(self, query):
        """The websocket upgrade, then hold the connection as an event stream until the
        client or a drop closes it."""
        fake = self.fake
        key = self.headers.get("Sec-WebSocket-Key", "")
        if self.headers.get("Upgrade", "").lower() != "websocket" or not key:
            return self.error(400, "websocket upgrade expected")
        if fake.events_refused:
            return self.error(503, "fake_incus: event streams refused")
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        self.connection.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
                                 % accept).encode())
        client = (self.connection, self.project(query))
        self.connection.settimeout(5)
        with fake.lock:
            fake.event_clients.append(client)
        while True:
            try:
                data = self.connection.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data or data[0] & 0x0F == 0x8:  # closed, or a close frame
                break
        with fake.lock:
            if client in fake.event_clients:
                fake.event_clients.remove(client)
        self.close_connection = True
        return None

    # ---- server, resources, pools -----------------------------------------------------
    def server_info(self):
        incus = self.fake.server == "incus"
        return {
            "config": {}, "api_extensions": ["instances", "container_exec_recording",
                                             "file_delete", "projects", "resources"],
            "api_status": "stable", "api_version": "1.0", "auth": "trusted",
            "public": False, "auth_methods": ["tls"],
            "environment": {
                "addresses": [], "architectures": ["x86_64", "i686"],
                "certificate": "", "certificate_fingerprint": "",
                "driver": "lxc", "driver_version": "6.0.0" if incus else "5.0.2",
                "firewall": "nftables", "kernel": "Linux",
                "kernel_architecture": "x86_64", "kernel_features": {},
                "kernel_version": os.uname().release, "lxc_features": {},
                "os_name": "Debian GNU/Linux", "os_version": "12",
                "project": "default", "server": "incus" if incus else "lxd",
                "server_clustered": False, "server_event_mode": "full-mesh",
                "server_name": socket.gethostname(), "server_pid": os.getpid(),
                "server_version": "6.0.0" if incus else "5.0.2",
                "storage": "dir", "storage_version": "1",
                "storage_supported_drivers": [{"Name": "dir", "Version": "1",
                                               "Remote": False}]}}

    @staticmethod
    def resources():
        return {
            "cpu": {"architecture": "x86_64", "sockets": [{
                "name": "Fake CPU", "vendor": "FakeVendor", "socket": 0, "cache": [],
                "cores": [{"core": c, "die": 0, "threads": [
                    {"id": c, "numa_node": 0, "thread": 0, "online": True,
                     "isolated": False}]} for c in range(4)]}], "total": 4},
            "memory": {"nodes": [{"numa_node": 0, "hugepages_used": 0,
                                  "hugepages_total": 0, "used": 2147483648,
                                  "total": 8589934592}],
                       "hugepages_total": 0, "hugepages_used": 0,
                       "hugepages_size": 2097152, "used": 2147483648,
                       "total": 8589934592},
            "gpu": {"cards": [], "total": 0}, "network": {"cards": [], "total": 0},
            "storage": {"disks": [], "total": 0}, "usb": {"devices": [], "total": 0},
            "pci": {"devices": [], "total": 0},
            "system": {"uuid": "", "vendor": "", "product": "", "family": "",
                       "version": "", "sku": "", "serial": "", "type": "physical",
                       "firmware": {"date": "", "vendor": "", "version": ""},
                       "chassis": {"serial": "", "type": "", "vendor": "", "version": ""},
                       "motherboard": {"product": "", "serial": "", "vendor": "",
                                       "version": ""}}}

    def route_pools(self, rest, query):
        if self.command != "GET":
            return self.error(405, "method not allowed")
        pool = {"config": {"source": "/var/lib/incus/storage-pools/default"},
                "description": "", "name": "default", "driver": "dir", "used_by": [],
                "status": "Created", "locations": ["none"]}
        if not rest:
            if query.get("recursion", "0") != "0":
                return self.sync([pool])
            return self.sync(["/1.0/storage-pools/default"])
        if rest[0] != "default":
            return self.error(404, "Storage pool not found")
        if len(rest) == 1:
            return self.sync(pool)
        if rest[1:] == ["resources"]:
            return self.sync({"space": {"used": 17242734592, "total": 270553174016},
                              "inodes": {"used": 418309, "total": 16777216}})
        return self.error(404, "not found")

    # ---- operations ----------------------------------------------------------------
    def route_operation(self, op_id, rest, query):
        fake = self.fake
        with fake.lock:
            op = fake.operations.get(op_id)
        if op is None:
            return self.error(404, "Operation not found")
        if self.command == "DELETE" and not rest:
            return self.error(403, "Only running operations can be cancelled")
        if self.command != "GET":
            return self.error(405, "method not allowed")
        if rest == ["wait"]:
            try:
                timeout = float(query.get("timeout", "-1"))
            except ValueError:
                return self.error(400, "bad timeout")
            op.done.wait(None if timeout < 0 else timeout)
        elif rest:
            return self.error(404, "not found")
        with fake.lock:
            return self.sync(op.to_json())

    # ---- instances -----------------------------------------------------------------
    def project(self, query):
        return query.get("project", "default")

    def list_instances(self, query):
        fake = self.fake
        rec = query.get("recursion", "0")
        project = self.project(query)
        with fake.lock:
            insts = [i for i in fake.instances.values()
                     if i.project == project or query.get("all-projects") == "true"]
            if rec == "0":
                suffix = "" if project == "default" else "?project=" + project
                return self.sync(["/1.0/instances/%s%s" % (i.name, suffix) for i in insts])
            return self.sync([i.to_json(with_state=(rec == "2")) for i in insts])

    def create_instance(self, query, body):
        fake = self.fake
        try:
            req = json.loads(body or b"{}")
        except ValueError as e:
            return self.error(400, "invalid JSON: %s" % e)
        name = req.get("name", "")
        if not name:
            return self.error(400, "Instance name is required")
        source = req.get("source") or {}
        alias = source.get("alias", "")
        if source.get("type") != "image":
            return self.error(400, "fake_incus supports only image sources")
        if alias not in fake.images and source.get("fingerprint") not in fake.images.values():
            return self.error(404, "Image alias not found")
        project = self.project(query)
        resources = {"containers": ["/1.0/containers/" + name],
                     "instances": ["/1.0/instances/" + name]}
        with fake.lock:
            exists = name in fake.instances
            if not exists:
                inst = Instance(name, project, config=req.get("config") or {},
                                devices=req.get("devices") or {}, image=alias)
                inst.config["volatile.base_image"] = fake.images.get(alias, "f" * 64)
                fake.instances[name] = inst
            duration = fake.slow_create_seconds if fake.mode == "slow_create" else 0.05

        def action(op):
            if exists:
                return (False, "Failed creating instance record: Add instance info to "
                        "the database: This \"instances\" entry already exists", None)
            if req.get("start") and name in fake.instances:
                fake.instances[name].status = "Running"
            return (True, "", {"create_instance_from_image_unpack_progress": "Unpack: 100%"})

        op = fake.start_operation("Creating instance", resources, action, duration)
        return self.async_op(op)

    def route_instance(self, name, rest, query, body):
        fake = self.fake
        with fake.lock:
            inst = fake.instances.get(name)
            if inst is not None and inst.project != self.project(query):
                inst = None
        if inst is None:
            return self.error(404, "Instance not found")
        m = self.command
        if not rest:
            if m == "GET":
                with fake.lock:
                    return self.sync(inst.to_json(with_state=query.get("recursion") == "1"))
            if m == "DELETE":
                if inst.status == "Running":
                    return self.error(400, "Instance is running")

                def action(op):
                    fake.instances.pop(name, None)
                    return (True, "", None)
                return self.async_op(fake.start_operation(
                    "Deleting instance", {"instances": ["/1.0/instances/" + name]}, action))
            if m in ("PUT", "PATCH"):
                try:
                    req = json.loads(body or b"{}")
                except ValueError as e:
                    return self.error(400, "invalid JSON: %s" % e)
                with fake.lock:
                    if m == "PUT":
                        if "config" in req:
                            volatile = {k: v for k, v in inst.config.items()
                                        if k.startswith(("volatile.", "image."))}
                            inst.config = dict(volatile, **req["config"])
                        if "devices" in req:
                            inst.devices = req["devices"]
                    else:
                        inst.config.update(req.get("config") or {})
                        inst.devices.update(req.get("devices") or {})
                if m == "PATCH":
                    if fake.events:
                        fake.emit_instance_change(name)
                    return self.sync({})
                return self.async_op(fake.start_operation(
                    "Updating instance", {"instances": ["/1.0/instances/" + name]},
                    lambda op: (True, "", None)))
            return self.error(405, "method not allowed")
        if rest == ["state"]:
            if m == "GET":
                with fake.lock:
                    return self.sync(inst.state())
            if m == "PUT":
                return self.change_state(inst, body)
        if rest == ["exec"] and m == "POST":
            return self.exec(inst, body)
        if rest == ["files"]:
            return self.files(inst, query, body)
        if rest and rest[0] == "logs" and m in ("GET", "DELETE"):
            with fake.lock:
                data = fake.exec_logs.get((name, rest[-1]))
                if data is not None and m == "DELETE":
                    del fake.exec_logs[(name, rest[-1])]
            if data is None:
                return self.error(404, "not found")
            if m == "DELETE":
                return self.sync({})
            return self.send_raw(200, data, ctype="application/octet-stream")
        return self.error(404, "not found")

    def change_state(self, inst, body):
        fake = self.fake
        try:
            req = json.loads(body or b"{}")
        except ValueError as e:
            return self.error(400, "invalid JSON: %s" % e)
        action = req.get("action")
        descriptions = {"start": "Starting instance", "stop": "Stopping instance",
                        "restart": "Restarting instance", "freeze": "Freezing instance",
                        "unfreeze": "Unfreezing instance"}
        if action not in descriptions:
            return self.error(400, "Unknown action %s" % action)

        def run(op):
            st = inst.status
            if action == "start":
                if st == "Running":
                    return (False, "The instance is already running", None)
                inst.status = "Running"
            elif action == "stop":
                if st == "Stopped":
                    return (False, "The instance is already stopped", None)
                inst.status = "Stopped"
            elif action == "restart":
                if st != "Running":
                    return (False, "The instance isn't running", None)
            elif action == "freeze":
                if st != "Running":
                    return (False, "The instance isn't running", None)
                inst.status = "Frozen"
            elif action == "unfreeze":
                if st != "Frozen":
                    return (False, "The instance is not frozen", None)
                inst.status = "Running"
            inst.last_used_at = now_iso()
            return (True, "", None)

        return self.async_op(fake.start_operation(
            descriptions[action], {"instances": ["/1.0/instances/" + inst.name]}, run))

    def exec(self, inst, body):
        fake = self.fake
        try:
            req = json.loads(body or b"{}")
        except ValueError as e:
            return self.error(400, "invalid JSON: %s" % e)
        cmd = req.get("command") or []
        if not isinstance(cmd, list) or not cmd:
            return self.error(400, "Command is required")
        if req.get("wait-for-websocket") or req.get("interactive"):
            return self.error(400, "fake_incus supports only record-output exec")
        if inst.status != "Running":
            return self.error(400, "Instance is not running")
        record = req.get("record-output", False)

        def action(op):
            if fake.mode == "exec_fail":
                rc, out, err = 1, b"", b"fake_incus: exec_fail mode\n"
            else:
                rc, out, err = self.emulate(inst, [str(c) for c in cmd])
            meta = {"return": rc}
            if record:
                base = "exec_%s" % op.id
                fake.exec_logs[(inst.name, base + ".stdout")] = out
                fake.exec_logs[(inst.name, base + ".stderr")] = err
                prefix = "/1.0/instances/%s/logs/" % inst.name
                meta["output"] = {"1": prefix + base + ".stdout",
                                  "2": prefix + base + ".stderr"}
            return (True, "", meta)

        return self.async_op(fake.start_operation("Executing command", {
            "containers": ["/1.0/containers/" + inst.name],
            "instances": ["/1.0/instances/" + inst.name]}, action))

    @staticmethod
    def emulate(inst, cmd):
        """A few commands the daemon runs to make a user; the rest succeed silently."""
        vfs = inst.vfs
        if cmd[0] in ("sh", "/bin/sh", "bash", "/bin/bash") and len(cmd) >= 3 and \
                cmd[1] == "-c":
            try:
                cmd = shlex.split(cmd[2])
            except ValueError:
                return 0, b"", b""
            if not cmd:
                return 0, b"", b""
        prog = os.path.basename(cmd[0])
        args = cmd[1:]

        def passwd_lines():
            return vfs.nodes["/etc/passwd"]["content"].decode().splitlines()

        def find_user(name):
            for line in passwd_lines():
                f = line.split(":")
                if f[0] == name:
                    return f
            return None

        if prog == "useradd":
            login = args[-1] if args else ""
            if not login:
                return 2, b"", b"Usage: useradd LOGIN\n"
            if find_user(login):
                return 9, b"", ("useradd: user '%s' already exists\n" % login).encode()
            used = [int(f[2]) for f in (line.split(":") for line in passwd_lines())
                    if len(f) > 2 and f[2].isdigit() and 1000 <= int(f[2]) < 60000]
            uid = max(used + [999]) + 1
            home = "/home/" + login
            if "-d" in args:
                home = args[args.index("-d") + 1]
            content = vfs.nodes["/etc/passwd"]["content"] + (
                "%s:x:%d:%d::%s:/bin/sh\n" % (login, uid, uid, home)).encode()
            vfs.nodes["/etc/passwd"]["content"] = content
            if "-m" in args or "--create-home" in args:
                vfs.mkdir_p(home, uid, uid, 0o755)
            return 0, b"", b""
        if prog == "id":
            name = [a for a in args if not a.startswith("-")]
            f = find_user(name[0]) if name else ["root", "x", "0", "0"]
            if f is None:
                return 1, b"", ("id: '%s': no such user\n" % name[0]).encode()
            if "-u" in args:
                return 0, (f[2] + "\n").encode(), b""
            if "-g" in args:
                return 0, (f[3] + "\n").encode(), b""
            return 0, ("uid=%s(%s) gid=%s\n" % (f[2], f[0], f[3])).encode(), b""
        if prog == "getent" and len(args) >= 2 and args[0] == "passwd":
            f = find_user(args[1])
            if f is None:
                return 2, b"", b""
            return 0, (":".join(f) + "\n").encode(), b""
        if prog == "mkdir":
            for a in args:
                if not a.startswith("-"):
                    vfs.mkdir_p(a)
            return 0, b"", b""
        if prog == "cat":
            out = b""
            for a in args:
                n = vfs.nodes.get(vfs.norm(a))
                if n is None or n["type"] != "file":
                    return 1, out, ("cat: %s: No such file or directory\n" % a).encode()
                out += n["content"]
            return 0, out, b""
        if prog in ("test", "["):
            path = args[-1] if args else ""
            return (0 if vfs.norm(path) in vfs.nodes else 1), b"", b""
        if prog == "true":
            return 0, b"", b""
        if prog == "false":
            return 1, b"", b""
        return 0, b"", b""

    def files(self, inst, query, body):
        fake = self.fake
        path = query.get("path")
        if not path:
            return self.error(400, "Missing path argument")
        vfs = inst.vfs
        path = vfs.norm(path)
        m = self.command
        with fake.lock:
            node = vfs.nodes.get(path)
            if m in ("GET", "HEAD"):
                if node is None:
                    return self.error(404, "Not Found")
                headers = {self.file_header("Uid"): str(node["uid"]),
                           self.file_header("Gid"): str(node["gid"]),
                           self.file_header("Mode"): "%04o" % node["mode"],
                           self.file_header("Type"): node["type"]}
                if node["type"] == "directory":
                    return self.send_json(200, sync_body(vfs.listdir(path)),
                                          headers=headers)
                return self.send_raw(200, node["content"],
                                     ctype="application/octet-stream", headers=headers)
            if m == "POST":
                ftype = self.get_file_header("Type", "file")
                uid = int(self.get_file_header("Uid", "0") or 0)
                gid = int(self.get_file_header("Gid", "0") or 0)
                mode_s = self.get_file_header("Mode")
                write = self.get_file_header("Write", "overwrite")
                if not vfs.parent_ok(path):
                    return self.error(404, "Not Found")
                if ftype == "directory":
                    mode = int(mode_s, 8) if mode_s else 0o755
                    if node is None:
                        vfs.nodes[path] = {"type": "directory", "uid": uid, "gid": gid,
                                           "mode": mode}
                    return self.sync({})
                if ftype != "file":
                    return self.error(400, "fake_incus: unsupported file type %s" % ftype)
                if node is not None and node["type"] == "directory":
                    return self.error(400, "Path is a directory")
                mode = int(mode_s, 8) if mode_s else (node["mode"] if node else 0o644)
                content = body
                if write == "append" and node is not None:
                    content = node["content"] + body
                vfs.put_file(path, content, uid, gid, mode)
                return self.sync({})
            if m == "DELETE":
                if node is None:
                    return self.error(404, "Not Found")
                del vfs.nodes[path]
                return self.sync({})
        return self.error(405, "method not allowed")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True
    # Incus (Go) listens with a backlog of SOMAXCONN; socketserver's default of 5 makes
    # concurrent connects fail with EAGAIN, which a real Incus never does.
    request_queue_size = 1024


def make_server(socket_path, fake):
    try:
        os.unlink(socket_path)
    except FileNotFoundError:
        pass
    handler = type("BoundHandler", (Handler,), {"fake": fake})
    srv = Server(socket_path, handler)
    os.chmod(socket_path, 0o660)
    return srv


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--mode", default="normal", choices=MODES)
    ap.add_argument("--server", default="incus", choices=("incus", "lxd"))
    ap.add_argument("--slow-create-seconds", type=float, default=5.0)
    ap.add_argument("--control-file")
    ap.add_argument("--project", default="containarium-test")
    ap.add_argument("--no-preload", action="store_true")
    ap.add_argument("--events", action="store_true", help="serve /1.0/events")
    args = ap.parse_args(argv)
    fake = FakeIncus(server=args.server, mode=args.mode,
                     slow_create_seconds=args.slow_create_seconds,
                     control_file=args.control_file, preload=not args.no_preload,
                     project=args.project, events=args.events)
    srv = make_server(args.socket, fake)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("READY %s" % args.socket, flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        srv.server_close()
        try:
            os.unlink(args.socket)
        except FileNotFoundError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
