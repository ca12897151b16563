/* Fixed-point quantization helpers: TFLite's QuantizeMultiplier,
 * MultiplyByQuantizedMultiplier, the two gemmlowp primitives it is built
 * from, and CalculateActivationRangeQuantized. */
#include <math.h>

#include "ref_internal.h"
#include "ref_kernels.h"

/* tflite::QuantizeMultiplier (quantization_util.cc), default build (no
 * TFLITE_SINGLE_ROUNDING, no TFLITE_EMULATE_FLOAT): m = q * 2^shift with
 * q in [0.5, 1) from frexp, mult = round(q * 2^31) (half away from zero,
 * as std::round); a rounded-up 2^31 becomes 2^30 with shift + 1, and
 * multipliers below 2^-31 flush to zero. */
void am_quantize_multiplier(double m, int32_t *mult, int *shift)
{
    if (m == 0.0) {
        *mult = 0;
        *shift = 0;
        return;
    }
    int e = 0;
    const double q = frexp(m, &e);
    int64_t q_fixed = (int64_t)round(q * 2147483648.0);
    if (q_fixed == (INT64_C(1) << 31)) {
        q_fixed /= 2;
        ++e;
    }
    if (e < -31) {
        e = 0;
        q_fixed = 0;
    }
    *mult = (int32_t)q_fixed;
    *shift = e;
}

int32_t am_srdhm(int32_t a, int32_t b) { return am_srdhm_inl(a, b); }

int32_t am_rdivpot(int32_t x, int exponent) { return am_rdivpot_inl(x, exponent); }

int32_t am_mul_by_qmul(int32_t x, int32_t mult, int shift)
{
    return am_mul_by_qmul_inl(x, mult, shift);
}

/* zero_point + round(f / scale), as TFLite's quantize lambda: float
 * division, TfLiteRound (= roundf, half away from zero). The float is
 * kept inside int32 before the conversion (out-of-range would be UB). */
static int32_t quantize_float(float f, float scale, int32_t zero_point)
{
    float r = roundf(f / scale);
    if (r > 2147483520.0f) r = 2147483520.0f;
    if (r < -2147483520.0f) r = -2147483520.0f;
    const int64_t q = (int64_t)zero_point + (int64_t)r;
    return q > INT32_MAX ? INT32_MAX : (q < INT32_MIN ? INT32_MIN : (int32_t)q);
}

static int32_t max32(int32_t a, int32_t b) { return a > b ? a : b; }
static int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }

/* tflite::CalculateActivationRangeQuantized (kernel_util.cc). Activation
 * codes are TFLite's: 0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6. */
int am_activation_range(int fused_act, float scale, int32_t zero_point, am_qtype t,
                        int32_t *act_min, int32_t *act_max)
{
    const int32_t qmin = am_qmin(t), qmax = am_qmax(t);
    switch (fused_act) {
    case 0: /* NONE */
        *act_min = qmin;
        *act_max = qmax;
        return 1;
    case 1: /* RELU */
        *act_min = max32(qmin, quantize_float(0.0f, scale, zero_point));
        *act_max = qmax;
        return 1;
    case 2: /* RELU_N1_TO_1 */
        *act_min = max32(qmin, quantize_float(-1.0f, scale, zero_point));
        *act_max = min32(qmax, quantize_float(1.0f, scale, zero_point));
        return 1;
    case 3: /* RELU6 */
        *act_min = max32(qmin, quantize_float(0.0f, scale, zero_point));
        *act_max = min32(qmax, quantize_float(6.0f, scale, zero_point));
        return 1;
    default:
        return 0;
    }
}
