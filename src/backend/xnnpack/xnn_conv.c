/* CONV_2D and DEPTHWISE_CONV_2D as XNNPACK fp32 NHWC convolutions on
 * exact integers (xnn_ops.h): the weights become floats w - zero point
 * (packed by XNNPACK at create, amsel keeps no copy), the input floats
 * x - zero point (XNNPACK's qu8/qs8 -> f32 conversion with scale 1),
 * and xnn_requant.c turns the sums into TFLite's bytes. Depthwise is a
 * grouped convolution, one group per input channel with depth_multiplier
 * outputs each, whose filter [kh][kw][out.c] is TFLite's layout
 * (XNN_FLAG_DEPTHWISE_CONVOLUTION). TFLite's SAME padding is explicit
 * here: the top/left offsets of p and whatever the output size needs at
 * the bottom/right; XNNPACK pads with float 0, which is the zero point,
 * as in TFLite. */
#if defined(AMSEL_HAVE_XNNPACK)
#include "backend/xnnpack/xnn_internal.h"

#include <math.h>

/* fp32 holds every integer up to 2^24 exactly */
#define EXACT_SUM 16777216.0

/* The padding after the image for out positions, or -1 when XNNPACK's
 * output size would not be out. */
static int pad_after(int in, int k, int stride, int dil, int pad_before, int out)
{
    const int eff = (k - 1) * dil + 1;
    int after = (out - 1) * stride + eff - in - pad_before;
    if (after < 0)
        after = 0;
    const int padded = in + pad_before + after;
    if (padded < eff || (padded - eff) / stride + 1 != out)
        return -1;
    return after;
}

static int weight_at(const am_conv_params *p, const void *w, size_t i)
{
    return p->w_signed ? ((const int8_t *)w)[i] : ((const uint8_t *)w)[i];
}

/* The weights as floats w - zero point, in the same layout; NULL when
 * some output channel's sum of |products| could pass 2^24 (sum over its
 * taps of |w - zw| times the largest |x - zx|: *too_big 1) or when memory
 * runs out (*too_big 0, message in ctx). */
static float *float_weights(amsel_ctx *ctx, int depthwise, const am_conv_params *p, int taps,
                            int oc, const void *w, int *too_big)
{
    const int zx = -p->in_offset;
    const int lo = p->type == AM_U8 ? 0 : -128, hi = lo + 255;
    const double xmax = zx - lo > hi - zx ? zx - lo : hi - zx;
    const size_t n = (size_t)taps * (size_t)oc;
    *too_big = 0;
    float *f = am_malloc(ctx, n * sizeof *f);
    if (!f)
        return NULL;
    for (int c = 0; c < oc && !*too_big; c++) {
        double sum = 0.0;
        for (int t = 0; t < taps; t++) {
            /* conv: [oc][taps]; depthwise: [taps][oc] */
            const size_t i = depthwise ? (size_t)t * oc + c : (size_t)c * taps + t;
            const int v = weight_at(p, w, i) + p->w_offset;
            f[i] = (float)v;
            sum += fabs((double)v);
        }
        *too_big = sum * xmax > EXACT_SUM;
    }
    if (*too_big) {
        am_free(ctx, f);
        return NULL;
    }
    return f;
}

/* The checks of the problem itself: 1 when XNNPACK can take it. */
static int takes(int depthwise, const am_conv_params *p, am_shape in, am_shape out,
                 const int32_t *bias)
{
    const int lo = p->type == AM_U8 ? 0 : -128, hi = lo + 255;
    const int zx = -p->in_offset;
    if (in.n != out.n || in.n < 1 || p->pad_top < 0 || p->pad_left < 0 || zx < lo || zx > hi ||
        p->act_min < lo || p->act_max > hi || p->act_min > p->act_max)
        return 0;
    if (depthwise && (p->depth_multiplier < 1 || out.c != in.c * p->depth_multiplier))
        return 0;
    /* sum + bias stays inside int32 (|sum| <= 2^24) */
    for (int c = 0; bias && c < out.c; c++)
        if (bias[c] > INT32_MAX - (1 << 24) || bias[c] < INT32_MIN + (1 << 24))
            return 0;
    return 1;
}

am_xnn_op *am_xnn_conv_create(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                              am_shape in, int kh, int kw, const void *weights,
                              const int32_t *bias, am_shape out, am_xnn_scratch *s,
                              int threads, int *nomem)
{
    *nomem = 0;
    if (!am_xnn_init() || !takes(depthwise, p, in, out, bias))
        return NULL;
    if (!s || am_shape_size(in) > s->in_floats || am_shape_size(out) > s->out_floats)
        return NULL;
    const int pb = pad_after(in.h, kh, p->stride_h, p->dil_h, p->pad_top, out.h);
    const int pr = pad_after(in.w, kw, p->stride_w, p->dil_w, p->pad_left, out.w);
    if (pb < 0 || pr < 0)
        return NULL;
    uint32_t groups = 1, flags = 0;
    size_t gic = (size_t)in.c, goc = (size_t)out.c;
    if (depthwise) {
        groups = (uint32_t)in.c;
        gic = 1;
        goc = (size_t)p->depth_multiplier;
        flags = XNN_FLAG_DEPTHWISE_CONVOLUTION;
    }
    int too_big = 0;
    float *wf = float_weights(ctx, depthwise, p, kh * kw * (int)gic, out.c, weights, &too_big);
    if (!wf) {
        *nomem = !too_big;
        return NULL;
    }
    am_xnn_op *o = am_calloc(ctx, 1, sizeof *o);
    if (!o) {
        am_free(ctx, wf);
        *nomem = 1;
        return NULL;
    }
    o->in = in;
    o->out = out;
    o->s = s;
    enum xnn_status st = xnn_create_convolution2d_nhwc_f32(
        (uint32_t)p->pad_top, (uint32_t)pr, (uint32_t)pb, (uint32_t)p->pad_left, (uint32_t)kh,
        (uint32_t)kw, (uint32_t)p->stride_h, (uint32_t)p->stride_w, (uint32_t)p->dil_h,
        (uint32_t)p->dil_w, groups, gic, goc, (size_t)in.c, (size_t)out.c, wf, NULL, -INFINITY,
        INFINITY, flags, &o->conv);
    am_free(ctx, wf); /* packed by XNNPACK */
    if (!am_xnn_created(ctx, st, nomem))
        goto fail;
    const size_t ic = (size_t)in.c;
    const int zx = -p->in_offset;
    st = p->type == AM_U8
             ? xnn_create_convert_nc_qu8_f32(ic, ic, ic, 1.0f, (uint8_t)zx, 0, &o->to_float)
             : xnn_create_convert_nc_qs8_f32(ic, ic, ic, 1.0f, (int8_t)zx, 0, &o->to_float);
    if (!am_xnn_created(ctx, st, nomem))
        goto fail;
    if (!am_xnn_requant_make(ctx, p, bias, out.c, &o->rq)) {
        *nomem = 1;
        goto fail;
    }
    if (threads > 1 && !(o->tpool = am_xnn_tpool_get(ctx, threads, nomem)))
        goto fail;
    /* the float side never moves: set up once */
    st = xnn_setup_convolution2d_nhwc_f32(o->conv, (size_t)in.n, (size_t)in.h, (size_t)in.w,
                                          s->in, s->sums, am_xnn_tpool_handle(o->tpool));
    if (am_xnn_created(ctx, st, nomem))
        return o;
fail:
    am_xnn_destroy(ctx, o);
    return NULL;
}

#endif
