"""AddSSHKey / RemoveSSHKey against the real LXD: idempotent, total_keys true, the
container's authorized_keys really changed (read back through the file API and used by
sshd), keys stored byte for byte and never run through a shell."""

import glob
import os
import time

import grpc
import pytest

from ctrtest import IMAGE_DEBIAN, create_request, expect_error, pb, ssh, wait_for

Code = grpc.StatusCode


def add(d, u, key):
    return d.stub.AddSSHKey(pb.service.AddSSHKeyRequest(username=u, ssh_public_key=key),
                            timeout=60)


def remove(d, u, key):
    return d.stub.RemoveSSHKey(pb.service.RemoveSSHKeyRequest(username=u, ssh_public_key=key),
                               timeout=60)


def authorized_keys(lxd, u):
    """(non-empty lines, uid, mode) of the user's authorized_keys in the container."""
    data, headers = lxd.pull(u + "-container", "/home/%s/.ssh/authorized_keys" % u)
    assert data is not None, "no authorized_keys for %s" % u
    uid, _, mode = lxd.file_owner_mode(headers)
    return [line for line in data.decode().split("\n") if line.strip()], uid, mode


def user_uid(lxd, u):
    entry = lxd.passwd_entry(u + "-container", u)
    assert entry is not None
    return int(entry[2])


def test_add_and_remove_are_idempotent(lxd_daemon, lxd, lxd_user, keys):
    u = lxd_user("keys")
    lxd_daemon.stub.CreateContainer(create_request(u, [keys.a.pub]), timeout=120)
    uid = user_uid(lxd, u)
    assert authorized_keys(lxd, u) == ([keys.a.pub], uid, 0o600)

    assert add(lxd_daemon, u, keys.b.pub).total_keys == 2
    assert authorized_keys(lxd, u) == ([keys.a.pub, keys.b.pub], uid, 0o600)

    assert add(lxd_daemon, u, keys.b.pub).total_keys == 2      # already there: OK
    assert authorized_keys(lxd, u)[0] == [keys.a.pub, keys.b.pub]

    assert remove(lxd_daemon, u, keys.a.pub).total_keys == 1
    assert authorized_keys(lxd, u) == ([keys.b.pub], uid, 0o600)

    assert remove(lxd_daemon, u, keys.a.pub).total_keys == 1   # already gone: OK
    assert authorized_keys(lxd, u)[0] == [keys.b.pub]

    assert remove(lxd_daemon, u, keys.b.pub).total_keys == 0
    assert authorized_keys(lxd, u)[0] == []

    assert add(lxd_daemon, u, keys.c.pub).total_keys == 1
    assert authorized_keys(lxd, u) == ([keys.c.pub], uid, 0o600)


def test_add_remove_on_missing_container_is_not_found(lxd_daemon, make_username, keys):
    u = make_username("ghost")
    for call, req in ((lxd_daemon.stub.AddSSHKey, pb.service.AddSSHKeyRequest),
                      (lxd_daemon.stub.RemoveSSHKey, pb.service.RemoveSSHKeyRequest)):
        expect_error(call, req(username=u, ssh_public_key=keys.a.pub), Code.NOT_FOUND)


INJECTIONS = ["'; touch /tmp/pwned #", "$(touch /tmp/pwned2)", "`touch /tmp/pwned3`",
              "\"; touch /tmp/pwned4; echo \"", "x && touch /tmp/pwned5 || true"]


def clear_host_markers():
    for path in glob.glob("/tmp/pwned*"):
        os.unlink(path)


def test_shell_metacharacters_stored_byte_for_byte(lxd_daemon, lxd, lxd_user, keys):
    clear_host_markers()
    u = lxd_user("inj")
    name = u + "-container"
    k = [keys.a.with_comment(INJECTIONS[0]), keys.b.with_comment(INJECTIONS[1]),
         keys.c.with_comment(INJECTIONS[2]), keys.alice.with_comment(INJECTIONS[3])]
    # One through CreateContainer, the others through AddSSHKey.
    lxd_daemon.stub.CreateContainer(create_request(u, [k[0]]), timeout=120)
    for i, key in enumerate(k[1:], start=2):
        assert add(lxd_daemon, u, key).total_keys == i
    # Removing also handles the key as data: the fifth variant goes in and out.
    odd = keys.d2.with_comment(INJECTIONS[4])
    assert add(lxd_daemon, u, odd).total_keys == 5
    assert remove(lxd_daemon, u, odd).total_keys == 4

    lines, uid, mode = authorized_keys(lxd, u)
    assert lines == k, "authorized_keys differs:\n%r\nexpected\n%r" % (lines, k)
    assert (uid, mode) == (user_uid(lxd, u), 0o600)

    time.sleep(1)  # anything a shell might have started in the background has run now
    assert glob.glob("/tmp/pwned*") == [], "a key comment ran on the host"
    status, doc = lxd.request("GET", "/1.0/instances/%s/files?path=/tmp" % name)
    assert status == 200, doc
    assert [f for f in doc["metadata"] if f.startswith("pwned")] == [], \
        "a key comment ran in the container: %s" % doc["metadata"]
    status, doc = lxd.request("GET", "/1.0/instances/%s/files?path=/" % name)
    assert not [f for f in doc["metadata"] if f.startswith("pwned")]


def test_key_with_embedded_newline_rejected(lxd_daemon, lxd, lxd_user, keys):
    u = lxd_user("nl")
    lxd_daemon.stub.CreateContainer(create_request(u, [keys.a.pub]), timeout=120)
    for bad in (keys.b.pub + "\n" + keys.c.pub, keys.b.pub + "\nsh -c 'touch /tmp/pwned'",
                keys.b.pub + "\r" + keys.c.pub, keys.b.with_comment("a\nb")):
        expect_error(lxd_daemon.stub.AddSSHKey,
                     pb.service.AddSSHKeyRequest(username=u, ssh_public_key=bad),
                     Code.INVALID_ARGUMENT, field="ssh_public_key")
    assert authorized_keys(lxd, u)[0] == [keys.a.pub]


def test_create_with_newline_key_rejected_and_nothing_made(lxd_daemon, lxd, lxd_user, keys):
    u = lxd_user("nlc")
    expect_error(lxd_daemon.stub.CreateContainer,
                 create_request(u, [keys.a.pub, keys.b.pub + "\n" + keys.c.pub]),
                 Code.INVALID_ARGUMENT, field="ssh_keys[1]")
    assert lxd.instance(u + "-container") is None


@pytest.mark.timeout(240)
def test_added_key_logs_in_removed_key_does_not(lxd_daemon, lxd, lxd_user, keys):
    """sshd in a Debian container agrees: the file really changed."""
    u = lxd_user("sshk")
    reply = lxd_daemon.stub.CreateContainer(
        create_request(u, [keys.a.pub], image=IMAGE_DEBIAN), timeout=240)
    ip = reply.container.network.ip_address
    wait_for(lambda: ssh(keys.a.path, u, ip, "true").returncode == 0, 30, interval=1,
             what="sshd to accept key a")
    assert ssh(keys.b.path, u, ip, "true").returncode != 0

    add(lxd_daemon, u, keys.b.pub)
    r = ssh(keys.b.path, u, ip, "whoami")
    assert r.returncode == 0 and r.stdout.decode().strip() == u, r.stderr

    remove(lxd_daemon, u, keys.a.pub)
    assert ssh(keys.a.path, u, ip, "true").returncode != 0
    assert ssh(keys.b.path, u, ip, "true").returncode == 0
