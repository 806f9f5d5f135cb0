"""End-to-end tests of the containarium CLI against an independent gRPC server.

The server is tests/cli/fake_server.py (Python grpcio, stubs generated from
the .proto files); the CLI is the real C code, run as a process:

  * $CLI_BIN when set (e.g. build/containarium once main.c dispatches to
    cli_main), else
  * tests/cli/cli_driver.c, built here through the project's Makefile with
    tests/cli/driver.mk (BUILD=$BUILD or build-cli, SANITIZE passed on).

Run:  /usr/bin/python3 -m pytest -v tests/cli
      BUILD=build-asan SANITIZE=address,undefined /usr/bin/python3 -m pytest -v tests/cli
"""
import json
import time

import pytest

from conftest import ed25519_key, free_port, run


# ---- list ----

def test_list_table_over_tcp(cli, server):
    p = run(cli, "--server", server.tcp, "list")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    lines = p.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].split() == ["NAME", "USER", "STATE", "IPV4", "CPU", "MEMORY", "IMAGE"]
    assert lines[1].split() == ["alice-container", "alice", "RUNNING", "10.100.0.11",
                                "4", "4GB", "ubuntu:24.04"]
    assert lines[2].split() == ["bob-container", "bob", "STOPPED", "-", "2", "512MiB",
                                "images:debian/12"]
    # Aligned: every column starts at the same offset on every line.
    for word in ("USER", "STATE", "IPV4", "CPU", "MEMORY", "IMAGE"):
        col = lines[0].index(word)
        assert lines[1][col - 1] == " " and lines[1][col] != " "
        assert lines[2][col - 1] == " " and lines[2][col] != " "
    assert all(line == line.rstrip() for line in lines)


@pytest.mark.parametrize("how", ["unix-flag", "path-after-command", "env"])
def test_list_over_unix_socket(cli, server, how):
    if how == "unix-flag":
        p = run(cli, "--server", "unix:" + server.unix, "list")
    elif how == "path-after-command":
        p = run(cli, "list", "--server", server.unix)
    else:
        p = run(cli, "list", env={"CONTAINARIUM_SERVER": "unix:" + server.unix})
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.splitlines()) == 3


def test_list_json(cli, server):
    p = run(cli, "--server", server.tcp, "list", "--output", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["total_count"] == 2
    assert [c["name"] for c in doc["containers"]] == ["alice-container", "bob-container"]
    alice = doc["containers"][0]
    assert set(alice) == {"name", "username", "state", "ip_address", "cpu", "memory",
                          "disk", "image", "labels", "docker_enabled", "created_at"}
    assert alice["state"] == "running"
    assert alice["labels"] == {"env": "dev", "team": "infra"}
    assert list(alice["labels"]) == ["env", "team"]  # sorted
    assert alice["docker_enabled"] is True
    assert alice["created_at"] == 1714564800
    assert doc["containers"][1]["ip_address"] == ""


@pytest.mark.parametrize("args,names", [
    (["--user", "bob"], ["bob-container"]),
    (["--state", "running"], ["alice-container"]),
    (["--state", "STOPPED"], ["bob-container"]),
    (["--label", "team=web"], ["bob-container"]),
    (["--label", "team=infra", "--label", "env=dev"], ["alice-container"]),
    (["--label", "team=nobody"], []),
])
def test_list_filters_reach_the_server(cli, server, args, names):
    p = run(cli, "-s", server.tcp, "-o", "json", "list", *args)
    assert p.returncode == 0, p.stderr
    assert [c["name"] for c in json.loads(p.stdout)["containers"]] == names


def test_list_empty_table(cli, server):
    p = run(cli, "--server", server.tcp, "list", "--label", "team=nobody")
    assert p.returncode == 0
    assert p.stdout == ""
    assert p.stderr == "No containers.\n"


def test_undecodable_reply(cli, server):
    p = run(cli, "--server", server.tcp, "list", "--label", "reply=garbage")
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr == ("containarium: list: ListContainers: INTERNAL: client: the reply "
                        "is not a valid protobuf message of the expected type\n")


def test_oversized_reply_is_refused(cli, server):
    p = run(cli, "--server", server.tcp, "list", "--label", "reply=huge")
    assert p.returncode == 10
    assert p.stdout == ""
    assert len(p.stderr.splitlines()) == 1
    assert ": RESOURCE_EXHAUSTED: " in p.stderr


# ---- info ----

def test_info_not_found(cli, server):
    p = run(cli, "--server", server.tcp, "info", "carol")
    assert p.returncode == 4
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1
    assert p.stderr == ("containarium: info: GetContainer carol: NOT_FOUND: "
                        "container carol-container not found\n")


def test_info_not_found_json_mode_still_plain_error(cli, server):
    p = run(cli, "--server", server.tcp, "--output", "json", "info", "carol")
    assert p.returncode == 4
    assert p.stdout == ""
    assert len(p.stderr.splitlines()) == 1


def test_info_text(cli, server):
    p = run(cli, "--server", server.tcp, "info", "alice")
    assert p.returncode == 0, p.stderr
    fields = {}
    for line in p.stdout.splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    assert fields["name"] == "alice-container"
    assert fields["state"] == "RUNNING"
    assert fields["ipv4"] == "10.100.0.11"
    assert fields["labels"] == "env=dev, team=infra"
    assert fields["created"] == "2024-05-01 12:00:00 UTC"
    assert fields["cpu_usage"] == "12.5%"
    assert fields["memory_usage"] == "1.2 GiB of 4.0 GiB"
    assert fields["processes"] == "42"


def test_info_json(cli, server):
    p = run(cli, "--server", server.tcp, "info", "alice", "-o", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["container"]["username"] == "alice"
    assert doc["container"]["bridge"] == "incusbr0"
    assert doc["container"]["ssh_keys"] == ["ssh-ed25519 AAAA alice"]
    assert doc["metrics"]["process_count"] == 42
    assert doc["metrics"]["cpu_usage_percent"] == 12.5


def test_info_does_not_pass_terminal_escapes(cli, server):
    p = run(cli, "--server", server.tcp, "info", "mallory")
    assert p.returncode == 0, p.stderr
    for bad in ("\x1b", "\x07", "\r"):
        assert bad not in p.stdout
    assert "mallory?[31m-container??" in p.stdout
    p = run(cli, "--server", server.tcp, "info", "mallory", "--output", "json")
    assert p.returncode == 0, p.stderr
    assert "\x1b" not in p.stdout
    doc = json.loads(p.stdout)
    assert doc["container"]["name"] == "mallory\x1b[31m-container\r\n"  # data kept, escaped
    assert doc["metrics"] is None


# ---- unreachable, slow ----

def test_connection_refused_is_unavailable(cli, server):
    start = time.monotonic()
    p = run(cli, "--timeout", "10", "--server", "127.0.0.1:%d" % free_port(), "list")
    assert time.monotonic() - start < 10
    assert p.returncode == 7
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("containarium: list: ListContainers at 127.0.0.1:")
    assert ": UNAVAILABLE: " in lines[0]


def test_connection_refused_through_dns_is_unavailable(cli):
    p = run(cli, "--timeout", "10", "--server", "localhost:%d" % free_port(), "list")
    assert p.returncode == 7
    assert len(p.stderr.splitlines()) == 1, p.stderr


def test_missing_unix_socket_is_unavailable(cli, tmp_path):
    p = run(cli, "--timeout", "10", "list", "--server", str(tmp_path / "none.sock"))
    assert p.returncode == 7
    assert len(p.stderr.splitlines()) == 1
    assert "UNAVAILABLE" in p.stderr


def test_slow_server_is_deadline_exceeded(cli, server):
    start = time.monotonic()
    p = run(cli, "--timeout", "1", "--server", server.tcp, "start", "sleepy")
    assert time.monotonic() - start < 4
    assert p.returncode == 8
    assert len(p.stderr.splitlines()) == 1
    assert ": DEADLINE_EXCEEDED" in p.stderr


# ---- usage errors: exit 2, nothing sent ----

@pytest.mark.parametrize("args,needle", [
    (["list", "--bogus"], 'unknown option "--bogus"'),
    (["create", "Alice"], 'USER "Alice"'),
    (["create", "alice", "--memory", "4XB"], "--memory"),
    (["create", "alice", "--cpu", "abc"], "--cpu"),
    (["create", "alice", "--disk", ""], "--disk"),
    (["create", "alice", "--label", "novalue"], "--label"),
    (["create", "alice", "--label", "Bad=1"], "--label"),
    (["create", "alice", "--image", "a b"], "--image"),
    (["create"], "missing argument USER"),
    (["create", "alice", "bob"], 'unexpected argument "bob"'),
    (["info"], "missing argument USER"),
    (["list", "--state", "sleeping"], "--state"),
    (["list", "--user", "Root"], "--user"),
    (["remote", "list"], "missing argument HOST:PORT"),
    (["remote"], "missing command after 'remote'"),
    (["remote", "version"], "does not take 'remote'"),
    (["remote", "info", "bad host", "alice"], "not a server address"),
    (["ssh-key", "add", "alice"], "missing argument KEYFILE"),
    (["ssh-key", "copy", "alice", "f"], "unknown subcommand"),
    (["user", "list", "alice"], 'unexpected argument "alice"'),
    (["user", "add"], "missing argument USER"),
    (["user", "add", "bob", "--role", "god"], "--role"),
    (["list-all"], "give either --servers or --servers-file"),
    (["list-all", "--servers", "a:1,b c:2"], "not a server address"),
    (["list-all", "--servers", ",".join("127.0.0.1:%d" % (i + 1) for i in range(65))],
     "more than 64 servers"),
    (["list-all", "--servers-file", "/nonexistent/servers"], "No such file"),
    (["list-all", "--servers", " , ,"], "no server given"),
    (["list", "--cert", "c.pem"], "--cert and --key go together"),
    (["ssh-config", "--jump-user", "Bad!"], "--jump-user"),
    (["metrics", "alice", "bob"], 'unexpected argument "bob"'),
    (["--timeout", "0", "list"], "--timeout"),
    (["--timeout", "abc", "list"], "--timeout"),
    (["--output", "yaml", "list"], "--output"),
    (["stop", "alice", "--timeout", "99999"], "--timeout"),
    (["delete", "alice", "--force=yes"], "takes no value"),
    (["frobnicate"], 'unknown command "frobnicate"'),
    (["help", "frobnicate"], 'unknown command "frobnicate"'),
    (["--server"], "needs a value"),
    (["--server", "", "list"], "--server"),
])
def test_usage_errors(cli, server, args, needle):
    before = server.calls()
    p = run(cli, "--server", server.tcp, *args) if args[0] != "--server" else run(cli, *args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("containarium: ") and needle in lines[0]
    assert lines[1].startswith("Try 'containarium help")
    assert server.calls() == before


def test_no_command_prints_usage_and_fails(cli):
    p = run(cli)
    assert p.returncode == 2
    assert p.stderr.startswith("Usage: containarium")


# ---- create, with key files ----

def test_create_with_keys_and_labels(cli, server, tmp_path):
    keys = tmp_path / "keys.pub"
    keys.write_text("# my keys\n\n  %s  \r\n%s\n" % (ed25519_key("me@laptop", 1),
                                                   ed25519_key("me@desk", 2)))
    p = run(cli, "--server", server.tcp, "create", "dave", "--cpu", "2", "--memory", "2GiB",
            "--disk", "20GB", "--image", "ubuntu:22.04", "--no-docker",
            "--label", "team=qa", "--ssh-key", str(keys))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "created with 2 keys"
    assert "name:         dave-container" in lines
    assert "state:        RUNNING" in lines
    assert "ipv4:         10.100.0.12" in lines
    assert "ssh_command:  ssh dave@10.100.0.12" in lines

    p = run(cli, "--server", server.tcp, "create", "dave", "--ssh-key", str(keys),
            "--ssh-key", str(keys), "--label", "a=1", "--label", "b=2", "-o", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["container"]["ssh_keys"] == [ed25519_key("me@laptop", 1),
                                            ed25519_key("me@desk", 2)] * 2
    assert doc["container"]["labels"] == {"a": "1", "b": "2"}
    assert doc["container"]["docker_enabled"] is True  # the default
    assert doc["ssh_command"] == "ssh dave@10.100.0.12"


@pytest.mark.parametrize("content,needle", [
    ("ssh-ed25519 notbase64!\n", ":1"),
    ("# only a comment\n", "no key"),
    ("%s\nssh-rsa AAAA\n" % ed25519_key("ok", 3), ":2"),
    ("x" * (64 * 1024 + 1), "larger than"),
    ("%s\0\n" % ed25519_key("nul", 4), ":1"),
])
def test_create_refuses_bad_key_files(cli, server, tmp_path, content, needle):
    keys = tmp_path / "bad.pub"
    keys.write_text(content)
    before = server.calls()
    p = run(cli, "--server", server.tcp, "create", "erin", "--ssh-key", str(keys))
    assert p.returncode == 2, p.stderr
    assert needle in p.stderr.splitlines()[0]
    assert server.calls() == before


def test_create_missing_key_file(cli, server, tmp_path):
    p = run(cli, "--server", server.tcp, "create", "erin", "--ssh-key", str(tmp_path / "no"))
    assert p.returncode == 2
    assert "No such file" in p.stderr


# ---- delete, start, stop ----

def test_delete_start_stop(cli, server):
    p = run(cli, "--server", server.tcp, "delete", "bob", "--force")
    assert (p.returncode, p.stdout) == (0, "deleted bob-container force=True\n")
    p = run(cli, "--server", server.tcp, "-o", "json", "delete", "bob")
    assert json.loads(p.stdout) == {"container_name": "bob-container",
                                    "message": "deleted bob-container force=False"}
    p = run(cli, "--server", server.tcp, "start", "bob")
    assert (p.returncode, p.stdout) == (0, "Started bob-container\nstate:        RUNNING\n")
    p = run(cli, "stop", "bob", "-f", "--timeout", "20", "--server", server.tcp)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == "stopped force=True timeout=20"
    p = run(cli, "stop", "bob", "--server", server.tcp, "--output=json")
    doc = json.loads(p.stdout)
    assert doc["message"] == "stopped force=False timeout=0"
    assert doc["container"]["state"] == "stopped"


# ---- help, version ----

@pytest.mark.parametrize("args,first", [
    (["help"], "Usage: containarium [OPTIONS] COMMAND"),
    (["--help"], "Usage: containarium [OPTIONS] COMMAND"),
    (["help", "create"], "Usage: containarium create USER"),
    (["create", "--help"], "Usage: containarium create USER"),
    (["stop", "-h"], "Usage: containarium stop USER"),
])
def test_help(cli, args, first):
    p = run(cli, *args)
    assert p.returncode == 0
    assert p.stdout.startswith(first)
    assert p.stderr == ""


def test_help_lists_exit_codes(cli):
    p = run(cli, "help")
    assert "4  NOT_FOUND" in p.stdout and "7  UNAVAILABLE" in p.stdout


def test_version(cli):
    p = run(cli, "version")
    assert p.returncode == 0 and p.stdout.startswith("containarium ")
    p = run(cli, "version", "--output", "json")
    assert "version" in json.loads(p.stdout)
