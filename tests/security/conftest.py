"""Fixtures of the security tests: stubs for the public API and the internal IPC
protocol, generated from proto/ at test time."""

import glob
import importlib
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="session")
def protos(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("stubs"))
    files = sorted(glob.glob(os.path.join(REPO, "proto", "containarium", "*", "*.proto")))
    r = subprocess.run(["protoc", "--python_out=" + out, "-I" + os.path.join(REPO, "proto")]
                       + files, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    sys.path.insert(0, out)

    class P:
        service = importlib.import_module("containarium.v1.service_pb2")
        admin = importlib.import_module("containarium.v1.admin_pb2")
        ipc = importlib.import_module("containarium.ipc.ipc_pb2")
    return P
