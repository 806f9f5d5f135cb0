"""The manual pages: mandoc finds nothing to warn about, containarium.ini(5) is what
scripts/man-ini.py makes of conf/containarium.ini and names every key with its type,
default and an example, and the daemon's and the CLI's pages name every option,
command and exit code their help texts do."""

import configparser
import os
import re
import subprocess

import pytest

from conftest import REPO, run

MAN = os.path.join(REPO, "man")
PAGES = ["containarium.1", "containarium.ini.5", "containarium.8"]


def page(name):
    with open(os.path.join(MAN, name)) as f:
        return f.read()


def rendered(name):
    """The page as a reader sees it (mandoc's plain text)."""
    r = run(["mandoc", "-T", "utf8", "-O", "width=200", os.path.join(MAN, name)])
    assert r.returncode == 0, r.stderr
    return re.sub(r".\x08", "", r.stdout)


@pytest.mark.parametrize("name", PAGES)
def test_mandoc_lint_clean(name):
    r = run(["mandoc", "-T", "lint", "-W", "warning", os.path.join(MAN, name)])
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


def test_mandoc_lint_catches_a_bad_page(tmp_path):
    """The lint above can fail: an unknown macro is reported."""
    bad = tmp_path / "bad.8"
    bad.write_text(page("containarium.8").replace(".Sh EXIT STATUS", ".Shh EXIT STATUS"))
    r = run(["mandoc", "-T", "lint", "-W", "warning", str(bad)])
    assert r.returncode != 0 and "Shh" in r.stdout + r.stderr


def test_ini_page_is_generated_from_the_shipped_config():
    r = run([os.path.join(REPO, "scripts", "man-ini.py"),
             os.path.join(REPO, "conf", "containarium.ini")])
    assert r.returncode == 0, r.stderr
    assert r.stdout == page("containarium.ini.5"), (
        "man/containarium.ini.5 is out of date with conf/containarium.ini: run "
        "scripts/man-ini.py conf/containarium.ini > man/containarium.ini.5")


def config_keys():
    """[(section, key, value)] of conf/containarium.ini."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(os.path.join(REPO, "conf", "containarium.ini"))
    return [(s, k, v) for s in ini.sections() for k, v in ini[s].items()]


def test_ini_page_has_every_key_with_type_default_example():
    text = rendered("containarium.ini.5")
    keys = config_keys()
    assert len(keys) > 30, keys
    sections = re.split(r"\n   \[([a-z]+)\]\n", text)
    by_section = dict(zip(sections[1::2], sections[2::2]))
    for section, key, value in keys:
        assert section in by_section, "no [%s] in containarium.ini(5)" % section
        body = "\n" + by_section[section]
        if section == "remotes":
            assert "%s = %s" % (key, value) in body, (section, key)
            continue
        m = re.search(r"\n     %s(?:\n {13}| +)(.*?)(?=\n     \S|\Z)" % re.escape(key),
                      body, re.S)
        assert m, "[%s] %s is not in containarium.ini(5)" % (section, key)
        entry = " ".join(m.group(1).split())
        for label in ("Type:", "Default:", "Example:"):
            assert label in entry, "[%s] %s has no %s" % (section, key, label)
        if value:
            assert value in entry.split("Default:")[1], \
                "[%s] %s: default %r not shown" % (section, key, value)


def help_text(binary, *args):
    r = run([binary] + list(args))
    return r.stdout + r.stderr


def test_daemon_page_names_every_option(binary):
    text = rendered("containarium.8")
    usage = help_text(binary, "daemon", "--help")
    options = re.findall(r"(?m)^\s+(-\w), (--[\w-]+)", usage)
    assert options, usage
    synopsis = text.split("DESCRIPTION")[0]
    for short, long in options:
        assert short in synopsis and long in synopsis, (short, long)
        assert re.search(r"\n     %s.*, %s" % (short, long), text), (short, long)
    for signal in ("SIGHUP", "SIGTERM", "SIGINT"):
        assert signal in text.split("SIGNALS")[1].split("ENVIRONMENT")[0]
    for section in ("ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES", "SEE ALSO"):
        assert "\n%s\n" % section in text, section


def test_daemon_exit_status_matches(binary, tmp_path):
    """The exit codes the page documents are the ones the daemon returns."""
    assert subprocess.run([binary, "daemon", "--help"], capture_output=True).returncode == 0
    assert subprocess.run([binary, "daemon", "--bogus"], capture_output=True).returncode == 2
    bad = tmp_path / "bad.ini"
    bad.write_text("[server]\nworkers = many\n")
    assert subprocess.run([binary, "daemon", "--check-config", "--config", str(bad)],
                          capture_output=True).returncode == 1
    status = rendered("containarium.8").split("EXIT STATUS")[1].split("EXAMPLES")[0]
    assert re.search(r"\n     0 ", status) and re.search(r"\n     1 ", status) and \
        re.search(r"\n     2 ", status)


def long_options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+)", text))


def test_cli_page_names_every_command_option_and_exit_code(binary):
    text = rendered("containarium.1")
    usage = help_text(binary, "help")
    commands = re.findall(r"(?m)^  ([a-z][a-z-]+)\b",
                          usage.split("Commands:")[1].split("\n\n")[0])
    assert len(commands) >= 6, usage
    listed = text.split("COMMANDS")[1].split("ENVIRONMENT")[0]
    for command in commands:
        assert re.search(r"\n     %s\b" % re.escape(command), listed), \
            "command %r is not in containarium(1)" % command
        for option in long_options(help_text(binary, "help", command)):
            assert option in listed, "%s %s is not in containarium(1)" % (command, option)
    options = usage.split("\n\n", 1)[1].split("Exit codes")[0].split("Commands:")[1]
    options = options.split("\n\n", 1)[1]
    for option in long_options(options):
        assert option in text.split("COMMANDS")[0], "global %s not documented" % option
    codes = re.findall(r"(?<!\S)(\d{1,2})  ", usage.split("Exit codes:")[1])
    assert len(codes) >= 12, codes
    status = text.split("EXIT STATUS")[1].split("EXAMPLES")[0]
    for code in codes:
        assert re.search(r"\n     %s " % code, status), "exit code %s undocumented" % code
