"""What the daemon says to Incus, read from the fake Incus's request log: the configured
project on every instance call, the file-API headers of the server it found (Incus or
LXD), keys sent as file data and never as command lines, Stop's force and timeout."""

import json

import pytest

from ctrtest import PROJECT, create_request, pb


def instance_requests(fake):
    return [r for r in fake.requests() if r["path"].startswith("/1.0/instances")]


def test_every_instance_call_names_the_project(daemon, fake_incus, keys):
    fake = fake_incus()
    d = daemon(incus_socket=fake.socket_path)
    s = pb.service
    d.stub.ListContainers(s.ListContainersRequest(), timeout=30)
    d.stub.GetContainer(s.GetContainerRequest(username="bob"), timeout=30)
    d.stub.CreateContainer(create_request("proj", [keys.a.pub]), timeout=60)
    reqs = instance_requests(fake)
    assert reqs
    wrong = [(r["method"], r["path"], r["query"]) for r in reqs
             if r["query"].get("project") != PROJECT]
    assert wrong == [], wrong


@pytest.mark.parametrize("server,prefix,other", [("incus", "x-incus-", "x-lxd-"),
                                                 ("lxd", "x-lxd-", "x-incus-")])
def test_file_headers_match_the_server(daemon, fake_incus, keys, server, prefix, other):
    fake = fake_incus(server=server)
    d = daemon(incus_socket=fake.socket_path)
    d.stub.CreateContainer(create_request("hdr", [keys.a.pub]), timeout=60)
    pushes = [r for r in fake.requests()
              if r["method"] == "POST" and r["path"].endswith("/files")]
    assert pushes, "no file pushed through the file API"
    for r in pushes:
        names = {k.lower() for k in r["headers"]}
        assert any(n.startswith(prefix) for n in names), (r["query"], r["headers"])
        assert not any(n.startswith(other) for n in names), (r["query"], r["headers"])
    key_push = [r for r in pushes
                if r["query"].get("path") == "/home/hdr/.ssh/authorized_keys"]
    assert key_push, [r["query"] for r in pushes]
    h = {k.lower(): v for k, v in key_push[-1]["headers"].items()}
    assert int(h[prefix + "mode"], 8) == 0o600
    assert h[prefix + "uid"] == "1000"       # the uid useradd gave hdr in the fake


def test_keys_travel_as_file_data_never_as_commands(daemon, fake_incus, keys):
    fake = fake_incus()
    d = daemon(incus_socket=fake.socket_path)
    evil = keys.a.with_comment("'; touch /tmp/pwned #")
    evil2 = keys.b.with_comment("$(touch /tmp/pwned2) `id`")
    d.stub.CreateContainer(create_request("data", [evil]), timeout=60)
    d.stub.AddSSHKey(pb.service.AddSSHKeyRequest(username="data", ssh_public_key=evil2),
                     timeout=60)
    reqs = fake.requests()
    for r in reqs:
        if r["path"].endswith("/exec"):
            text = json.dumps(r.get("body"))
            for blob in (keys.a.blob, keys.b.blob, "pwned"):
                assert blob not in text, "key material in an exec command: %s" % text
    files = fake.state()["instances"]["data-container"]["files"]
    content = files["/home/data/.ssh/authorized_keys"]["content"]
    assert [line for line in content.split("\n") if line] == [evil, evil2]


def test_stop_passes_force_and_timeout(daemon, fake_incus):
    fake = fake_incus()
    d = daemon(incus_socket=fake.socket_path)
    s = pb.service
    d.stub.StopContainer(s.StopContainerRequest(username="bob", timeout=7), timeout=30)
    d.stub.StartContainer(s.StartContainerRequest(username="bob"), timeout=30)
    d.stub.StopContainer(s.StopContainerRequest(username="bob", force=True), timeout=30)
    bodies = [r["body"] for r in fake.requests()
              if r["method"] == "PUT" and r["path"] == "/1.0/instances/bob-container/state"]
    stops = [b for b in bodies if b.get("action") == "stop"]
    assert len(stops) == 2, bodies
    assert stops[0].get("timeout") == 7 and not stops[0].get("force"), stops[0]
    assert stops[1].get("force") is True, stops[1]


def test_create_request_carries_limits_labels_docker_and_disk(daemon, fake_incus, keys):
    fake = fake_incus()
    d = daemon(incus_socket=fake.socket_path)
    d.stub.CreateContainer(create_request("full", [keys.a.pub], cpu="2", memory="1GiB",
                                          disk="5GiB", labels={"team": "x"}, docker=True,
                                          image="ctr-debian"), timeout=60)
    creates = [r["body"] for r in fake.requests()
               if r["method"] == "POST" and r["path"] == "/1.0/instances"]
    assert len(creates) == 1
    body = creates[0]
    assert body["name"] == "full-container"
    assert body["source"].get("alias") == "ctr-debian" or \
        body["source"].get("fingerprint") == "b" * 64, body["source"]
    inst = fake.state()["instances"]["full-container"]
    config = inst["config"]
    assert config["limits.cpu"] == "2"
    assert config["user.containarium.label.team"] == "x"
    assert config["security.nesting"] == "true"
    assert inst["status"] == "Running"
    assert inst["expanded_devices"]["root"].get("size") in ("5GiB", str(5 * 1024 ** 3))
