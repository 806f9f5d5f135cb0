"""Get (with metrics), List (filters, total_count), Start, Stop (force, timeout) and
Delete (force and not) against the real LXD, each checked behind the daemon's back."""

import time

import grpc
import pytest

from ctrtest import BRIDGE_NET, MiB, create_request, expect_error, pb, wait_for

Code = grpc.StatusCode


def states():
    c = pb.container
    return c.CONTAINER_STATE_RUNNING, c.CONTAINER_STATE_STOPPED


def create(d, username, **kw):
    return d.stub.CreateContainer(create_request(username, **kw), timeout=120)


def lxd_stop(lxd, name):
    status, doc = lxd.request("PUT", "/1.0/instances/%s/state" % name,
                              {"action": "stop", "force": True, "timeout": 30})
    assert status in (200, 202), doc
    op = lxd.wait(doc)
    assert op["status"] == "Success", op


# ---------------------------------------------------------------------------------------
# GetContainer

def test_get_running_container_with_metrics(lxd_daemon, lxd, lxd_user):
    running, _ = states()
    u = lxd_user("get")
    before = int(time.time())
    create(lxd_daemon, u, labels={"team": "get"})
    reply = lxd_daemon.stub.GetContainer(pb.service.GetContainerRequest(username=u),
                                         timeout=30)
    c, m = reply.container, reply.metrics
    name = u + "-container"
    assert (c.name, c.username, c.state) == (name, u, running)
    ip = lxd.ipv4(name)
    assert ip and ip.startswith(BRIDGE_NET)
    assert c.network.ip_address == ip
    assert c.resources.cpu == "1"
    assert dict(c.labels) == {"team": "get"}
    assert before - 120 <= c.created_at <= time.time() + 5, c.created_at
    assert m.name == name
    assert m.memory_usage_bytes > 0
    assert m.memory_limit_bytes == 256 * MiB
    assert m.process_count >= 1
    assert m.network_rx_bytes >= 0 and m.network_tx_bytes >= 0
    assert m.cpu_usage_percent >= 0


def test_get_missing_is_not_found(lxd_daemon, make_username):
    u = make_username("ghost")
    e = expect_error(lxd_daemon.stub.GetContainer, pb.service.GetContainerRequest(username=u),
                     Code.NOT_FOUND)
    assert u in e.details(), e.details()


def test_get_reflects_changes_made_behind_its_back(lxd_daemon, lxd, lxd_user):
    """Incus is the single source of truth: a container stopped with lxc is STOPPED."""
    _, stopped = states()
    u = lxd_user("truth")
    create(lxd_daemon, u)
    lxd_stop(lxd, u + "-container")
    reply = lxd_daemon.stub.GetContainer(pb.service.GetContainerRequest(username=u),
                                         timeout=30)
    assert reply.container.state == stopped
    assert reply.container.network.ip_address == ""


def test_restarted_daemon_loses_nothing(lxd_daemon, daemon, lxd_user):
    u = lxd_user("keep")
    create(lxd_daemon, u, labels={"team": "keep", "env": "prod"}, cpu="2", memory="300MiB",
           docker=True)
    other = daemon()  # a second daemon, knowing only what Incus holds
    c = other.stub.GetContainer(pb.service.GetContainerRequest(username=u),
                                timeout=30).container
    assert c.username == u
    assert dict(c.labels) == {"team": "keep", "env": "prod"}
    assert c.resources.cpu == "2"
    assert c.docker_enabled


# ---------------------------------------------------------------------------------------
# ListContainers

@pytest.mark.timeout(240)
def test_list_filters_and_total_count(lxd_daemon, lxd, lxd_user):
    running, stopped = states()
    red, blue = lxd_user("red"), lxd_user("blue")
    create(lxd_daemon, red, labels={"team": "red", "tier": "a"})
    create(lxd_daemon, blue, labels={"team": "blue", "tier": "a"})
    lxd_daemon.stub.StopContainer(pb.service.StopContainerRequest(username=blue, force=True),
                                  timeout=60)
    mine = {red + "-container", blue + "-container"}

    def listing(**kw):
        r = lxd_daemon.stub.ListContainers(pb.service.ListContainersRequest(**kw), timeout=30)
        assert r.total_count == len(r.containers), (r.total_count, len(r.containers))
        return r.containers

    everything = listing()
    assert mine <= {c.name for c in everything}
    by_name = {c.name: c for c in everything}
    assert by_name[red + "-container"].state == running
    assert by_name[blue + "-container"].state == stopped
    assert by_name[red + "-container"].username == red

    got = listing(state=running)
    assert all(c.state == running for c in got)
    assert red + "-container" in {c.name for c in got}
    assert blue + "-container" not in {c.name for c in got}

    got = listing(state=stopped)
    assert all(c.state == stopped for c in got)
    assert blue + "-container" in {c.name for c in got}
    assert red + "-container" not in {c.name for c in got}

    got = listing(username=red)
    assert [c.name for c in got] == [red + "-container"]

    assert list(listing(username="nobody" + red)) == []

    got = listing(label_filter={"team": "red"})
    assert red + "-container" in {c.name for c in got}
    assert blue + "-container" not in {c.name for c in got}
    assert all(c.labels.get("team") == "red" for c in got)

    got = listing(label_filter={"tier": "a"})
    assert mine <= {c.name for c in got}

    got = listing(label_filter={"team": "red", "tier": "a"})
    assert {c.name for c in got} & mine == {red + "-container"}

    got = listing(label_filter={"team": "red"}, state=stopped)
    assert not {c.name for c in got} & mine

    got = listing(label_filter={"team": "green"})
    assert not {c.name for c in got} & mine


# ---------------------------------------------------------------------------------------
# StartContainer / StopContainer

@pytest.mark.timeout(180)
def test_stop_start_cycle(lxd_daemon, lxd, lxd_user):
    running, stopped = states()
    u = lxd_user("cyc")
    name = u + "-container"
    create(lxd_daemon, u)
    s = pb.service

    expect_error(lxd_daemon.stub.StartContainer, s.StartContainerRequest(username=u),
                 Code.FAILED_PRECONDITION)

    t0 = time.monotonic()
    r = lxd_daemon.stub.StopContainer(s.StopContainerRequest(username=u, timeout=10),
                                      timeout=60)
    assert time.monotonic() - t0 < 15
    assert r.container.state == stopped
    assert lxd.instance(name)["status"] == "Stopped"

    expect_error(lxd_daemon.stub.StopContainer, s.StopContainerRequest(username=u),
                 Code.FAILED_PRECONDITION)

    r = lxd_daemon.stub.StartContainer(s.StartContainerRequest(username=u), timeout=60)
    assert r.container.state == running
    assert lxd.instance(name)["status"] == "Running"

    r = lxd_daemon.stub.StopContainer(s.StopContainerRequest(username=u, force=True),
                                      timeout=60)
    assert r.container.state == stopped
    assert lxd.instance(name)["status"] == "Stopped"


def test_start_stop_missing_is_not_found(lxd_daemon, make_username):
    u = make_username("ghost")
    s = pb.service
    expect_error(lxd_daemon.stub.StartContainer, s.StartContainerRequest(username=u),
                 Code.NOT_FOUND)
    expect_error(lxd_daemon.stub.StopContainer, s.StopContainerRequest(username=u),
                 Code.NOT_FOUND)
    expect_error(lxd_daemon.stub.StopContainer, s.StopContainerRequest(username=u, force=True),
                 Code.NOT_FOUND)


# ---------------------------------------------------------------------------------------
# DeleteContainer

def test_delete_running_needs_force(lxd_daemon, lxd, lxd_user):
    u = lxd_user("del")
    name = u + "-container"
    create(lxd_daemon, u)
    s = pb.service
    expect_error(lxd_daemon.stub.DeleteContainer, s.DeleteContainerRequest(username=u),
                 Code.FAILED_PRECONDITION)
    assert lxd.instance(name)["status"] == "Running"

    r = lxd_daemon.stub.DeleteContainer(s.DeleteContainerRequest(username=u, force=True),
                                        timeout=60)
    assert r.container_name == name
    assert lxd.instance(name) is None
    expect_error(lxd_daemon.stub.GetContainer, s.GetContainerRequest(username=u),
                 Code.NOT_FOUND)


def test_delete_stopped_without_force(lxd_daemon, lxd, lxd_user):
    u = lxd_user("dels")
    name = u + "-container"
    create(lxd_daemon, u)
    s = pb.service
    lxd_daemon.stub.StopContainer(s.StopContainerRequest(username=u, force=True), timeout=60)
    r = lxd_daemon.stub.DeleteContainer(s.DeleteContainerRequest(username=u), timeout=60)
    assert r.container_name == name
    assert lxd.instance(name) is None


def test_delete_missing_is_not_found(lxd_daemon, make_username):
    u = make_username("ghost")
    for force in (False, True):
        expect_error(lxd_daemon.stub.DeleteContainer,
                     pb.service.DeleteContainerRequest(username=u, force=force),
                     Code.NOT_FOUND)


def test_recreate_after_delete(lxd_daemon, lxd, lxd_user):
    u = lxd_user("again")
    create(lxd_daemon, u, labels={"gen": "1"})
    lxd_daemon.stub.DeleteContainer(pb.service.DeleteContainerRequest(username=u, force=True),
                                    timeout=60)
    create(lxd_daemon, u, labels={"gen": "2"})
    inst = wait_for(lambda: lxd.instance(u + "-container"), 10, what="the new container")
    assert inst["config"]["user.containarium.label.gen"] == "2"
    assert inst["status"] == "Running"
