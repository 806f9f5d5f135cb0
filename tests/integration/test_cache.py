"""The master's event-fed cache: changes made outside Containarium (the lxc command
line) show in List within a second; the daemon's own changes show at once; reads are
served without asking Incus while the cache is trusted; and when the event stream is
gone the cache is bypassed, never served stale, until a reconnect and resync.

Real LXD for the outside changes; the fake Incus (tests/fake_incus, started with
--events) where the test must count the daemon's requests or kill its event stream."""

import os
import threading
import time

import grpc
import pytest

from ctrtest import PROJECT, FakeIncus, lxc, pb, wait_for

Code = grpc.StatusCode
FOLLOWING = "Cache: following Incus events"
LOST = "Cache: lost Incus's event stream"


def listing(d):
    return {c.name: c for c in d.stub.ListContainers(pb.service.ListContainersRequest(),
                                                    timeout=10).containers}


def within(seconds, predicate, what):
    """Poll List-based predicate; return the time it took, failing past `seconds`."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        elapsed = time.monotonic() - start
        assert elapsed < seconds, "%s not seen within %.1f s" % (what, seconds)
        time.sleep(0.02)


def instance_requests(fake):
    return [r for r in fake.requests() if r["path"].startswith("/1.0/instances")]


@pytest.fixture
def events_fake(tmp_path):
    """A fake Incus that serves /1.0/events."""
    f = FakeIncus(os.path.join(str(tmp_path), "fake-events"))
    f.args.append("--events")
    f.start()
    yield f
    f.stop()


@pytest.mark.timeout(120)
def test_outside_changes_show_in_list_within_a_second(daemon, lxd, lxd_user):
    """lxc launch / config set / stop / delete behind the daemon's back: each shows in
    ListContainers within 1 s."""
    d = daemon()
    wait_for(lambda: FOLLOWING in d.log_text(), 10, what="the cache to follow events")
    name = lxd_user("out") + "-container"
    running, stopped = pb.container.CONTAINER_STATE_RUNNING, pb.container.CONTAINER_STATE_STOPPED

    lxc("launch", "ctr-tiny", name, "--project", PROJECT)
    within(1.0, lambda: name in listing(d), "the new container")
    lxc("config", "set", name, "user.containarium.label.team=blue", "--project", PROJECT)
    within(1.0, lambda: listing(d)[name].labels.get("team") == "blue", "the new label")
    assert listing(d)[name].state == running
    lxc("stop", "--force", name, "--project", PROJECT)
    within(1.0, lambda: listing(d)[name].state == stopped, "the stop")
    lxc("delete", name, "--project", PROJECT)
    within(1.0, lambda: name not in listing(d), "the deletion")
    assert LOST not in d.log_text()


def test_list_is_served_without_asking_incus(daemon, events_fake):
    """While the cache is trusted, List and GetContainer make no request for the
    instances list; the answer is the fake's data."""
    d = daemon(incus_socket=events_fake.socket_path)
    wait_for(lambda: FOLLOWING in d.log_text(), 10, what="the cache to follow events")
    events_fake.reset_requests()
    for _ in range(5):
        got = listing(d)
        assert set(got) == {"bob-container", "carol-container"}
        assert got["bob-container"].labels["team"] == "fake"
    assert [r for r in instance_requests(events_fake)
            if r["path"] == "/1.0/instances"] == [], "List went to Incus"


def test_own_changes_are_read_back_at_once(daemon, events_fake):
    """The daemon's own Stop is in the cache before its reply: the next List shows it
    with no wait."""
    d = daemon(incus_socket=events_fake.socket_path)
    wait_for(lambda: FOLLOWING in d.log_text(), 10, what="the cache to follow events")
    assert listing(d)["bob-container"].state == pb.container.CONTAINER_STATE_RUNNING
    d.stub.StopContainer(pb.service.StopContainerRequest(username="bob", force=True),
                         timeout=30)
    assert listing(d)["bob-container"].state == pb.container.CONTAINER_STATE_STOPPED
    d.stub.StartContainer(pb.service.StartContainerRequest(username="bob"), timeout=30)
    got = d.stub.GetContainer(pb.service.GetContainerRequest(username="bob"), timeout=10)
    assert got.container.state == pb.container.CONTAINER_STATE_RUNNING


@pytest.mark.timeout(90)
def test_without_event_stream_cache_is_bypassed(daemon, events_fake):
    """Kill the event stream and refuse new ones: a change Incus announces to no one is
    still what List answers (read from Incus); once the stream is back and resynced,
    List is served from the cache again and follows changes within a second."""
    d = daemon(incus_socket=events_fake.socket_path)
    wait_for(lambda: FOLLOWING in d.log_text(), 10, what="the cache to follow events")
    api = events_fake.api
    assert listing(d)["carol-container"].labels.get("tier", "") == ""

    events_fake.control("events", {"drop": True, "refuse": True})
    wait_for(lambda: LOST in d.log_text(), 10, what="the daemon to see the stream go")
    status, doc = api.request("PATCH", "/1.0/instances/carol-container",
                              {"config": {"user.containarium.label.tier": "gold"}})
    assert status == 200, doc
    events_fake.reset_requests()
    assert listing(d)["carol-container"].labels["tier"] == "gold"
    assert any(r["path"] == "/1.0/instances" for r in instance_requests(events_fake)), \
        "the untrusted cache was not bypassed"
    got = d.stub.GetContainer(pb.service.GetContainerRequest(username="carol"), timeout=10)
    assert got.container.labels["tier"] == "gold"

    events_fake.control("events", {"refuse": False})
    wait_for(lambda: d.log_text().count(FOLLOWING) >= 2, 15,
             what="the daemon to reconnect and resync")
    status, doc = api.request("PATCH", "/1.0/instances/carol-container",
                              {"config": {"user.containarium.label.tier": "silver"}})
    assert status == 200, doc
    within(1.0, lambda: listing(d)["carol-container"].labels["tier"] == "silver",
           "the change after the reconnect")
    events_fake.reset_requests()
    assert listing(d)["carol-container"].labels["tier"] == "silver"
    assert [r for r in instance_requests(events_fake) if r["path"] == "/1.0/instances"] == []


def test_cache_disabled_reads_go_to_incus(daemon, events_fake):
    """[cache] enabled = false: no event stream, every List asks Incus."""
    d = daemon(incus_socket=events_fake.socket_path, cache={"enabled": "false"})
    events_fake.reset_requests()
    assert "bob-container" in listing(d)
    assert any(r["path"] == "/1.0/instances" for r in instance_requests(events_fake))
    assert events_fake.control("events")["clients"] == 0
    assert FOLLOWING not in d.log_text()


@pytest.mark.timeout(90)
def test_cached_read_is_answered_while_every_operation_thread_is_busy(daemon, events_fake):
    """A read the trusted cache answers alone is answered by the master's loop, not
    queued behind the operation threads: with the only operation thread held by a Stop
    whose Incus operation hangs, List still answers at once, with its filters applied
    and bob as Incus last described him (his change has not finished). The roles on
    such reads: test_auth.py::test_roles_admin_user_viewer."""
    d = daemon(incus_socket=events_fake.socket_path, server={"operation_threads": "1"})
    wait_for(lambda: FOLLOWING in d.log_text(), 10, what="the cache to follow events")
    events_fake.set_mode("hang_operation")
    errors = []

    def stop_bob():
        try:
            d.stub.StopContainer(pb.service.StopContainerRequest(username="bob", force=True),
                                 timeout=60)
        except grpc.RpcError as e:
            errors.append(e)

    stopper = threading.Thread(target=stop_bob)
    stopper.start()
    try:
        wait_for(lambda: any(r["path"].startswith("/1.0/instances/bob-container/state")
                             for r in events_fake.requests()), 10,
                 what="the Stop to reach Incus")
        start = time.monotonic()
        got = listing(d)
        assert time.monotonic() - start < 2.0
        assert set(got) == {"bob-container", "carol-container"}
        assert got["bob-container"].state == pb.container.CONTAINER_STATE_RUNNING
        only = d.stub.ListContainers(pb.service.ListContainersRequest(username="nobody"),
                                     timeout=5)
        assert list(only.containers) == []
        assert stopper.is_alive(), "the Stop did not hold the operation thread"
    finally:
        events_fake.set_mode("normal")
        events_fake.release()
        stopper.join(60)
    assert errors == []
    within(1.0, lambda: listing(d)["bob-container"].state ==
           pb.container.CONTAINER_STATE_STOPPED, "the finished Stop")
