/* MEAN over H and W (keep_dims, 4-D): TFLite
 * reference_integer_ops::Mean (integer_ops/mean.h) with the multiplier of
 * reduce.cc PrepareMeanOrSum, QuantizeMultiplier(in_scale / out_scale):
 *   acc = sum over h, w of (in - in_zp)
 *   acc = MultiplyByQuantizedMultiplier(acc, mult, shift)
 *   acc = acc / (h*w) rounded half away from zero
 *   out = clamp(acc + out_zp, type range)
 * Used for both types as ref_kernels.h specifies. Note: TFLite's own
 * uint8 reference path (reference_ops::Mean in reduce.h) and both
 * optimized paths use a different formula (sum scaled by
 * in_scale / (h*w*out_scale) plus a float bias), which can differ by 1.
 * Input [n][h][w][c] -> output [n][1][1][c]. */
#include "ref_internal.h"
#include "ref_kernels.h"

enum { AM_MEAN_BLOCK = 256 };

void am_ref_mean_hw(const am_mean_params *p, am_shape in, const void *input, void *output)
{
    const int32_t count = in.h * in.w;
    const size_t plane = (size_t)in.h * (size_t)in.w;
    const int32_t qmin = am_qmin(p->type), qmax = am_qmax(p->type);
    int32_t acc[AM_MEAN_BLOCK];

    for (int b = 0; b < in.n; ++b) {
        for (int c0 = 0; c0 < in.c; c0 += AM_MEAN_BLOCK) {
            const int n = in.c - c0 < AM_MEAN_BLOCK ? in.c - c0 : AM_MEAN_BLOCK;
            for (int j = 0; j < n; ++j)
                acc[j] = 0;
            for (size_t i = 0; i < plane; ++i) {
                const size_t px = ((size_t)b * plane + i) * (size_t)in.c + (size_t)c0;
                if (p->type == AM_U8) {
                    const uint8_t *x = (const uint8_t *)input + px;
                    for (int j = 0; j < n; ++j)
                        acc[j] += (int32_t)x[j] - p->in_zp;
                } else {
                    const int8_t *x = (const int8_t *)input + px;
                    for (int j = 0; j < n; ++j)
                        acc[j] += (int32_t)x[j] - p->in_zp;
                }
            }
            for (int j = 0; j < n; ++j) {
                int32_t v = am_mul_by_qmul_inl(acc[j], p->mult, p->shift);
                v = v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
                v = am_clamp32(v + p->out_zp, qmin, qmax);
                am_store8(p->type, output, (size_t)b * (size_t)in.c + (size_t)(c0 + j), v);
            }
        }
    }
}
