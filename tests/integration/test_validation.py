"""Every bad field is INVALID_ARGUMENT with details naming the field, before anything
reaches Incus (the fake Incus's request log shows no change was attempted); oversized
messages are refused. Runs against the fake Incus: no LXD needed."""

import grpc
import pytest

from ctrtest import call_failed, create_request, expect_error, pb, rpc_code

Code = grpc.StatusCode


@pytest.fixture
def fake_daemon(daemon, fake_incus, request):
    fake = fake_incus()
    d = daemon(incus_socket=fake.socket_path)
    fake.reset_requests()
    yield d, fake
    if call_failed(request):
        return  # the test has said what went wrong; this check would only repeat it
    mutations = [r for r in fake.requests() if r["method"] in ("POST", "PUT", "PATCH",
                                                               "DELETE")]
    assert mutations == [], "invalid requests reached Incus: %s" % [
        (r["method"], r["path"]) for r in mutations]


BAD_USERNAMES = ["", "Alice", "1alice", "-alice", "_alice", "a" * 33, "al ice", "alice;id",
                 "../etc", "alice\n", "ali.ce", "alicé", "alice/x", "$(id)",
                 "bob\x00evil"]


def short_id(value):
    text = repr(value)
    return text if len(text) <= 24 else text[:20] + "..." + str(len(text))


@pytest.mark.parametrize("username", BAD_USERNAMES, ids=short_id)
def test_bad_username_in_every_rpc(fake_daemon, username, keys):
    d, _ = fake_daemon
    s = pb.service
    calls = [
        (d.stub.CreateContainer, create_request(username, [keys.a.pub])),
        (d.stub.GetContainer, s.GetContainerRequest(username=username)),
        (d.stub.DeleteContainer, s.DeleteContainerRequest(username=username, force=True)),
        (d.stub.StartContainer, s.StartContainerRequest(username=username)),
        (d.stub.StopContainer, s.StopContainerRequest(username=username, force=True)),
        (d.stub.AddSSHKey, s.AddSSHKeyRequest(username=username, ssh_public_key=keys.a.pub)),
        (d.stub.RemoveSSHKey, s.RemoveSSHKeyRequest(username=username,
                                                    ssh_public_key=keys.a.pub)),
    ]
    if username:  # an empty username means "all" in these two
        calls += [(d.stub.ListContainers, s.ListContainersRequest(username=username)),
                  (d.stub.GetMetrics, s.GetMetricsRequest(username=username))]
    for call, req in calls:
        expect_error(call, req, Code.INVALID_ARGUMENT, field="username")


def test_longest_valid_username_accepted(fake_daemon):
    d, fake = fake_daemon
    u = "a" + "b1_-" * 7 + "xyz"
    assert len(u) == 32
    code, reply = rpc_code(d.stub.GetContainer, pb.service.GetContainerRequest(username=u))
    assert code == Code.NOT_FOUND, (code, reply)


@pytest.mark.parametrize("field,value", [
    ("cpu", "abc"), ("cpu", "-1"), ("cpu", "0"), ("cpu", "1; rm -rf /"), ("cpu", "1\n"),
    ("cpu", "1\x002"), ("memory", "256MiB\x00x"),
    ("memory", "lots"), ("memory", "-1GB"), ("memory", "12QB"), ("memory", "1.5.5GB"),
    ("memory", "GB"), ("memory", "256MiB; reboot"),
    ("disk", "huge"), ("disk", "-5GB"), ("disk", "10XB"), ("disk", "1 0GB"),
])
def test_bad_resources(fake_daemon, field, value):
    d, _ = fake_daemon
    expect_error(d.stub.CreateContainer, create_request("val", **{field: value}),
                 Code.INVALID_ARGUMENT, field="resources." + field)


@pytest.mark.parametrize("image", ["bad image", "img;rm -rf /", "img\n", "$(reboot)",
                                   "x" * 300, "img`id`", "ctr-tiny\x00x"], ids=short_id)
def test_bad_image(fake_daemon, image):
    d, _ = fake_daemon
    expect_error(d.stub.CreateContainer, create_request("val", image=image),
                 Code.INVALID_ARGUMENT, field="image")


BAD_KEYS = {
    "not-a-key": lambda k: "not a key",
    "type-only": lambda k: "ssh-ed25519",
    "not-base64": lambda k: "ssh-ed25519 !!!notbase64!!!",
    "truncated-blob": lambda k: "ssh-ed25519 " + k.a.blob[:-8],
    "unknown-type": lambda k: "ssh-foo " + k.a.blob,
    "two-lines": lambda k: k.a.pub + "\n" + k.b.pub,
    "nul-byte": lambda k: k.a.pub + "\x00",
    "empty": lambda k: "",
}


@pytest.mark.parametrize("kind", sorted(BAD_KEYS))
def test_bad_ssh_keys_in_create(fake_daemon, keys, kind):
    d, _ = fake_daemon
    bad = BAD_KEYS[kind](keys)
    expect_error(d.stub.CreateContainer, create_request("val", [bad]),
                 Code.INVALID_ARGUMENT, field="ssh_keys[0]")
    expect_error(d.stub.CreateContainer, create_request("val", [keys.a.pub, bad]),
                 Code.INVALID_ARGUMENT, field="ssh_keys[1]")


@pytest.mark.parametrize("kind", sorted(BAD_KEYS))
def test_bad_ssh_key_in_add_and_remove(fake_daemon, keys, kind):
    d, _ = fake_daemon
    s = pb.service
    bad = BAD_KEYS[kind](keys)
    expect_error(d.stub.AddSSHKey, s.AddSSHKeyRequest(username="bob", ssh_public_key=bad),
                 Code.INVALID_ARGUMENT, field="ssh_public_key")
    expect_error(d.stub.RemoveSSHKey, s.RemoveSSHKeyRequest(username="bob", ssh_public_key=bad),
                 Code.INVALID_ARGUMENT, field="ssh_public_key")


def test_key_type_must_match_its_blob(fake_daemon, keys):
    """An OpenSSH public key carries its type inside the base64 blob too; "ssh-rsa" in
    front of an ed25519 blob is not a valid key."""
    d, _ = fake_daemon
    expect_error(d.stub.AddSSHKey, pb.service.AddSSHKeyRequest(
        username="bob", ssh_public_key="ssh-rsa " + keys.a.blob + " x"),
        Code.INVALID_ARGUMENT, field="ssh_public_key")


@pytest.mark.parametrize("labels", [
    {"": "v"}, {"bad key": "v"}, {"k=v": "v"}, {"k\n": "v"}, {"k": "line\nbreak"},
    {"k" * 300: "v"}, {"k": "v" * 70000}, {"Ünïcode": "v"}, {"k\x00x": "v"},
    {"k": "v\x00x"},
], ids=short_id)
def test_bad_labels(fake_daemon, labels):
    d, _ = fake_daemon
    expect_error(d.stub.CreateContainer, create_request("val", labels=labels),
                 Code.INVALID_ARGUMENT, field="labels")


def test_bad_label_filter(fake_daemon):
    d, _ = fake_daemon
    e = expect_error(d.stub.ListContainers,
                     pb.service.ListContainersRequest(label_filter={"bad key": "v"}),
                     Code.INVALID_ARGUMENT)
    assert "label" in e.details(), e.details()


def test_unknown_state_filter(fake_daemon):
    d, _ = fake_daemon
    expect_error(d.stub.ListContainers, pb.service.ListContainersRequest(state=99),
                 Code.INVALID_ARGUMENT, field="state")


def test_oversized_message_refused(fake_daemon, keys):
    d, _ = fake_daemon
    huge = "ssh-ed25519 " + "A" * (5 * 1024 * 1024)
    code, err = rpc_code(d.stub.CreateContainer, create_request("val", [huge]))
    assert code in (Code.RESOURCE_EXHAUSTED, Code.INVALID_ARGUMENT), (code, err)
    d.assert_alive()


def test_too_long_key_refused(fake_daemon, keys):
    d, _ = fake_daemon
    long_key = keys.a.with_comment("c" * 100000)
    code, err = rpc_code(d.stub.AddSSHKey, pb.service.AddSSHKeyRequest(
        username="bob", ssh_public_key=long_key))
    assert code in (Code.INVALID_ARGUMENT, Code.RESOURCE_EXHAUSTED), (code, err)
    if code == Code.INVALID_ARGUMENT:
        assert "ssh_public_key" in err.details()


def test_too_many_keys_refused(fake_daemon, keys):
    d, _ = fake_daemon
    code, err = rpc_code(d.stub.CreateContainer,
                         create_request("val", [keys.a.pub] * 5000))
    assert code in (Code.INVALID_ARGUMENT, Code.RESOURCE_EXHAUSTED), (code, err)
    if code == Code.INVALID_ARGUMENT:
        assert "ssh_keys" in err.details()


def test_still_serving_after_bad_requests(fake_daemon):
    d, _ = fake_daemon
    for _ in range(3):
        expect_error(d.stub.GetContainer, pb.service.GetContainerRequest(username="BAD"),
                     Code.INVALID_ARGUMENT, field="username")
    info = d.stub.GetSystemInfo(pb.service.GetSystemInfoRequest(), timeout=10).info
    assert info.incus_version == "6.0.0"
