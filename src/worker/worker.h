/*
 * worker.h - the unprivileged gRPC worker process.
 *
 * The master starts each worker as
 *     containarium __worker --id N --max-message-bytes B --max-calls C
 *         --uid U --gid G
 * with a fixed descriptor layout:
 *     fd 3  this worker's IPC channel to the master (SOCK_SEQPACKET)
 *     fd 4  the TCP gRPC listening socket (optional: may be closed)
 *     fd 5  the admin Unix listening socket (optional: may be closed)
 * and every other descriptor above 2 closed. The worker serves gRPC on the
 * listeners, decodes and validates each request, forwards it to the master
 * over fd 3 and relays the master's reply to the client.
 */
#ifndef CONTAINARIUM_WORKER_H
#define CONTAINARIUM_WORKER_H

/*
 * Runs a worker until the master goes away or SIGTERM/SIGINT arrives.
 * argv[0] is the subcommand ("__worker"); options follow, so the caller
 * passes (argc - 1, argv + 1) of the process's own argv. Returns the
 * process exit status: 0 after a normal shutdown, 1 after a failure or a
 * protocol violation by the master, 2 for a bad command line or fd layout.
 */
int worker_main(int argc, char **argv);

#endif
