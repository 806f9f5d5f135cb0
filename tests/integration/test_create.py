"""CreateContainer against the real LXD: the whole job (container from the image, limits,
labels, Docker keys, a user with sudo, keys through the file API, IP and ssh_command),
then a real SSH login; plus ALREADY_EXISTS, concurrent creates and failed creates."""

import threading

import grpc
import pytest

from ctrtest import (BRIDGE_NET, GiB, IMAGE_DEBIAN, IMAGE_TINY, MiB, create_request,
                     expect_error, parse_size, pb, rpc_code, ssh, wait_for)

Code = grpc.StatusCode


def alias_target(lxd, alias):
    status, doc = lxd.request("GET", "/1.0/images/aliases/" + alias, project=False)
    assert status == 200, doc
    return doc["metadata"]["target"]


# ---------------------------------------------------------------------------------------
# the Debian container with sshd: one per module, shared by the tests that need SSH

@pytest.fixture(scope="module")
def alice(lxd, lxd_daemon, keys):
    lxd.delete_force("alice-container")
    reply = lxd_daemon.stub.CreateContainer(
        create_request("alice", [keys.alice.pub], cpu="1", memory="256MiB",
                       image=IMAGE_DEBIAN, labels={"team": "qa"}), timeout=240)
    yield reply
    lxd.delete_force("alice-container")


def ssh_until(key, user, ip, command, timeout=20):
    """Run command over SSH, retrying while sshd comes up; return the last result."""
    results = []

    def attempt():
        r = ssh(key.path, user, ip, command)
        results.append(r)
        return r.returncode == 0
    try:
        wait_for(attempt, timeout, interval=1, what="ssh %s@%s %s" % (user, ip, command))
    except AssertionError:
        r = results[-1] if results else None
        raise AssertionError("ssh %s@%s %r kept failing: rc=%s stderr=%r" % (
            user, ip, command, r and r.returncode, r and r.stderr))
    return results[-1]


def test_create_reply_describes_the_container(alice, lxd):
    c = alice.container
    assert c.name == "alice-container"
    assert c.username == "alice"
    assert c.state == pb.container.CONTAINER_STATE_RUNNING
    ip = lxd.ipv4("alice-container")
    assert ip and ip.startswith(BRIDGE_NET), ip
    assert c.network.ip_address == ip
    assert "alice@" + ip in alice.ssh_command
    assert alice.ssh_command.split()[0] == "ssh", alice.ssh_command
    assert c.labels == {"team": "qa"}
    assert c.resources.cpu == "1"
    assert parse_size(c.resources.memory) == 256 * MiB


def test_requested_image_is_used(alice, lxd):
    inst = lxd.instance("alice-container")
    assert inst["config"]["volatile.base_image"] == alias_target(lxd, IMAGE_DEBIAN)
    assert inst["status"] == "Running"


@pytest.mark.timeout(120)
def test_ssh_login_as_the_user(alice, keys):
    ip = alice.container.network.ip_address
    r = ssh_until(keys.alice, "alice", ip, "whoami")
    assert r.stdout.decode().strip() == "alice"


@pytest.mark.timeout(120)
def test_user_has_sudo(alice, keys):
    ip = alice.container.network.ip_address
    r = ssh_until(keys.alice, "alice", ip, "sudo -n whoami")
    assert r.stdout.decode().strip() == "root", r.stderr


@pytest.mark.timeout(120)
def test_cpu_limit_seen_inside(alice, keys):
    ip = alice.container.network.ip_address
    r = ssh_until(keys.alice, "alice", ip, "nproc")
    assert r.stdout.decode().strip() == "1"


def test_authorized_keys_owned_by_user_mode_0600(alice, lxd, keys):
    entry = lxd.passwd_entry("alice-container", "alice")
    assert entry is not None, "no alice in the container's /etc/passwd"
    uid, home = int(entry[2]), entry[5]
    assert home == "/home/alice"
    data, headers = lxd.pull("alice-container", "/home/alice/.ssh/authorized_keys")
    assert data is not None, "no authorized_keys"
    assert keys.alice.pub in data.decode().splitlines()
    fuid, _, mode = lxd.file_owner_mode(headers)
    assert (fuid, mode) == (uid, 0o600)
    _, dheaders = lxd.pull("alice-container", "/home/alice/.ssh")
    duid, _, dmode = lxd.file_owner_mode(dheaders)
    assert duid == uid
    assert dmode & 0o022 == 0, "sshd refuses a group/world-writable ~/.ssh: %o" % dmode


# ---------------------------------------------------------------------------------------
# ctr-tiny: fast containers for everything that needs no sshd

def test_limits_and_root_disk_are_set(lxd_daemon, lxd, lxd_user):
    u = lxd_user("lim")
    reply = lxd_daemon.stub.CreateContainer(
        create_request(u, cpu="2", memory="300MiB", disk="1GiB"), timeout=120)
    assert reply.container.state == pb.container.CONTAINER_STATE_RUNNING
    inst = lxd.instance(u + "-container")
    assert inst is not None
    assert inst["config"]["limits.cpu"] == "2"
    assert parse_size(inst["config"]["limits.memory"]) == 300 * MiB
    root = inst["expanded_devices"]["root"]
    assert parse_size(root["size"]) == 1 * GiB
    assert inst["status"] == "Running"


def test_defaults_from_config_when_no_resources(lxd_daemon, lxd, lxd_user):
    u = lxd_user("def")
    lxd_daemon.stub.CreateContainer(create_request(u), timeout=120)
    inst = lxd.instance(u + "-container")
    assert inst["config"]["limits.cpu"] == "1"               # [containers] cpu
    assert parse_size(inst["config"]["limits.memory"]) == 256 * MiB
    # [containers] image = ctr-tiny: the container is made from that very image.
    assert inst["config"]["volatile.base_image"] == alias_target(lxd, IMAGE_TINY)


def test_labels_stored_as_incus_config_keys(lxd_daemon, lxd, lxd_user):
    u = lxd_user("lab")
    labels = {"team": "infra", "env": "dev-1", "costcenter": "42"}
    reply = lxd_daemon.stub.CreateContainer(create_request(u, labels=labels), timeout=120)
    assert dict(reply.container.labels) == labels
    config = lxd.instance(u + "-container")["config"]
    stored = {k[len("user.containarium.label."):]: v for k, v in config.items()
              if k.startswith("user.containarium.label.")}
    assert stored == labels
    got = lxd_daemon.stub.GetContainer(pb.service.GetContainerRequest(username=u),
                                       timeout=30)
    assert dict(got.container.labels) == labels


def test_docker_flag_sets_nesting_and_intercepts(lxd_daemon, lxd, lxd_user):
    u = lxd_user("dock")
    reply = lxd_daemon.stub.CreateContainer(create_request(u, docker=True), timeout=120)
    assert reply.container.docker_enabled
    config = lxd.instance(u + "-container")["config"]
    assert config.get("security.nesting") == "true"
    assert config.get("security.syscalls.intercept.mknod") == "true"
    assert config.get("security.syscalls.intercept.setxattr") == "true"


def test_no_docker_flag_no_nesting(lxd_daemon, lxd, lxd_user):
    u = lxd_user("nodock")
    reply = lxd_daemon.stub.CreateContainer(create_request(u, docker=False), timeout=120)
    assert not reply.container.docker_enabled
    config = lxd.instance(u + "-container")["config"]
    assert config.get("security.nesting", "false") == "false"


def test_user_and_key_installed_in_tiny_container(lxd_daemon, lxd, lxd_user, keys):
    u = lxd_user("key")
    reply = lxd_daemon.stub.CreateContainer(create_request(u, [keys.a.pub, keys.b.pub]),
                                            timeout=120)
    name = u + "-container"
    ip = lxd.ipv4(name)
    assert reply.container.network.ip_address == ip
    assert "%s@%s" % (u, ip) in reply.ssh_command
    entry = lxd.passwd_entry(name, u)
    assert entry is not None, "user %s not created" % u
    data, headers = lxd.pull(name, "/home/%s/.ssh/authorized_keys" % u)
    assert data is not None
    lines = data.decode().splitlines()
    assert keys.a.pub in lines and keys.b.pub in lines
    assert len([line for line in lines if line.strip()]) == 2
    uid, _, mode = lxd.file_owner_mode(headers)
    assert (uid, mode) == (int(entry[2]), 0o600)


def test_create_existing_is_already_exists(lxd_daemon, lxd, lxd_user):
    u = lxd_user("dup")
    lxd_daemon.stub.CreateContainer(create_request(u, labels={"n": "1"}), timeout=120)
    expect_error(lxd_daemon.stub.CreateContainer, create_request(u, labels={"n": "2"}),
                 Code.ALREADY_EXISTS, timeout=120)
    # The first container is untouched.
    inst = lxd.instance(u + "-container")
    assert inst["status"] == "Running"
    assert inst["config"].get("user.containarium.label.n") == "1"


@pytest.mark.timeout(180)
def test_concurrent_creates_exactly_one_wins(lxd_daemon, lxd, lxd_user):
    u = lxd_user("race")
    clients = [lxd_daemon.client(), lxd_daemon.client()]
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(i):
        barrier.wait(10)
        results[i] = rpc_code(clients[i].CreateContainer,
                              create_request(u, labels={"who": str(i)}), timeout=150)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(170)
    codes = sorted((r[0] for r in results), key=lambda c: c.name)
    assert codes == [Code.ALREADY_EXISTS, Code.OK], [
        (r[0].name, getattr(r[1], "details", lambda: "")()) for r in results]
    winner = [r for r in results if r[0] == Code.OK][0][1]
    inst = lxd.instance(u + "-container")
    assert inst["status"] == "Running"
    assert inst["config"]["user.containarium.label.who"] == winner.container.labels["who"]


def test_requested_image_missing_leaves_nothing(lxd_daemon, lxd, lxd_user):
    u = lxd_user("noimg")
    # An image that does not exist: NOT_FOUND (the image is what is missing), and no
    # half-made container.
    e = expect_error(lxd_daemon.stub.CreateContainer, create_request(u, image="nosuchimage"),
                     Code.NOT_FOUND, timeout=120)
    assert "nosuchimage" in e.details() or "image" in e.details().lower(), e.details()
    assert lxd.instance(u + "-container") is None


def test_default_image_missing_leaves_nothing(daemon, lxd, lxd_user):
    d = daemon(containers={"image": "nosuchimage"})
    u = lxd_user("noimg")
    expect_error(d.stub.CreateContainer, create_request(u), Code.NOT_FOUND, timeout=120)
    assert lxd.instance(u + "-container") is None
    assert not [n for n in lxd.instance_names() if n == u + "-container"]
