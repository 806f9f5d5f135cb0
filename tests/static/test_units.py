"""The systemd units: they verify, the service scores 2.5 or lower on systemd's own
exposure scale, the two listeners are named as the daemon expects, and the service
keeps the hardening and the capability set docs/security.md explains."""

import configparser
import os
import re

from conftest import REPO, run

UNITS = os.path.join(REPO, "systemd")
MAX_EXPOSURE = 2.5


def unit_settings(path):
    """{section: {key: [values...]}} of a unit file (keys may repeat)."""
    settings, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = settings.setdefault(line.strip("[]"), {})
                continue
            key, _, value = line.partition("=")
            section.setdefault(key.strip(), []).append(value.strip())
    return settings


def installed_units(prefixed):
    unitdir = os.path.join(prefixed, "usr", "lib", "systemd", "system")
    return unitdir, [os.path.join(unitdir, u) for u in
                     ("containarium.service", "containarium-grpc.socket",
                      "containarium-admin.socket")]


def test_verify_clean(prefixed):
    """systemd-analyze verify on the installed units: executables, man pages and the
    socket units named in Sockets= all found, no warning at all."""
    unitdir, units = installed_units(prefixed)
    env = dict(os.environ, MANPATH=os.path.join(prefixed, "usr", "share", "man"))
    r = run(["systemd-analyze", "verify"] + units, env=env, cwd=unitdir)
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "", \
        "systemd-analyze verify:\n%s%s" % (r.stdout, r.stderr)


def test_verify_catches_a_broken_unit(prefixed, tmp_path):
    """The check above can fail: a typo in a directive is reported."""
    unitdir, units = installed_units(prefixed)
    with open(units[0]) as f:
        text = f.read()
    broken = tmp_path / "containarium.service"
    broken.write_text(text.replace("ProtectHome=yes", "ProtectHome=yes\nProtectHomme=yes"))
    env = dict(os.environ, MANPATH=os.path.join(prefixed, "usr", "share", "man"))
    r = run(["systemd-analyze", "verify", str(broken)] + units[1:], env=env)
    assert "ProtectHomme" in r.stderr, r.stderr


def test_security_exposure(prefixed):
    """systemd-analyze security --offline=yes: print the score, require <= 2.5."""
    _, units = installed_units(prefixed)
    r = run(["systemd-analyze", "security", "--offline=yes", "--no-pager", units[0]])
    m = re.search(r"Overall exposure level for containarium\.service: ([0-9.]+)",
                  r.stdout + r.stderr)
    assert m, "no score in:\n%s%s" % (r.stdout, r.stderr)
    score = float(m.group(1))
    print("\nsystemd-analyze security --offline=yes containarium.service: %.1f" % score)
    for line in r.stdout.splitlines():
        if line.startswith("\u2717"):
            print("  " + " ".join(line.split()))
    assert score <= MAX_EXPOSURE, "exposure %.1f > %.1f" % (score, MAX_EXPOSURE)


def test_listeners_are_named_grpc_and_admin():
    """One FileDescriptorName per socket unit (systemd names every fd of a unit
    alike), both units passed to the service, the admin socket 0660 group
    containarium at the path of the config's default."""
    grpc = unit_settings(os.path.join(UNITS, "containarium-grpc.socket"))["Socket"]
    admin = unit_settings(os.path.join(UNITS, "containarium-admin.socket"))["Socket"]
    service = unit_settings(os.path.join(UNITS, "containarium.service.in"))["Service"]
    assert grpc["FileDescriptorName"] == ["grpc"] and grpc["ListenStream"] == ["50051"]
    assert admin["FileDescriptorName"] == ["admin"]
    assert admin["ListenStream"] == ["/run/containarium.sock"]
    assert admin["SocketMode"] == ["0660"] and admin["SocketGroup"] == ["containarium"]
    assert grpc["Service"] == admin["Service"] == ["containarium.service"]
    assert service["Sockets"][0].split() == ["containarium-grpc.socket",
                                             "containarium-admin.socket"]
    ini = configparser.ConfigParser()
    ini.read(os.path.join(REPO, "conf", "containarium.ini"))
    assert ini["server"]["admin_socket"] == admin["ListenStream"][0]
    assert ini["server"]["admin_socket_mode"] == admin["SocketMode"][0]
    assert ini["server"]["admin_group"] == admin["SocketGroup"][0]
    assert ini["server"]["listen"].endswith(":" + grpc["ListenStream"][0])


def test_service_lifecycle_and_hardening():
    """Type=notify with watchdog, reload and restart; root with only the
    capabilities docs/security.md names; the sandbox settings the issue asks for."""
    s = unit_settings(os.path.join(UNITS, "containarium.service.in"))["Service"]
    expect = {
        "Type": "notify", "NotifyAccess": "main", "Restart": "on-failure",
        "WatchdogSec": "30s", "KillMode": "mixed", "User": "root",
        "CapabilityBoundingSet": "CAP_SETUID CAP_SETGID CAP_KILL",
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
        "PrivateTmp": "yes", "PrivateDevices": "yes",
        "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
        "SystemCallArchitectures": "native", "MemoryDenyWriteExecute": "yes",
        "LockPersonality": "yes", "RestrictRealtime": "yes", "RestrictNamespaces": "yes",
        "RestrictSUIDSGID": "yes", "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
        "ProtectControlGroups": "yes", "ProtectClock": "yes", "ProtectHostname": "yes",
        "UMask": "0077", "ReadWritePaths": "@SYSCONFDIR@/containarium",
        "InaccessiblePaths": "-/etc/shadow -/etc/gshadow -/etc/ssh",
    }
    for key, value in expect.items():
        assert s.get(key) == [value], "%s=%s, expected %s" % (key, s.get(key), value)
    assert s["AmbientCapabilities"] == [""]
    assert s["ExecStart"] == [
        "@BINDIR@/containarium daemon --config @SYSCONFDIR@/containarium/containarium.ini"]
    assert s["ExecReload"][-1] == "/bin/kill -HUP $MAINPID"
    # the seccomp allow-list: systemd's service set plus seccomp(2), which the
    # workers need to load their own filter
    assert s["SystemCallFilter"][0].split() == ["@system-service", "seccomp"]
