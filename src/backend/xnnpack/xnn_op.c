/* The operator's life after create (xnn_conv.c): the input conversion
 * set up for an input pointer (only when it changes: a graph's arena
 * does not move, so once), the run (to floats, XNNPACK's float
 * convolution, amsel's requantization), deletion; and the scratch. */
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

/* XNNPACK's kernels read up to XNN_EXTRA_BYTES past an input */
am_xnn_scratch *am_xnn_scratch_create(amsel_ctx *ctx, size_t in_floats, size_t out_floats)
{
    am_xnn_scratch *s = am_calloc(ctx, 1, sizeof *s);
    if (!s)
        return NULL;
    s->in_floats = in_floats;
    s->out_floats = out_floats;
    const size_t extra = XNN_EXTRA_BYTES / sizeof(float) + 1;
    s->in = am_calloc(ctx, in_floats + extra, sizeof(float));
    s->sums = am_calloc(ctx, out_floats + extra, sizeof(float));
    if (!s->in || !s->sums) {
        am_xnn_scratch_destroy(ctx, s);
        return NULL;
    }
    return s;
}

void am_xnn_scratch_destroy(amsel_ctx *ctx, am_xnn_scratch *s)
{
    if (!s)
        return;
    am_free(ctx, s->in);
    am_free(ctx, s->sums);
    am_free(ctx, s);
}

static size_t pixels(am_shape s) { return (size_t)s.n * s.h * s.w; }

static int setup_for(am_xnn_op *o, const void *x, enum xnn_status *st)
{
    if (o->set_in == x)
        return 1;
    o->set_in = NULL;
    pthreadpool_t tp = am_xnn_tpool_handle(o->tpool);
    *st = o->rq.type == AM_U8
              ? xnn_setup_convert_nc_qu8_f32(o->to_float, pixels(o->in), x, o->s->in, tp)
              : xnn_setup_convert_nc_qs8_f32(o->to_float, pixels(o->in), x, o->s->in, tp);
    if (*st != xnn_status_success)
        return 0;
    o->set_in = x;
    return 1;
}

amsel_status am_xnn_setup(amsel_ctx *ctx, am_xnn_op *o, const void *in)
{
    enum xnn_status st = xnn_status_success;
    if (setup_for(o, in, &st))
        return AMSEL_OK;
    return am_fail(ctx, st == xnn_status_out_of_memory ? AMSEL_ERR_NOMEM : AMSEL_ERR_UNSUPPORTED,
                   "xnnpack: operator setup failed (status %d)", (int)st);
}

int am_xnn_run(am_xnn_op *o, const void *in, void *out)
{
    enum xnn_status st = xnn_status_success;
    if (!setup_for(o, in, &st))
        return 0;
    pthreadpool_t tp = am_xnn_tpool_handle(o->tpool);
    if (xnn_run_operator(o->to_float, tp) != xnn_status_success ||
        xnn_run_operator(o->conv, tp) != xnn_status_success)
        return 0;
    am_xnn_requant_run(&o->rq, o->s->sums, pixels(o->out), out, tp);
    return 1;
}

void am_xnn_destroy(amsel_ctx *ctx, am_xnn_op *o)
{
    if (!o)
        return;
    xnn_delete_operator(o->to_float); /* NULL is harmless */
    xnn_delete_operator(o->conv);
    am_xnn_tpool_put(ctx, o->tpool);
    am_free(ctx, o->rq.c);
    am_free(ctx, o);
}

#endif
