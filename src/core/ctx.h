/* Internal view of the context: error reporting, allocation, limits.
 * Every module reports failures through am_fail(), which formats the
 * message into the context and returns the status, so a failing path
 * reads `return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: ...", path);`. */
#ifndef AMSEL_CORE_CTX_H
#define AMSEL_CORE_CTX_H

#include "amsel/status.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct amsel_ctx {
    amsel_alloc_fn alloc;
    void *alloc_user;
    amsel_limits limits;
    int backend;          /* AM_BACKEND_*: which backends claim nodes at load */
    int threads;          /* amsel_ctx_set_threads: 0 = all online cores */
    struct am_pool *pool; /* created on first need (am_ctx_pool), NULL for 1 thread */
    char msg[512];
};

/* amsel_ctx_set_backend's choices (auto is the zeroed default). */
enum {
    AM_BACKEND_AUTO = 0,
    AM_BACKEND_REF = 1,
    AM_BACKEND_FAST = 2,
    AM_BACKEND_ONEDNN = 3,
    AM_BACKEND_XNNPACK = 4
};

/* The number of threads models of ctx run on (threads resolved). */
int am_ctx_threads(const amsel_ctx *ctx);
/* The context's pool, created on first use (NULL: run on one thread,
 * also when threads cannot be started). Not thread-safe: called where
 * the context is used, at model load. */
struct am_pool *am_ctx_pool(amsel_ctx *ctx);

/* Formats the message, keeps it in ctx (if ctx is not NULL), returns s. */
amsel_status am_fail(amsel_ctx *ctx, amsel_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Allocation through the context's hook. am_malloc/am_calloc report
 * AMSEL_ERR_NOMEM into ctx themselves when they return NULL. */
void *am_malloc(amsel_ctx *ctx, size_t size);
void *am_calloc(amsel_ctx *ctx, size_t n, size_t size);
void am_free(amsel_ctx *ctx, void *p);

/* Overflow-checked size arithmetic: return 0 on overflow, 1 otherwise. */
static inline int am_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
static inline int am_add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* Reads a whole file into memory from the context's allocator, refusing
 * files over max_bytes. On success *data must be freed with am_free. */
amsel_status am_read_file(amsel_ctx *ctx, const char *path, size_t max_bytes,
                          uint8_t **data, size_t *size);

/* Monotonic clock in milliseconds, for timings. */
double am_now_ms(void);

#endif
