/* What the xnnpack backend's files share (built with AMSEL_HAVE_XNNPACK
 * only): the operator wrapper and the thread pools. */
#ifndef AMSEL_BACKEND_XNNPACK_XNN_INTERNAL_H
#define AMSEL_BACKEND_XNNPACK_XNN_INTERNAL_H

#include "backend/xnnpack/xnn_ops.h"

#include <pthreadpool.h>
#include <xnnpack.h>

/* How an operator is set up (which xnn_setup_* and with what shapes). */
typedef enum am_xnn_kind {
    AM_XNN_CONV_QU8,
    AM_XNN_CONV_QC8,
    AM_XNN_ADD_QU8,
    AM_XNN_ADD_QS8,
    AM_XNN_MUL_QU8,
    AM_XNN_MUL_QS8,
    AM_XNN_GAVG_QU8,
    AM_XNN_GAVG_QS8,
    AM_XNN_AVGPOOL_QU8
} am_xnn_kind;

typedef struct am_xnn_tpool am_xnn_tpool;

struct am_xnn_op {
    xnn_operator_t op;
    am_xnn_kind kind;
    am_shape in[2], out;
    am_xnn_tpool *tpool;          /* NULL: the calling thread only */
    const void *set_in[2];        /* the pointers it is set up for */
    void *set_out;
    int is_set;
};

/* A pthreadpool of nthreads threads shared by the operators of ctx with
 * that count (reference counted; NULL handle for 1 thread). */
am_xnn_tpool *am_xnn_tpool_get(amsel_ctx *ctx, int nthreads, int *nomem);
void am_xnn_tpool_put(amsel_ctx *ctx, am_xnn_tpool *tp); /* NULL is harmless */
pthreadpool_t am_xnn_tpool_handle(const am_xnn_tpool *tp);

/* Wraps a created operator (takes it over: deleted on failure). NULL
 * with *nomem = 1 when memory runs out. */
am_xnn_op *am_xnn_op_wrap(amsel_ctx *ctx, xnn_operator_t op, am_xnn_kind kind, am_shape in0,
                          am_shape in1, am_shape out, int threads, int *nomem);

/* The result of an xnn_create_*: 1 created, 0 declined, and *nomem set
 * (message in ctx) for out_of_memory. */
int am_xnn_created(amsel_ctx *ctx, enum xnn_status s, int *nomem);

/* Quantized clamp bounds must be ordered strictly for XNNPACK. */
static inline int am_xnn_range_ok(int32_t lo, int32_t hi) { return lo < hi; }

/* v is a value of type t (a zero point or clamp bound). */
static inline int am_xnn_fits(int32_t v, am_qtype t)
{
    return t == AM_U8 ? v >= 0 && v <= 255 : v >= -128 && v <= 127;
}

#endif
