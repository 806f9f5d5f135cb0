"""Fixtures of the static checks: the repository, the built binary, and trees made by
`make install`.

Run:  CONTAINARIUM_BIN=$PWD/build/containarium /usr/bin/python3 -m pytest -v tests/static
"""

import os
import subprocess

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run(cmd, timeout=120, **kw):
    """Runs cmd, returns the CompletedProcess (text, stdout and stderr captured)."""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def tested_binary():
    return os.path.abspath(os.environ.get("CONTAINARIUM_BIN") or
                           os.path.join(REPO, "build", "containarium"))


def make_install(**variables):
    """`make install VAR=value...` from the repository, installing the binary under
    test as it is (-o: never rebuilt, whatever changed in the tree since); asserts it
    succeeds and returns its output."""
    binary = tested_binary()
    cmd = ["make", "-C", REPO, "--no-print-directory", "install",
           "BUILD=" + os.path.dirname(binary), "-o", binary]
    cmd += ["%s=%s" % kv for kv in sorted(variables.items())]
    r = run(cmd, timeout=600)
    assert r.returncode == 0, "%s failed:\n%s%s" % (" ".join(cmd), r.stdout, r.stderr)
    return r.stdout + r.stderr


@pytest.fixture(scope="session")
def binary():
    path = tested_binary()
    assert os.access(path, os.X_OK), "no binary at %s (set CONTAINARIUM_BIN)" % path
    return path


@pytest.fixture(scope="session")
def staged(tmp_path_factory, binary):
    """A `make install DESTDIR=<tmp>` tree with the default PREFIX (a package's view)."""
    root = str(tmp_path_factory.mktemp("destdir"))
    make_install(DESTDIR=root)
    return root


@pytest.fixture(scope="session")
def prefixed(tmp_path_factory, binary):
    """A real install under a temporary PREFIX and SYSCONFDIR, so that the paths in
    the installed units exist and systemd-analyze can check them."""
    top = str(tmp_path_factory.mktemp("prefix"))
    make_install(PREFIX=top + "/usr", SYSCONFDIR=top + "/etc")
    return top
