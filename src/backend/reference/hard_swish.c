/* HARD_SWISH for 8-bit tensors as a 256-entry table, computed with
 * TFLite's integer algorithm: HardSwishPrepare (activations.cc) for the
 * parameters and reference_ops::HardSwish (hard_swish.h) per value. The
 * algorithm works in int16 fixed point:
 *   hires   = (x - zi) * 2^7                       (input scale si/128)
 *   preout  = SRDHM16(hires, out_mult16)           (output scale, unshifted)
 *   reluish = hires rescaled so that 3.0 -> 2^15, saturating, then mapped
 *             from [-1, 1] to [0, 1]:  (reluish + 2^15) >> 1
 *   out     = RDivPOT(SDHM16(reluish, preout), -out_exp) + zo, clamped
 * hard_swish(x) = x * relu6(x + 3) / 6. */
#include "ref_internal.h"
#include "ref_kernels.h"

/* int -> int16 modulo 2^16, as C++'s implicit int16_t conversions. */
static int16_t wrap16(int32_t v)
{
    const uint16_t u = (uint16_t)((uint32_t)v & 0xffffu);
    return u <= 0x7fff ? (int16_t)u : (int16_t)((int32_t)u - 65536);
}

/* gemmlowp SaturatingRoundingDoublingHighMul<int16_t>. */
static int16_t srdhm16(int16_t a, int16_t b)
{
    if (a == INT16_MIN && b == INT16_MIN)
        return INT16_MAX;
    const int32_t ab = (int32_t)a * (int32_t)b;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return (int16_t)((ab + nudge) / (1 << 15));
}

/* TFLite SaturatingDoublingHighMul (hard_swish.h): as above but
 * truncating toward zero instead of rounding. */
static int16_t sdhm16(int16_t a, int16_t b)
{
    if (a == INT16_MIN && b == INT16_MIN)
        return INT16_MAX;
    const int32_t ab = (int32_t)a * (int32_t)b;
    return (int16_t)(ab / (1 << 15));
}

/* TFLite SaturatingLeftShift (hard_swish.h): value * 2^amount, saturated
 * to int16. Amounts >= 16 saturate any non-zero value. */
static int16_t sat_lshift16(int16_t v, int amount)
{
    if (amount > 16)
        amount = 16;
    const int32_t r = (int32_t)v * (1 << amount);
    return (int16_t)am_clamp32(r, INT16_MIN, INT16_MAX);
}

/* tflite::DownScaleInt32ToInt16Multiplier: round a Q31 multiplier to Q15. */
static int16_t downscale_mult(int32_t m)
{
    const int32_t rounding = 1 << 15;
    if (m >= INT32_MAX - rounding)
        return INT16_MAX;
    return (int16_t)((m + rounding) >> 16); /* m >= 0 */
}

void am_lut_hard_swish(uint8_t lut[256], am_qtype t, float si, int32_t zi,
                       float so, int32_t zo)
{
    /* HardSwishPrepare: the ratios are computed in float, then widened. */
    const float hires_input_scale = (1.0f / 128.0f) * si;
    const float reluish_scale = 3.0f / 32768.0f;
    const float output_multiplier = hires_input_scale / so;
    const float reluish_multiplier = hires_input_scale / reluish_scale;
    int32_t out_m32, rel_m32;
    int out_exp, rel_exp;
    am_quantize_multiplier((double)output_multiplier, &out_m32, &out_exp);
    am_quantize_multiplier((double)reluish_multiplier, &rel_m32, &rel_exp);
    const int16_t out_m16 = downscale_mult(out_m32);
    const int16_t rel_m16 = downscale_mult(rel_m32);
    const int32_t qmin = am_qmin(t), qmax = am_qmax(t);

    for (int byte = 0; byte < 256; ++byte) {
        const int16_t input_value = (int16_t)(am_byte_value(t, byte) - zi);
        const int16_t hires = (int16_t)(input_value * (1 << 7)); /* |.| <= 255 * 128 */
        const int16_t preshift_out = srdhm16(hires, out_m16);

        /* Relu-ish multiplier: shift left by all but one bit first, so
         * that any saturation happens in the last, separate bit. */
        int16_t reluish = hires;
        if (rel_exp > 0)
            reluish = sat_lshift16(reluish, rel_exp - 1);
        reluish = srdhm16(reluish, rel_m16);
        if (rel_exp > 0)
            reluish = sat_lshift16(reluish, 1);
        if (rel_exp < 0)
            reluish = (int16_t)am_rdivpot_inl(reluish, -rel_exp);
        reluish = (int16_t)((reluish + (1 << 15)) >> 1); /* [-1, 1] -> [0, 1] */

        const int16_t preshift_value = sdhm16(reluish, preshift_out);
        int16_t out;
        if (out_exp <= 0)
            out = (int16_t)am_rdivpot_inl(preshift_value, -out_exp);
        else /* TFLite's Prepare rejects this case; saturate. */
            out = sat_lshift16(preshift_value, out_exp);
        out = wrap16(out + zo); /* int16 arithmetic in TFLite */
        lut[byte] = am_value_byte(am_clamp32(out, qmin, qmax));
    }
}
