/*
 * worker_loop.c - the completion-queue loop; see worker_loop.h.
 *
 * The loop wakes at least every WORKER_LOOP_TICK_MS to look at the reasons
 * to stop: a signal (a flag set by the handler), the IPC channel's state
 * and the call module's health. Shutdown then goes in steps:
 *   0. a graceful stop (a signal) first stops accepting and serves on while
 *      its clients move to other workers: every connection is recycled
 *      with a graceful GOAWAY at its maximum age (worker_loop_connection_
 *      age_ms), and grpc keeps serving the calls that cross it. Calls
 *      that reach a shut-down grpc server are cancelled, so shutting down
 *      while clients still send would fail their calls. This step ends
 *      when no connection is left or the age has surely passed;
 *   1. grpc_server_shutdown_and_notify; calls grpc already took in (some
 *      still queued on cq) are forwarded;
 *   2. when the master has answered everything it holds and cq has been
 *      idle for a tick (nothing more can come in), or the drain time is
 *      over, or at once if the master is gone, stop forwarding and answer
 *      calls still waiting for the master with UNAVAILABLE;
 *   3. WORKER_LOOP_CANCEL_GRACE_MS later, cancel all calls left, which also
 *      closes idle connections;
 *   4. the shutdown tag arrives and the loop returns. If it has not arrived
 *      WORKER_LOOP_GIVE_UP_MS after step 3, the loop gives up.
 */
#include "worker_loop.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>

#include <grpc/support/time.h>

#include "common/log.h"
#include "worker_accept.h"
#include "worker_call.h"
#include "worker_ipc.h"
#include "worker_pending.h"
#include "worker_status.h"

#define WORKER_LOOP_TICK_MS 100
#define WORKER_LOOP_DRAIN_MS 5000
#define WORKER_LOOP_CANCEL_GRACE_MS 1000
#define WORKER_LOOP_GIVE_UP_MS 5000
/* A drain shorter than this shuts down at once (no step 0). */
#define WORKER_LOOP_MIGRATE_MIN_MS 1000

struct worker_loop {
	grpc_server *server;
	grpc_completion_queue *cq;
	int exit_code;
	bool stopping, migrating, idle, pending_failed, cancelled;
	gpr_timespec shutdown_at, fail_at, cancel_at, give_up_at;
};

static volatile sig_atomic_t worker_loop_signal;
static unsigned worker_loop_drain_ms = WORKER_LOOP_DRAIN_MS;
static int worker_loop_shutdown_tag;

static void worker_loop_on_signal(int sig)
{
	worker_loop_signal = sig;
}

int worker_loop_signals_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_loop_on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	return 0;
}

void worker_loop_set_drain_ms(unsigned ms)
{
	worker_loop_drain_ms = ms;
}

static gpr_timespec worker_loop_after(int ms)
{
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_millis(ms, GPR_TIMESPAN));
}

static bool worker_loop_passed(gpr_timespec t)
{
	return gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), t) >= 0;
}

int worker_loop_connection_age_ms(unsigned drain_ms)
{
	if (drain_ms < WORKER_LOOP_MIGRATE_MIN_MS)
		return INT_MAX;  /* grpc: no maximum age */
	return (int)(drain_ms / 5 * 2);
}

/* How long step 0 may last: the age, grpc's 10 % jitter and a margin,
 * within the drain time. */
static int worker_loop_migrate_ms(unsigned drain_ms)
{
	unsigned ms = (unsigned)worker_loop_connection_age_ms(drain_ms) / 5 * 6 + 500;

	return (int)(ms < drain_ms ? ms : drain_ms);
}

/* Step 1: grpc stops taking calls and sends GOAWAY on what is left. */
static void worker_loop_shutdown(struct worker_loop *l)
{
	l->migrating = false;
	grpc_server_shutdown_and_notify(l->server, l->cq, &worker_loop_shutdown_tag);
}

/* Stops taking connections; starts step 0, or step 1 when drain_ms is too
 * short for clients to move. Schedules step 2. */
static void worker_loop_stop(struct worker_loop *l, int exit_code,
    int drain_ms, const char *why)
{
	log_info("Worker stopping: %s", why);
	l->stopping = true;
	l->exit_code = exit_code;
	worker_accept_stop();
	l->fail_at = worker_loop_after(drain_ms);
	if (drain_ms >= WORKER_LOOP_MIGRATE_MIN_MS) {
		l->migrating = true;
		l->shutdown_at = worker_loop_after(worker_loop_migrate_ms((unsigned)drain_ms));
	} else
		worker_loop_shutdown(l);
}

/* Starts shutdown when one of its reasons has come up. */
static void worker_loop_check_reasons(struct worker_loop *l)
{
	enum worker_ipc_state ipc = worker_ipc_get_state();

	if (worker_loop_signal)
		worker_loop_stop(l, 0, (int)worker_loop_drain_ms, "signal received");
	else if (ipc == WORKER_IPC_CLOSED)
		worker_loop_stop(l, 0, 0, "master closed the channel");
	else if (ipc == WORKER_IPC_BROKEN)
		worker_loop_stop(l, 1, 0, "master broke the protocol");
	else if (worker_call_is_broken())
		worker_loop_stop(l, 1, 0, "cannot serve every method");
}

/* Steps 1, 2 and 3 of the shutdown, when their time has come. */
static void worker_loop_advance(struct worker_loop *l)
{
	if (l->migrating) {
		if (worker_loop_passed(l->shutdown_at) || worker_status_connections() == 0 ||
		    worker_ipc_get_state() != WORKER_IPC_OPEN)
			worker_loop_shutdown(l);
		return;
	}
	if (!l->pending_failed && (worker_loop_passed(l->fail_at) ||
	    worker_ipc_get_state() != WORKER_IPC_OPEN ||
	    (l->idle && worker_pending_count() == 0))) {
		worker_call_stop_forwarding();
		worker_call_fail_pending(GRPC_STATUS_UNAVAILABLE, "worker shutting down");
		l->pending_failed = true;
		l->cancel_at = worker_loop_after(WORKER_LOOP_CANCEL_GRACE_MS);
	}
	if (l->pending_failed && !l->cancelled && worker_loop_passed(l->cancel_at)) {
		grpc_server_cancel_all_calls(l->server);
		l->cancelled = true;
		l->give_up_at = worker_loop_after(WORKER_LOOP_GIVE_UP_MS);
	}
}

int worker_loop_run(grpc_server *server, grpc_completion_queue *cq,
    bool fail_now, bool *ret_clean)
{
	struct worker_loop l = { .server = server, .cq = cq };

	if (fail_now)
		worker_loop_stop(&l, 1, 0, "start-up failed");
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(cq,
		    worker_loop_after(WORKER_LOOP_TICK_MS), NULL);

		if (ev.type == GRPC_OP_COMPLETE && ev.tag == &worker_loop_shutdown_tag)
			break;
		if (ev.type == GRPC_OP_COMPLETE)
			worker_call_handle_event(ev.tag, ev.success != 0);
		(void)worker_status_tick();
		l.idle = l.stopping && ev.type == GRPC_QUEUE_TIMEOUT;
		if (!l.stopping)
			worker_loop_check_reasons(&l);
		if (l.stopping)
			worker_loop_advance(&l);
		if (l.cancelled && worker_loop_passed(l.give_up_at)) {
			log_error("Server shutdown did not complete, giving up");
			*ret_clean = false;
			return 1;
		}
	}
	*ret_clean = true;
	return l.exit_code;
}

void worker_loop_drain(grpc_completion_queue *cq)
{
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(cq,
		    gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);

		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			return;
		if (ev.type == GRPC_OP_COMPLETE && ev.tag != &worker_loop_shutdown_tag)
			worker_call_handle_event(ev.tag, ev.success != 0);
	}
}
