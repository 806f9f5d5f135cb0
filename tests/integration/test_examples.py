"""examples/python/client.py, run as its README says, against a real daemon and LXD."""

import os
import re
import subprocess

from ctrtest import PYTHON, REPO, MiB, parse_size, python_env

CLIENT = os.path.join(REPO, "examples", "python", "client.py")


def run_client(stubs, *args):
    return subprocess.run([PYTHON, CLIENT] + list(args), capture_output=True, text=True,
                          timeout=300, env=python_env(stubs), stdin=subprocess.DEVNULL)


def test_python_example_creates_and_prints_ip(lxd_daemon, lxd, lxd_user, keys, stubs):
    u = lxd_user("ex")
    name = u + "-container"
    r = run_client(stubs, lxd_daemon.address, u, keys.a.path + ".pub")
    assert r.returncode == 0, (r.stdout, r.stderr)
    ip = lxd.ipv4(name)
    assert ip, "no container made"
    m = re.search(r"^IP: (\S+)$", r.stdout, re.M)
    assert m and m.group(1) == ip, r.stdout
    assert name in r.stdout and "%s@%s" % (u, ip) in r.stdout
    inst = lxd.instance(name)
    assert inst["config"]["limits.cpu"] == "1"
    assert parse_size(inst["config"]["limits.memory"]) == 256 * MiB
    data, _ = lxd.pull(name, "/home/%s/.ssh/authorized_keys" % u)
    assert keys.a.pub in data.decode().splitlines()


def test_python_example_over_admin_socket_reports_errors(lxd_daemon, lxd_user, keys, stubs):
    u = lxd_user("exa")
    first = run_client(stubs, "unix:" + lxd_daemon.admin_socket, u, keys.a.path + ".pub")
    assert first.returncode == 0, (first.stdout, first.stderr)
    again = run_client(stubs, "unix:" + lxd_daemon.admin_socket, u, keys.a.path + ".pub")
    assert again.returncode == 1
    assert "ALREADY_EXISTS" in again.stderr, again.stderr


def test_python_example_without_stubs_says_how_to_get_them(tmp_path):
    r = subprocess.run([PYTHON, CLIENT, "127.0.0.1:1", "x", "/dev/null"],
                       capture_output=True, text=True, timeout=60, cwd=str(tmp_path),
                       env=dict(os.environ, PYTHONPATH=""))
    assert r.returncode != 0
    assert "README" in r.stderr
