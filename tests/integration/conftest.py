"""Fixtures of the integration suite: stubs generated from proto/ at test time, the LXD
test bed, the daemon under test (a factory; each instance has its own config, ports and
log), the fake Incus, SSH key pairs, and per-test usernames whose containers are removed
afterwards.

Run:  CONTAINARIUM_BIN=$PWD/build/containarium /usr/bin/python3 -m pytest -v tests/integration
"""

import glob
import importlib
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import ctrtest  # noqa: E402
from ctrtest import REPO, Daemon, FakeIncus, IncusAPI, KeyPair  # noqa: E402

TESTBED_UP = os.path.join(REPO, "tests", "testbed", "testbed-up.sh")
DEFAULT_TEST_TIMEOUT = 300  # seconds; @pytest.mark.timeout(N) changes it


def pytest_configure(config):
    config.addinivalue_line("markers", "timeout(seconds): fail the test after so long")


# ---------------------------------------------------------------------------------------
# bounded tests, and the outcome of each phase for fixtures to see

class TimeLimitExceeded(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    marker = item.get_closest_marker("timeout")
    seconds = int(marker.args[0]) if marker else DEFAULT_TEST_TIMEOUT

    def expired(signum, frame):
        raise TimeLimitExceeded("test exceeded its %d s limit" % seconds)

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


# ---------------------------------------------------------------------------------------
# stubs

@pytest.fixture(scope="session", autouse=True)
def stubs(tmp_path_factory):
    """Python stubs generated from proto/ now, the way an API user would; returns the
    directory (tests that run separate clients put it on PYTHONPATH)."""
    out = str(tmp_path_factory.mktemp("stubs"))
    protos = sorted(glob.glob(os.path.join(REPO, "proto", "containarium", "v1", "*.proto")))
    assert protos, "no protos in proto/containarium/v1"
    cmd = ["protoc", "--python_out=" + out, "--grpc_out=" + out,
           "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin",
           "-I" + os.path.join(REPO, "proto")] + protos
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, "protoc failed: %s %s" % (r.stdout, r.stderr)
    sys.path.insert(0, out)
    ctrtest.pb.container = importlib.import_module("containarium.v1.container_pb2")
    ctrtest.pb.service = importlib.import_module("containarium.v1.service_pb2")
    ctrtest.pb.grpc = importlib.import_module("containarium.v1.service_pb2_grpc")
    ctrtest.pb.admin = importlib.import_module("containarium.v1.admin_pb2")
    ctrtest.pb.admin_grpc = importlib.import_module("containarium.v1.admin_pb2_grpc")
    return out


@pytest.fixture(scope="session")
def pb(stubs):
    return ctrtest.pb


@pytest.fixture(scope="session", autouse=True)
def worker_user():
    """The unprivileged user workers drop to ([server] worker_user, default
    `containarium`), created as `make install` tells an admin to; the daemon refuses
    to start without it. Returns its passwd entry."""
    return ctrtest.ensure_worker_user()


# ---------------------------------------------------------------------------------------
# the LXD test bed

@pytest.fixture(scope="session")
def testbed(tmp_path_factory):
    """A running LXD with the test project, bridge and images (tests/testbed/
    testbed-up.sh; seconds when all is in place). Every *-container in the project is
    deleted before the first test and after the last."""
    log = os.path.join(str(tmp_path_factory.mktemp("testbed")), "testbed-up.log")
    if not os.access(TESTBED_UP, os.X_OK):
        pytest.fail("%s is missing or not executable: no test bed" % TESTBED_UP,
                    pytrace=False)
    with open(log, "wb") as f:
        try:
            r = subprocess.run([TESTBED_UP], stdout=f, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=1500)
            rc = r.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    if rc != 0:
        pytest.fail("%s failed (%s); its output:\n%s" % (TESTBED_UP, rc,
                                                          ctrtest.tail(log, 80)),
                    pytrace=False)
    api = IncusAPI()
    for image in (ctrtest.IMAGE_TINY, ctrtest.IMAGE_DEBIAN):
        status, doc = api.request("GET", "/1.0/images/aliases/" + image, project=False)
        assert status == 200, "test bed has no image %s: %s" % (image, doc)
    ctrtest.cleanup_containers(api)
    yield api
    ctrtest.cleanup_containers(api)


@pytest.fixture(scope="session")
def lxd(testbed):
    """An IncusAPI client on the real LXD, project containarium-test."""
    return testbed


# ---------------------------------------------------------------------------------------
# the daemon

def _stop_all(daemons, request, label):
    problems = []
    for d in daemons:
        p = d.stop()
        if p or ctrtest.call_failed(request):
            print("\n---- %s daemon stderr (%s), tail ----\n%s" % (
                label, d.stderr_path, d.log_tail(80)))
        problems += p
    return problems


@pytest.fixture
def daemon(tmp_path, request):
    """Factory: daemon(incus_socket=..., require_ok=True, incus={...}, containers={...},
    server={...}) starts a daemon with its own config (free port, admin socket in the
    test's tmpdir) and waits until GetSystemInfo answers. Each is SIGTERMed at teardown
    and must exit within 10 s, workers too."""
    started = []

    def start(incus_socket=ctrtest.LXD_SOCKET, require_ok=True, **sections):
        d = Daemon(os.path.join(str(tmp_path), "daemon%d" % len(started)),
                   incus_socket=incus_socket, **sections)
        started.append(d)
        return d.start(require_ok=require_ok)

    yield start
    problems = _stop_all(started, request, request.node.name)
    if problems:
        pytest.fail("daemon teardown: " + "; ".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def lxd_daemon(testbed, tmp_path_factory, request):
    """One daemon against the real LXD, shared by a module's tests."""
    d = Daemon(str(tmp_path_factory.mktemp("lxd_daemon")))
    d.start()
    yield d
    problems = d.stop()
    if problems:
        print("\n---- module daemon stderr tail ----\n%s" % d.log_tail(80))
        pytest.fail("daemon teardown: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def fake_incus(tmp_path):
    """Factory: fake_incus(mode=..., server=..., slow_create_seconds=...) starts a fake
    Incus process on <tmp>/fakeN/incus.sock; stopped at teardown."""
    fakes = []

    def start(**kw):
        f = FakeIncus(os.path.join(str(tmp_path), "fake%d" % len(fakes)), **kw)
        fakes.append(f)
        return f.start()

    yield start
    for f in fakes:
        f.stop()


# ---------------------------------------------------------------------------------------
# users and keys

@pytest.fixture
def make_username():
    """Factory of fresh valid usernames: make_username("ab") -> "ab3f9c1d"."""
    def make(prefix="u"):
        return prefix + uuid.uuid4().hex[:6]
    return make


@pytest.fixture
def lxd_user(lxd, make_username):
    """Factory of usernames whose <name>-container is removed from LXD after the test
    (and before, for fixed names such as "alice")."""
    names = []

    def make(prefix="u", exact=None):
        name = exact or make_username(prefix)
        if exact:
            lxd.delete_force(name + "-container")
        names.append(name)
        return name

    yield make
    for name in names:
        lxd.delete_force(name + "-container")


@pytest.fixture(scope="session")
def keys(tmp_path_factory):
    """ed25519 key pairs: keys.a, keys.b, keys.c, keys.d2, keys.alice."""
    d = str(tmp_path_factory.mktemp("keys"))

    class Keys:
        a = KeyPair(d, "key_a")
        b = KeyPair(d, "key_b")
        c = KeyPair(d, "key_c")
        d2 = KeyPair(d, "key_d")
        alice = KeyPair(d, "alice", comment="alice@laptop")
    return Keys
