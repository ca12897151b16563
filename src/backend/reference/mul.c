/* MUL of two 8-bit tensors with 4-D broadcasting: TFLite
 * reference_integer_ops::Mul / BroadcastMul4DSlow (integer_ops/mul.h; the
 * uint8 reference_ops::Mul is the same arithmetic):
 *   out = clamp(MultiplyByQuantizedMultiplier((in1 + in1_offset) *
 *               (in2 + in2_offset), out_mult, out_shift) + out_offset)
 * The multiplier comes from mul.cc Prepare, where
 * s1 * s2 / so is evaluated in float before QuantizeMultiplier. */
#include "ref_internal.h"
#include "ref_kernels.h"

static inline int32_t mul_one(const void *params, int32_t a, int32_t b)
{
    const am_mul_params *p = params;
    const int32_t prod = (a + p->in1_offset) * (b + p->in2_offset); /* |.| <= 255^2 */
    const int32_t raw = am_mul_by_qmul_inl(prod, p->out_mult, p->out_shift) + p->out_offset;
    return am_clamp32(raw, p->act_min, p->act_max);
}

void am_ref_mul(const am_mul_params *p, am_shape a, const void *in1, am_shape b,
                const void *in2, am_shape out, void *output)
{
    am_binary_walk(mul_one, p, p->type, a, in1, b, in2, out, output);
}
