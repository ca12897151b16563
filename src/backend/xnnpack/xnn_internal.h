/* What the xnnpack backend's files share (built with AMSEL_HAVE_XNNPACK
 * only): the operator, the scratch and the thread pools. */
#ifndef AMSEL_BACKEND_XNNPACK_XNN_INTERNAL_H
#define AMSEL_BACKEND_XNNPACK_XNN_INTERNAL_H

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
