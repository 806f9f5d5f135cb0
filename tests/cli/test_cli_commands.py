"""The CLI's commands beyond create/list/info/delete/start/stop, against the
fake grpcio server (tests/cli/fake_server.py): remote mode, ssh-key,
metrics, system-info, login/logout and the bearer token, TLS and mTLS, the
plaintext rule, list-all over several servers (a dead and a silent one
among them), the progress line on a terminal, ssh-config, the completion
helper and the bash completion script, user management, help for every
command.

What the real daemon shows is in tests/integration/test_cli_e2e.py; these
tests cover what it cannot (a silent server, TLS, Login while the daemon's
auth is being built, terminals).
"""
import fcntl
import json
import os
import pty
import select
import socket
import stat
import subprocess
import termios
import threading
import time

import pytest

from conftest import ROOT, ed25519_key, free_port, run, start_server, stop_server

COMPLETION = os.path.join(ROOT, "completion", "containarium.bash")


@pytest.fixture
def home(tmp_path):
    """An environment with a fresh XDG_CONFIG_HOME (tokens go there)."""
    cfg = tmp_path / "config"
    return {"XDG_CONFIG_HOME": str(cfg), "HOME": str(tmp_path)}


def meta_lines(srv):
    try:
        with open(srv.meta, encoding="utf-8") as f:
            return [line.split() for line in f]
    except FileNotFoundError:
        return []


# ---- remote mode ----

def test_remote_list_info_create(cli, server, tmp_path):
    p = run(cli, "remote", "list", server.tcp)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[1].split()[0] == "alice-container"
    p = run(cli, "remote", "info", server.tcp, "alice", "-o", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["container"]["username"] == "alice"
    key = tmp_path / "alice.pub"
    key.write_text(ed25519_key("alice@laptop", 7) + "\n")
    p = run(cli, "remote", "create", server.tcp, "alice", "--ssh-key", str(key), "-o", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["container"]["ssh_keys"] == [ed25519_key("alice@laptop", 7)]
    # a unix socket works as the HOST:PORT of remote too
    p = run(cli, "remote", "system-info", "unix:" + server.unix)
    assert p.returncode == 0, p.stderr


# ---- ssh-key, metrics, system-info ----

def test_ssh_key_add_remove(cli, server, tmp_path):
    keys = tmp_path / "k.pub"
    keys.write_text("%s\n%s\n" % (ed25519_key("a", 11), ed25519_key("b", 12)))
    one = tmp_path / "one.pub"
    one.write_text(ed25519_key("other comment", 11) + "\n")
    p = run(cli, "-s", server.tcp, "ssh-key", "add", "frank", str(keys))
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["added a key to frank", "total_keys:   2"]
    p = run(cli, "-s", server.tcp, "-o", "json", "ssh-key", "remove", "frank", str(one))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"message": "removed a key from frank", "total_keys": 1}
    bad = tmp_path / "bad.pub"
    bad.write_text("ssh-rsa nope\n")
    before = server.calls()
    p = run(cli, "-s", server.tcp, "ssh-key", "add", "frank", str(bad))
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 2
    assert server.calls() == before


def test_metrics(cli, server):
    p = run(cli, "-s", server.tcp, "metrics")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["NAME", "CPU", "MEMORY", "DISK", "RX", "TX", "PROCS"]
    assert lines[1].split() == ["alice-container", "12.5%", "1.2", "GiB", "3.0", "GiB",
                                "1.0", "MiB", "2.0", "KiB", "42"]
    p = run(cli, "-s", server.tcp, "metrics", "alice", "-o", "json")
    doc = json.loads(p.stdout)
    assert [m["name"] for m in doc["metrics"]] == ["alice-container"]
    assert doc["metrics"][0]["process_count"] == 42
    p = run(cli, "-s", server.tcp, "metrics", "zed")
    assert p.returncode == 4 and len(p.stderr.splitlines()) == 1


def test_system_info(cli, server):
    p = run(cli, "-s", server.tcp, "system-info")
    assert p.returncode == 0, p.stderr
    fields = dict(line.split(":", 1) for line in p.stdout.splitlines())
    assert fields["hostname"].strip() == "fake-host"
    assert fields["memory"].strip() == "6.0 GiB available of 8.0 GiB"
    assert fields["containers"].strip() == "2"
    doc = json.loads(run(cli, "-s", server.tcp, "system-info", "-o", "json").stdout)
    assert doc["info"]["total_cpus"] == 2 and doc["info"]["uptime_seconds"] == 3600


# ---- login, logout, tokens ----

def test_login_keeps_token_and_sends_it(cli, server, home, tmp_path, stubs):
    p = run(cli, "remote", "login", server.tcp, "alice", env=home, input="s3cret\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("Logged in to %s as alice until 2030-" % server.tcp)
    cfg = os.path.join(home["XDG_CONFIG_HOME"], "containarium")
    token_file = os.path.join(cfg, "tokens", server.tcp.replace(":", "%3A"))
    assert stat.S_IMODE(os.stat(cfg).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.dirname(token_file)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert open(token_file).read() == "tok-alice\n"
    # the Login call itself carried no token; the next calls to that server do
    run(cli, "remote", "list", server.tcp, env=home)
    assert meta_lines(server)[-2:] == [["Login", "-"], ["ListContainers", "Bearer_tok-alice"]]
    # ...and not to another server
    other = start_server(tmp_path / "other", stubs)
    try:
        assert run(cli, "remote", "list", other.tcp, env=home).returncode == 0
        assert meta_lines(other) == [["ListContainers", "-"]]
    finally:
        stop_server(other)
    # a token file others can read is refused, not sent
    os.chmod(token_file, 0o644)
    p = run(cli, "remote", "list", server.tcp, env=home)
    assert p.returncode == 1 and "readable by others" in p.stderr
    os.chmod(token_file, 0o600)
    p = run(cli, "remote", "logout", server.tcp, "-o", "json", env=home)
    assert json.loads(p.stdout) == {"server": server.tcp, "removed": True}
    assert not os.path.exists(token_file)
    p = run(cli, "remote", "logout", server.tcp, env=home)
    assert p.returncode == 0 and p.stdout.startswith("Not logged in")


def test_login_failures(cli, server, home):
    p = run(cli, "-s", server.tcp, "login", "alice", "--password-stdin", env=home,
            input="wrong\n")
    assert p.returncode == 6
    assert p.stderr.splitlines() == [
        "containarium: login: Login alice at %s: UNAUTHENTICATED: bad username or password"
        % server.tcp]
    p = run(cli, "-s", server.tcp, "login", "alice", env=home, input="")
    assert p.returncode == 2 and "no password given" in p.stderr
    assert not os.path.exists(os.path.join(home["XDG_CONFIG_HOME"], "containarium", "tokens",
                                           server.tcp.replace(":", "%3A")))


def spawn_on_pty(argv, env, stdin_tty=True, stderr_tty=False):
    """Runs argv with a new pty as its controlling terminal (stdin, and
    stderr when asked); returns (proc, master fd)."""
    master, slave = pty.openpty()

    def make_controlling():
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    full_env = dict(os.environ)
    full_env.update(env)
    full_env.pop("CONTAINARIUM_SERVER", None)
    proc = subprocess.Popen(argv, stdin=slave if stdin_tty else subprocess.DEVNULL,
                            stdout=subprocess.PIPE,
                            stderr=slave if stderr_tty else subprocess.PIPE,
                            env=full_env, start_new_session=True,
                            preexec_fn=make_controlling, pass_fds=(slave,))
    os.close(slave)
    return proc, master


def read_pty(master, until, timeout=10):
    """Reads from the pty master until `until` is seen (or EOF/timeout)."""
    data = b""
    deadline = time.monotonic() + timeout
    while until.encode() not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data.decode(errors="replace")


def test_login_reads_password_from_terminal_without_echo(cli, server, home):
    proc, master = spawn_on_pty([cli, "-s", server.tcp, "login", "alice"], home)
    try:
        seen = read_pty(master, "Password for alice at ")
        assert "Password for alice at %s: " % server.tcp in seen
        os.write(master, b"s3cret\n")
        out, err = proc.communicate(timeout=20)
        rest = read_pty(master, "\n", timeout=1)
    finally:
        os.close(master)
    assert proc.returncode == 0, err
    assert b"Logged in" in out
    assert "s3cret" not in seen + rest      # echo was off


# ---- TLS ----

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1/localhost and a client one."""
    d = tmp_path_factory.mktemp("certs")

    def ossl(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True)

    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
         "ca.pem", "-days", "2", "-subj", "/CN=test-ca")
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                      ("client", "extendedKeyUsage=clientAuth")):
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
             name + ".csr", "-subj", "/CN=" + name)
        (d / (name + ".ext")).write_text(ext + "\n")
        ossl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext")
    return d


def test_tls_and_mtls(cli, certs, stubs, tmp_path):
    c = {k: str(certs / k) for k in ("ca.pem", "server.pem", "server.key", "client.pem",
                                     "client.key")}
    tls = start_server(tmp_path / "tls", stubs, "--tls-cert", c["server.pem"],
                       "--tls-key", c["server.key"])
    mtls = start_server(tmp_path / "mtls", stubs, "--tls-cert", c["server.pem"],
                        "--tls-key", c["server.key"], "--tls-client-ca", c["ca.pem"])
    try:
        p = run(cli, "remote", "list", tls.tcp, "--ca", c["ca.pem"])
        assert p.returncode == 0, p.stderr
        p = run(cli, "--timeout", "5", "remote", "list", tls.tcp)    # plaintext to TLS
        assert p.returncode == 7 and len(p.stderr.splitlines()) == 1
        p = run(cli, "--timeout", "5", "remote", "list", mtls.tcp, "--ca", c["ca.pem"])
        assert p.returncode == 7, p.stderr                          # no client cert
        p = run(cli, "remote", "list", mtls.tcp, "--ca", c["ca.pem"], "--cert",
                c["client.pem"], "--key", c["client.key"], "-o", "json")
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["total_count"] == 2
        p = run(cli, "remote", "list", tls.tcp, "--ca", c["server.key"].replace("key", "nope"))
        assert p.returncode == 2 and "--ca" in p.stderr
        p = run(cli, "remote", "list", tls.tcp, "--ca", c["client.key"].replace(".key", ".ext"))
        assert p.returncode == 2 and "not a PEM file" in p.stderr
    finally:
        stop_server(tls)
        stop_server(mtls)


@pytest.mark.parametrize("target", ["jump-1:50051", "10.1.2.3", "[2001:db8::1]:50051",
                                    "127.evil.example:1"])
def test_plaintext_to_remote_host_is_refused(cli, target):
    p = run(cli, "remote", "list", target)
    assert p.returncode == 2
    lines = p.stderr.splitlines()
    assert len(lines) == 2 and "give --ca (TLS) or --insecure" in lines[0]
    assert lines[1] == "Try 'containarium help list'."


# ---- list-all ----

class Silent:
    """A TCP listener on loopback that accepts and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


def test_list_all_merges_and_reports_partial(cli, server, stubs, tmp_path):
    other = start_server(tmp_path / "b", stubs, "--name", "b")
    silent = Silent()
    dead = "127.0.0.1:%d" % free_port()
    servers = [server.tcp, other.tcp, dead, "127.0.0.1:%d" % silent.port]
    try:
        start = time.monotonic()
        p = run(cli, "remote", "list-all", "--servers", ",".join(servers), "--timeout", "2")
        elapsed = time.monotonic() - start
        assert p.returncode == 12, p.stderr
        assert elapsed < 4.5, "a silent server held list-all up for %.1f s" % elapsed
        lines = p.stdout.splitlines()
        assert lines[0].split() == ["SERVER", "NAME", "USER", "STATE", "IPV4", "CPU",
                                    "MEMORY", "IMAGE"]
        rows = [line.split() for line in lines[1:]]
        assert [r[:2] for r in rows[:4]] == [
            [server.tcp, "alice-container"], [server.tcp, "bob-container"],
            [other.tcp, "b-alice-container"], [other.tcp, "b-bob-container"]]
        assert rows[4][:3] == [dead, "ERROR", "UNAVAILABLE:"]
        assert rows[5][:3] == ["127.0.0.1:%d" % silent.port, "ERROR", "DEADLINE_EXCEEDED:"]
        # the NAME column is aligned on every container row
        col = lines[0].index("NAME")
        assert all(line[col - 1] == " " and line[col] != " " for line in lines[1:5])
        assert len(p.stderr.splitlines()) == 2

        p = run(cli, "list-all", "--servers", ",".join(servers), "--timeout", "2",
                "-o", "json", "--state", "running")
        assert p.returncode == 12
        doc = json.loads(p.stdout)
        assert [(s["server"], s["status"]) for s in doc["servers"]] == [
            (server.tcp, "OK"), (other.tcp, "OK"), (dead, "UNAVAILABLE"),
            ("127.0.0.1:%d" % silent.port, "DEADLINE_EXCEEDED")]
        assert [(c["server"], c["name"]) for c in doc["containers"]] == [
            (server.tcp, "alice-container"), (other.tcp, "b-alice-container")]
        assert doc["servers"][2]["message"]

        listing = tmp_path / "servers.txt"
        listing.write_text("# fleet\n%s\n\n  %s  \n" % (server.tcp, other.tcp))
        p = run(cli, "list-all", "--servers-file", str(listing), "-o", "json")
        assert p.returncode == 0, p.stderr
        assert len(json.loads(p.stdout)["containers"]) == 4

        p = run(cli, "list-all", "--servers", dead + ",127.0.0.1:%d" % free_port())
        assert p.returncode == 7            # none answered: the first one's code
    finally:
        silent.close()
        stop_server(other)


# ---- progress, ssh-config, completion ----

def test_progress_only_on_a_terminal(cli, server, home):
    p = run(cli, "-s", server.tcp, "create", "sleepy")
    assert p.returncode == 0 and p.stderr == ""
    proc, master = spawn_on_pty([cli, "-s", server.tcp, "create", "sleepy"], home,
                                stdin_tty=False, stderr_tty=True)
    try:
        out, _ = proc.communicate(timeout=20)
        seen = read_pty(master, "\x1b[K", timeout=2)
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert "Creating sleepy-container... " in seen
    assert seen.endswith("\r\x1b[K")                # the line is cleared at the end
    assert b"sleepy-container" in out and b"\x1b" not in out


def test_ssh_config(cli, server):
    p = run(cli, "remote", "ssh-config", server.tcp)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("Host alice-container\n    HostName 10.100.0.11\n    User alice\n"
                        "    ProxyJump alice@127.0.0.1\n\n"
                        "# bob-container: no IPv4 address (not running?)\n")
    p = run(cli, "-s", server.tcp, "ssh-config", "--jump-user", "ops", "--user", "alice")
    assert "    ProxyJump ops@127.0.0.1\n" in p.stdout and "bob" not in p.stdout


def test_complete_containers(cli, server):
    p = run(cli, "-s", server.tcp, "__complete-containers")
    assert (p.returncode, p.stdout, p.stderr) == (0, "alice\nbob\n", "")
    start = time.monotonic()
    p = run(cli, "-s", "127.0.0.1:%d" % free_port(), "__complete-containers")
    assert p.returncode == 7 and p.stdout == "" and p.stderr == ""
    assert time.monotonic() - start < 4


def complete(cli, line, env):
    """Runs the bash completion function on line; returns COMPREPLY."""
    script = ('source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_containarium\n'
              'printf "%%s\\n" "${COMPREPLY[@]}"\n')
    words = line.split(" ")
    words[0] = cli
    quoted = " ".join("'%s'" % w for w in words)
    p = subprocess.run(["bash", "-c", script % (COMPLETION, quoted, len(words) - 1)],
                       capture_output=True, text=True, env=env, timeout=30)
    assert p.returncode == 0, p.stderr
    return [w for w in p.stdout.splitlines() if w]


def test_bash_completion(cli, server):
    env = dict(os.environ, CONTAINARIUM_SERVER=server.tcp)
    assert complete(cli, "containarium st", env) == ["start", "stop"]
    assert "system-info" in complete(cli, "containarium ", env)
    assert complete(cli, "containarium stop --f", env) == ["--force"]
    assert "--ssh-key" in complete(cli, "containarium create alice --", env)
    assert complete(cli, "containarium info ", env) == ["alice", "bob"]
    assert complete(cli, "containarium ssh-key add b", env) == ["bob"]
    assert complete(cli, "containarium --server %s delete a" % server.tcp,
                    dict(os.environ)) == ["alice"]
    assert complete(cli, "containarium remote info %s " % server.tcp,
                    dict(os.environ)) == ["alice", "bob"]
    assert complete(cli, "containarium list --state r", env) == ["running"]


# ---- users ----

def test_user_commands(cli, server):
    s = ["-s", "unix:" + server.unix]
    p = run(cli, *s, "user", "add", "carol", "--role", "viewer", "--password-stdin",
            input="pw1\n")
    assert (p.returncode, p.stdout) == (0, "Added carol (viewer).\n"), p.stderr
    p = run(cli, *s, "user", "add", "dan", "--generate-api-key", "-o", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"user": {"username": "dan", "role": "user",
                                             "has_password": False, "has_api_key": True},
                                    "api_key": "key-dan"}
    p = run(cli, *s, "user", "add", "dan", "--generate-api-key")
    assert p.returncode == 5 and len(p.stderr.splitlines()) == 1
    p = run(cli, *s, "user", "list")
    assert p.stdout.splitlines() == ["USERNAME   ROLE     PASSWORD   API_KEY",
                                     "carol      viewer   yes        no",
                                     "dan        user     no         yes"]
    p = run(cli, *s, "user", "passwd", "dan", input="newpw\n")
    assert p.returncode == 0, p.stderr
    assert "SetPassword:newpw" in server.calls()
    p = run(cli, *s, "user", "passwd", "dan", "--generate-api-key")
    assert p.stdout.splitlines()[-1] == "api_key: key2-dan"
    p = run(cli, *s, "user", "remove", "carol")
    assert (p.returncode, p.stdout) == (0, "removed user carol\n")
    p = run(cli, *s, "user", "remove", "carol")
    assert p.returncode == 4
    doc = json.loads(run(cli, *s, "user", "list", "-o", "json").stdout)
    assert [u["username"] for u in doc["users"]] == ["dan"]


# ---- help for every command ----

@pytest.mark.parametrize("command", ["create", "list", "info", "delete", "start", "stop",
                                     "ssh-key", "metrics", "system-info", "login", "logout",
                                     "user", "ssh-config", "list-all", "help", "version"])
def test_help_for_every_command(cli, command):
    p = run(cli, "help", command)
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout.startswith("Usage: containarium ")
    assert command in p.stdout.splitlines()[0]
    assert run(cli, command, "--help").stdout == p.stdout


# ---- one exit code table, four places ----

def test_exit_codes_agree_everywhere(cli):
    import re
    help_text = run(cli, "help").stdout
    section = help_text[help_text.index("Exit codes:"):]
    from_help = {int(n) for n in re.findall(r"(?:^|\s)(\d{1,2})  [A-Za-z]", section)}
    with open(os.path.join(ROOT, "src", "cli", "cli.h")) as f:
        from_header = {int(n) for n in re.findall(r"CLI_EXIT_\w+ = (\d+),", f.read())}
    with open(os.path.join(ROOT, "README.md")) as f:
        from_readme = {int(n) for n in re.findall(r"^\| (\d+) \|", f.read(), re.M)}
    with open(os.path.join(ROOT, "man", "containarium.1")) as f:
        man = f.read()
    man = man[man.index(".Sh EXIT STATUS"):man.index(".Sh EXAMPLES")]
    from_man = {int(n) for n in re.findall(r"^\.It (\d+)$", man, re.M)}
    assert from_header == set(range(13))
    assert from_help == from_header
    assert from_readme == from_header
    assert from_man == from_header
