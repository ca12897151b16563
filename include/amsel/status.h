/* amsel/status.h — status codes and the per-context error state.
 *
 * Every fallible library call returns an amsel_status. On failure the
 * context that was passed in holds a human-readable message naming the
 * file, tensor or line at fault: read it with amsel_last_error(ctx). */
#ifndef AMSEL_STATUS_H
#define AMSEL_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum amsel_status {
    AMSEL_OK = 0,
    AMSEL_ERR_INVALID_ARG,  /* a caller passed a bad argument */
    AMSEL_ERR_IO,           /* a file could not be opened, read or written */
    AMSEL_ERR_FORMAT,       /* a file is malformed (model, image, text) */
    AMSEL_ERR_UNSUPPORTED,  /* well-formed but uses something we do not run */
    AMSEL_ERR_NOMEM,        /* an allocation failed */
    AMSEL_ERR_LIMIT         /* an input exceeds a configured limit */
} amsel_status;

/* Short constant description of a status ("format error", ...). */
const char *amsel_status_str(amsel_status s);

/* A context carries the error message, the allocator and the limits.
 * One context per thread (it is not locked); models and images created
 * with a context keep a pointer to it and must be destroyed first. */
typedef struct amsel_ctx amsel_ctx;

/* Allocator hook (Lua style): realloc semantics; ptr NULL = malloc,
 * size 0 = free (return NULL). */
typedef void *(*amsel_alloc_fn)(void *user, void *ptr, size_t size);

/* Limits on hostile input; 0 in a field means the default. */
typedef struct amsel_limits {
    size_t max_image_pixels;   /* default 64 Mpixel (8000x8000) */
    size_t max_file_bytes;     /* images and text files, default 256 MiB */
    size_t max_model_bytes;    /* default 512 MiB */
} amsel_limits;

amsel_status amsel_ctx_create(amsel_ctx **out);
/* Same, with an allocator hook (NULL = the C library's). */
amsel_status amsel_ctx_create_with_alloc(amsel_alloc_fn fn, void *user,
                                         amsel_ctx **out);
void amsel_ctx_destroy(amsel_ctx *ctx); /* NULL is harmless */

void amsel_ctx_set_limits(amsel_ctx *ctx, const amsel_limits *limits);
void amsel_ctx_get_limits(const amsel_ctx *ctx, amsel_limits *limits);

/* Which kernels models loaded with this context from now on use:
 *   "auto" (the default): the fastest backend built and supported for
 *          each operator (the fast AVX-512 VNNI kernels on x86, XNNPACK
 *          where those are missing, e.g. on Arm), the reference kernels
 *          for the rest;
 *   "fast", "onednn", "xnnpack": that backend for every operator it
 *          takes, the reference kernels for the rest; refused with
 *          AMSEL_ERR_UNSUPPORTED when not built or not supported here;
 *   "ref":  the plain-C reference kernels only (the specification).
 * Models already loaded keep theirs. An unknown name is
 * AMSEL_ERR_INVALID_ARG. */
amsel_status amsel_ctx_set_backend(amsel_ctx *ctx, const char *name);
/* "auto", "ref", "fast", "onednn" or "xnnpack": the current choice. */
const char *amsel_ctx_get_backend(const amsel_ctx *ctx);
/* 1 if the backend of that name is built into this library and runs on
 * this CPU ("ref" and "auto" always), else 0. */
int amsel_backend_available(const char *name);

/* Threads that models of this context run on: n >= 1, or 0 for every
 * online core (the default). The context owns one pool of n - 1 worker
 * threads, shared by all of its models; one operator is split among the
 * threads (by output rows, pixels or channels), so the outputs are
 * bit-identical for every thread count. Set it before loading models:
 * a model uses at most the thread count of the context when it was
 * loaded. Not while a model of this context is running.
 *
 * Threads and models: running two models of one context at the same time
 * from two threads (one model per thread) is allowed; while one of them
 * holds the pool the other runs on its own thread only. One model must
 * not run on two threads at once. n out of range is
 * AMSEL_ERR_INVALID_ARG; threads that cannot be started AMSEL_ERR_NOMEM. */
amsel_status amsel_ctx_set_threads(amsel_ctx *ctx, int n);
/* The resolved thread count (0 is reported as the number of cores). */
int amsel_ctx_get_threads(const amsel_ctx *ctx);

/* Message of the last failure on this context ("" if none). The pointer
 * stays valid until the next call that fails on this context. */
const char *amsel_last_error(const amsel_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
