/* ADD and MUL as XNNPACK's N-dimensional binary operators (qu8, qs8),
 * which broadcast like TFLite (4-D shapes, a dimension of 1 repeats). */
#if defined(AMSEL_HAVE_XNNPACK)
#include "backend/xnnpack/xnn_internal.h"

am_xnn_op *am_xnn_binary_create(amsel_ctx *ctx, int mul, am_qtype t, am_shape a,
                                am_xnn_quant qa, am_shape b, am_xnn_quant qb, am_shape out,
                                am_xnn_quant qo, int32_t act_min, int32_t act_max, int threads,
                                int *nomem)
{
    *nomem = 0;
    if (!am_xnn_init() || !am_xnn_range_ok(act_min, act_max) || !am_xnn_fits(qa.zp, t) ||
        !am_xnn_fits(qb.zp, t) || !am_xnn_fits(qo.zp, t) || !am_xnn_fits(act_min, t) ||
        !am_xnn_fits(act_max, t))
        return NULL;
    xnn_operator_t op = NULL;
    enum xnn_status st;
    am_xnn_kind kind;
    if (t == AM_U8) {
        kind = mul ? AM_XNN_MUL_QU8 : AM_XNN_ADD_QU8;
        st = (mul ? xnn_create_multiply_nd_qu8 : xnn_create_add_nd_qu8)(
            (uint8_t)qa.zp, qa.scale, (uint8_t)qb.zp, qb.scale, (uint8_t)qo.zp, qo.scale,
            (uint8_t)act_min, (uint8_t)act_max, 0, &op);
    } else {
        kind = mul ? AM_XNN_MUL_QS8 : AM_XNN_ADD_QS8;
        st = (mul ? xnn_create_multiply_nd_qs8 : xnn_create_add_nd_qs8)(
            (int8_t)qa.zp, qa.scale, (int8_t)qb.zp, qb.scale, (int8_t)qo.zp, qo.scale,
            (int8_t)act_min, (int8_t)act_max, 0, &op);
    }
    if (!am_xnn_created(ctx, st, nomem))
        return NULL;
    return am_xnn_op_wrap(ctx, op, kind, a, b, out, threads, nomem);
}

#endif
