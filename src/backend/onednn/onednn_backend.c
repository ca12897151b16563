/* The onednn backend: CONV_2D (dense, any kernel size, strides, SAME or
 * VALID padding, dilation; uint8 per-tensor and int8 per-channel weights)
 * through oneDNN's int8 convolutions, bit-exact with the reference
 * (onednn_internal.h). Without AMSEL_HAVE_ONEDNN (library not found at
 * configure time) it is present but declines every node.
 *
 * It claims under --backend onednn, and under auto only the operator
 * classes where it was measured faster than the fast backend on the
 * development machine (docs/backend-onednn.md): none so far, so auto
 * never uses it (AUTO_CLAIMS). DEPTHWISE_CONV_2D stays with the other
 * backends: see the document. */
#include "backend/onednn/onednn_backend.h"
#include "graph/backend.h"

#if defined(AMSEL_HAVE_ONEDNN)

#include "backend/fast/fast_kernels.h"
#include "onednn_internal.h"

/* 1: auto also routes CONV_2D here. 0: measured slower than the fast
 * backend on every model (docs/backend-onednn.md). */
#define AUTO_CLAIMS 0

int am_onednn_available(void) { return am_fast_cpu_supported() && am_dnnl_engine() != NULL; }

static void run_conv(const am_node *n, void *const *t)
{
    am_onednn_conv_run((am_dnnl_conv *)n->backend_state, t[n->in[0]], t[n->out]);
}

static void run_conv_part(const am_node *n, void *const *t, int part, int nparts, int thread)
{
    am_onednn_conv_run_part((am_dnnl_conv *)n->backend_state, t[n->in[0]], t[n->out], part,
                            nparts, thread);
}

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    if (ctx->backend != AM_BACKEND_ONEDNN && !(ctx->backend == AM_BACKEND_AUTO && AUTO_CLAIMS))
        return 0;
    if (n->opcode != TFL_CONV_2D)
        return 0;
    int nomem = 0;
    am_dnnl_conv *s = am_onednn_conv_create(ctx, &n->p.conv, n->in_shape[0], n->kh, n->kw,
                                            n->weights, n->bias, n->out_shape, g->max_parts,
                                            &nomem);
    if (!s)
        return nomem ? -1 : 0;
    n->backend_state = s;
    n->run = run_conv;
    if (g->max_parts > 1 && s->nbands > 1)
        n->run_part = run_conv_part;
    return 1;
}

static void release(amsel_ctx *ctx, am_node *n)
{
    am_onednn_conv_destroy(ctx, (am_dnnl_conv *)n->backend_state);
    n->backend_state = NULL;
}

#else

int am_onednn_available(void) { return 0; }

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    (void)ctx, (void)g, (void)n;
    return 0;
}

static void release(amsel_ctx *ctx, am_node *n) { (void)ctx, (void)n; }

am_dnnl_conv *am_onednn_conv_create(amsel_ctx *ctx, const am_conv_params *p, am_shape in,
                                    int kh, int kw, const void *weights, const int32_t *bias,
                                    am_shape out, int nthreads, int *nomem)
{
    (void)ctx, (void)p, (void)in, (void)kh, (void)kw, (void)weights, (void)bias, (void)out;
    (void)nthreads;
    *nomem = 0;
    return NULL;
}

void am_onednn_conv_run(am_dnnl_conv *s, const void *input, void *output)
{
    (void)s, (void)input, (void)output;
}

void am_onednn_conv_run_part(am_dnnl_conv *s, const void *input, void *output, int part,
                             int nparts, int thread)
{
    (void)s, (void)input, (void)output, (void)part, (void)nparts, (void)thread;
}

void am_onednn_conv_destroy(amsel_ctx *ctx, am_dnnl_conv *s) { (void)ctx, (void)s; }

const char *am_onednn_conv_impl(const am_dnnl_conv *s)
{
    (void)s;
    return "";
}

#endif

const am_backend am_backend_onednn = {"onednn", claim, release, NULL, NULL};
