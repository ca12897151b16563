/* The xnnpack backend: claims CONV_2D and DEPTHWISE_CONV_2D (uint8 qu8,
 * int8 per-channel qc8), ADD and MUL (with broadcasting), MEAN over H and
 * W and AVERAGE_POOL_2D (global: qu8/qs8; windowed: qu8 without padding)
 * and runs them with XNNPACK's operators (xnn_ops.h), which pack the
 * weights at load and run on a pthreadpool of the context's thread
 * count. Lookup tables (QUANTIZE, HARD_SWISH, and ADD/MUL with a
 * one-element constant), RESHAPE and SOFTMAX stay on the reference
 * backend.
 *
 * It claims when the context asks for it (--backend xnnpack) and, for
 * auto, only where the fast backend cannot run (CPUs without AVX-512
 * VNNI, Arm): on such x86 CPUs the fast kernels are faster and exact.
 * Without AMSEL_HAVE_XNNPACK (library not found at configure time) it is
 * present but declines every node. */
#include "backend/xnnpack/xnnpack_backend.h"
#include "backend/xnnpack/xnn_ops.h"
#include "graph/backend.h"

#if defined(AMSEL_HAVE_XNNPACK)

int am_xnnpack_available(void) { return am_xnn_init(); }

static void run_unary(const am_node *n, void *const *t)
{
    am_xnn_run((am_xnn_op *)n->backend_state, t[n->in[0]], NULL, t[n->out]);
}

static void run_binary(const am_node *n, void *const *t)
{
    am_xnn_run((am_xnn_op *)n->backend_state, t[n->in[0]], t[n->in[1]], t[n->out]);
}

static am_xnn_quant quant_of(const am_graph *g, int tensor)
{
    return (am_xnn_quant){g->tensors[tensor].scale, g->tensors[tensor].zp};
}

static am_xnn_op *create_conv(amsel_ctx *ctx, const am_graph *g, const am_node *n, int *nomem)
{
    const am_tfl_op *op = &g->tfl.ops[n->op_index];
    const am_tfl_tensor *wt = &g->tfl.tensors[op->inputs[1]];
    return am_xnn_conv_create(ctx, n->opcode == TFL_DEPTHWISE_CONV_2D, &n->p.conv,
                              n->in_shape[0], n->kh, n->kw, n->weights, n->bias, n->out_shape,
                              g->tensors[n->in[0]].scale, wt->scales, wt->nquant,
                              g->tensors[n->out].scale, g->max_parts, nomem);
}

static am_xnn_op *create(amsel_ctx *ctx, const am_graph *g, const am_node *n, int *nomem)
{
    const int threads = g->max_parts;
    /* ADD/MUL with a one-element constant became a table (n->lut, one
     * input): exact on the reference backend */
    if ((n->opcode == TFL_ADD || n->opcode == TFL_MUL) && (n->ninputs != 2 || n->lut))
        return NULL;
    /* XNNPACK reads up to 16 bytes past an input: fine in the arena
     * (graph_plan.c leaves room), not at the end of the mapped file */
    for (int k = 0; k < n->ninputs; k++)
        if (g->tensors[n->in[k]].is_const)
            return NULL;
    switch (n->opcode) {
    case TFL_CONV_2D:
    case TFL_DEPTHWISE_CONV_2D: return create_conv(ctx, g, n, nomem);
    case TFL_ADD:
        return am_xnn_binary_create(ctx, 0, n->p.add.type, n->in_shape[0], quant_of(g, n->in[0]),
                                    n->in_shape[1], quant_of(g, n->in[1]), n->out_shape,
                                    quant_of(g, n->out), n->p.add.act_min, n->p.add.act_max,
                                    threads, nomem);
    case TFL_MUL:
        return am_xnn_binary_create(ctx, 1, n->p.mul.type, n->in_shape[0], quant_of(g, n->in[0]),
                                    n->in_shape[1], quant_of(g, n->in[1]), n->out_shape,
                                    quant_of(g, n->out), n->p.mul.act_min, n->p.mul.act_max,
                                    threads, nomem);
    case TFL_MEAN: {
        const am_qtype t = n->p.mean.type;
        return am_xnn_mean_create(ctx, t, n->in_shape[0], quant_of(g, n->in[0]),
                                  quant_of(g, n->out), t == AM_U8 ? 0 : -128,
                                  t == AM_U8 ? 255 : 127, threads, nomem);
    }
    case TFL_AVERAGE_POOL_2D:
        return am_xnn_avg_pool_create(ctx, &n->p.pool, n->in_shape[0], quant_of(g, n->in[0]),
                                      n->out_shape, threads, nomem);
    default: return NULL;
    }
}

/* Only when asked for: XNNPACK (Feb 2022) requantizes with one fp32
 * rounding where TFLite rounds twice in fixed point, so its top-1 agrees
 * with the reference on 92-99% of the validation images, short of the
 * 99.5% a default must reach (docs/backend-xnnpack.md); auto stays exact,
 * also on Arm. */
static int wanted(const amsel_ctx *ctx) { return ctx->backend == AM_BACKEND_XNNPACK; }

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    if (!wanted(ctx) || !am_xnn_init())
        return 0;
    int nomem = 0;
    am_xnn_op *op = create(ctx, g, n, &nomem);
    if (!op)
        return nomem ? -1 : 0;
    /* set up for the arena now (it does not move): XNNPACK's indirection
     * buffers are allocated at load, not in the first run */
    const void *in1 = n->ninputs == 2 ? g->tptr[n->in[1]] : NULL;
    const amsel_status st = am_xnn_setup(ctx, op, g->tptr[n->in[0]], in1, g->tptr[n->out]);
    if (st != AMSEL_OK) {
        am_xnn_destroy(ctx, op);
        return st == AMSEL_ERR_NOMEM ? -1 : 0;
    }
    n->backend_state = op;
    n->run = n->ninputs == 2 ? run_binary : run_unary;
    return 1;
}

static void release(amsel_ctx *ctx, am_node *n)
{
    am_xnn_destroy(ctx, (am_xnn_op *)n->backend_state);
    n->backend_state = NULL;
}

#else

int am_xnnpack_available(void) { return 0; }

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    (void)ctx, (void)g, (void)n;
    return 0;
}

static void release(amsel_ctx *ctx, am_node *n) { (void)ctx, (void)n; }

/* The operator API without XNNPACK: nothing is handled. */
int am_xnn_init(void) { return 0; }

am_xnn_op *am_xnn_conv_create(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                              am_shape in, int kh, int kw, const void *weights,
                              const int32_t *bias, am_shape out, float in_scale,
                              const float *w_scales, int nscales, float out_scale, int threads,
                              int *nomem)
{
    (void)ctx, (void)depthwise, (void)p, (void)in, (void)kh, (void)kw, (void)weights;
    (void)bias, (void)out, (void)in_scale, (void)w_scales, (void)nscales, (void)out_scale;
    (void)threads;
    *nomem = 0;
    return NULL;
}

am_xnn_op *am_xnn_binary_create(amsel_ctx *ctx, int mul, am_qtype t, am_shape a,
                                am_xnn_quant qa, am_shape b, am_xnn_quant qb, am_shape out,
                                am_xnn_quant qo, int32_t act_min, int32_t act_max, int threads,
                                int *nomem)
{
    (void)ctx, (void)mul, (void)t, (void)a, (void)qa, (void)b, (void)qb, (void)out, (void)qo;
    (void)act_min, (void)act_max, (void)threads;
    *nomem = 0;
    return NULL;
}

am_xnn_op *am_xnn_mean_create(amsel_ctx *ctx, am_qtype t, am_shape in, am_xnn_quant qi,
                              am_xnn_quant qo, int32_t act_min, int32_t act_max, int threads,
                              int *nomem)
{
    (void)ctx, (void)t, (void)in, (void)qi, (void)qo, (void)act_min, (void)act_max;
    (void)threads;
    *nomem = 0;
    return NULL;
}

am_xnn_op *am_xnn_avg_pool_create(amsel_ctx *ctx, const am_pool_params *p, am_shape in,
                                  am_xnn_quant q, am_shape out, int threads, int *nomem)
{
    (void)ctx, (void)p, (void)in, (void)q, (void)out, (void)threads;
    *nomem = 0;
    return NULL;
}

amsel_status am_xnn_setup(amsel_ctx *ctx, am_xnn_op *op, const void *in0, const void *in1,
                          void *out)
{
    (void)op, (void)in0, (void)in1, (void)out;
    return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "amsel was built without XNNPACK");
}

int am_xnn_run(am_xnn_op *op, const void *in0, const void *in1, void *out)
{
    (void)op, (void)in0, (void)in1, (void)out;
    return 0;
}

void am_xnn_destroy(amsel_ctx *ctx, am_xnn_op *op) { (void)ctx, (void)op; }

#endif

const am_backend am_backend_xnnpack = {"xnnpack", claim, release};
