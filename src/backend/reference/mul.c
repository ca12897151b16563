/* MUL of two 8-bit tensors with 4-D broadcasting: TFLite
 * reference_integer_ops::Mul / BroadcastMul4DSlow (integer_ops/mul.h; the
 * uint8 reference_ops::Mul is the same arithmetic):
 *   out = clamp(MultiplyByQuantizedMultiplier((in1 + in1_offset) *
 *               (in2 + in2_offset), out_mult, out_shift) + out_offset)
 * The multiplier comes from mul.cc Prepare, where
 * s1 * s2 / so is evaluated in float before QuantizeMultiplier. */
#include "ref_internal.h"
#include "ref_kernels.h"

static inline int32_t mul_one(const am_mul_params *p, int32_t a, int32_t b)
{
    const int32_t prod = (a + p->in1_offset) * (b + p->in2_offset); /* |.| <= 255^2 */
    const int32_t raw = am_mul_by_qmul_inl(prod, p->out_mult, p->out_shift) + p->out_offset;
    return am_clamp32(raw, p->act_min, p->act_max);
}

void am_ref_mul(const am_mul_params *p, am_shape a, const void *in1, am_shape b,
                const void *in2, am_shape out, void *output)
{
    const am_qtype t = p->type;
    if (am_same_shape(a, out) && am_same_shape(b, out)) {
        const size_t n = am_shape_size(out);
        for (size_t i = 0; i < n; ++i)
            am_store8(t, output, i, mul_one(p, am_load8(t, in1, i), am_load8(t, in2, i)));
        return;
    }
    /* Broadcast: walk the output, a stride of 0 repeats a size-1 dim. */
    const am_bstride sa = am_broadcast_strides(a), sb = am_broadcast_strides(b);
    size_t o = 0;
    for (int n = 0; n < out.n; ++n)
        for (int y = 0; y < out.h; ++y)
            for (int x = 0; x < out.w; ++x) {
                const size_t ia = n * sa.n + y * sa.h + x * sa.w;
                const size_t ib = n * sb.n + y * sb.h + x * sb.w;
                for (int c = 0; c < out.c; ++c, ++o)
                    am_store8(t, output, o,
                              mul_one(p, am_load8(t, in1, ia + c * sa.c),
                                      am_load8(t, in2, ib + c * sb.c)));
            }
}
