/* Thread pool (pool.h). One job at a time: the submitter publishes the
 * job under a new generation number in `claim` (generation << 32 | (threads
 * allowed - 1) << 24 | parts << 12 | next part), workers take parts with
 * a compare-and-swap on it,
 * so the part count and the next part are read in one snapshot and a
 * worker that is late can never take a part of another job; `done`
 * counts finished parts. */
#include "core/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* Workers poll for this long after a job before sleeping: a model's split
 * operators come less than a millisecond apart, and waking a sleeping
 * thread costs tens of microseconds. */
#define SPIN_NS 2000000L

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

struct am_pool {
    int nthreads;
    pthread_t *threads;
    struct worker_arg *args;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Atomic uint64_t claim;   /* see the top of the file */
    _Atomic int done;
    _Atomic int sleepers;
    _Atomic int stop;
    atomic_flag busy;         /* a job is in flight */
    am_task_fn fn;            /* the current job, valid while a part is held */
    void *arg;
};

enum { MAX_PARTS = 0xfff };

/* Takes and runs parts of generation gen until none is left. */
static void run_parts(am_pool *p, uint32_t gen, int thread)
{
    uint64_t c = atomic_load(&p->claim);
    for (;;) {
        const int next = (int)(c & 0xfff), nparts = (int)((c >> 12) & 0xfff);
        const int allowed = (int)((c >> 24) & 0xff) + 1;
        if ((uint32_t)(c >> 32) != gen || next >= nparts || thread >= allowed)
            return;
        if (!atomic_compare_exchange_weak(&p->claim, &c, c + 1))
            continue;
        /* fn and arg stay valid: the job cannot end before this part */
        p->fn(p->arg, next, nparts, thread);
        atomic_fetch_add(&p->done, 1);
        c = atomic_load(&p->claim);
    }
}

typedef struct worker_arg {
    am_pool *pool;
    int thread;
} worker_arg;

static void *worker(void *arg)
{
    am_pool *p = ((worker_arg *)arg)->pool;
    const int thread = ((worker_arg *)arg)->thread;
    uint32_t seen = (uint32_t)(atomic_load(&p->claim) >> 32);
    for (;;) {
        uint32_t gen = seen;
        const long t0 = now_ns();
        for (int i = 0; gen == seen && !atomic_load(&p->stop); i++) {
            CPU_RELAX();
            gen = (uint32_t)(atomic_load(&p->claim) >> 32);
            if (i % 64 == 63 && now_ns() - t0 > SPIN_NS)
                break; /* (yielding here instead made a loaded machine give the
                        * worker no time at all) */
        }
        if (gen == seen) {
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1);
            while ((gen = (uint32_t)(atomic_load(&p->claim) >> 32)) == seen &&
                   !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop))
            return NULL;
        seen = gen;
        run_parts(p, gen, thread);
    }
}

am_pool *am_pool_create(amsel_ctx *ctx, int nthreads)
{
    if (nthreads < 2)
        return NULL;
    am_pool *p = am_calloc(ctx, 1, sizeof *p);
    if (!p)
        return NULL;
    p->nthreads = nthreads;
    atomic_flag_clear(&p->busy);
    p->threads = am_calloc(ctx, (size_t)nthreads - 1, sizeof *p->threads);
    p->args = am_calloc(ctx, (size_t)nthreads - 1, sizeof *p->args);
    if (!p->threads || !p->args || pthread_mutex_init(&p->mu, NULL) != 0) {
        am_free(ctx, p->args);
        am_free(ctx, p->threads);
        am_free(ctx, p);
        return NULL;
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        am_free(ctx, p->args);
        am_free(ctx, p->threads);
        am_free(ctx, p);
        return NULL;
    }
    for (; p->started < nthreads - 1; p->started++) {
        p->args[p->started] = (worker_arg){p, p->started + 1};
        if (pthread_create(&p->threads[p->started], NULL, worker, &p->args[p->started]) != 0) {
            am_pool_destroy(ctx, p);
            am_fail(ctx, AMSEL_ERR_NOMEM, "cannot start %d threads", nthreads);
            return NULL;
        }
    }
    return p;
}

void am_pool_destroy(amsel_ctx *ctx, am_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    am_free(ctx, p->args);
    am_free(ctx, p->threads);
    am_free(ctx, p);
}

int am_pool_threads(const am_pool *p) { return p ? p->nthreads : 1; }

void am_pool_run(am_pool *p, am_task_fn fn, void *arg, int nparts, int max_threads)
{
    if (!p || nparts < 2 || nparts > MAX_PARTS || atomic_flag_test_and_set(&p->busy)) {
        for (int i = 0; i < nparts; i++)
            fn(arg, i, nparts, 0);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    atomic_store(&p->done, 0);
    const uint32_t gen = (uint32_t)(atomic_load(&p->claim) >> 32) + 1;
    const int allowed = max_threads < 1 ? 1 : max_threads > 256 ? 256 : max_threads;
    atomic_store(&p->claim,
                 (uint64_t)gen << 32 | (uint64_t)(allowed - 1) << 24 | (uint64_t)nparts << 12);
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    run_parts(p, gen, 0);
    /* a worker holding a part may have been preempted (shared or loaded
     * machine): yield rather than spin for long */
    for (int i = 0; atomic_load(&p->done) < nparts; i++) {
        if (i < 2000)
            CPU_RELAX();
        else
            sched_yield();
    }
    atomic_flag_clear(&p->busy);
}
