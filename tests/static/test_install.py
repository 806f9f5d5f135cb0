"""make install: binary, config, units, sysusers entry, man pages (and the bash
completion when the CLI ships one), under DESTDIR and PREFIX; an admin's config is
never overwritten; installed paths follow BINDIR and SYSCONFDIR."""

import os
import stat

from conftest import REPO, make_install

EXPECTED = {
    "usr/local/bin/containarium": 0o755,
    "etc/containarium/containarium.ini": 0o644,
    "usr/local/share/doc/containarium/containarium.ini": 0o644,
    "usr/local/lib/systemd/system/containarium.service": 0o644,
    "usr/local/lib/systemd/system/containarium-grpc.socket": 0o644,
    "usr/local/lib/systemd/system/containarium-admin.socket": 0o644,
    "usr/local/lib/sysusers.d/containarium.conf": 0o644,
    "usr/local/share/man/man1/containarium.1": 0o644,
    "usr/local/share/man/man5/containarium.ini.5": 0o644,
    "usr/local/share/man/man8/containarium.8": 0o644,
}


def tree(root):
    found = {}
    for top, _, files in os.walk(root):
        for name in files:
            path = os.path.join(top, name)
            found[os.path.relpath(path, root)] = stat.S_IMODE(os.stat(path).st_mode)
    return found


def test_destdir_tree(staged):
    expected = dict(EXPECTED)
    if os.path.exists(os.path.join(REPO, "completion", "containarium.bash")):
        expected["usr/local/share/bash-completion/completions/containarium"] = 0o644
    assert tree(staged) == expected


def test_installed_files_are_the_built_and_shipped_ones(staged, binary):
    with open(binary, "rb") as a, open(os.path.join(staged, "usr/local/bin/containarium"),
                                       "rb") as b:
        assert a.read() == b.read()
    with open(os.path.join(REPO, "conf", "containarium.ini")) as a, \
            open(os.path.join(staged, "etc/containarium/containarium.ini")) as b:
        assert a.read() == b.read()
    with open(os.path.join(staged, "usr/local/lib/systemd/system/containarium.service")) as f:
        service = f.read()
    assert "@BINDIR@" not in service and "@SYSCONFDIR@" not in service
    assert "ExecStart=/usr/local/bin/containarium daemon --config " \
           "/etc/containarium/containarium.ini\n" in service
    assert "ReadWritePaths=/etc/containarium\n" in service


def test_existing_config_is_kept(tmp_path, binary):
    root = str(tmp_path)
    make_install(DESTDIR=root)
    config = os.path.join(root, "etc/containarium/containarium.ini")
    with open(config, "a") as f:
        f.write("# the admin's change\n")
    out = make_install(DESTDIR=root)
    with open(config) as f:
        assert f.read().endswith("# the admin's change\n")
    assert "keeping" in out


def test_prefix_and_sysconfdir_reach_the_units_and_config(prefixed):
    usr, etc = os.path.join(prefixed, "usr"), os.path.join(prefixed, "etc")
    assert os.access(os.path.join(usr, "bin/containarium"), os.X_OK)
    with open(os.path.join(usr, "lib/systemd/system/containarium.service")) as f:
        service = f.read()
    assert "ExecStart=%s/bin/containarium daemon --config %s/containarium/containarium.ini\n" \
        % (usr, etc) in service
    with open(os.path.join(etc, "containarium/containarium.ini")) as f:
        config = f.read()
    assert "secret_file = %s/containarium/jwt.secret\n" % etc in config
    assert "users_file = %s/containarium/users\n" % etc in config
    # the comments keep naming the compiled-in defaults
    assert "Default: /etc/containarium/jwt.secret" in config
    assert os.path.exists(os.path.join(usr, "share/man/man8/containarium.8"))
