/* ADD of two 8-bit tensors with 4-D broadcasting: TFLite add.cc Prepare
 * (8-bit branch) for the parameters and reference_ops::Add /
 * BroadcastAdd4DSlow (uint8) and reference_integer_ops::Add (int8) for the
 * per-element arithmetic:
 *   x1 = (in1 + in1_offset) << left_shift, scaled by qmul(s1 / (2 max))
 *   x2 = (in2 + in2_offset) << left_shift, scaled by qmul(s2 / (2 max))
 *   out = clamp(qmul(x1 + x2, 2 max / (2^left_shift * so)) + zo)
 * where max = max(s1, s2). The scaling multipliers are all < 1
 * (TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp, which is
 * MultiplyByQuantizedMultiplier for shift <= 0). */
#include "ref_internal.h"
#include "ref_kernels.h"

void am_add_params_init(am_add_params *p, am_qtype t,
                        float s1, int32_t z1, float s2, int32_t z2,
                        float so, int32_t zo, int32_t act_min, int32_t act_max)
{
    p->type = t;
    p->left_shift = 20; /* 8-bit inputs; TFLite uses 15 only for int16 */
    p->in1_offset = -z1;
    p->in2_offset = -z2;
    p->out_offset = zo;
    p->act_min = act_min;
    p->act_max = act_max;
    /* add.cc: twice_max_input_scale = 2 * std::max(s1, s2) (a float,
     * exact), the ratios in double; (1 << 20) * so is a float product
     * (exact: a power of two). */
    const double twice_max = (double)(2.0f * (s1 > s2 ? s1 : s2));
    const double real_in1 = (double)s1 / twice_max;
    const double real_in2 = (double)s2 / twice_max;
    const double real_out = twice_max / (double)((float)(1 << p->left_shift) * so);
    am_quantize_multiplier(real_in1, &p->in1_mult, &p->in1_shift);
    am_quantize_multiplier(real_in2, &p->in2_mult, &p->in2_shift);
    am_quantize_multiplier(real_out, &p->out_mult, &p->out_shift);
}

static inline int32_t add_one(const void *params, int32_t a, int32_t b)
{
    const am_add_params *p = params;
    /* (a + offset) is within [-255, 255]; times 2^20 it fits int32. */
    const int32_t sa = (a + p->in1_offset) * (1 << p->left_shift);
    const int32_t sb = (b + p->in2_offset) * (1 << p->left_shift);
    const int32_t xa = am_mul_by_qmul_inl(sa, p->in1_mult, p->in1_shift);
    const int32_t xb = am_mul_by_qmul_inl(sb, p->in2_mult, p->in2_shift);
    const int32_t raw = am_mul_by_qmul_inl(xa + xb, p->out_mult, p->out_shift) + p->out_offset;
    return am_clamp32(raw, p->act_min, p->act_max);
}

void am_ref_add(const am_add_params *p, am_shape a, const void *in1, am_shape b,
                const void *in2, am_shape out, void *output)
{
    am_binary_walk(add_one, p, p->type, a, in1, b, in2, out, output);
}
