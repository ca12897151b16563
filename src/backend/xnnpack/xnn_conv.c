/* CONV_2D and DEPTHWISE_CONV_2D as XNNPACK NHWC convolutions: uint8
 * activations and weights as qu8 (per-tensor scales, weight zero point),
 * int8 activations and weights as qc8 (per-channel scales; a per-tensor
 * scale is repeated). Depthwise is a grouped convolution, one group per
 * input channel with depth_multiplier outputs each, whose filter
 * [kh][kw][out.c] is TFLite's layout (XNN_FLAG_DEPTHWISE_CONVOLUTION).
 * TFLite's SAME padding is explicit here: the top/left offsets of p and
 * whatever the output size needs at the bottom/right. */
#if defined(AMSEL_HAVE_XNNPACK)
#include "backend/xnnpack/xnn_internal.h"

#include <math.h>

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

/* XNNPACK converts accumulator * scale to int32 without saturating
 * (x86: an overflow becomes INT32_MIN, the wrong end of the clamp);
 * TFLite saturates. 1 when no output channel can overflow: |acc| is at
 * most |bias| + taps * 255 * (255 or 128). */
static int no_overflow(const am_conv_params *p, int taps, const int32_t *bias, int nout,
                       float in_scale, const float *w_scales, int nscales, float out_scale)
{
    const double per_tap = 255.0 * (p->type == AM_U8 ? 255.0 : 128.0);
    for (int c = 0; c < nout; c++) {
        const double real = (double)in_scale * w_scales[nscales == 1 ? 0 : c] / out_scale;
        const double acc = (bias ? fabs((double)bias[c]) : 0.0) + per_tap * taps;
        if (!(real * acc < 2147483520.0)) /* the largest float below 2^31 */
            return 0;
    }
    return 1;
}

/* TFLite's fixed-point requantization rounds twice (the doubling high
 * multiply, then the right shift by -shift), which for values >= 0 is
 * round-half-up of (acc + 2^30 / mult) * real: the result is biased up
 * by 0.5 to 1 accumulator unit, and XNNPACK (one fp32 rounding) comes
 * out 1 lower on 1 to 12% of the outputs of the models' early layers.
 * Adding 1 to the bias of such channels cuts that 2 to 6 times. Only
 * where the clamp starts at the zero point (RELU, RELU6): for negative
 * values TFLite's bias goes the other way, and those clamp to the zero
 * point anyway. */
static int needs_nudge(const am_conv_params *p, int nout)
{
    if (p->act_min < p->out_zp || !p->out_shift)
        return 0;
    for (int c = 0; c < nout; c++)
        if (p->out_shift[c] < 0)
            return 1;
    return 0;
}

am_xnn_op *am_xnn_conv_create(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                              am_shape in, int kh, int kw, const void *weights,
                              const int32_t *bias, am_shape out, float in_scale,
                              const float *w_scales, int nscales, float out_scale, int threads,
                              int *nomem)
{
    *nomem = 0;
    if (!am_xnn_init() || in.n != out.n || in.n < 1 || !am_xnn_range_ok(p->act_min, p->act_max))
        return NULL;
    const int pb = pad_after(in.h, kh, p->stride_h, p->dil_h, p->pad_top, out.h);
    const int pr = pad_after(in.w, kw, p->stride_w, p->dil_w, p->pad_left, out.w);
    if (pb < 0 || pr < 0 || p->pad_top < 0 || p->pad_left < 0 ||
        (nscales != 1 && nscales != out.c))
        return NULL;
    const int zx = -p->in_offset, zw = -p->w_offset;
    if (!am_xnn_fits(zx, p->type) || !am_xnn_fits(p->out_zp, p->type) ||
        !am_xnn_fits(p->act_min, p->type) || !am_xnn_fits(p->act_max, p->type))
        return NULL;
    uint32_t groups = 1, flags = 0;
    size_t gic = (size_t)in.c, goc = (size_t)out.c;
    if (depthwise) {
        if (p->depth_multiplier < 1 || out.c != in.c * p->depth_multiplier)
            return NULL;
        groups = (uint32_t)in.c;
        gic = 1;
        goc = (size_t)p->depth_multiplier;
        flags = XNN_FLAG_DEPTHWISE_CONVOLUTION;
    }
    if (!no_overflow(p, kh * kw * (int)gic, bias, out.c, in_scale, w_scales, nscales, out_scale))
        return NULL;
    int32_t *nudged = NULL;
    if (needs_nudge(p, out.c)) {
        if (!(nudged = am_malloc(ctx, (size_t)out.c * sizeof *nudged))) {
            *nomem = 1;
            return NULL;
        }
        for (int c = 0; c < out.c; c++) {
            nudged[c] = bias ? bias[c] : 0;
            if (p->out_shift[c] < 0 && nudged[c] < INT32_MAX)
                nudged[c]++;
        }
        bias = nudged;
    }
    xnn_operator_t op = NULL;
    enum xnn_status st;
    am_xnn_kind kind;
    if (p->type == AM_U8) {
        if (p->w_signed || nscales != 1 || zw < 0 || zw > 255)
            return NULL;
        kind = AM_XNN_CONV_QU8;
        st = xnn_create_convolution2d_nhwc_qu8(
            (uint32_t)p->pad_top, (uint32_t)pr, (uint32_t)pb, (uint32_t)p->pad_left,
            (uint32_t)kh, (uint32_t)kw, (uint32_t)p->stride_h, (uint32_t)p->stride_w,
            (uint32_t)p->dil_h, (uint32_t)p->dil_w, groups, gic, goc, (size_t)in.c,
            (size_t)out.c, (uint8_t)zx, in_scale, (uint8_t)zw, w_scales[0], weights, bias,
            (uint8_t)p->out_zp, out_scale, (uint8_t)p->act_min, (uint8_t)p->act_max, flags, &op);
    } else {
        if (!p->w_signed || zw != 0 || (nscales != 1 && nscales != out.c))
            return NULL;
        float *scales = am_malloc(ctx, (size_t)out.c * sizeof *scales);
        if (!scales) {
            *nomem = 1;
            return NULL;
        }
        for (int c = 0; c < out.c; c++)
            scales[c] = w_scales[nscales == 1 ? 0 : c];
        kind = AM_XNN_CONV_QC8;
        st = xnn_create_convolution2d_nhwc_qc8(
            (uint32_t)p->pad_top, (uint32_t)pr, (uint32_t)pb, (uint32_t)p->pad_left,
            (uint32_t)kh, (uint32_t)kw, (uint32_t)p->stride_h, (uint32_t)p->stride_w,
            (uint32_t)p->dil_h, (uint32_t)p->dil_w, groups, gic, goc, (size_t)in.c,
            (size_t)out.c, (int8_t)zx, in_scale, scales, weights, bias, (int8_t)p->out_zp,
            out_scale, (int8_t)p->act_min, (int8_t)p->act_max, flags, &op);
        am_free(ctx, scales); /* packed with the weights */
    }
    am_free(ctx, nudged); /* packed with the weights */
    if (!am_xnn_created(ctx, st, nomem))
        return NULL;
    const am_shape none = {0, 0, 0, 0};
    return am_xnn_op_wrap(ctx, op, kind, in, none, out, threads, nomem);
}

#endif
