#!/usr/bin/python3
"""A stand-in containarium daemon for the CLI tests, written with grpcio.

It is deliberately independent of the C code: its stubs come from the
.proto files through protoc and grpc_python_plugin, so the CLI's encoding,
framing and status handling are checked against grpc's own implementation.

    fake_server.py --unix PATH [--stubs DIR] [--log FILE] [--meta-log FILE]
                   [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]]
                   [--name NAME]

listens on 127.0.0.1 at a free port (TLS, and mTLS with --tls-client-ca,
when given certificates) and on the unix socket PATH (always plaintext),
prints "PORT <n>" on stdout once it serves, and appends the name of every
call it receives to FILE (one line each), so tests can tell that no call
was made; --meta-log gets "METHOD AUTHORIZATION" per call ("-" for none).
ListContainers names its containers NAME-alice ... when --name is given.

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
  AddSSHKey/RemoveSSHKey  keeps a per-user key set; total_keys its size
  GetMetrics      alice and bob, or the one asked for
  GetSystemInfo   a fixed host "fake-host"
  Login           alice / s3cret: token "tok-alice"; else UNAUTHENTICATED
  UserService     an in-memory user table (when admin.proto exists)
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
    parser.add_argument("--meta-log")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--tls-client-ca")
    parser.add_argument("--name", default="")
    args = parser.parse_args()

    stubs = args.stubs or tempfile.mkdtemp(prefix="containarium-stubs-")
    if not args.stubs:
        generate_stubs(stubs)
    sys.path.insert(0, stubs)
    import grpc
    from containarium.v1 import container_pb2 as pb
    from containarium.v1 import service_pb2 as spb
    from containarium.v1 import service_pb2_grpc as sgrpc

    try:
        from containarium.v1 import admin_pb2 as apb
        from containarium.v1 import admin_pb2_grpc as agrpc
    except ImportError:
        apb = agrpc = None

    log_lock = threading.Lock()
    current = threading.local()

    def log_call(name):
        if args.log:
            with log_lock, open(args.log, "a", encoding="utf-8") as f:
                f.write(name + "\n")
        if args.meta_log:
            auth = dict(current.context.invocation_metadata()).get("authorization", "-")
            with log_lock, open(args.meta_log, "a", encoding="utf-8") as f:
                f.write("%s %s\n" % (name, auth.replace(" ", "_")))

    def container(user, state, ip, cpu, memory, image, labels, docker):
        c = pb.Container(
            name=(args.name + "-" if args.name else "") + user + "-container",
            username=user, state=state,
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

    keys = {}
    users = {}

    class Service(sgrpc.ContainerServiceServicer):
        def ListContainers(self, request, context):
            current.context = context
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
            current.context = context
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
            current.context = context
            log_call("CreateContainer")
            if request.username == "sleepy":
                time.sleep(1.2)
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
            current.context = context
            log_call("DeleteContainer")
            return spb.DeleteContainerResponse(
                message="deleted %s-container force=%s" % (request.username, request.force),
                container_name=request.username + "-container")

        def StartContainer(self, request, context):
            current.context = context
            log_call("StartContainer")
            if request.username == "sleepy":
                time.sleep(5)
            c = container(request.username, pb.CONTAINER_STATE_RUNNING, "10.100.0.13",
                          "4", "4GB", "ubuntu:24.04", {}, True)
            return spb.StartContainerResponse(message="", container=c)

        def StopContainer(self, request, context):
            current.context = context
            log_call("StopContainer")
            c = container(request.username, pb.CONTAINER_STATE_STOPPED, "",
                          "4", "4GB", "ubuntu:24.04", {}, True)
            return spb.StopContainerResponse(
                message="stopped force=%s timeout=%d" % (request.force, request.timeout),
                container=c)

        def AddSSHKey(self, request, context):
            current.context = context
            log_call("AddSSHKey")
            ks = keys.setdefault(request.username, set())
            ks.add(" ".join(request.ssh_public_key.split()[:2]))
            return spb.AddSSHKeyResponse(message="added a key to %s" % request.username,
                                         total_keys=len(ks))

        def RemoveSSHKey(self, request, context):
            current.context = context
            log_call("RemoveSSHKey")
            ks = keys.setdefault(request.username, set())
            ks.discard(" ".join(request.ssh_public_key.split()[:2]))
            return spb.RemoveSSHKeyResponse(message="removed a key from %s" % request.username,
                                            total_keys=len(ks))

        def GetMetrics(self, request, context):
            current.context = context
            log_call("GetMetrics")
            all_metrics = [
                pb.ContainerMetrics(name="alice-container", cpu_usage_percent=12.5,
                                    memory_usage_bytes=1288490188, memory_limit_bytes=4294967296,
                                    disk_usage_bytes=3221225472, network_rx_bytes=1048576,
                                    network_tx_bytes=2048, process_count=42),
                pb.ContainerMetrics(name="bob-container", cpu_usage_percent=0.0,
                                    memory_usage_bytes=0, process_count=0)]
            if request.username:
                all_metrics = [m for m in all_metrics
                               if m.name == request.username + "-container"]
                if not all_metrics:
                    context.abort(grpc.StatusCode.NOT_FOUND, "no container")
            return spb.GetMetricsResponse(metrics=all_metrics)

        def GetSystemInfo(self, request, context):
            current.context = context
            log_call("GetSystemInfo")
            return spb.GetSystemInfoResponse(info=pb.SystemInfo(
                incus_version="5.0.2", os="Debian GNU/Linux 12", kernel_version="6.1.0",
                total_cpus=2, total_memory_bytes=8 * 1024 ** 3,
                available_memory_bytes=6 * 1024 ** 3, total_disk_bytes=100 * 1024 ** 3,
                available_disk_bytes=50 * 1024 ** 3, containers_running=1,
                containers_stopped=1, containers_total=2, hostname="fake-host",
                uptime_seconds=3600))

    class Auth(sgrpc.AuthServiceServicer):
        def Login(self, request, context):
            current.context = context
            log_call("Login")
            if request.username == "alice" and request.password == "s3cret":
                return spb.LoginResponse(token="tok-alice", expires_at=1900000000)
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "bad username or password")

    if agrpc:
        class Users(agrpc.UserServiceServicer):
            def AddUser(self, request, context):
                current.context = context
                log_call("AddUser")
                if request.username in users:
                    context.abort(grpc.StatusCode.ALREADY_EXISTS, "user exists")
                u = apb.User(username=request.username, role=request.role or apb.USER_ROLE_USER,
                             has_password=bool(request.password),
                             has_api_key=request.generate_api_key)
                users[request.username] = u
                return apb.AddUserResponse(
                    user=u, api_key="key-" + request.username if request.generate_api_key else "")

            def RemoveUser(self, request, context):
                current.context = context
                log_call("RemoveUser")
                if users.pop(request.username, None) is None:
                    context.abort(grpc.StatusCode.NOT_FOUND, "no such user")
                return apb.RemoveUserResponse(message="removed user " + request.username)

            def ListUsers(self, request, context):
                current.context = context
                log_call("ListUsers")
                return apb.ListUsersResponse(users=[users[k] for k in sorted(users)])

            def SetPassword(self, request, context):
                current.context = context
                log_call("SetPassword:" + request.password)
                u = users.get(request.username)
                if u is None:
                    context.abort(grpc.StatusCode.NOT_FOUND, "no such user")
                u.has_password = u.has_password or bool(request.password)
                u.has_api_key = u.has_api_key or request.generate_api_key
                return apb.SetPasswordResponse(
                    user=u, api_key="key2-" + request.username if request.generate_api_key else "")

    class RawListHandler(grpc.GenericRpcHandler):
        """Serves ListContainers with a bytes-level serializer, so that it
        can answer bytes that are no valid message."""
        def service(self, handler_call_details):
            if handler_call_details.method != "/containarium.v1.ContainerService/ListContainers":
                return None

            def serialize(reply):
                return reply.wire if isinstance(reply, Garbage) else reply.SerializeToString()
            return grpc.unary_unary_rpc_method_handler(
                service_impl.ListContainers,
                request_deserializer=spb.ListContainersRequest.FromString,
                response_serializer=serialize)

    service_impl = Service()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         handlers=[RawListHandler()])
    sgrpc.add_ContainerServiceServicer_to_server(service_impl, server)
    sgrpc.add_AuthServiceServicer_to_server(Auth(), server)
    if agrpc:
        agrpc.add_UserServiceServicer_to_server(Users(), server)
    if args.tls_cert:
        def read(path):
            with open(path, "rb") as f:
                return f.read()
        creds = grpc.ssl_server_credentials(
            [(read(args.tls_key), read(args.tls_cert))],
            root_certificates=read(args.tls_client_ca) if args.tls_client_ca else None,
            require_client_auth=bool(args.tls_client_ca))
        port = server.add_secure_port("127.0.0.1:0", creds)
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    server.add_insecure_port("unix:" + args.unix)
    server.start()
    print("PORT %d" % port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
