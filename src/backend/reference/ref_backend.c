/* The reference backend: binds every graph node to its plain-C kernel. */
#include "graph/backend.h"

#include <string.h>

static void run_conv(const am_node *n, void *const *t)
{
    am_ref_conv2d(&n->p.conv, n->in_shape[0], t[n->in[0]], n->kh, n->kw, n->weights, n->bias,
                  n->out_shape, t[n->out]);
}

static void run_depthwise(const am_node *n, void *const *t)
{
    am_ref_depthwise_conv2d(&n->p.conv, n->in_shape[0], t[n->in[0]], n->kh, n->kw, n->weights,
                            n->bias, n->out_shape, t[n->out]);
}

static void run_avg_pool(const am_node *n, void *const *t)
{
    am_ref_avg_pool(&n->p.pool, n->in_shape[0], t[n->in[0]], n->out_shape, t[n->out]);
}

static void run_mean(const am_node *n, void *const *t)
{
    am_ref_mean_hw(&n->p.mean, n->in_shape[0], t[n->in[0]], t[n->out]);
}

static void run_add(const am_node *n, void *const *t)
{
    am_ref_add(&n->p.add, n->in_shape[0], t[n->in[0]], n->in_shape[1], t[n->in[1]],
               n->out_shape, t[n->out]);
}

static void run_mul(const am_node *n, void *const *t)
{
    am_ref_mul(&n->p.mul, n->in_shape[0], t[n->in[0]], n->in_shape[1], t[n->in[1]],
               n->out_shape, t[n->out]);
}

static size_t elements(am_shape s) { return (size_t)s.n * s.h * s.w * s.c; }

static void run_lut(const am_node *n, void *const *t)
{
    am_ref_lut(n->lut, elements(n->out_shape), t[n->in[0]], t[n->out]);
}

static void run_copy(const am_node *n, void *const *t)
{
    memmove(t[n->out], t[n->in[0]], elements(n->out_shape));
}

static void run_softmax(const am_node *n, void *const *t)
{
    am_shape s = n->out_shape;
    am_ref_softmax(n->softmax, s.n * s.h * s.w, s.c, t[n->in[0]], t[n->out]);
}

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    (void)ctx, (void)g;
    if (n->lut) { /* QUANTIZE, HARD_SWISH, ADD/MUL with a scalar constant */
        n->run = run_lut;
        return 1;
    }
    switch (n->opcode) {
    case TFL_CONV_2D: n->run = run_conv; break;
    case TFL_DEPTHWISE_CONV_2D: n->run = run_depthwise; break;
    case TFL_AVERAGE_POOL_2D: n->run = run_avg_pool; break;
    case TFL_MEAN: n->run = run_mean; break;
    case TFL_ADD: n->run = run_add; break;
    case TFL_MUL: n->run = run_mul; break;
    case TFL_QUANTIZE:
    case TFL_HARD_SWISH: n->run = run_lut; break;
    case TFL_RESHAPE: n->run = run_copy; break;
    case TFL_SOFTMAX: n->run = run_softmax; break;
    default: return 0;
    }
    return 1;
}

const am_backend am_backend_reference = {"reference", claim, NULL, NULL, NULL};
