#!/usr/bin/python3
"""A stand-in containarium daemon for the CLI tests, written with grpcio.

It is deliberately independent of the C code: its stubs come from the
.proto files through protoc and grpc_python_plugin, so the CLI's encoding,
framing and status handling are checked against grpc's own implementation.

    fake_server.py --unix PATH [--stubs DIR] [--log FILE]

listens on 127.0.0.1 at a free port and on the unix socket PATH, prints
"PORT <n>" on stdout once it serves, and appends the name of every call it
receives to FILE (one line each), so tests can tell that no call was made.

Canned answers:
  ListContainers  alice (running) and bob (stopped), filtered by the
                  request's username, state and label_filter; with the
                  filter reply=garbage an undecodable reply, with reply=huge
                  a 5 MiB one
  GetContainer    alice: her container and metrics; mallory: a container
                  whose strings hold terminal escapes; "sleepy": answers
                  after 5 s; anyone else: NOT_FOUND
  CreateContainer echoes the request back as a running container
  Delete/Start/StopContainer  a message naming the request's fields;
                  StartContainer for "sleepy" answers after 5 s
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def generate_stubs(out_dir):
    """Runs protoc on proto/containarium/v1 into out_dir."""
    protos = sorted(
        os.path.join("proto/containarium/v1", name)
        for name in os.listdir(os.path.join(ROOT, "proto/containarium/v1"))
        if name.endswith(".proto"))
    subprocess.run(
        ["protoc", "--python_out=" + out_dir, "--grpc_out=" + out_dir,
         "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin", "-Iproto"] + protos,
        cwd=ROOT, check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--unix", required=True)
    parser.add_argument("--stubs")
    parser.add_argument("--log")
    args = parser.parse_args()

    stubs = args.stubs or tempfile.mkdtemp(prefix="containarium-stubs-")
    if not args.stubs:
        generate_stubs(stubs)
    sys.path.insert(0, stubs)
    import grpc
    from containarium.v1 import container_pb2 as pb
    from containarium.v1 import service_pb2 as spb
    from containarium.v1 import service_pb2_grpc as sgrpc

    log_lock = threading.Lock()

    def log_call(name):
        if args.log:
            with log_lock, open(args.log, "a", encoding="utf-8") as f:
                f.write(name + "\n")

    def container(user, state, ip, cpu, memory, image, labels, docker):
        c = pb.Container(
            name=user + "-container", username=user, state=state,
            resources=pb.ResourceLimits(cpu=cpu, memory=memory, disk="50GB"),
            network=pb.NetworkInfo(ip_address=ip, mac_address="00:16:3e:00:00:01",
                                   interface="eth0", bridge="incusbr0"),
            created_at=1714564800, updated_at=1714568400, image=image,
            docker_enabled=docker, ssh_keys=["ssh-ed25519 AAAA " + user])
        c.labels.update(labels)
        return c

    alice = container("alice", pb.CONTAINER_STATE_RUNNING, "10.100.0.11", "4", "4GB",
                      "ubuntu:24.04", {"team": "infra", "env": "dev"}, True)
    bob = container("bob", pb.CONTAINER_STATE_STOPPED, "", "2", "512MiB",
                    "images:debian/12", {"team": "web"}, False)

    class Garbage:
        """A reply that is not a valid protobuf message (a field claims more
        bytes than follow)."""
        wire = b"\x0a\xff\xff\xff\x0f\x01"

    class Service(sgrpc.ContainerServiceServicer):
        def ListContainers(self, request, context):
            log_call("ListContainers")
            if request.label_filter.get("reply") == "garbage":
                return Garbage()
            if request.label_filter.get("reply") == "huge":
                big = container("huge", pb.CONTAINER_STATE_RUNNING, "", "1", "1GB",
                                "x" * (5 * 1024 * 1024), {}, False)
                return spb.ListContainersResponse(containers=[big], total_count=1)
            found = [c for c in (alice, bob)
                     if (not request.username or c.username == request.username)
                     and (not request.state or c.state == request.state)
                     and all(c.labels.get(k) == v for k, v in request.label_filter.items())]
            return spb.ListContainersResponse(containers=found, total_count=len(found))

        def GetContainer(self, request, context):
            log_call("GetContainer")
            if request.username == "sleepy":
                time.sleep(5)
            if request.username == "alice":
                return spb.GetContainerResponse(container=alice, metrics=pb.ContainerMetrics(
                    name="alice-container", cpu_usage_percent=12.5,
                    memory_usage_bytes=1288490188, memory_limit_bytes=4294967296,
                    disk_usage_bytes=3221225472, disk_limit_bytes=53687091200,
                    network_rx_bytes=1048576, network_tx_bytes=2048, process_count=42))
            if request.username == "mallory":
                evil = container("mallory", pb.CONTAINER_STATE_RUNNING, "10.0.0.66\x1b[2J",
                                 "1", "1GB", "ubuntu\x1b]0;pwned\x07", {"x": "\x1b[31mred"}, True)
                evil.name = "mallory\x1b[31m-container\r\n"
                return spb.GetContainerResponse(container=evil)
            context.abort(grpc.StatusCode.NOT_FOUND,
                          "container %s-container not found" % request.username)

        def CreateContainer(self, request, context):
            log_call("CreateContainer")
            c = container(request.username, pb.CONTAINER_STATE_RUNNING, "10.100.0.12",
                          request.resources.cpu, request.resources.memory,
                          request.image, dict(request.labels), request.enable_docker)
            c.resources.disk = request.resources.disk
            del c.ssh_keys[:]
            c.ssh_keys.extend(request.ssh_keys)
            return spb.CreateContainerResponse(
                container=c, message="created with %d keys" % len(request.ssh_keys),
                ssh_command="ssh %s@10.100.0.12" % request.username)

        def DeleteContainer(self, request, context):
            log_call("DeleteContainer")
            return spb.DeleteContainerResponse(
                message="deleted %s-container force=%s" % (request.username, request.force),
                container_name=request.username + "-container")

        def StartContainer(self, request, context):
            log_call("StartContainer")
            if request.username == "sleepy":
                time.sleep(5)
            c = container(request.username, pb.CONTAINER_STATE_RUNNING, "10.100.0.13",
                          "4", "4GB", "ubuntu:24.04", {}, True)
            return spb.StartContainerResponse(message="", container=c)

        def StopContainer(self, request, context):
            log_call("StopContainer")
            c = container(request.username, pb.CONTAINER_STATE_STOPPED, "",
                          "4", "4GB", "ubuntu:24.04", {}, True)
            return spb.StopContainerResponse(
                message="stopped force=%s timeout=%d" % (request.force, request.timeout),
                container=c)

    class RawListHandler(grpc.GenericRpcHandler):
        """Serves ListContainers with a bytes-level serializer, so that it
        can answer bytes that are no valid message."""
        def service(self, handler_call_details):
            if handler_call_details.method != "/containarium.v1.ContainerService/ListContainers":
                return None

            def serialize(reply):
                return reply.wire if isinstance(reply, Garbage) else reply.SerializeToString()
            return grpc.unary_unary_rpc_method_handler(
                Service().ListContainers,
                request_deserializer=spb.ListContainersRequest.FromString,
                response_serializer=serialize)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         handlers=[RawListHandler()])
    sgrpc.add_ContainerServiceServicer_to_server(Service(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.add_insecure_port("unix:" + args.unix)
    server.start()
    print("PORT %d" % port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
