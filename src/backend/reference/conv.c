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
 * [n][oh][ow][oc]. The inner loop is a dot product over contiguous input
 * channels (with dilation 1 over a whole kernel row: kw * ic values),
 * specialised per activation/weight type so the compiler vectorises it. */
#include "ref_internal.h"
#include "ref_kernels.h"

/* sum of (x[i] + xo) * (w[i] + wo), i < n. Both factors fit int16
 * ([-255, 255]) and so does their product's use as a widening multiply,
 * which lets the vectoriser use 16-bit multiply-add instructions. */
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

void am_ref_conv2d(const am_conv_params *p, am_shape in, const void *input,
                   int kh, int kw, const void *weights, const int32_t *bias,
                   am_shape out, void *output)
{
    const am_dot_fn dot = pick_dot(p->type, p->w_signed);
    const int16_t xo = (int16_t)p->in_offset;
    const int16_t wo = (int16_t)p->w_offset;
    const int ic = in.c, oc_n = out.c;
    const size_t w_per_oc = (size_t)kh * (size_t)kw * (size_t)ic;
    const uint8_t *in_bytes = (const uint8_t *)input; /* both types are 1 byte */
    const uint8_t *w_bytes = (const uint8_t *)weights;

    for (int b = 0; b < out.n; ++b) {
        for (int oy = 0; oy < out.h; ++oy) {
            const int iy0 = oy * p->stride_h - p->pad_top;
            int ky0, ky1;
            am_tap_range(iy0, p->dil_h, kh, in.h, &ky0, &ky1);
            for (int ox = 0; ox < out.w; ++ox) {
                const int ix0 = ox * p->stride_w - p->pad_left;
                int kx0, kx1;
                am_tap_range(ix0, p->dil_w, kw, in.w, &kx0, &kx1);
                const int nkx = kx1 - kx0;
                const size_t out_base = (((size_t)b * out.h + oy) * out.w + ox) * oc_n;

                for (int oc = 0; oc < oc_n; ++oc) {
                    int32_t acc = bias ? bias[oc] : 0;
                    const uint8_t *w_oc = w_bytes + (size_t)oc * w_per_oc;
                    for (int ky = ky0; ky < ky1; ++ky) {
                        const int iy = iy0 + ky * p->dil_h;
                        /* first valid tap of this kernel row */
                        const uint8_t *x_row =
                            in_bytes + (((size_t)b * in.h + iy) * in.w + (ix0 + kx0 * p->dil_w)) * ic;
                        const uint8_t *w_row = w_oc + ((size_t)ky * kw + kx0) * ic;
                        if (p->dil_w == 1) {
                            /* the valid taps of the row are contiguous in both */
                            acc += dot(x_row, w_row, nkx * ic, xo, wo);
                        } else {
                            for (int k = 0; k < nkx; ++k)
                                acc += dot(x_row + (size_t)k * p->dil_w * ic,
                                           w_row + (size_t)k * ic, ic, xo, wo);
                        }
                    }
                    int32_t v = am_mul_by_qmul_inl(acc, p->out_mult[oc], p->out_shift[oc]);
                    v = am_clamp32(v + p->out_zp, p->act_min, p->act_max);
                    am_store8(p->type, output, out_base + oc, v);
                }
            }
        }
    }
}
