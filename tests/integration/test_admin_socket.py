"""The local admin Unix socket ([server] admin_socket) serves the same ContainerService
as the TCP port: a container made, seen, changed and removed over `unix:<path>`."""

import os
import stat

import grpc

from ctrtest import create_request, expect_error, pb

Code = grpc.StatusCode


def test_admin_socket_exists_and_is_not_world_writable(lxd_daemon):
    st = os.stat(lxd_daemon.admin_socket)
    assert stat.S_ISSOCK(st.st_mode)
    assert st.st_mode & 0o002 == 0, "admin socket is world-writable: %o" % st.st_mode


def test_full_cycle_over_admin_socket(lxd_daemon, lxd, lxd_user, keys):
    admin = lxd_daemon.client(admin=True)
    s = pb.service
    info = admin.GetSystemInfo(s.GetSystemInfoRequest(), timeout=30).info
    assert info.incus_version == lxd.get("/1.0", project=False)["environment"]["server_version"]

    u = lxd_user("adm")
    name = u + "-container"
    reply = admin.CreateContainer(create_request(u, [keys.a.pub], labels={"via": "admin"}),
                                  timeout=120)
    assert reply.container.name == name
    assert reply.container.network.ip_address == lxd.ipv4(name)

    got = admin.GetContainer(s.GetContainerRequest(username=u), timeout=30)
    assert got.container.labels["via"] == "admin"
    listed = admin.ListContainers(s.ListContainersRequest(username=u), timeout=30)
    assert [c.name for c in listed.containers] == [name] and listed.total_count == 1
    assert admin.AddSSHKey(s.AddSSHKeyRequest(username=u, ssh_public_key=keys.b.pub),
                           timeout=60).total_keys == 2
    assert [m.name for m in admin.GetMetrics(s.GetMetricsRequest(username=u),
                                             timeout=30).metrics] == [name]

    # What one endpoint did, the other sees.
    tcp = lxd_daemon.client()
    assert tcp.GetContainer(s.GetContainerRequest(username=u), timeout=30).container.name == name

    admin.StopContainer(s.StopContainerRequest(username=u, force=True), timeout=60)
    assert lxd.instance(name)["status"] == "Stopped"
    admin.StartContainer(s.StartContainerRequest(username=u), timeout=60)
    assert lxd.instance(name)["status"] == "Running"
    expect_error(admin.DeleteContainer, s.DeleteContainerRequest(username=u),
                 Code.FAILED_PRECONDITION)
    assert admin.DeleteContainer(s.DeleteContainerRequest(username=u, force=True),
                                 timeout=60).container_name == name
    assert lxd.instance(name) is None


def test_errors_over_admin_socket(lxd_daemon, make_username):
    admin = lxd_daemon.client(admin=True)
    expect_error(admin.GetContainer, pb.service.GetContainerRequest(username="Bad Name"),
                 Code.INVALID_ARGUMENT, field="username")
    expect_error(admin.GetContainer,
                 pb.service.GetContainerRequest(username=make_username("ghost")),
                 Code.NOT_FOUND)
