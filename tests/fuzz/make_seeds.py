#!/usr/bin/python3
"""Writes the seed corpora of tests/fuzz/corpus/ (checked in; run again only
when a message changes): encoded IPC packets and requests made with the
protobuf stubs of proto/, the Incus fixtures of tests/unit/fixtures/incus,
and config files. Usage: /usr/bin/python3 tests/fuzz/make_seeds.py"""

import glob
import hashlib
import importlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
       " alice@laptop")
# Method numbers (src/common/methods.h) and IPC types (src/common/ipc.h).
METHODS = ["CreateContainer", "ListContainers", "GetContainer", "DeleteContainer",
           "StartContainer", "StopContainer", "AddSSHKey", "RemoveSSHKey", "GetMetrics",
           "GetSystemInfo", "Login", "ValidateToken"]
IPC_REPLY, IPC_LOG, IPC_READY, IPC_PING, IPC_PONG = 64, 65, 66, 67, 68


def stubs():
    out = tempfile.mkdtemp(prefix="fuzz-seeds-")
    protos = (glob.glob(os.path.join(REPO, "proto/containarium/v1/*.proto")) +
              glob.glob(os.path.join(REPO, "proto/containarium/ipc/ipc.proto")))
    subprocess.run(["protoc", "--python_out=" + out, "-I" + os.path.join(REPO, "proto")] +
                   protos, check=True)
    sys.path.insert(0, out)
    s = importlib.import_module("containarium.v1.service_pb2")
    s.ResourceLimits = importlib.import_module("containarium.v1.container_pb2").ResourceLimits
    return s, importlib.import_module("containarium.ipc.ipc_pb2"), out


def write(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def requests(s):
    return [
        (1, s.CreateContainerRequest(username="alice", ssh_keys=[KEY], image="ctr-tiny",
                                     labels={"team": "dev"},
                                     resources=s.ResourceLimits(cpu="2", memory="1GiB",
                                                                disk="10GB"))),
        (2, s.ListContainersRequest(username="alice", label_filter={"team": "dev"})),
        (3, s.GetContainerRequest(username="alice")),
        (4, s.DeleteContainerRequest(username="bob_1", force=True)),
        (5, s.StartContainerRequest(username="alice")),
        (6, s.StopContainerRequest(username="alice", force=False, timeout=30)),
        (7, s.AddSSHKeyRequest(username="alice", ssh_public_key=KEY)),
        (8, s.RemoveSSHKeyRequest(username="alice", ssh_public_key=KEY)),
        (9, s.GetMetricsRequest(username="")),
        (10, s.GetSystemInfoRequest()),
        (11, s.LoginRequest(username="alice", password="correct horse")),
        (12, s.ValidateTokenRequest(token="eyJhbGciOiJIUzI1NiJ9.e30.sig")),
    ]


def packet(ptype, rid, payload):
    return struct.pack("<HHII", ptype, 0, rid, len(payload)) + payload


def main():
    s, ipc, tmp = stubs()
    for target in ("fuzz_ipc", "fuzz_validate", "fuzz_incus_decode", "fuzz_config"):
        shutil.rmtree(os.path.join(CORPUS, target), ignore_errors=True)
    caller = ipc.Caller(transport=ipc.Caller.TCP, peer="ipv4:127.0.0.1:41234",
                        bearer_token="tok", uid=-1, gid=-1, pid=-1)
    for method, req in requests(s):
        body = req.SerializeToString()
        write("fuzz_ipc", packet(method, method, ipc.Request(caller=caller, body=body)
                                 .SerializeToString()))
        write("fuzz_validate", bytes([method - 1]) + body)
    write("fuzz_ipc", packet(IPC_REPLY, 7, ipc.Reply(status=5, message="not found")
                             .SerializeToString()))
    write("fuzz_ipc", packet(IPC_REPLY, 8, ipc.Reply(status=0, body=s.GetContainerResponse()
                                                     .SerializeToString()).SerializeToString()))
    write("fuzz_ipc", packet(IPC_LOG, 0, ipc.LogLine(priority=6, message="hello")
                             .SerializeToString()))
    write("fuzz_ipc", packet(IPC_READY, 0, ipc.Ready(pid=1234).SerializeToString()))
    write("fuzz_ipc", packet(IPC_PING, 0, ipc.Ping(sequence=3).SerializeToString()))
    write("fuzz_ipc", packet(IPC_PONG, 0, ipc.Pong(sequence=3, connections=2)
                             .SerializeToString()))
    for text in ["alice", "a" * 33, "1GiB", "500MB", "18446744073709551615", "2", "ctr-tiny",
                 "images:debian/12", "team", "x" * 256, KEY, KEY.replace("ed25519", "rsa"),
                 "ssh-ed25519 AAAA", "caf\xc3\xa9\n"]:
        write("fuzz_validate", text.encode())
    for f in sorted(glob.glob(os.path.join(REPO, "tests/unit/fixtures/incus/*.json"))):
        with open(f, "rb") as fh:
            write("fuzz_incus_decode", fh.read())
    for text in ["2024-01-31T12:00:00.123456789Z", "0001-01-01T00:00:00Z", "10GiB", "0644",
                 "/1.0/operations/abc-123", "/1.0/instances/alice-container/logs/exec-output/x"]:
        write("fuzz_incus_decode", text.encode())
    for event in [
            '{"type":"lifecycle","timestamp":"2024-01-31T12:00:00Z","project":"containarium-test",'
            '"metadata":{"action":"instance-started","source":"/1.0/instances/alice-container",'
            '"context":{}},"location":"none"}',
            '{"type":"operation","project":"containarium-test","metadata":{"id":"abc",'
            '"class":"task","status":"Success","status_code":200,"resources":{"instances":'
            '["/1.0/instances/alice-container","/1.0/instances/bob-container?project=x"]},'
            '"err":""}}',
            '{"type":"logging","metadata":{"message":"x","level":"info"}}']:
        write("fuzz_incus_decode", event.encode())
    # The shipped file, less the public image servers' addresses (the
    # parser's [remotes] path is seeded below with a local one).
    with open(os.path.join(REPO, "conf/containarium.ini"), "rb") as fh:
        write("fuzz_config", b"".join(line for line in fh
                                      if not line.startswith((b"images =", b"ubuntu ="))))
    for text in ["[server]\nlisten = 127.0.0.1:50051\nworkers = 2\n",
                 "[server]\nworkers = 0\n", "[incus]\nsocket=/x\n[remote]\nlab = https://h:1\n",
                 "[auth]\nmethod = token\nsecret_file = /etc/x\n[tls]\nmode = mutual\n",
                 "[logging]\nlevel = debug\ntarget = stderr\n", "garbage\n[", ""]:
        write("fuzz_config", text.encode())
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
