#!/usr/bin/python3
"""Create a Containarium container for a user, list the containers, print its IP.

    usage: client.py SERVER USERNAME PUBLIC_KEY_FILE

SERVER is host:port of the daemon's gRPC port (e.g. 127.0.0.1:50051) or unix:PATH of
its local admin socket. The stubs are generated from the published protos with protoc
(see README.md) and found through PYTHONPATH.
"""

import sys

import grpc

try:
    from containarium.v1 import container_pb2, service_pb2, service_pb2_grpc
except ImportError:
    sys.exit("client.py: no containarium.v1 stubs on PYTHONPATH; generate them first "
             "(see examples/python/README.md)")


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    server, username, key_file = argv[1:]
    with open(key_file) as f:
        public_key = f.read().strip()

    with grpc.insecure_channel(server) as channel:
        containers = service_pb2_grpc.ContainerServiceStub(channel)
        try:
            created = containers.CreateContainer(
                service_pb2.CreateContainerRequest(
                    username=username,
                    resources=container_pb2.ResourceLimits(cpu="1", memory="256MiB"),
                    ssh_keys=[public_key],
                    labels={"created-by": "example"}),
                timeout=300)
            listing = containers.ListContainers(service_pb2.ListContainersRequest(),
                                                timeout=30)
        except grpc.RpcError as e:
            print("error: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
            return 1

    print("created %s" % created.container.name)
    print("%d container(s):" % listing.total_count)
    for c in listing.containers:
        print("  %-32s %-26s %s" % (c.name, container_pb2.ContainerState.Name(c.state),
                                     c.network.ip_address or "-"))
    print("IP: %s" % created.container.network.ip_address)
    print("ssh: %s" % created.ssh_command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
