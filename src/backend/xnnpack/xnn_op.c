/* The operator wrapper: setup for a set of tensor pointers (only when
 * they change: a graph's arena does not move, so once), run, delete. */
#if defined(AMSEL_HAVE_XNNPACK)
#include "backend/xnnpack/xnn_internal.h"

int am_xnn_created(amsel_ctx *ctx, enum xnn_status s, int *nomem)
{
    if (s == xnn_status_success)
        return 1;
    if (s == xnn_status_out_of_memory) {
        am_fail(ctx, AMSEL_ERR_NOMEM, "xnnpack: out of memory");
        *nomem = 1;
    }
    return 0;
}

am_xnn_op *am_xnn_op_wrap(amsel_ctx *ctx, xnn_operator_t op, am_xnn_kind kind, am_shape in0,
                          am_shape in1, am_shape out, int threads, int *nomem)
{
    am_xnn_op *o = am_calloc(ctx, 1, sizeof *o);
    if (!o) {
        xnn_delete_operator(op);
        *nomem = 1;
        return NULL;
    }
    o->op = op;
    o->kind = kind;
    o->in[0] = in0;
    o->in[1] = in1;
    o->out = out;
    if (threads > 1 && !(o->tpool = am_xnn_tpool_get(ctx, threads, nomem))) {
        xnn_delete_operator(op);
        am_free(ctx, o);
        return NULL;
    }
    return o;
}

static size_t pixels(am_shape s) { return (size_t)s.h * (size_t)s.w; }

static enum xnn_status setup(am_xnn_op *o, const void *x, const void *y, void *z)
{
    pthreadpool_t tp = am_xnn_tpool_handle(o->tpool);
    const am_shape a = o->in[0], b = o->in[1];
    const size_t da[4] = {(size_t)a.n, (size_t)a.h, (size_t)a.w, (size_t)a.c};
    const size_t db[4] = {(size_t)b.n, (size_t)b.h, (size_t)b.w, (size_t)b.c};
    switch (o->kind) {
    case AM_XNN_CONV_QU8:
        return xnn_setup_convolution2d_nhwc_qu8(o->op, (size_t)a.n, (size_t)a.h, (size_t)a.w, x,
                                                z, tp);
    case AM_XNN_CONV_QC8:
        return xnn_setup_convolution2d_nhwc_qc8(o->op, (size_t)a.n, (size_t)a.h, (size_t)a.w, x,
                                                z, tp);
    case AM_XNN_ADD_QU8: return xnn_setup_add_nd_qu8(o->op, 4, da, 4, db, x, y, z, tp);
    case AM_XNN_ADD_QS8: return xnn_setup_add_nd_qs8(o->op, 4, da, 4, db, x, y, z, tp);
    case AM_XNN_MUL_QU8: return xnn_setup_multiply_nd_qu8(o->op, 4, da, 4, db, x, y, z, tp);
    case AM_XNN_MUL_QS8: return xnn_setup_multiply_nd_qs8(o->op, 4, da, 4, db, x, y, z, tp);
    case AM_XNN_GAVG_QU8:
        return xnn_setup_global_average_pooling_nwc_qu8(o->op, (size_t)a.n, pixels(a), x, z, tp);
    case AM_XNN_GAVG_QS8:
        return xnn_setup_global_average_pooling_nwc_qs8(o->op, (size_t)a.n, pixels(a), x, z, tp);
    case AM_XNN_AVGPOOL_QU8:
        return xnn_setup_average_pooling2d_nhwc_qu8(o->op, (size_t)a.n, (size_t)a.h,
                                                    (size_t)a.w, x, z, tp);
    }
    return xnn_status_invalid_parameter;
}

static int setup_for(am_xnn_op *o, const void *x, const void *y, void *z, enum xnn_status *st)
{
    if (o->is_set && o->set_in[0] == x && o->set_in[1] == y && o->set_out == z)
        return 1;
    o->is_set = 0;
    if ((*st = setup(o, x, y, z)) != xnn_status_success)
        return 0;
    o->set_in[0] = x;
    o->set_in[1] = y;
    o->set_out = z;
    o->is_set = 1;
    return 1;
}

amsel_status am_xnn_setup(amsel_ctx *ctx, am_xnn_op *o, const void *in0, const void *in1,
                          void *out)
{
    enum xnn_status st = xnn_status_success;
    if (setup_for(o, in0, in1, out, &st))
        return AMSEL_OK;
    return am_fail(ctx, st == xnn_status_out_of_memory ? AMSEL_ERR_NOMEM : AMSEL_ERR_UNSUPPORTED,
                   "xnnpack: operator setup failed (status %d)", (int)st);
}

int am_xnn_run(am_xnn_op *o, const void *in0, const void *in1, void *out)
{
    enum xnn_status st = xnn_status_success;
    if (!setup_for(o, in0, in1, out, &st))
        return 0;
    return xnn_run_operator(o->op, am_xnn_tpool_handle(o->tpool)) == xnn_status_success;
}

void am_xnn_destroy(amsel_ctx *ctx, am_xnn_op *o)
{
    if (!o)
        return;
    xnn_delete_operator(o->op);
    am_xnn_tpool_put(ctx, o->tpool);
    am_free(ctx, o);
}

#endif
