/* A small thread pool: the context's worker threads, shared by all of its
 * models. am_pool_run splits one job into parts and runs them on the
 * workers and the calling thread, returning when every part is done.
 *
 * Workers spin for a short while after a job (a model runs its operators
 * back to back), then sleep on a condition variable. A job submitted while
 * another is running (two threads running models of one context) does
 * not wait: it runs all of its parts on the calling thread, so results do
 * not depend on who ran them. */
#ifndef AMSEL_CORE_POOL_H
#define AMSEL_CORE_POOL_H

#include "core/ctx.h"

typedef struct am_pool am_pool;

/* Part part (0 .. nparts-1) of a job, run by thread thread (0 .. threads
 * - 1: the caller is 0; one thread runs one part at a time, so per-thread
 * scratch can be indexed by it). A job may have more parts than threads:
 * parts are taken one by one, so a thread that is preempted (shared
 * machine) holds up little. */
typedef void (*am_task_fn)(void *arg, int part, int nparts, int thread);

/* nthreads >= 2 threads in all: nthreads - 1 workers plus the caller of
 * am_pool_run. NULL with an error in ctx on failure. */
am_pool *am_pool_create(amsel_ctx *ctx, int nthreads);
void am_pool_destroy(amsel_ctx *ctx, am_pool *p); /* NULL is harmless */

/* Threads in all (NULL: 1). */
int am_pool_threads(const am_pool *p);

/* Runs fn(arg, i, nparts, thread) for every i < nparts on threads below
 * max_threads (p may be NULL, or busy with another job: then all on this
 * thread, as thread 0). */
void am_pool_run(am_pool *p, am_task_fn fn, void *arg, int nparts, int max_threads);

#endif
