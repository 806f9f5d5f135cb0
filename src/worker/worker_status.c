/*
 * worker_status.c - pings, pongs and the open-connection count; see
 * worker_status.h.
 *
 * grpc closes a connection's descriptor itself and tells nobody, so the
 * count is taken by looking: each accepted descriptor's socket inode is
 * recorded, and a connection is open while its descriptor still names
 * that inode. A closed-and-reused number names another inode.
 */
#include "worker_status.h"

#include <stdatomic.h>
#include <sys/stat.h>

#include "common/ipc.h"
#include "containarium/ipc/ipc.pb-c.h"
#include "worker_ipc.h"
#include "worker_peer.h"

static _Atomic ino_t worker_status_inodes[WORKER_PEER_FD_MAX];
static _Atomic uint64_t worker_status_ping_sequence;
static uint64_t worker_status_pong_sequence;

void worker_status_connection_opened(int fd)
{
	struct stat st;

	if (fd < 0 || fd >= WORKER_PEER_FD_MAX || fstat(fd, &st) < 0)
		return;
	atomic_store(&worker_status_inodes[fd], st.st_ino);
}

unsigned worker_status_connections(void)
{
	unsigned n = 0;

	for (int fd = 0; fd < WORKER_PEER_FD_MAX; fd++) {
		ino_t ino = atomic_load(&worker_status_inodes[fd]);
		struct stat st;

		if (ino == 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == ino)
			n++;
		else
			atomic_store(&worker_status_inodes[fd], 0);
	}
	return n;
}

void worker_status_ping_received(uint64_t sequence)
{
	atomic_store(&worker_status_ping_sequence, sequence);
}

int worker_status_tick(void)
{
	Containarium__Ipc__Pong pong = CONTAINARIUM__IPC__PONG__INIT;
	uint64_t sequence = atomic_load(&worker_status_ping_sequence);

	if (sequence == worker_status_pong_sequence)
		return 0;
	worker_status_pong_sequence = sequence;
	pong.sequence = sequence;
	pong.connections = worker_status_connections();
	return worker_ipc_send(IPC_TYPE_PONG, 0, &pong.base);
}
