"""Fixtures and helpers of the CLI tests: the CLI binary, the fake server
(tests/cli/fake_server.py, Python grpcio) and a way to run the CLI.

The CLI is $CLI_BIN when set (build/containarium), else
tests/cli/cli_driver.c built here with tests/cli/driver.mk (BUILD=$BUILD or
build-cli, SANITIZE passed on).
"""
import base64
import os
import socket
import struct
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="session")
def cli():
    """Path of the CLI binary under test."""
    if os.environ.get("CLI_BIN"):
        return os.environ["CLI_BIN"]
    build = os.environ.get("BUILD", "build-cli")
    cmd = ["make", "-s", "-f", "Makefile", "-f", "tests/cli/driver.mk",
           "BUILD=" + build, "cli-driver"]
    if os.environ.get("SANITIZE"):
        cmd.append("SANITIZE=" + os.environ["SANITIZE"])
    subprocess.run(cmd, cwd=ROOT, check=True)
    return os.path.join(ROOT, build, "tests", "cli_driver")


class Server:
    def __init__(self, proc, port, unix, log):
        self.proc, self.port, self.unix, self.log = proc, port, unix, log

    @property
    def tcp(self):
        return "127.0.0.1:%d" % self.port

    def calls(self):
        """Names of the calls received so far, in order."""
        try:
            with open(self.log, encoding="utf-8") as f:
                return f.read().split()
        except FileNotFoundError:
            return []


@pytest.fixture(scope="session")
def stubs(tmp_path_factory):
    """Python stubs generated from proto/ (a directory)."""
    out = tmp_path_factory.mktemp("stubs")
    sys.path.insert(0, HERE)
    import fake_server
    fake_server.generate_stubs(str(out))
    return str(out)


def start_server(tmp, stubs, *extra):
    """Starts fake_server.py with its files under tmp; returns a Server."""
    tmp.mkdir(parents=True, exist_ok=True)
    unix, log, meta = str(tmp / "containarium.sock"), str(tmp / "calls.log"), str(tmp / "meta.log")
    proc = subprocess.Popen(
        [PYTHON, os.path.join(HERE, "fake_server.py"), "--unix", unix,
         "--stubs", stubs, "--log", log, "--meta-log", meta] + list(extra),
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("PORT "), "fake server did not start: %r" % line
    srv = Server(proc, int(line.split()[1]), unix, log)
    srv.meta = meta
    return srv


def stop_server(srv):
    srv.proc.terminate()
    srv.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory, stubs):
    """A running fake_server.py on 127.0.0.1:<free port> and a unix socket."""
    srv = start_server(tmp_path_factory.mktemp("fake-server"), stubs)
    yield srv
    stop_server(srv)


def run(cli, *args, env=None, timeout=30, input=None):
    """Runs the CLI with args (stdin: input, or /dev/null); returns the
    CompletedProcess (text mode)."""
    full_env = {k: v for k, v in os.environ.items() if k != "CONTAINARIUM_SERVER"}
    # Under SANITIZE=address: ignore c-ares's own leak, print nothing extra.
    full_env["LSAN_OPTIONS"] = "suppressions=%s:print_suppressions=0" % os.path.join(
        HERE, "lsan.supp")
    full_env.update(env or {})
    stdin = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run([cli] + list(args), capture_output=True, text=True,
                          env=full_env, timeout=timeout, **stdin)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on (just closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ed25519_key(comment, seed):
    """A syntactically valid OpenSSH ed25519 public key line."""
    kind = b"ssh-ed25519"
    blob = struct.pack(">I", len(kind)) + kind + struct.pack(">I", 32) + bytes([seed]) * 32
    return "ssh-ed25519 %s %s" % (base64.b64encode(blob).decode(), comment)


