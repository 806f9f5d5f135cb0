"""TLS and mTLS on the TCP listener, with clients no one on this project wrote: Python
grpc's ssl_channel_credentials (with and without a client certificate) and
`openssl s_client` for the protocol floor. Certificates are made at test time with
openssl: a CA, a server certificate for IP 127.0.0.1, client certificates from that CA
and from another one.

Each TLS connection is accepted by a worker on the listener the master bound (or systemd
passed) and handed to grpc's own TLS handshake (src/worker/worker_tls.c); the key and
certificates reach the sandboxed workers from the master (src/master/tls_material.c).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time

import grpc
import pytest

import ctrtest
from ctrtest import Daemon, FakeIncus, free_port, pb, wait_for

Code = grpc.StatusCode


# ---------------------------------------------------------------------------------------
# certificates

def _openssl(cwd, *args):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, "openssl %s: %s" % (" ".join(args), r.stderr)


def _key_and_csr(d, name, cn):
    _openssl(d, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-subj", "/CN=" + cn, "-keyout", name + ".key", "-out", name + ".csr")
    os.chmod(os.path.join(d, name + ".key"), 0o600)


def _sign(d, name, ca, ext=None):
    args = ["x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-CAcreateserial", "-days", "2", "-out", name + ".pem"]
    if ext:
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext + "\n")
        args += ["-extfile", name + ".ext"]
    _openssl(d, *args)


def _ca(d, name, cn):
    _openssl(d, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "2", "-subj", "/CN=" + cn, "-keyout", name + ".key",
             "-out", name + ".pem")


class Pki:
    """Paths of the test PKI: pki.path("server.pem")."""

    def __init__(self, d):
        self.dir = d
        _ca(d, "ca", "containarium-test-ca")
        _ca(d, "other-ca", "someone-else-ca")
        server_ext = "subjectAltName=IP:127.0.0.1,DNS:localhost"
        for name, cn, ca, ext in [("server", "server-one", "ca", server_ext),
                                  ("renewed", "server-renewed", "ca", server_ext),
                                  ("alice", "alice", "ca", None),
                                  ("mallory", "alice", "other-ca", None)]:
            _key_and_csr(d, name, cn)
            _sign(d, name, ca, ext)

    def path(self, name):
        return os.path.join(self.dir, name)

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def credentials(self, client=None, trust="ca"):
        """Channel credentials trusting `trust`, presenting `client`'s certificate."""
        kw = {}
        if client:
            kw = {"private_key": self.read(client + ".key"),
                  "certificate_chain": self.read(client + ".pem")}
        return grpc.ssl_channel_credentials(root_certificates=self.read(trust + ".pem"), **kw)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    """One fake Incus for the module: these tests are about the transport."""
    f = FakeIncus(str(tmp_path_factory.mktemp("fake_incus"))).start()
    yield f
    f.stop()


# ---------------------------------------------------------------------------------------
# the daemon with TLS

def info(channel, timeout=10):
    return pb.grpc.ContainerServiceStub(channel).GetSystemInfo(
        pb.service.GetSystemInfoRequest(), timeout=timeout)


def info_code(channel, timeout=10):
    try:
        info(channel, timeout)
        return Code.OK
    except grpc.RpcError as e:
        return e.code()


class TlsDaemon(Daemon):
    """A Daemon whose TCP endpoint speaks TLS: it is ready when a TLS client (with
    `client`'s certificate, for mtls) gets an answer; clients use TLS channels."""

    def __init__(self, workdir, pki, client=None, **kw):
        super().__init__(workdir, **kw)
        self.pki = pki
        self.ready_client = client

    def wait_ready(self, require_ok=True, timeout=20):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            self.assert_alive()
            ch = grpc.secure_channel(self.address, self.pki.credentials(self.ready_client))
            try:
                info(ch, timeout=2)
                # The master logs the call after answering it: wait for that
                # line, so tests can count the lines of their own calls.
                wait_for(lambda: audit_lines(self, "GetSystemInfo"), 5,
                         what="the readiness call's audit line")
                return
            except grpc.RpcError as e:
                last = "%s %s" % (e.code().name, e.details())
            finally:
                ch.close()
            time.sleep(0.2)
        raise AssertionError("daemon not ready in %d s (%s); stderr tail:\n%s" % (
            timeout, last, self.log_tail()))

    def tls_channel(self, pki, client=None, trust="ca"):
        ch = grpc.secure_channel(self.address, pki.credentials(client, trust))
        self._channels.append(ch)
        return ch


def _tls_section(pki, mode, cert="server"):
    section = {"mode": mode, "cert": pki.path(cert + ".pem"), "key": pki.path(cert + ".key")}
    if mode == "mtls":
        section["client_ca"] = pki.path("ca.pem")
    return section


def _auth_section(workdir, mode):
    """mtls maps the certificate to a user: alice is a viewer. tls: no tokens."""
    if mode != "mtls":
        return {"method": "none"}
    os.makedirs(workdir, exist_ok=True)
    users = os.path.join(workdir, "users")
    with open(users, "w") as f:
        f.write("alice:viewer::\n")
    os.chmod(users, 0o600)
    return {"method": "token", "users_file": users,
            "secret_file": os.path.join(workdir, "jwt.secret")}


@pytest.fixture
def tls_daemon(tmp_path, fake, pki, request):
    """Factory: tls_daemon("tls" | "mtls", cert="server") starts a daemon with that
    [tls] section on a listener the master binds itself."""
    started = []

    def start(mode, cert="server"):
        workdir = os.path.join(str(tmp_path), "daemon%d" % len(started))
        d = TlsDaemon(workdir, pki, client="alice" if mode == "mtls" else None,
                      incus_socket=fake.socket_path, tls=_tls_section(pki, mode, cert),
                      auth=_auth_section(workdir, mode))
        started.append(d)
        return d.start()

    yield start
    problems = []
    for d in started:
        p = d.stop()
        if p or ctrtest.call_failed(request):
            print("\n---- daemon stderr tail ----\n%s" % d.log_tail(60))
        problems += p
    if problems:
        pytest.fail("daemon teardown: " + "; ".join(problems), pytrace=False)


def s_client(port, *args, timeout=15):
    """openssl s_client against 127.0.0.1:port; returns its combined output. The
    client's own configuration is left out (OPENSSL_CONF=/dev/null), so what it offers
    is what the arguments say."""
    env = dict(os.environ, OPENSSL_CONF="/dev/null")
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                        "-alpn", "h2", *args], input="", capture_output=True, text=True,
                       errors="replace", timeout=timeout, env=env)
    return r.stdout + r.stderr


def audit_lines(d, method):
    """The audit lines of calls on the TCP listener (not the admin socket)."""
    return [line for line in d.log_text().splitlines() if (" %s " % method) in line
            and " by " in line and " from ipv4:" in line]


# ---------------------------------------------------------------------------------------
# TLS

@pytest.mark.timeout(60)
def test_tls_client_verifies_server_and_is_served(tls_daemon, pki):
    d = tls_daemon("tls")
    served = len(audit_lines(d, "GetSystemInfo"))   # the readiness check's
    reply = info(d.tls_channel(pki))
    assert reply.info.incus_version
    # The audit line names the real TCP peer, as grpc read it, not a descriptor.
    wait_for(lambda: len([l for l in audit_lines(d, "GetSystemInfo")
                          if re.search(r"by anonymous from ipv4:127\.0\.0\.1:\d+: OK", l)])
             == served + 1, 5, what="an audit line with the TLS peer's address")
    assert "fd:" not in "".join(audit_lines(d, "GetSystemInfo"))


@pytest.mark.timeout(60)
def test_tls_refuses_plaintext_and_untrusting_clients(tls_daemon, pki):
    d = tls_daemon("tls")
    plain = grpc.insecure_channel(d.address)
    try:
        assert info_code(plain, timeout=5) == Code.UNAVAILABLE
    finally:
        plain.close()
    # A client that trusts another CA refuses the server's certificate.
    assert info_code(d.tls_channel(pki, trust="other-ca"), timeout=5) == Code.UNAVAILABLE
    # The workers are unharmed: a proper client is served.
    assert info_code(d.tls_channel(pki)) == Code.OK


@pytest.mark.timeout(60)
def test_tls_protocol_floor_is_tls_1_2(tls_daemon, pki):
    d = tls_daemon("tls")
    # SECLEVEL=0 lets this client offer TLS 1.1 at all; the server must refuse it.
    out = s_client(d.port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert not re.search(r"New, TLSv1(\.1)?, Cipher is [A-Z]", out), out
    assert "Cipher is (NONE)" in out or "alert" in out, out
    for flag, version in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
        out = s_client(d.port, flag, "-CAfile", pki.path("ca.pem"))
        assert re.search(r"New, %s, Cipher is [A-Z]" % re.escape(version), out), out
        assert "Verify return code: 0 (ok)" in out, out
        assert "ALPN protocol: h2" in out, out
    assert "unsupported protocol" in d.log_text()


# ---------------------------------------------------------------------------------------
# mTLS

@pytest.mark.timeout(90)
def test_mtls_requires_a_client_certificate_from_the_client_ca(tls_daemon, pki):
    d = tls_daemon("mtls")
    served = len(audit_lines(d, "GetSystemInfo"))   # the readiness check's, as alice
    # No client certificate: the handshake is refused.
    assert info_code(d.tls_channel(pki), timeout=5) == Code.UNAVAILABLE
    wait_for(lambda: "peer did not return a certificate" in d.log_text(), 5,
             what="the worker's log of the refused handshake")
    # A certificate for "alice" signed by another CA: refused too.
    assert info_code(d.tls_channel(pki, client="mallory"), timeout=5) == Code.UNAVAILABLE
    assert len(audit_lines(d, "GetSystemInfo")) == served, \
        "a refused handshake reached the master"
    # alice's real certificate: served, and the audit log names her and her address.
    assert info_code(d.tls_channel(pki, client="alice")) == Code.OK
    wait_for(lambda: len([l for l in audit_lines(d, "GetSystemInfo")
                          if re.search(r"by \S*alice\S* from ipv4:127\.0\.0\.1:\d+: OK", l)])
             == served + 1, 5, what="an audit line naming alice and her address")


@pytest.mark.timeout(60)
def test_failed_handshakes_cannot_flood_the_log(tls_daemon, pki):
    d = tls_daemon("mtls")
    start = time.monotonic()
    for _ in range(30):                             # no client certificate: refused
        s_client(d.port, "-tls1_2", "-CAfile", pki.path("ca.pem"))
    seconds = time.monotonic() - start
    time.sleep(0.5)
    lines = d.log_text().count("Handshake failed")
    # At most one line a second per worker (2 workers), whatever the peer does.
    assert 1 <= lines <= 2 * (int(seconds) + 2), (lines, seconds)
    assert info_code(d.tls_channel(pki, client="alice")) == Code.OK


@pytest.mark.timeout(60)
def test_mtls_openssl_client_certificate(tls_daemon, pki):
    d = tls_daemon("mtls")
    out = s_client(d.port, "-tls1_3", "-CAfile", pki.path("ca.pem"),
                   "-cert", pki.path("alice.pem"), "-key", pki.path("alice.key"))
    assert re.search(r"New, TLSv1\.3, Cipher is [A-Z]", out), out
    # The server asks for a certificate from our CA and names it.
    assert "CN = containarium-test-ca" in out.split("Acceptable client certificate CA names")[1]


# ---------------------------------------------------------------------------------------
# key handling, renewal

def _start_expecting_failure(tmp_path, fake, tls, timeout=15):
    workdir = os.path.join(str(tmp_path), "bad")
    d = TlsDaemon(workdir, pki=None, incus_socket=fake.socket_path, tls=tls,
                  auth={"method": "none"})
    with open(d.stderr_path, "ab") as err:
        proc = subprocess.Popen([ctrtest.daemon_binary(), "daemon", "--config", d.config_path],
                                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                start_new_session=True)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise AssertionError("daemon started with bad TLS material: " + d.log_tail())
    return rc, d.log_text()


@pytest.mark.timeout(60)
def test_bad_key_material_refused_at_start(tmp_path, fake, pki):
    # A key that is not the certificate's.
    rc, log = _start_expecting_failure(tmp_path, fake, {
        "mode": "tls", "cert": pki.path("server.pem"), "key": pki.path("alice.key")})
    assert rc != 0
    assert "does not belong to" in log, log
    # A world-readable key.
    loose = str(tmp_path / "loose.key")
    shutil.copy(pki.path("server.key"), loose)
    os.chmod(loose, 0o644)
    rc, log = _start_expecting_failure(tmp_path, fake, {
        "mode": "tls", "cert": pki.path("server.pem"), "key": loose})
    assert rc != 0
    assert "must not be world-readable" in log, log


def _server_cn(port):
    out = s_client(port, "-tls1_3")
    m = re.search(r"subject=\s*CN\s*=\s*(\S+)", out)
    return m.group(1) if m else None


@pytest.mark.timeout(90)
def test_renewed_certificate_is_picked_up_on_reload(tmp_path, fake, pki):
    # The daemon reads cert and key from paths the test then overwrites.
    live = Pki.__new__(Pki)
    live.dir = str(tmp_path / "live")
    os.makedirs(live.dir)
    for name in ("server.pem", "server.key", "ca.pem"):
        shutil.copy(pki.path(name), live.path(name))
    d = TlsDaemon(str(tmp_path / "daemon"), live, incus_socket=fake.socket_path,
                  tls=_tls_section(live, "tls"), auth={"method": "none"})
    d.start()
    try:
        assert _server_cn(d.port) == "server-one"
        # A renewal whose key does not match is refused; the old material stays.
        shutil.copy(pki.path("renewed.pem"), live.path("server.pem"))
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "does not belong to" in d.log_text(), 10, what="the refusal")
        assert _server_cn(d.port) == "server-one"
        # The whole renewal: new workers serve the new certificate.
        shutil.copy(pki.path("renewed.key"), live.path("server.key"))
        wait_for(lambda: d.proc.send_signal(signal.SIGHUP) or
                 _server_cn(d.port) == "server-renewed", 30, interval=2,
                 what="the renewed certificate to be served")
        ch = grpc.secure_channel(d.address, live.credentials())
        assert info_code(ch) == Code.OK
        ch.close()
    finally:
        problems = d.stop()
        if problems:
            print(d.log_tail(60))
    assert not problems, problems


# ---------------------------------------------------------------------------------------
# socket activation

def _activate(tmp_path, fake, pki, mode):
    """systemd-socket-activate passes the TCP listener as "grpc"; the admin socket comes
    from the config. Returns (process, port, admin path, stderr path)."""
    port = free_port()
    workdir = str(tmp_path / ("act-" + mode))
    os.makedirs(workdir)
    admin = os.path.join(workdir, "admin.sock")
    config = os.path.join(workdir, "containarium.ini")
    ctrtest.write_config(config, {
        "server": {"listen": "127.0.0.1:%d" % free_port(), "admin_socket": admin},
        "incus": {"socket": fake.socket_path},
        "tls": _tls_section(pki, mode), "auth": _auth_section(workdir, mode)})
    stderr = os.path.join(workdir, "daemon.stderr")
    with open(stderr, "wb") as err:
        proc = subprocess.Popen(["systemd-socket-activate", "-l", "127.0.0.1:%d" % port,
                                 "--fdname=grpc", ctrtest.daemon_binary(), "daemon",
                                 "--config", config],
                                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                start_new_session=True)
    return proc, port, admin, stderr


@pytest.mark.timeout(90)
@pytest.mark.parametrize("mode", ["tls", "mtls"])
def test_tls_on_socket_activated_listener(tmp_path, fake, pki, mode):
    proc, port, admin, stderr = _activate(tmp_path, fake, pki, mode)
    try:
        # systemd-socket-activate execs the daemon at the first connection.
        wait_for(lambda: socket.create_connection(("127.0.0.1", port), timeout=2).close()
                 or True, 10, what="systemd-socket-activate to listen")
        wait_for(lambda: os.path.exists(admin), 20, what="the daemon to start")
        log = lambda: open(stderr, errors="replace").read()  # noqa: E731
        wait_for(lambda: "Serving on the sockets systemd passed" in log(), 10,
                 what="the daemon to take the passed socket")
        address = "127.0.0.1:%d" % port
        client = "alice" if mode == "mtls" else None
        ch = grpc.secure_channel(address, pki.credentials(client))
        wait_for(lambda: info_code(ch, timeout=3) == Code.OK, 20,
                 what="a TLS call on the activated socket")
        ch.close()
        if mode == "mtls":
            bare = grpc.secure_channel(address, pki.credentials())
            assert info_code(bare, timeout=5) == Code.UNAVAILABLE
            bare.close()
        plain = grpc.insecure_channel(address)
        assert info_code(plain, timeout=5) == Code.UNAVAILABLE
        plain.close()
        wait_for(lambda: re.search(r"GetSystemInfo by \S+ from ipv4:127\.0\.0\.1:\d+: OK",
                                   log()), 5, what="the audit line of the TLS call")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
