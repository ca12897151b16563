/* MEAN over H and W and AVERAGE_POOL_2D: XNNPACK's global average
 * pooling (qu8, qs8: the H*W pixels as one row of width H*W) and, for a
 * uint8 window smaller than the image, its 2-D average pooling (no
 * padding: TFLite leaves padded pixels out of the count). */
#if defined(AMSEL_HAVE_XNNPACK)
#include "backend/xnnpack/xnn_internal.h"

static const am_shape none = {0, 0, 0, 0};

am_xnn_op *am_xnn_mean_create(amsel_ctx *ctx, am_qtype t, am_shape in, am_xnn_quant qi,
                              am_xnn_quant qo, int32_t act_min, int32_t act_max, int threads,
                              int *nomem)
{
    *nomem = 0;
    if (!am_xnn_init() || in.n < 1 || in.h < 1 || in.w < 1 || in.c < 1 ||
        !am_xnn_range_ok(act_min, act_max) || !am_xnn_fits(qi.zp, t) || !am_xnn_fits(qo.zp, t) ||
        !am_xnn_fits(act_min, t) || !am_xnn_fits(act_max, t))
        return NULL;
    const size_t c = (size_t)in.c;
    xnn_operator_t op = NULL;
    enum xnn_status st;
    am_xnn_kind kind;
    if (t == AM_U8) {
        kind = AM_XNN_GAVG_QU8;
        st = xnn_create_global_average_pooling_nwc_qu8(
            c, c, c, (uint8_t)qi.zp, qi.scale, (uint8_t)qo.zp, qo.scale, (uint8_t)act_min,
            (uint8_t)act_max, 0, &op);
    } else {
        kind = AM_XNN_GAVG_QS8;
        st = xnn_create_global_average_pooling_nwc_qs8(c, c, c, (int8_t)qi.zp, qi.scale,
                                                       (int8_t)qo.zp, qo.scale, (int8_t)act_min,
                                                       (int8_t)act_max, 0, &op);
    }
    if (!am_xnn_created(ctx, st, nomem))
        return NULL;
    const am_shape out = {in.n, 1, 1, in.c};
    return am_xnn_op_wrap(ctx, op, kind, in, none, out, threads, nomem);
}

am_xnn_op *am_xnn_avg_pool_create(amsel_ctx *ctx, const am_pool_params *p, am_shape in,
                                  am_xnn_quant q, am_shape out, int threads, int *nomem)
{
    *nomem = 0;
    if (p->pad_top != 0 || p->pad_left != 0 || out.n != in.n || out.c != in.c)
        return NULL;
    if (p->filter_h == in.h && p->filter_w == in.w && out.h == 1 && out.w == 1)
        return am_xnn_mean_create(ctx, p->type, in, q, q, p->act_min, p->act_max, threads, nomem);
    /* a window inside the image at every output: no padding at the end either */
    if (p->type != AM_U8 || !am_xnn_init() || in.h < p->filter_h || in.w < p->filter_w ||
        (in.h - p->filter_h) / p->stride_h + 1 != out.h ||
        (in.w - p->filter_w) / p->stride_w + 1 != out.w || !am_xnn_fits(q.zp, p->type) ||
        !am_xnn_range_ok(p->act_min, p->act_max) || !am_xnn_fits(p->act_min, p->type) ||
        !am_xnn_fits(p->act_max, p->type))
        return NULL;
    const size_t c = (size_t)in.c;
    xnn_operator_t op = NULL;
    enum xnn_status st = xnn_create_average_pooling2d_nhwc_qu8(
        0, 0, 0, 0, (uint32_t)p->filter_h, (uint32_t)p->filter_w, (uint32_t)p->stride_h,
        (uint32_t)p->stride_w, c, c, c, (uint8_t)q.zp, q.scale, (uint8_t)q.zp, q.scale,
        (uint8_t)p->act_min, (uint8_t)p->act_max, 0, &op);
    if (!am_xnn_created(ctx, st, nomem))
        return NULL;
    return am_xnn_op_wrap(ctx, op, AM_XNN_AVGPOOL_QU8, in, none, out, threads, nomem);
}

#endif
