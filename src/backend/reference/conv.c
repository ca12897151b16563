/* CONV_2D: TFLite reference_ops::Conv (uint8, per-tensor) and
 * reference_integer_ops::ConvPerChannel (int8, per-channel), which share
 * one formula once weights carry an offset:
 *   acc = bias[oc] + sum over taps inside the image and input channels of
 *         (in + in_offset) * (w + w_offset)
 *   out = clamp(MultiplyByQuantizedMultiplier(acc, mult[oc], shift[oc])
 *               + out_zp, act_min, act_max)
 * Out-of-image taps are skipped (same as padding with the input zero
 * point). Integer sums are exact, so summing in a different order than
 * TFLite does not change the result.
 *
 * Layout: input [n][h][w][ic], weights [oc][kh][kw][ic], output
 * [n][oh][ow][oc]. Two loop orders, same arithmetic:
 *  - general: per output, a dot product over contiguous input channels
 *    (with dilation 1 over a whole kernel row: kw * ic values);
 *  - small kernels (kh * kw * ic <= AM_T_KMAX, e.g. the first layer or
 *    1x1 convs with few input channels): the inner loop runs across 16
 *    output channels instead, over weights transposed on the stack.
 * Both are specialised per activation/weight type so the compiler
 * vectorises them, and only compute the valid tap range once per output
 * pixel: there are no bounds checks in the inner loops. */
#include "ref_internal.h"
#include "ref_kernels.h"

/* sum of (x[i] + xo) * (w[i] + wo), i < n. Both factors are in
 * [-255, 255], so they are computed as int16 and multiplied as a widening
 * 16 x 16 -> 32-bit product, which the vectoriser handles well. */
typedef int32_t (*am_dot_fn)(const void *x, const void *w, int n, int16_t xo, int16_t wo);

#define AM_DEFINE_DOT(NAME, TX, TW)                                                  \
    static int32_t NAME(const void *xv, const void *wv, int n, int16_t xo, int16_t wo) \
    {                                                                                \
        const TX *x = (const TX *)xv;                                                \
        const TW *w = (const TW *)wv;                                                \
        int32_t acc = 0;                                                             \
        for (int i = 0; i < n; ++i) {                                                \
            const int16_t a = (int16_t)(x[i] + xo);                                  \
            const int16_t b = (int16_t)(w[i] + wo);                                  \
            acc += (int32_t)a * (int32_t)b;                                          \
        }                                                                            \
        return acc;                                                                  \
    }

AM_DEFINE_DOT(dot_u8_u8, uint8_t, uint8_t)
AM_DEFINE_DOT(dot_u8_i8, uint8_t, int8_t)
AM_DEFINE_DOT(dot_i8_u8, int8_t, uint8_t)
AM_DEFINE_DOT(dot_i8_i8, int8_t, int8_t)

static am_dot_fn pick_dot(am_qtype t, int w_signed)
{
    if (t == AM_U8)
        return w_signed ? dot_u8_i8 : dot_u8_u8;
    return w_signed ? dot_i8_i8 : dot_i8_u8;
}

/* ---- Small kernels (kh * kw * ic <= AM_T_KMAX) ------------------------
 * With few input channels a dot product per output is mostly overhead, so
 * this path runs its inner loop across AM_T_OC output channels instead:
 * the weights of a block of output channels are copied once, transposed
 * and with their offset applied, into an int16 [kh][kw][ic][AM_T_OC] array
 * on the stack, and every input value is multiplied into AM_T_OC
 * accumulators. */
enum { AM_T_OC = 16, AM_T_KMAX = 192 }; /* beyond 192 the dot path is faster */

/* acc[j] += (x[i] + xo) * wt[i][j], i < nk, j < AM_T_OC. */
typedef void (*am_taps_fn)(int32_t *acc, const void *x, const int16_t *wt, int nk, int16_t xo);

#define AM_DEFINE_TAPS(NAME, TX)                                                       \
    static void NAME(int32_t *acc, const void *xv, const int16_t *wt, int nk, int16_t xo) \
    {                                                                                  \
        const TX *x = (const TX *)xv;                                                  \
        for (int i = 0; i < nk; ++i) {                                                 \
            const int16_t v = (int16_t)(x[i] + xo);                                    \
            const int16_t *w = wt + (size_t)i * AM_T_OC;                               \
            for (int j = 0; j < AM_T_OC; ++j)                                          \
                acc[j] += (int32_t)v * (int32_t)w[j];                                  \
        }                                                                              \
    }

AM_DEFINE_TAPS(taps_u8, uint8_t)
AM_DEFINE_TAPS(taps_i8, int8_t)

static void conv_small_k(const am_conv_params *p, am_shape in, const uint8_t *in_bytes, int kh,
                         int kw, const uint8_t *w_bytes, const int32_t *bias, am_shape out,
                         uint8_t *out_bytes)
{
    const am_taps_fn taps = p->type == AM_U8 ? taps_u8 : taps_i8;
    const int16_t xo = (int16_t)p->in_offset;
    const int ic = in.c, oc_n = out.c;
    const int k_n = kh * kw * ic;
    int16_t wt[AM_T_KMAX * AM_T_OC];
    int32_t acc[AM_T_OC];
    am_rq rq[AM_T_OC];

    for (int oc0 = 0; oc0 < oc_n; oc0 += AM_T_OC) {
        const int n = oc_n - oc0 < AM_T_OC ? oc_n - oc0 : AM_T_OC;
        /* wt[k][j] = w[oc0 + j][k] + w_offset; 0 for the padding channels */
        for (int k = 0; k < k_n; ++k)
            for (int j = 0; j < AM_T_OC; ++j) {
                int32_t v = 0;
                if (j < n) {
                    const size_t wi = (size_t)(oc0 + j) * (size_t)k_n + (size_t)k;
                    v = (p->w_signed ? (int32_t)((const int8_t *)w_bytes)[wi]
                                     : (int32_t)w_bytes[wi]) + p->w_offset;
                }
                wt[(size_t)k * AM_T_OC + j] = (int16_t)v;
            }
        for (int j = 0; j < n; ++j)
            rq[j] = am_rq_make(p->out_mult[oc0 + j], p->out_shift[oc0 + j]);

        for (int b = 0; b < out.n; ++b) {
            for (int oy = 0; oy < out.h; ++oy) {
                const am_taps ty = am_taps_at(oy, p->stride_h, p->pad_top, p->dil_h, kh, in.h);
                const int iy0 = ty.origin, ky0 = ty.k0, ky1 = ty.k1;
                for (int ox = 0; ox < out.w; ++ox) {
                    const am_taps tx = am_taps_at(ox, p->stride_w, p->pad_left, p->dil_w, kw, in.w);
                    const int ix0 = tx.origin, kx0 = tx.k0, kx1 = tx.k1;
                    const int nkx = kx1 - kx0;

                    for (int j = 0; j < AM_T_OC; ++j)
                        acc[j] = (bias && j < n) ? bias[oc0 + j] : 0;
                    for (int ky = ky0; ky < ky1; ++ky) {
                        const int iy = iy0 + ky * p->dil_h;
                        const uint8_t *x_row =
                            in_bytes +
                            (((size_t)b * in.h + iy) * in.w + (ix0 + kx0 * p->dil_w)) * ic;
                        const int16_t *w_row = wt + ((size_t)ky * kw + kx0) * ic * AM_T_OC;
                        if (p->dil_w == 1) {
                            taps(acc, x_row, w_row, nkx * ic, xo);
                        } else {
                            for (int k = 0; k < nkx; ++k)
                                taps(acc, x_row + (size_t)k * p->dil_w * ic,
                                     w_row + (size_t)k * ic * AM_T_OC, ic, xo);
                        }
                    }
                    const size_t out_px = (((size_t)b * out.h + oy) * out.w + ox) * oc_n;
                    am_requant_row(p->type, acc, n, rq, p->out_zp, p->act_min, p->act_max,
                                   out_bytes + out_px + oc0);
                }
            }
        }
    }
}

/* ---- General kernels: a dot product over contiguous input channels ---- */

enum { AM_CONV_BLOCK = 64 }; /* output channels per block */

void am_ref_conv2d(const am_conv_params *p, am_shape in, const void *input,
                   int kh, int kw, const void *weights, const int32_t *bias,
                   am_shape out, void *output)
{
    if (kh * kw * in.c <= AM_T_KMAX) {
        conv_small_k(p, in, (const uint8_t *)input, kh, kw, (const uint8_t *)weights, bias, out,
                     (uint8_t *)output);
        return;
    }
    const am_dot_fn dot = pick_dot(p->type, p->w_signed);
    const int16_t xo = (int16_t)p->in_offset;
    const int16_t wo = (int16_t)p->w_offset;
    const int ic = in.c, oc_n = out.c;
    const size_t w_per_oc = (size_t)kh * (size_t)kw * (size_t)ic;
    const uint8_t *in_bytes = (const uint8_t *)input; /* both types are 1 byte */
    const uint8_t *w_bytes = (const uint8_t *)weights;
    uint8_t *out_bytes = (uint8_t *)output;
    int32_t acc[AM_CONV_BLOCK];
    am_rq rq[AM_CONV_BLOCK];

    /* Output-channel blocks outermost: the block's weights stay in cache
     * across all pixels and its requantization constants are made once. */
    for (int oc0 = 0; oc0 < oc_n; oc0 += AM_CONV_BLOCK) {
        const int n = oc_n - oc0 < AM_CONV_BLOCK ? oc_n - oc0 : AM_CONV_BLOCK;
        for (int j = 0; j < n; ++j)
            rq[j] = am_rq_make(p->out_mult[oc0 + j], p->out_shift[oc0 + j]);

        for (int b = 0; b < out.n; ++b) {
            for (int oy = 0; oy < out.h; ++oy) {
                const am_taps ty = am_taps_at(oy, p->stride_h, p->pad_top, p->dil_h, kh, in.h);
                const int iy0 = ty.origin, ky0 = ty.k0, ky1 = ty.k1;
                for (int ox = 0; ox < out.w; ++ox) {
                    const am_taps tx = am_taps_at(ox, p->stride_w, p->pad_left, p->dil_w, kw, in.w);
                    const int ix0 = tx.origin, kx0 = tx.k0, kx1 = tx.k1;
                    const int nkx = kx1 - kx0;

                    for (int j = 0; j < n; ++j) {
                        const int oc = oc0 + j;
                        int32_t a = bias ? bias[oc] : 0;
                        const uint8_t *w_oc = w_bytes + (size_t)oc * w_per_oc;
                        for (int ky = ky0; ky < ky1; ++ky) {
                            const int iy = iy0 + ky * p->dil_h;
                            /* first valid tap of this kernel row */
                            const uint8_t *x_row =
                                in_bytes +
                                (((size_t)b * in.h + iy) * in.w + (ix0 + kx0 * p->dil_w)) * ic;
                            const uint8_t *w_row = w_oc + ((size_t)ky * kw + kx0) * ic;
                            if (p->dil_w == 1) {
                                /* the row's valid taps are contiguous in both */
                                a += dot(x_row, w_row, nkx * ic, xo, wo);
                            } else {
                                for (int k = 0; k < nkx; ++k)
                                    a += dot(x_row + (size_t)k * p->dil_w * ic,
                                             w_row + (size_t)k * ic, ic, xo, wo);
                            }
                        }
                        acc[j] = a;
                    }
                    const size_t out_px = (((size_t)b * out.h + oy) * out.w + ox) * oc_n;
                    am_requant_row(p->type, acc, n, rq, p->out_zp, p->act_min, p->act_max,
                                   out_bytes + out_px + oc0);
                }
            }
        }
    }
}
