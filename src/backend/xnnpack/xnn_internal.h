/* What the xnnpack backend's files share (built with AMSEL_HAVE_XNNPACK
 * only): the operator, the scratch and the thread pools. */
#ifndef AMSEL_BACKEND_XNNPACK_XNN_INTERNAL_H
#define AMSEL_BACKEND_XNNPACK_XNN_INTERNAL_H

#include "backend/reference/ref_internal.h"
#include "backend/xnnpack/xnn_ops.h"

#include <pthreadpool.h>
#include <xnnpack.h>

struct am_xnn_scratch {
    float *in, *sums;
    size_t in_floats, out_floats;
};

typedef struct am_xnn_tpool am_xnn_tpool;

/* amsel's half of a convolution: bias and TFLite's requantization of
 * XNNPACK's float sums ([pixels][oc], exact integers), per output
 * channel in arrays (xnn_requant.c). */
enum { AM_XNN_RQ_ARRAYS = 6 };
typedef struct am_xnn_requant {
    am_qtype type;
    int oc;
    /* [AM_XNN_RQ_ARRAYS][oc]: bias (0 where the model has none),
     * multiplier, left shift, right shift, 2^right - 1, its half */
    int32_t *c;
    int32_t zp, lo, hi;
} am_xnn_requant;

struct am_xnn_op {
    xnn_operator_t to_float; /* input -> floats x - zero point */
    xnn_operator_t conv;     /* float convolution, set up at create on the scratch */
    am_shape in, out;
    am_xnn_scratch *s;
    am_xnn_tpool *tpool;     /* NULL: the calling thread only */
    const void *set_in;      /* the input to_float is set up for */
    am_xnn_requant rq;
};

/* uint32 -> int32 modulo 2^32, branch-free and well-defined C */
static inline int32_t am_xnn_s32(uint32_t u)
{
    return (int32_t)(u & 0x7fffffffu) + (-(int32_t)(u >> 31) & INT32_MIN);
}

/* floor(x / 2^e) on the complement for negative x (well-defined C) */
static inline int32_t am_xnn_asr32(int32_t x, int32_t e)
{
    const int32_t neg = -(int32_t)(x < 0);
    return neg ^ ((neg ^ x) >> e);
}

/* TFLite's MultiplyByQuantizedMultiplier with one multiplier's constants
 * worked out once (the reference's am_rq, passed as separate values so
 * that per-channel arrays vectorize), in closed form for the compiler's
 * vectorizer (no branches, 32-bit lanes but for the product):
 * SaturatingRoundingDoublingHighMul(x, m) = floor((x m + 2^30) / 2^31)
 * (ties up; it saturates only for x = m = INT32_MIN, and m >= 0 here), the
 * rounding right shift is gemmlowp's with masks. Shifts as graph_build.c
 * allows them: left 0..30, right 0..31. TFLite wraps x << left in int32;
 * the high multiply's low 32 bits are the same for a logical shift (AVX2
 * has no 64-bit arithmetic one). */
static inline int32_t am_xnn_qmul_apply(int32_t x, int32_t mult, int32_t left, int32_t right,
                                        int32_t mask, int32_t half)
{
    const int32_t xs = am_xnn_s32((uint32_t)x << left);
    const int64_t ab = (int64_t)xs * mult + (INT64_C(1) << 30);
    const int32_t dh = am_xnn_s32((uint32_t)((uint64_t)ab >> 31));
    return am_xnn_asr32(dh, right) + ((dh & mask) > half + (dh < 0));
}

/* x86: AVX2 copies of the vectorized loops are picked at run time (a
 * test, not an ifunc: ifunc resolvers run before the sanitizers'
 * runtimes start). */
#if defined(__x86_64__) && defined(__GNUC__)
#define AM_XNN_AVX2 __attribute__((target("avx2")))
static inline int am_xnn_avx2(void) { return __builtin_cpu_supports("avx2"); }
#else
static inline int am_xnn_avx2(void) { return 0; }
#endif

/* fn(arg, first, count) over pixels pixels of per_pixel values each, on
 * the pool's threads in tiles of about 4096 values (NULL pool: this
 * thread). */
static inline void am_xnn_for_pixels(pthreadpool_t tp, pthreadpool_task_1d_tile_1d_t fn,
                                     void *arg, size_t pixels, size_t per_pixel)
{
    const size_t tile = per_pixel >= 4096 ? 1 : 4096 / per_pixel;
    pthreadpool_parallelize_1d_tile_1d(tp, fn, arg, pixels, tile, 0);
}

/* A pthreadpool of nthreads threads shared by the operators of ctx with
 * that count (reference counted; NULL handle for 1 thread). */
am_xnn_tpool *am_xnn_tpool_get(amsel_ctx *ctx, int nthreads, int *nomem);
void am_xnn_tpool_put(amsel_ctx *ctx, am_xnn_tpool *tp); /* NULL is harmless */
pthreadpool_t am_xnn_tpool_handle(const am_xnn_tpool *tp);

/* The result of an xnn_create_*: 1 created, 0 declined, and *nomem set
 * (message in ctx) for out_of_memory. */
int am_xnn_created(amsel_ctx *ctx, enum xnn_status s, int *nomem);

/* The constants of p's output channels and bias (NULL: none); 0 when
 * out of memory (message in ctx). */
int am_xnn_requant_make(amsel_ctx *ctx, const am_conv_params *p, const int32_t *bias, int oc,
                        am_xnn_requant *q);
/* Bias, requantization and clamp of pixels x rq->oc sums into out, on
 * the pool's threads. */
void am_xnn_requant_run(const am_xnn_requant *rq, const float *sums, size_t pixels, void *out,
                        pthreadpool_t tp);

#endif
