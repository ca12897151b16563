/* XNNPACK's one-time initialization and the pthreadpools of the
 * xnnpack operators: one per (context, thread count), reference counted
 * by the operators using it, so that the models of one context share
 * their threads and the pool stops with its last operator. A pool shared
 * by two threads running models at the same time serializes their
 * parallel sections (pthreadpool locks each call): results do not
 * change. */
#if defined(AMSEL_HAVE_XNNPACK)
#include "backend/xnnpack/xnn_internal.h"

#include <pthread.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static enum xnn_status init_status = xnn_status_uninitialized;

static void init(void) { init_status = xnn_initialize(NULL); }

int am_xnn_init(void)
{
    pthread_once(&init_once, init);
    return init_status == xnn_status_success;
}

struct am_xnn_tpool {
    const amsel_ctx *owner;
    int nthreads;
    int refs;
    pthreadpool_t handle;
    am_xnn_tpool *next;
};

static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static am_xnn_tpool *pools;

am_xnn_tpool *am_xnn_tpool_get(amsel_ctx *ctx, int nthreads, int *nomem)
{
    if (nthreads <= 1)
        return NULL;
    pthread_mutex_lock(&pools_lock);
    am_xnn_tpool *tp = pools;
    while (tp && (tp->owner != ctx || tp->nthreads != nthreads))
        tp = tp->next;
    if (tp) {
        tp->refs++;
    } else if ((tp = am_malloc(ctx, sizeof *tp)) != NULL) {
        tp->handle = pthreadpool_create((size_t)nthreads);
        if (!tp->handle) {
            am_free(ctx, tp);
            tp = NULL;
            am_fail(ctx, AMSEL_ERR_NOMEM, "xnnpack: cannot start %d threads", nthreads);
        } else {
            tp->owner = ctx;
            tp->nthreads = nthreads;
            tp->refs = 1;
            tp->next = pools;
            pools = tp;
        }
    }
    pthread_mutex_unlock(&pools_lock);
    if (!tp)
        *nomem = 1;
    return tp;
}

void am_xnn_tpool_put(amsel_ctx *ctx, am_xnn_tpool *tp)
{
    if (!tp)
        return;
    pthread_mutex_lock(&pools_lock);
    const int last = --tp->refs == 0;
    if (last) {
        am_xnn_tpool **p = &pools;
        while (*p != tp)
            p = &(*p)->next;
        *p = tp->next;
    }
    pthread_mutex_unlock(&pools_lock);
    if (last) {
        pthreadpool_destroy(tp->handle);
        am_free(ctx, tp);
    }
}

pthreadpool_t am_xnn_tpool_handle(const am_xnn_tpool *tp) { return tp ? tp->handle : NULL; }

#endif
