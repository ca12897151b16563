/* AVERAGE_POOL_2D: TFLite reference_ops::AveragePool (uint8, pooling.h)
 * and reference_integer_ops::AveragePool (int8). The window is clamped to
 * the image, so padded positions are left out of both sum and count.
 * Rounding of sum / count:
 *   uint8: (sum + count/2) / count           (sum >= 0)
 *   int8:  sum > 0 ? (sum + count/2) / count : (sum - count/2) / count
 * i.e. half away from zero for both. Input and output share scale and
 * zero point, so no requantization. Layout NHWC; the per-pixel sums of a
 * block of channels are kept on the stack. */
#include "ref_internal.h"
#include "ref_kernels.h"

enum { AM_POOL_BLOCK = 256 };

static int32_t round_div(int32_t sum, int32_t count)
{
    /* C division truncates toward zero, like TFLite's. */
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

void am_ref_avg_pool(const am_pool_params *p, am_shape in, const void *input,
                     am_shape out, void *output)
{
    const int c_n = in.c; /* == out.c */
    int32_t acc[AM_POOL_BLOCK];

    for (int b = 0; b < out.n; ++b) {
        for (int oy = 0; oy < out.h; ++oy) {
            const am_taps ty = am_taps_at(oy, p->stride_h, p->pad_top, 1, p->filter_h, in.h);
            const int iy0 = ty.origin, fy0 = ty.k0, fy1 = ty.k1;
            for (int ox = 0; ox < out.w; ++ox) {
                const am_taps tx = am_taps_at(ox, p->stride_w, p->pad_left, 1, p->filter_w, in.w);
                const int ix0 = tx.origin, fx0 = tx.k0, fx1 = tx.k1;
                const int32_t count = (fy1 - fy0) * (fx1 - fx0);
                const size_t out_base = (((size_t)b * out.h + oy) * out.w + ox) * c_n;

                for (int c0 = 0; c0 < c_n; c0 += AM_POOL_BLOCK) {
                    const int n = c_n - c0 < AM_POOL_BLOCK ? c_n - c0 : AM_POOL_BLOCK;
                    for (int j = 0; j < n; ++j)
                        acc[j] = 0;
                    for (int fy = fy0; fy < fy1; ++fy) {
                        for (int fx = fx0; fx < fx1; ++fx) {
                            const int iy = iy0 + fy, ix = ix0 + fx; /* inside the image */
                            const size_t px =
                                (((size_t)b * in.h + iy) * in.w + ix) * c_n + c0;
                            if (p->type == AM_U8) {
                                const uint8_t *x = (const uint8_t *)input + px;
                                for (int j = 0; j < n; ++j)
                                    acc[j] += x[j];
                            } else {
                                const int8_t *x = (const int8_t *)input + px;
                                for (int j = 0; j < n; ++j)
                                    acc[j] += x[j];
                            }
                        }
                    }
                    for (int j = 0; j < n; ++j) {
                        /* count == 0 cannot happen with SAME/VALID padding
                         * (TFLite returns an error there); write act_min-clamped 0. */
                        const int32_t avg = count > 0 ? round_div(acc[j], count) : 0;
                        am_store8(p->type, output, out_base + c0 + j,
                                  am_clamp32(avg, p->act_min, p->act_max));
                    }
                }
            }
        }
    }
}
