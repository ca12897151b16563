/* The xnnpack backend: claims CONV_2D and DEPTHWISE_CONV_2D (uint8 and
 * int8 activations) and runs them exactly (xnn_ops.h: XNNPACK sums the
 * integer products in fp32, amsel requantizes as TFLite), packed at load,
 * and ADD and MUL of two activations in amsel's own vectorized loops
 * (XNNPACK's 8-bit ones round their own way), on a pthreadpool of the
 * context's thread count. The rest stays on the reference backend: tables,
 * pooling, RESHAPE, SOFTMAX.
 *
 * It claims when the context asks for it (--backend xnnpack) and, for
 * auto, where the fast backend cannot run (CPUs without AVX-512 VNNI,
 * Arm): there the fast kernels are faster, and both are exact. Without
 * AMSEL_HAVE_XNNPACK (library not found at configure time) it is present
 * but declines every node. */
#include "backend/fast/fast_kernels.h"
#include "backend/reference/ref_internal.h"
#include "backend/xnnpack/xnnpack_backend.h"
#include "backend/xnnpack/xnn_ops.h"
#include "graph/backend.h"

#if defined(AMSEL_HAVE_XNNPACK)

int am_xnnpack_available(void) { return am_xnn_init(); }

static void run(const am_node *n, void *const *t)
{
    am_xnn_run((am_xnn_op *)n->backend_state, t[n->in[0]], t[n->out]);
}

static void run_eltwise(const am_node *n, void *const *t)
{
    am_xnn_eltwise_run((const am_xnn_eltwise *)n->backend_state, t[n->in[0]], t[n->in[1]],
                       t[n->out]);
}

static int wanted(const amsel_ctx *ctx)
{
    return ctx->backend == AM_BACKEND_XNNPACK ||
           (ctx->backend == AM_BACKEND_AUTO && !am_fast_cpu_supported());
}

static int is_conv(const am_node *n)
{
    return n->opcode == TFL_CONV_2D || n->opcode == TFL_DEPTHWISE_CONV_2D;
}

static int is_eltwise(const am_node *n)
{
    /* with a one-element constant the node is a table (n->lut, one input) */
    return (n->opcode == TFL_ADD || n->opcode == TFL_MUL) && n->ninputs == 2 && !n->lut;
}

/* One float scratch for the graph's convolutions (a graph runs one node
 * at a time), as large as its largest input and output. */
static int prepare(amsel_ctx *ctx, am_graph *g)
{
    if (!wanted(ctx) || !am_xnn_init())
        return 0;
    size_t in_n = 0, out_n = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const am_node *n = &g->nodes[i];
        if (!is_conv(n))
            continue;
        in_n = am_shape_size(n->in_shape[0]) > in_n ? am_shape_size(n->in_shape[0]) : in_n;
        out_n = am_shape_size(n->out_shape) > out_n ? am_shape_size(n->out_shape) : out_n;
    }
    if (!in_n)
        return 0;
    g->xnn_scratch = am_xnn_scratch_create(ctx, in_n, out_n);
    return g->xnn_scratch ? 0 : -1;
}

static void finish(amsel_ctx *ctx, am_graph *g)
{
    am_xnn_scratch_destroy(ctx, g->xnn_scratch);
    g->xnn_scratch = NULL;
}

static int claim_eltwise(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    int nomem = 0;
    const am_shape a = n->in_shape[0], b = n->in_shape[1];
    am_xnn_eltwise *e =
        n->opcode == TFL_ADD
            ? am_xnn_add_create(ctx, &n->p.add, a, b, n->out_shape, g->max_parts, &nomem)
            : am_xnn_mul_create(ctx, &n->p.mul, a, b, n->out_shape, g->max_parts, &nomem);
    if (!e)
        return nomem ? -1 : 0;
    n->backend_state = e;
    n->run = run_eltwise;
    return 1;
}

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    if (!wanted(ctx) || !am_xnn_init())
        return 0;
    if (is_eltwise(n))
        return claim_eltwise(ctx, g, n);
    /* XNNPACK reads up to 16 bytes past an input: fine in the arena
     * (graph_plan.c leaves room), not at the end of the mapped file */
    if (!g->xnn_scratch || !is_conv(n) || g->tensors[n->in[0]].is_const)
        return 0;
    int nomem = 0;
    am_xnn_op *op = am_xnn_conv_create(ctx, n->opcode == TFL_DEPTHWISE_CONV_2D, &n->p.conv,
                                       n->in_shape[0], n->kh, n->kw, n->weights, n->bias,
                                       n->out_shape, g->xnn_scratch, g->max_parts, &nomem);
    if (!op)
        return nomem ? -1 : 0;
    /* set up for the arena now (it does not move): XNNPACK's allocations
     * happen at load, not in the first run */
    const amsel_status st = am_xnn_setup(ctx, op, g->tptr[n->in[0]]);
    if (st != AMSEL_OK) {
        am_xnn_destroy(ctx, op);
        return st == AMSEL_ERR_NOMEM ? -1 : 0;
    }
    n->backend_state = op;
    n->run = run;
    return 1;
}

static void release(amsel_ctx *ctx, am_node *n)
{
    if (is_conv(n))
        am_xnn_destroy(ctx, (am_xnn_op *)n->backend_state);
    else
        am_xnn_eltwise_destroy(ctx, (am_xnn_eltwise *)n->backend_state);
    n->backend_state = NULL;
}

const am_backend am_backend_xnnpack = {"xnnpack", claim, release, prepare, finish};

#else

int am_xnnpack_available(void) { return 0; }

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    (void)ctx, (void)g, (void)n;
    return 0;
}

const am_backend am_backend_xnnpack = {"xnnpack", claim, NULL, NULL, NULL};

/* The operator API without XNNPACK: nothing is handled. */
int am_xnn_init(void) { return 0; }

am_xnn_scratch *am_xnn_scratch_create(amsel_ctx *ctx, size_t in_floats, size_t out_floats)
{
    (void)in_floats, (void)out_floats;
    am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "amsel was built without XNNPACK");
    return NULL;
}

void am_xnn_scratch_destroy(amsel_ctx *ctx, am_xnn_scratch *s) { (void)ctx, (void)s; }

am_xnn_op *am_xnn_conv_create(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                              am_shape in, int kh, int kw, const void *weights,
                              const int32_t *bias, am_shape out, am_xnn_scratch *s,
                              int threads, int *nomem)
{
    (void)ctx, (void)depthwise, (void)p, (void)in, (void)kh, (void)kw, (void)weights;
    (void)bias, (void)out, (void)s, (void)threads;
    *nomem = 0;
    return NULL;
}

amsel_status am_xnn_setup(amsel_ctx *ctx, am_xnn_op *op, const void *in)
{
    (void)op, (void)in;
    return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "amsel was built without XNNPACK");
}

int am_xnn_run(am_xnn_op *op, const void *in, void *out)
{
    (void)op, (void)in, (void)out;
    return 0;
}

void am_xnn_destroy(amsel_ctx *ctx, am_xnn_op *op) { (void)ctx, (void)op; }

am_xnn_eltwise *am_xnn_add_create(amsel_ctx *ctx, const am_add_params *p, am_shape a,
                                  am_shape b, am_shape out, int threads, int *nomem)
{
    (void)ctx, (void)p, (void)a, (void)b, (void)out, (void)threads;
    *nomem = 0;
    return NULL;
}

am_xnn_eltwise *am_xnn_mul_create(amsel_ctx *ctx, const am_mul_params *p, am_shape a,
                                  am_shape b, am_shape out, int threads, int *nomem)
{
    (void)ctx, (void)p, (void)a, (void)b, (void)out, (void)threads;
    *nomem = 0;
    return NULL;
}

void am_xnn_eltwise_run(const am_xnn_eltwise *e, const void *a, const void *b, void *out)
{
    (void)e, (void)a, (void)b, (void)out;
}

void am_xnn_eltwise_destroy(amsel_ctx *ctx, am_xnn_eltwise *e) { (void)ctx, (void)e; }

#endif
