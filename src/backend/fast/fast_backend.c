/* The fast backend: claims CONV_2D, DEPTHWISE_CONV_2D (depth
 * multiplier 1), ADD and MUL (same shapes or an H/W broadcast), global
 * AVERAGE_POOL_2D, and every 256-entry table node (with AVX-512 VBMI) on
 * CPUs with AVX-512 VNNI and runs them with the kernels of fast_conv.c,
 * fast_dw.c, fast_eltwise.c and fast_pool.c, bit-exact with the
 * reference; every other node, and every node on other CPUs, falls
 * through to the reference backend. Large nodes also get run_part, which
 * runs a slice of the output (pixels, rows or elements) for the graph's
 * threads. */
#include "backend/fast/fast_kernels.h"
#include "graph/backend.h"

/* Operators below these sizes (a few microseconds of work) stay on one
 * thread; depthwise runs at a fifth of the MAC rate of CONV_2D. */
#define PAR_MIN_MACS 200000u
#define PAR_MIN_DW_MACS 40000u
#define PAR_MIN_ELEMS 16384u

static void run_fast_conv(const am_node *n, void *const *t)
{
    am_fast_conv_run((am_fast_conv *)n->backend_state, t[n->in[0]], t[n->out]);
}

static void run_fast_conv_part(const am_node *n, void *const *t, int part, int nparts, int thread)
{
    am_fast_conv_run_part((am_fast_conv *)n->backend_state, t[n->in[0]], t[n->out], part,
                          nparts, thread);
}

/* Pixels [p0, p1) of part part (of npix). */
static void pixel_range(size_t npix, int part, int nparts, size_t *p0, size_t *p1)
{
    *p0 = npix * (size_t)part / (size_t)nparts;
    *p1 = npix * (size_t)(part + 1) / (size_t)nparts;
}

/* The shape and memory of pixels [p0, p1) of an input: a broadcast input
 * (one pixel) stays whole. */
static am_shape slice(am_shape s, const am_shape out, size_t p0, size_t p1, void *base,
                      void **mem)
{
    if ((size_t)s.n * s.h * s.w != (size_t)out.n * out.h * out.w) {
        *mem = base;
        return s;
    }
    *mem = (uint8_t *)base + p0 * (size_t)s.c;
    return (am_shape){1, 1, (int)(p1 - p0), s.c};
}

static void run_fast_eltwise_part(const am_node *n, void *const *t, int part, int nparts,
                                  int thread)
{
    (void)thread;
    const am_shape o = n->out_shape;
    size_t p0, p1;
    pixel_range((size_t)o.n * o.h * o.w, part, nparts, &p0, &p1);
    if (p0 >= p1)
        return;
    void *a, *b, *y;
    const am_shape sa = slice(n->in_shape[0], o, p0, p1, t[n->in[0]], &a);
    const am_shape sb = slice(n->in_shape[1], o, p0, p1, t[n->in[1]], &b);
    const am_shape so = slice(o, o, p0, p1, t[n->out], &y);
    if (n->opcode == TFL_ADD)
        am_fast_add(&n->p.add, sa, a, sb, b, so, y);
    else
        am_fast_mul(&n->p.mul, sa, a, sb, b, so, y);
}

static void run_fast_lut_part(const am_node *n, void *const *t, int part, int nparts, int thread)
{
    (void)thread;
    const am_shape s = n->out_shape;
    size_t p0, p1;
    pixel_range((size_t)s.n * s.h * s.w * s.c, part, nparts, &p0, &p1);
    am_fast_lut(n->lut, p1 - p0, (const uint8_t *)t[n->in[0]] + p0, (uint8_t *)t[n->out] + p0);
}

static size_t elems(am_shape s) { return (size_t)s.n * s.h * s.w * s.c; }

static void run_fast_add_tab(const am_node *n, void *const *t)
{
    am_fast_add_tab_run(n->backend_state, elems(n->out_shape), t[n->in[0]], t[n->in[1]],
                        t[n->out]);
}

static void run_fast_add_tab_part(const am_node *n, void *const *t, int part, int nparts,
                                  int thread)
{
    (void)thread;
    size_t p0, p1;
    pixel_range(elems(n->out_shape), part, nparts, &p0, &p1);
    if (p0 < p1)
        am_fast_add_tab_run(n->backend_state, p1 - p0, (const uint8_t *)t[n->in[0]] + p0,
                            (const uint8_t *)t[n->in[1]] + p0, (uint8_t *)t[n->out] + p0);
}

static void run_fast_add(const am_node *n, void *const *t)
{
    am_fast_add(&n->p.add, n->in_shape[0], t[n->in[0]], n->in_shape[1], t[n->in[1]],
                n->out_shape, t[n->out]);
}

static void run_fast_mul(const am_node *n, void *const *t)
{
    am_fast_mul(&n->p.mul, n->in_shape[0], t[n->in[0]], n->in_shape[1], t[n->in[1]],
                n->out_shape, t[n->out]);
}

static void run_fast_lut(const am_node *n, void *const *t)
{
    const am_shape s = n->out_shape;
    am_fast_lut(n->lut, (size_t)s.n * s.h * s.w * s.c, t[n->in[0]], t[n->out]);
}

static void run_fast_global_pool(const am_node *n, void *const *t)
{
    am_fast_global_pool(&n->p.pool, n->in_shape[0], t[n->in[0]], t[n->out]);
}

static void run_fast_mean(const am_node *n, void *const *t)
{
    am_fast_mean(&n->p.mean, n->in_shape[0], t[n->in[0]], t[n->out]);
}

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    /* under onednn: the operators the onednn backend (tried first) declines */
    if (ctx->backend != AM_BACKEND_AUTO && ctx->backend != AM_BACKEND_FAST &&
        ctx->backend != AM_BACKEND_ONEDNN)
        return 0;
    if (n->lut && am_fast_lut_supported()) { /* any table node (graph_build.c) */
        n->run = run_fast_lut;
        if (elems(n->out_shape) >= PAR_MIN_ELEMS)
            n->run_part = run_fast_lut_part;
        return 1;
    }
    if (n->opcode == TFL_AVERAGE_POOL_2D &&
        am_fast_global_pool_supported(&n->p.pool, n->in_shape[0], n->out_shape)) {
        n->run = run_fast_global_pool;
        return 1;
    }
    if (n->opcode == TFL_MEAN && am_fast_mean_supported(n->in_shape[0], n->out_shape)) {
        n->run = run_fast_mean;
        return 1;
    }
    if ((n->opcode == TFL_ADD || n->opcode == TFL_MUL) && n->ninputs == 2 &&
        am_fast_eltwise_supported(n->in_shape[0], n->in_shape[1], n->out_shape)) {
        if (n->opcode == TFL_ADD) {
            const am_add_params *p = &n->p.add;
            int nomem = 0;
            n->backend_state = am_fast_add_tab_create(ctx, p, n->in_shape[0], n->in_shape[1],
                                                      n->out_shape, &nomem);
            if (nomem) {
                am_fail(ctx, AMSEL_ERR_NOMEM, "operator %d: out of memory", n->op_index);
                return -1;
            }
            if (n->backend_state) {
                n->run = run_fast_add_tab;
                if (elems(n->out_shape) >= PAR_MIN_ELEMS)
                    n->run_part = run_fast_add_tab_part;
                return 1;
            }
            if (p->left_shift != 20 || !am_fast_qmul_ok(p->in1_mult, p->in1_shift) ||
                !am_fast_qmul_ok(p->in2_mult, p->in2_shift) ||
                !am_fast_qmul_ok(p->out_mult, p->out_shift))
                return 0;
            n->run = run_fast_add;
        } else {
            if (!am_fast_qmul_ok(n->p.mul.out_mult, n->p.mul.out_shift))
                return 0;
            n->run = run_fast_mul;
        }
        if (elems(n->out_shape) >= PAR_MIN_ELEMS)
            n->run_part = run_fast_eltwise_part;
        return 1;
    }
    if (n->opcode != TFL_CONV_2D && n->opcode != TFL_DEPTHWISE_CONV_2D)
        return 0;
    int nomem = 0;
    const int dw = n->opcode == TFL_DEPTHWISE_CONV_2D;
    const int par = n->macs >= (dw ? PAR_MIN_DW_MACS : PAR_MIN_MACS) && g->max_parts > 1;
    am_fast_conv *s = am_fast_conv_create_par(ctx, dw, &n->p.conv,
                                              n->in_shape[0], n->kh, n->kw, n->weights, n->bias,
                                              n->out_shape, par ? g->max_parts : 1, &nomem);
    if (!s) {
        if (nomem) {
            am_fail(ctx, AMSEL_ERR_NOMEM, "operator %d: out of memory", n->op_index);
            return -1;
        }
        return 0;
    }
    n->backend_state = s;
    n->run = run_fast_conv;
    if (par)
        n->run_part = run_fast_conv_part;
    return 1;
}

static void release(amsel_ctx *ctx, am_node *n)
{
    if (n->opcode == TFL_ADD)
        am_fast_add_tab_destroy(ctx, (am_fast_add_tab *)n->backend_state);
    else
        am_fast_conv_destroy(ctx, (am_fast_conv *)n->backend_state);
    n->backend_state = NULL;
}

const am_backend am_backend_fast = {"fast", claim, release, NULL, NULL};
