/* Context: per-handle error message, allocator hook and limits. */
#include "core/ctx.h"
#include "backend/fast/fast_kernels.h"
#include "backend/onednn/onednn_backend.h"
#include "backend/xnnpack/xnnpack_backend.h"
#include "core/pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *default_alloc(void *user, void *ptr, size_t size)
{
    (void)user;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

static const amsel_limits default_limits = {
    .max_image_pixels = (size_t)8000 * 8000,
    .max_file_bytes = (size_t)256 << 20,
    .max_model_bytes = (size_t)512 << 20,
};

const char *amsel_status_str(amsel_status s)
{
    switch (s) {
    case AMSEL_OK: return "ok";
    case AMSEL_ERR_INVALID_ARG: return "invalid argument";
    case AMSEL_ERR_IO: return "I/O error";
    case AMSEL_ERR_FORMAT: return "format error";
    case AMSEL_ERR_UNSUPPORTED: return "unsupported";
    case AMSEL_ERR_NOMEM: return "out of memory";
    case AMSEL_ERR_LIMIT: return "limit exceeded";
    }
    return "unknown status";
}

amsel_status amsel_ctx_create_with_alloc(amsel_alloc_fn fn, void *user,
                                         amsel_ctx **out)
{
    if (!out)
        return AMSEL_ERR_INVALID_ARG;
    *out = NULL;
    if (!fn)
        fn = default_alloc;
    amsel_ctx *ctx = fn(user, NULL, sizeof *ctx);
    if (!ctx)
        return AMSEL_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = fn;
    ctx->alloc_user = user;
    ctx->limits = default_limits;
    *out = ctx;
    return AMSEL_OK;
}

amsel_status amsel_ctx_create(amsel_ctx **out)
{
    return amsel_ctx_create_with_alloc(NULL, NULL, out);
}

void amsel_ctx_destroy(amsel_ctx *ctx)
{
    if (ctx) {
        am_pool_destroy(ctx, ctx->pool);
        ctx->alloc(ctx->alloc_user, ctx, 0);
    }
}

enum { MAX_THREADS = 256 };

int am_ctx_threads(const amsel_ctx *ctx)
{
    if (ctx->threads > 0)
        return ctx->threads;
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

struct am_pool *am_ctx_pool(amsel_ctx *ctx)
{
    const int n = am_ctx_threads(ctx);
    if (ctx->pool && am_pool_threads(ctx->pool) == n)
        return ctx->pool;
    am_pool_destroy(ctx, ctx->pool);
    ctx->pool = n > 1 ? am_pool_create(ctx, n) : NULL;
    return ctx->pool;
}

amsel_status amsel_ctx_set_threads(amsel_ctx *ctx, int n)
{
    if (!ctx)
        return AMSEL_ERR_INVALID_ARG;
    if (n < 0 || n > MAX_THREADS)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                       "threads: expected 0 (all cores) to %d, got %d", MAX_THREADS, n);
    ctx->threads = n;
    if (n > 1 && !am_ctx_pool(ctx))
        return am_fail(ctx, AMSEL_ERR_NOMEM, "cannot start %d threads", n);
    if (n == 1)
        am_ctx_pool(ctx); /* stops the workers */
    return AMSEL_OK;
}

int amsel_ctx_get_threads(const amsel_ctx *ctx)
{
    return ctx ? am_ctx_threads(ctx) : 1;
}

void amsel_ctx_set_limits(amsel_ctx *ctx, const amsel_limits *l)
{
    if (!ctx || !l)
        return;
    ctx->limits.max_image_pixels =
        l->max_image_pixels ? l->max_image_pixels : default_limits.max_image_pixels;
    ctx->limits.max_file_bytes =
        l->max_file_bytes ? l->max_file_bytes : default_limits.max_file_bytes;
    ctx->limits.max_model_bytes =
        l->max_model_bytes ? l->max_model_bytes : default_limits.max_model_bytes;
}

/* The backends by name; available() says whether this build and CPU
 * have it (the reference backend always). */
static const struct {
    const char *name;
    int id;
    int (*available)(void);
    const char *missing;
} backend_names[] = {
    {"auto", AM_BACKEND_AUTO, NULL, NULL},
    {"ref", AM_BACKEND_REF, NULL, NULL},
    {"reference", AM_BACKEND_REF, NULL, NULL},
    {"fast", AM_BACKEND_FAST, am_fast_cpu_supported, "this CPU lacks AVX-512 VNNI"},
    {"onednn", AM_BACKEND_ONEDNN, am_onednn_available,
     "amsel was built without oneDNN (libdnnl-dev), or this CPU lacks AVX-512 VNNI"},
    {"xnnpack", AM_BACKEND_XNNPACK, am_xnnpack_available,
     "amsel was built without XNNPACK (libxnnpack-dev), or it cannot start on this CPU"},
};
#define NBACKEND_NAMES (sizeof backend_names / sizeof backend_names[0])

int amsel_backend_available(const char *name)
{
    for (size_t i = 0; name && i < NBACKEND_NAMES; i++)
        if (!strcmp(name, backend_names[i].name))
            return !backend_names[i].available || backend_names[i].available();
    return 0;
}

amsel_status amsel_ctx_set_backend(amsel_ctx *ctx, const char *name)
{
    if (!ctx || !name)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_ctx_set_backend: NULL argument");
    for (size_t i = 0; i < NBACKEND_NAMES; i++) {
        if (strcmp(name, backend_names[i].name))
            continue;
        if (backend_names[i].available && !backend_names[i].available())
            return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "backend '%s': %s", name,
                           backend_names[i].missing);
        ctx->backend = backend_names[i].id;
        return AMSEL_OK;
    }
    return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                   "unknown backend '%s' (expected auto, fast, onednn, xnnpack or ref)", name);
}

const char *amsel_ctx_get_backend(const amsel_ctx *ctx)
{
    if (!ctx)
        return "auto";
    for (size_t i = 1; i < NBACKEND_NAMES; i++)
        if (backend_names[i].id == ctx->backend)
            return backend_names[i].name;
    return "auto";
}

void amsel_ctx_get_limits(const amsel_ctx *ctx, amsel_limits *l)
{
    if (l)
        *l = ctx ? ctx->limits : default_limits;
}

const char *amsel_last_error(const amsel_ctx *ctx)
{
    return ctx ? ctx->msg : "no context";
}

amsel_status am_fail(amsel_ctx *ctx, amsel_status s, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
        va_end(ap);
    }
    return s;
}

void *am_malloc(amsel_ctx *ctx, size_t size)
{
    void *p = ctx->alloc(ctx->alloc_user, NULL, size ? size : 1);
    if (!p)
        am_fail(ctx, AMSEL_ERR_NOMEM, "out of memory (%zu bytes)", size);
    return p;
}

void *am_calloc(amsel_ctx *ctx, size_t n, size_t size)
{
    size_t total;
    if (!am_mul_size(n, size, &total)) {
        am_fail(ctx, AMSEL_ERR_NOMEM, "out of memory (%zu x %zu bytes)", n, size);
        return NULL;
    }
    void *p = am_malloc(ctx, total);
    if (p)
        memset(p, 0, total ? total : 1);
    return p;
}

void am_free(amsel_ctx *ctx, void *p)
{
    if (p)
        ctx->alloc(ctx->alloc_user, p, 0);
}

amsel_status am_read_file(amsel_ctx *ctx, const char *path, size_t max_bytes,
                          uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return am_fail(ctx, AMSEL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    amsel_status st = AMSEL_OK;
    uint8_t *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        st = am_fail(ctx, AMSEL_ERR_IO, "%s: cannot read (not a regular file?)", path);
        goto done;
    }
    if ((unsigned long)len > max_bytes) {
        st = am_fail(ctx, AMSEL_ERR_LIMIT, "%s: file is %ld bytes, over the limit of %zu",
                     path, len, max_bytes);
        goto done;
    }
    buf = am_malloc(ctx, (size_t)len + 1);
    if (!buf) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    if (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        st = am_fail(ctx, AMSEL_ERR_IO, "%s: read failed", path);
        goto done;
    }
    buf[len] = 0; /* text readers may rely on a terminator */
    *data = buf;
    *size = (size_t)len;
    buf = NULL;
done:
    am_free(ctx, buf);
    fclose(f);
    return st;
}

double am_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
