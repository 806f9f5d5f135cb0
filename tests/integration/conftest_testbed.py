"""Pytest helpers for the real LXD test bed (tests/testbed/).

Load from a conftest.py with ``pytest_plugins = ["conftest_testbed"]`` (or import the
names). The session fixture ``testbed`` runs tests/testbed/testbed-up.sh once -- which
starts LXD if needed, builds/imports the images and empties the test project -- and
yields a ``Testbed`` with the names the scripts use. Tests skip (not fail) when the
machine cannot run LXD at all: not root, or lxd not installed.

Environment: CTR_PROJECT, CTR_LXD_SOCKET, ... as in tests/testbed/lib.sh.
"""

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field

import pytest

TESTBED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testbed")


@dataclass
class Testbed:
    socket: str = os.environ.get("CTR_LXD_SOCKET", "/var/lib/lxd/unix.socket")
    project: str = os.environ.get("CTR_PROJECT", "containarium-test")
    bridge: str = os.environ.get("CTR_BRIDGE", "ctrbr0")
    bridge_prefix: str = "10.77.13."
    image_tiny: str = os.environ.get("CTR_IMAGE_TINY", "ctr-tiny")
    image_debian: str = os.environ.get("CTR_IMAGE_DEBIAN", "ctr-debian")
    created: list = field(default_factory=list)

    def lxc(self, *args, check=True, timeout=120):
        """Run ``lxc --project <project> ARGS``; return stdout (text).

        The project goes first so that it never lands after an ``exec ... --``.
        """
        result = subprocess.run(
            ["lxc", "--project", self.project, *args],
            capture_output=True, text=True, timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"lxc {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def launch(self, image, name, *extra):
        """Launch NAME from IMAGE (deleting any NAME left behind); remember it for cleanup."""
        self.lxc("delete", "--force", name, check=False)
        self.lxc("launch", "-q", image, name, *extra)
        self.created.append(name)
        return name

    def ipv4(self, name, timeout=10.0):
        """NAME's eth0 IPv4 on the bridge, waiting up to TIMEOUT seconds for DHCP."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.api(f"/1.0/instances/{name}/state")["metadata"]
            for addr in state.get("network", {}).get("eth0", {}).get("addresses", []):
                if addr["family"] == "inet" and addr["address"].startswith(self.bridge_prefix):
                    return addr["address"]
            time.sleep(0.1)
        raise TimeoutError(f"{name} got no IPv4 on {self.bridge} in {timeout} s")

    def api(self, path, method="GET", body=None):
        """One REST call on the LXD socket (project added); return the decoded JSON."""
        sep = "&" if "?" in path else "?"
        args = ["curl", "-s", "--unix-socket", self.socket, "-X", method,
                f"http://lxd{path}{sep}project={self.project}"]
        if body is not None:
            args += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
        out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
        return json.loads(out.stdout)

    def cleanup(self):
        """Delete every instance this Testbed launched."""
        for name in self.created:
            self.lxc("delete", "--force", name, check=False)
        self.created.clear()


def testbed_unavailable_reason():
    """Why this machine cannot host the test bed, or None."""
    if os.geteuid() != 0:
        return "the LXD test bed needs root"
    for tool in ("lxd", "lxc", "debootstrap", "busybox"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (see tests/testbed/README.md)"
    return None


def wait_for_tcp(host, port, timeout=10.0):
    """Wait until HOST:PORT accepts a TCP connection; raise TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{host}:{port} not accepting connections in {timeout} s")
            time.sleep(0.1)


@pytest.fixture(scope="session")
def testbed():
    """Bring the test bed up once per session; delete what the session launched."""
    reason = testbed_unavailable_reason()
    if reason:
        pytest.skip(reason)
    subprocess.run([os.path.join(TESTBED_DIR, "testbed-up.sh")], check=True,
                   stdout=subprocess.DEVNULL, timeout=900)
    bed = Testbed()
    yield bed
    bed.cleanup()
