/* The fast backend: claims CONV_2D, DEPTHWISE_CONV_2D (depth
 * multiplier 1), ADD and MUL (same shapes or an H/W broadcast), and QUANTIZE/HARD_SWISH
 * tables (with AVX-512 VBMI) on CPUs with AVX-512 VNNI and runs them with the kernels
 * of fast_kernels.c, bit-exact with the reference; every other node, and
 * every node on other CPUs, falls through to the reference backend. */
#include "backend/fast/fast_kernels.h"
#include "graph/backend.h"

static void run_fast_conv(const am_node *n, void *const *t)
{
    am_fast_conv_run((am_fast_conv *)n->backend_state, t[n->in[0]], t[n->out]);
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

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    (void)g;
    if (ctx->backend == AM_BACKEND_REF)
        return 0;
    if ((n->opcode == TFL_QUANTIZE || n->opcode == TFL_HARD_SWISH) && n->lut &&
        am_fast_lut_supported()) {
        n->run = run_fast_lut;
        return 1;
    }
    if ((n->opcode == TFL_ADD || n->opcode == TFL_MUL) && n->ninputs == 2 &&
        am_fast_eltwise_supported(n->in_shape[0], n->in_shape[1], n->out_shape)) {
        if (n->opcode == TFL_ADD) {
            const am_add_params *p = &n->p.add;
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
        return 1;
    }
    if (n->opcode != TFL_CONV_2D && n->opcode != TFL_DEPTHWISE_CONV_2D)
        return 0;
    int nomem = 0;
    am_fast_conv *s = am_fast_conv_create(ctx, n->opcode == TFL_DEPTHWISE_CONV_2D, &n->p.conv,
                                          n->in_shape[0], n->kh, n->kw, n->weights, n->bias,
                                          n->out_shape, &nomem);
    if (!s) {
        if (nomem) {
            am_fail(ctx, AMSEL_ERR_NOMEM, "operator %d: out of memory", n->op_index);
            return -1;
        }
        return 0;
    }
    n->backend_state = s;
    n->run = run_fast_conv;
    return 1;
}

static void release(amsel_ctx *ctx, am_node *n)
{
    am_fast_conv_destroy(ctx, (am_fast_conv *)n->backend_state);
    n->backend_state = NULL;
}

const am_backend am_backend_fast = {"fast", claim, release};
