"""GetMetrics (one container or all) and GetSystemInfo against the real LXD, compared
with what the host and LXD themselves say."""

import os
import socket

import grpc

from ctrtest import MiB, create_request, expect_error, pb

Code = grpc.StatusCode


def metrics(d, username=""):
    return d.stub.GetMetrics(pb.service.GetMetricsRequest(username=username),
                             timeout=30).metrics


def test_metrics_of_one_container(lxd_daemon, lxd, lxd_user):
    u = lxd_user("met")
    name = u + "-container"
    lxd_daemon.stub.CreateContainer(create_request(u, memory="300MiB"), timeout=120)
    got = metrics(lxd_daemon, u)
    assert [m.name for m in got] == [name]
    m = got[0]
    state = lxd.instance(name)["state"]
    assert m.memory_usage_bytes > 0
    assert m.memory_limit_bytes == 300 * MiB
    assert m.process_count >= 1
    assert abs(m.process_count - state["processes"]) <= 2, (m.process_count,
                                                           state["processes"])
    assert m.network_rx_bytes + m.network_tx_bytes > 0   # the DHCP exchange at least
    assert m.network_rx_bytes <= state["network"]["eth0"]["counters"]["bytes_received"] \
        + 1024 * 1024
    assert 0 <= m.cpu_usage_percent <= 100 * os.cpu_count()
    assert m.disk_usage_bytes >= 0


def test_metrics_of_all_containers(lxd_daemon, lxd_user):
    a, b = lxd_user("ma"), lxd_user("mb")
    for u in (a, b):
        lxd_daemon.stub.CreateContainer(create_request(u), timeout=120)
    got = metrics(lxd_daemon)
    names = [m.name for m in got]
    assert {a + "-container", b + "-container"} <= set(names)
    assert len(names) == len(set(names)), names
    for m in got:
        if m.name in (a + "-container", b + "-container"):
            assert m.memory_usage_bytes > 0 and m.process_count >= 1


def test_metrics_of_missing_container_is_not_found(lxd_daemon, make_username):
    expect_error(lxd_daemon.stub.GetMetrics,
                 pb.service.GetMetricsRequest(username=make_username("ghost")),
                 Code.NOT_FOUND)


def meminfo_total():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal")


def host_uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def test_system_info_fields_are_plausible(lxd_daemon, lxd):
    info = lxd_daemon.stub.GetSystemInfo(pb.service.GetSystemInfoRequest(), timeout=30).info
    server = lxd.get("/1.0", project=False)["environment"]
    assert info.incus_version == server["server_version"]
    assert info.kernel_version == os.uname().release
    assert server["os_name"] in info.os, info.os
    assert info.total_cpus == os.cpu_count()
    assert info.hostname == socket.gethostname()
    total = meminfo_total()
    assert abs(info.total_memory_bytes - total) <= total * 0.1, (info.total_memory_bytes,
                                                                 total)
    assert 0 < info.available_memory_bytes <= info.total_memory_bytes
    assert info.total_disk_bytes > 0
    assert 0 <= info.available_disk_bytes <= info.total_disk_bytes
    assert 0 <= info.uptime_seconds <= host_uptime() + 5


def count_states(lxd, only_containarium):
    running = stopped = 0
    for inst in lxd.instances():
        if only_containarium and not inst["name"].endswith("-container"):
            continue
        running += inst["status"] == "Running"
        stopped += inst["status"] == "Stopped"
    return running, stopped


def test_system_info_counts_match_incus(lxd_daemon, lxd, lxd_user):
    up, down = lxd_user("cnt"), lxd_user("cnt")
    for u in (up, down):
        lxd_daemon.stub.CreateContainer(create_request(u), timeout=120)
    lxd_daemon.stub.StopContainer(pb.service.StopContainerRequest(username=down, force=True),
                                  timeout=60)
    # Whether the daemon counts every instance of the project or only its own
    # (*-container) ones is its choice; other users of the shared LXD may change state
    # meanwhile, so LXD is read before and after.
    before = {count_states(lxd, False), count_states(lxd, True)}
    info = lxd_daemon.stub.GetSystemInfo(pb.service.GetSystemInfoRequest(), timeout=30).info
    after = {count_states(lxd, False), count_states(lxd, True)}
    got = (info.containers_running, info.containers_stopped)
    assert got in before | after, (got, before, after)
    assert info.containers_running >= 1 and info.containers_stopped >= 1
    assert info.containers_total >= info.containers_running + info.containers_stopped
