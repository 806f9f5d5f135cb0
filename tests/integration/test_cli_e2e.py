"""The containarium CLI (the built binary) against the real daemon and LXD.

Every command of the CLI runs as a process against daemons started here on
loopback with `[auth] method = none`; JSON output is parsed, exit codes are
checked. list-all runs across three real daemons with one of them down and
one "server" that accepts TCP and never answers, and its time is measured.
The fake-server tests (tests/cli/) cover what a real daemon cannot show.
"""

import json
import os
import socket
import subprocess
import threading
import time

import pytest

import ctrtest
from ctrtest import BRIDGE_NET, Daemon, daemon_binary, free_port

AUTH_NONE = {"auth": {"method": "none"}}


def cli(*args, env=None, timeout=120, input=None):
    """Runs the CLI; returns the CompletedProcess (text)."""
    full = {k: v for k, v in os.environ.items() if k != "CONTAINARIUM_SERVER"}
    full.update(env or {})
    kw = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run([daemon_binary()] + list(args), capture_output=True, text=True,
                          env=full, timeout=timeout, **kw)


def ok_json(p):
    assert p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr)
    assert p.stderr == "", p.stderr
    return json.loads(p.stdout)


def one_line_error(p, code):
    assert p.returncode == code, "exit %d, wanted %d: %s %s" % (p.returncode, code,
                                                                 p.stdout, p.stderr)
    assert p.stdout == ""
    assert len(p.stderr.splitlines()) == 1, p.stderr
    assert p.stderr.startswith("containarium: ")


@pytest.fixture(scope="module")
def cli_daemon(testbed, tmp_path_factory):
    d = Daemon(str(tmp_path_factory.mktemp("cli_daemon")), **AUTH_NONE)
    d.start()
    yield d
    problems = d.stop()
    if problems:
        print("\n---- daemon stderr tail ----\n%s" % d.log_tail(80))
        pytest.fail("daemon teardown: " + "; ".join(problems), pytrace=False)


@pytest.mark.timeout(240)
def test_every_container_command(cli_daemon, lxd_user, keys, tmp_path):
    d = cli_daemon
    u = lxd_user("cli")
    r = ["remote"]
    key_a = keys.a.path + ".pub"

    # create, exactly as published: remote create HOST:PORT USER --ssh-key FILE
    doc = ok_json(cli(*r, "create", d.address, u, "--ssh-key", key_a, "--cpu", "1",
                      "--memory", "256MiB", "--label", "team=cli", "--no-docker",
                      "-o", "json"))
    c = doc["container"]
    assert (c["name"], c["username"], c["state"]) == (u + "-container", u, "running")
    assert c["ip_address"].startswith(BRIDGE_NET)
    assert c["labels"] == {"team": "cli"} and c["docker_enabled"] is False
    assert doc["ssh_command"] and u in doc["ssh_command"]
    ip = c["ip_address"]
    one_line_error(cli(*r, "create", d.address, u, "--ssh-key", key_a), 5)

    # list with each filter, over TCP and over the admin socket
    names = lambda p: [x["name"] for x in ok_json(p)["containers"]]  # noqa: E731
    assert u + "-container" in names(cli(*r, "list", d.address, "-o", "json"))
    assert names(cli(*r, "list", d.address, "--user", u, "-o", "json")) == [u + "-container"]
    assert u + "-container" in names(cli("--server", "unix:" + d.admin_socket, "list",
                                         "--label", "team=cli", "-o", "json"))
    assert names(cli(*r, "list", d.address, "--user", u, "--state", "stopped",
                     "-o", "json")) == []
    table = cli(*r, "list", d.address, "--user", u)
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split() == ["NAME", "USER", "STATE", "IPV4", "CPU",
                                                    "MEMORY", "IMAGE"]
    assert table.stdout.splitlines()[1].split()[:4] == [u + "-container", u, "RUNNING", ip]

    # info, in both forms
    doc = ok_json(cli(*r, "info", d.address, u, "-o", "json"))
    assert doc["container"]["ssh_keys"] == [keys.a.pub]
    assert doc["metrics"]["process_count"] >= 1
    text = cli("--server", d.address, "info", u)
    assert text.returncode == 0 and ("ipv4:         %s" % ip) in text.stdout.splitlines()

    # ssh-key add and remove, from key files
    doc = ok_json(cli(*r, "ssh-key", d.address, "add", u, keys.b.path + ".pub", "-o", "json"))
    assert doc["total_keys"] == 2
    doc = ok_json(cli(*r, "ssh-key", d.address, "remove", u, key_a, "-o", "json"))
    assert doc["total_keys"] == 1
    assert ok_json(cli(*r, "info", d.address, u, "-o", "json"))["container"]["ssh_keys"] \
        == [keys.b.pub]

    # metrics, system-info
    doc = ok_json(cli(*r, "metrics", d.address, u, "-o", "json"))
    assert [m["name"] for m in doc["metrics"]] == [u + "-container"]
    assert doc["metrics"][0]["memory_usage_bytes"] > 0
    table = cli(*r, "metrics", d.address)
    assert table.returncode == 0 and u + "-container" in table.stdout
    doc = ok_json(cli(*r, "system-info", d.address, "-o", "json"))
    assert doc["info"]["containers_total"] >= 1 and doc["info"]["total_cpus"] >= 1
    assert doc["info"]["hostname"] == socket.gethostname()

    # ssh-config and the completion helper
    conf = cli(*r, "ssh-config", d.address, "--user", u)
    assert conf.returncode == 0, conf.stderr
    assert conf.stdout == ("Host %s-container\n    HostName %s\n    User %s\n"
                           "    ProxyJump %s@127.0.0.1\n\n" % (u, ip, u, u))
    comp = cli(*r, "__complete-containers", d.address)
    assert comp.returncode == 0 and u in comp.stdout.split()

    # stop (forced, with a timeout), start, delete
    doc = ok_json(cli(*r, "stop", d.address, u, "--force", "--timeout", "20", "-o", "json"))
    assert doc["container"]["state"] == "stopped"
    assert names(cli(*r, "list", d.address, "--user", u, "--state", "stopped",
                     "-o", "json")) == [u + "-container"]
    one_line_error(cli(*r, "stop", d.address, u), 9)        # already stopped
    doc = ok_json(cli(*r, "start", d.address, u, "-o", "json"))
    assert doc["container"]["state"] == "running"
    one_line_error(cli(*r, "delete", d.address, u), 9)      # running, no --force
    doc = ok_json(cli(*r, "delete", d.address, u, "--force", "-o", "json"))
    assert doc["container_name"] == u + "-container"
    one_line_error(cli(*r, "info", d.address, u), 4)
    one_line_error(cli(*r, "start", d.address, u), 4)


def test_login_logout_help_version(cli_daemon, tmp_path):
    d = cli_daemon
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    # with [auth] method = none the daemon answers Login itself: whatever it
    # says, the CLI reports it in one line and keeps no token
    p = cli("remote", "login", d.address, "nobody", env=env, input="not-a-password\n")
    if p.returncode != 0:
        one_line_error(p, p.returncode)
        assert p.returncode in (3, 6, 9, 11)
        assert not os.path.exists(str(tmp_path / "cfg" / "containarium" / "tokens"))
    p = cli("remote", "logout", d.address, env=env)
    assert p.returncode == 0 and p.stdout.strip()
    for command in ("create", "list", "list-all", "ssh-key", "user", "login", "ssh-config"):
        p = cli("help", command)
        assert p.returncode == 0 and p.stdout.startswith("Usage: containarium ")
    assert cli("version").stdout.startswith("containarium ")
    p = cli("help")
    assert "12  list-all: some servers did not answer" in p.stdout


class Silent:
    """A loopback TCP listener that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]
        self.conns, self.done = [], False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                pass

    def close(self):
        self.done = True
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.mark.timeout(240)
def test_list_all_three_daemons_one_down_one_silent(testbed, lxd_user, tmp_path):
    daemons = [Daemon(str(tmp_path / ("d%d" % i)), **AUTH_NONE) for i in range(3)]
    silent = Silent()
    u = lxd_user("all")
    try:
        for d in daemons:
            d.start()
        p = cli("remote", "create", daemons[0].address, u, "-o", "json")
        assert p.returncode == 0, p.stderr
        addresses = [d.address for d in daemons]

        doc = ok_json(cli("remote", "list-all", "--servers", ",".join(addresses), "-o", "json",
                          "--user", u))
        assert [s["status"] for s in doc["servers"]] == ["OK"] * 3
        # the three daemons share one LXD project: each lists the container
        assert sorted(c["server"] for c in doc["containers"]) == sorted(addresses)

        problems = daemons[1].stop()
        assert problems == [], problems
        daemons[1].proc = None
        servers = addresses + [silent.address]
        start = time.monotonic()
        p = cli("remote", "list-all", "--servers", ",".join(servers), "--timeout", "3",
                "--user", u)
        elapsed = time.monotonic() - start
        assert p.returncode == 12, p.stderr
        assert elapsed < 6, "list-all took %.1f s with a 3 s deadline" % elapsed
        print("list-all over 4 servers, one down, one silent: %.2f s" % elapsed)
        rows = [line.split() for line in p.stdout.splitlines()]
        assert rows[0][:2] == ["SERVER", "NAME"]
        assert [r[0] for r in rows[1:]] == servers
        assert rows[1][1:3] == [u + "-container", u]
        assert rows[2][1:3] == ["ERROR", "UNAVAILABLE:"]
        assert rows[3][1:3] == [u + "-container", u]
        assert rows[4][1:3] == ["ERROR", "DEADLINE_EXCEEDED:"]
        err = p.stderr.splitlines()
        assert len(err) == 2 and addresses[1] in err[0] and silent.address in err[1]

        listing = tmp_path / "servers"
        listing.write_text("\n".join([addresses[1], silent.address]) + "\n")
        p = cli("list-all", "--servers-file", str(listing), "--timeout", "2", "-o", "json")
        assert p.returncode == 7, p.stderr      # none answered: the first one's code
        doc = json.loads(p.stdout)
        assert [s["status"] for s in doc["servers"]] == ["UNAVAILABLE", "DEADLINE_EXCEEDED"]
        assert doc["containers"] == []
    finally:
        silent.close()
        problems = []
        for d in daemons:
            problems += d.stop()
        assert problems == [], problems


@pytest.mark.parametrize("args,needle", [
    (["create"], "missing argument USER"),
    (["create", "Bad_User!"], "USER"),
    (["create", "x", "--memory", "lots"], "--memory"),
    (["create", "x", "--ssh-key", "/nonexistent/key.pub"], "No such file"),
    (["list", "--state", "sleeping"], "--state"),
    (["stop", "x", "--timeout", "0"], "--timeout"),
    (["remote", "list"], "HOST:PORT"),
    (["remote", "list", "jump-1:50051"], "--insecure"),
    (["list-all", "--servers", ""], "--servers"),
    (["ssh-key", "add", "x"], "KEYFILE"),
    (["user", "frob"], "unknown subcommand"),
    (["--output", "xml", "list"], "--output"),
    (["bogus"], "unknown command"),
    (["list", "--bogus"], "unknown option"),
])
def test_bad_flags_and_values(cli_daemon, args, needle):
    env = {"CONTAINARIUM_SERVER": cli_daemon.address}
    p = cli(*args, env=env)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 2 and needle in lines[0], lines
    assert lines[1].startswith("Try 'containarium help")


@pytest.mark.timeout(120)
def test_users_login_token_logout(daemon, tmp_path):
    """With [auth] method = token: user management over the admin socket, login
    keeps a token that later calls send, logout forgets it."""
    d = daemon(require_ok=False, auth={"method": "token", "token_lifetime": "120"})
    admin = ["--server", "unix:" + d.admin_socket]
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    r = ["remote"]

    p = cli(*admin, "user", "add", "carol", "--role", "viewer", "--password-stdin",
            input="carol-pw-1\n")
    assert (p.returncode, p.stdout) == (0, "Added carol (viewer).\n"), p.stderr
    one_line_error(cli(*admin, "user", "add", "carol", "--generate-api-key"), 5)
    doc = ok_json(cli(*admin, "user", "list", "-o", "json"))
    assert {"username": "carol", "role": "viewer", "has_password": True,
            "has_api_key": False} in doc["users"]
    # UserService is not served over TCP
    p = cli(*r, "user", d.address, "list")
    assert p.returncode in (4, 6, 11) and len(p.stderr.splitlines()) == 1, p.stderr

    # no token: UNAUTHENTICATED, exit 6, naming the server
    p = cli(*r, "list", d.address, env=env)
    one_line_error(p, 6)
    assert d.address in p.stderr and "UNAUTHENTICATED" in p.stderr
    one_line_error(cli(*r, "login", d.address, "carol", env=env, input="wrong\n"), 6)

    p = cli(*r, "login", d.address, "carol", env=env, input="carol-pw-1\n")
    assert p.returncode == 0 and p.stdout.startswith("Logged in to %s as carol" % d.address), \
        p.stderr
    token_file = tmp_path / "cfg" / "containarium" / "tokens" / d.address.replace(":", "%3A")
    assert oct(os.stat(token_file).st_mode & 0o777) == "0o600"
    assert ok_json(cli(*r, "list", d.address, "-o", "json", env=env))["total_count"] >= 0
    ok_json(cli(*r, "system-info", d.address, "-o", "json", env=env))
    # a viewer may not create: PERMISSION_DENIED, exit 6
    one_line_error(cli(*r, "create", d.address, "carol", env=env), 6)

    # an API key logs in too
    p = cli(*admin, "user", "passwd", "carol", "--generate-api-key")
    assert p.returncode == 0, p.stderr
    key = p.stdout.splitlines()[-1].split("api_key: ")[1]
    assert cli(*r, "login", d.address, "carol", "--password-stdin", env=env,
               input=key + "\n").returncode == 0

    assert cli(*r, "logout", d.address, env=env).stdout.startswith("Logged out")
    assert not token_file.exists()
    one_line_error(cli(*r, "list", d.address, env=env), 6)
    p = cli(*admin, "user", "remove", "carol")
    assert p.returncode == 0, p.stderr
    one_line_error(cli(*admin, "user", "remove", "carol"), 4)


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1, a client "alice" from the CA and a
    "mallory" from another CA; returns a function giving paths."""
    def ossl(*args):
        r = subprocess.run(["openssl"] + list(args), cwd=d, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr

    for ca in ("ca", "other-ca"):
        ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "2", "-subj", "/CN=" + ca, "-keyout", ca + ".key",
             "-out", ca + ".pem")
    for name, ca, ext in (("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                          ("alice", "ca", None), ("mallory", "other-ca", None)):
        cn = "alice" if name == "mallory" else name
        ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-subj", "/CN=" + cn, "-keyout", name + ".key", "-out", name + ".csr")
        os.chmod(os.path.join(d, name + ".key"), 0o600)
        extra = []
        if ext:
            with open(os.path.join(d, name + ".ext"), "w") as f:
                f.write(ext + "\n")
            extra = ["-extfile", name + ".ext"]
        ossl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
             "-CAcreateserial", "-days", "2", "-out", name + ".pem", *extra)
    return lambda name: os.path.join(d, name)


class AdminReadyDaemon(Daemon):
    """A daemon whose TCP endpoint speaks TLS: ready when the admin socket answers."""

    def wait_ready(self, require_ok=True, timeout=20):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            self.assert_alive()
            p = cli("--server", "unix:" + self.admin_socket, "--timeout", "2", "system-info")
            if p.returncode == 0:
                return
            last = p.stderr.strip()
            time.sleep(0.2)
        raise AssertionError("daemon not ready in %d s (%s); stderr tail:\n%s" % (
            timeout, last, self.log_tail()))


@pytest.mark.timeout(120)
def test_tls_and_mtls_flags(testbed, tmp_path):
    """--ca for TLS, --cert/--key for mTLS, against the daemon's own TLS."""
    (tmp_path / "pki").mkdir()
    pki = make_pki(str(tmp_path / "pki"))
    daemons = []
    try:
        for mode in ("tls", "mtls"):
            workdir = tmp_path / mode
            workdir.mkdir()
            tls = {"mode": mode, "cert": pki("server.pem"), "key": pki("server.key")}
            auth = {"method": "none"}
            if mode == "mtls":
                tls["client_ca"] = pki("ca.pem")
                users = workdir / "users"
                users.write_text("alice:viewer::\n")
                os.chmod(users, 0o600)
                auth = {"method": "token", "users_file": str(users),
                        "secret_file": str(workdir / "jwt.secret")}
            d = AdminReadyDaemon(str(workdir), tls=tls, auth=auth)
            daemons.append(d)
            d.start()
        tls, mtls = daemons
        ca = ["--ca", pki("ca.pem")]
        client = ["--cert", pki("alice.pem"), "--key", pki("alice.key")]

        doc = ok_json(cli("remote", "system-info", tls.address, *ca, "-o", "json"))
        assert doc["info"]["hostname"] == socket.gethostname()
        one_line_error(cli("--timeout", "5", "remote", "system-info", tls.address), 7)
        one_line_error(cli("--timeout", "5", "remote", "system-info", tls.address,
                           "--ca", pki("other-ca.pem")), 7)

        ok_json(cli("remote", "list", mtls.address, *ca, *client, "-o", "json"))
        one_line_error(cli("--timeout", "5", "remote", "list", mtls.address, *ca), 7)
        # a certificate from another CA is refused by the daemon
        p = cli("--timeout", "5", "remote", "list", mtls.address, *ca,
                "--cert", pki("mallory.pem"), "--key", pki("mallory.key"))
        assert p.returncode in (6, 7) and len(p.stderr.splitlines()) == 1, p.stderr
        # the certificate's user (alice, a viewer) may not create
        one_line_error(cli("remote", "create", mtls.address, "alice", *ca, *client), 6)
    finally:
        problems = []
        for d in daemons:
            problems += d.stop()
        assert problems == [], problems
