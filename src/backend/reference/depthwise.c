/* DEPTHWISE_CONV_2D: TFLite reference_ops::DepthwiseConv (uint8,
 * depthwiseconv_uint8.h, kUpward = MultiplyByQuantizedMultiplier) and
 * reference_integer_ops::DepthwiseConvPerChannel (int8). Output channel
 * oc = ic * depth_multiplier + m reads input channel ic:
 *   acc[oc] = bias[oc] + sum over taps inside the image of
 *             (in[ic] + in_offset) * (w[ky][kx][oc] + w_offset)
 *   out = clamp(MultiplyByQuantizedMultiplier(acc, mult[oc], shift[oc])
 *               + out_zp, act_min, act_max)
 *
 * Layout: input [n][h][w][ic], weights [1][kh][kw][oc], output
 * [n][oh][ow][oc]. For each output pixel the accumulators of a block of
 * channels live on the stack and every valid tap adds one contiguous row
 * of channels, which vectorises across channels. */
#include "ref_internal.h"
#include "ref_kernels.h"

enum { AM_DW_BLOCK = 256 }; /* channels accumulated at once */

/* acc[j] += (x[j] + xo) * (w[j] + wo), j < n (depth multiplier 1). */
typedef void (*am_dwrow_fn)(int32_t *acc, const void *x, const void *w, int n, int16_t xo,
                            int16_t wo);

#define AM_DEFINE_DWROW(NAME, TX, TW)                                                   \
    static void NAME(int32_t *acc, const void *xv, const void *wv, int n, int16_t xo,   \
                     int16_t wo)                                                        \
    {                                                                                   \
        const TX *x = (const TX *)xv;                                                   \
        const TW *w = (const TW *)wv;                                                   \
        for (int j = 0; j < n; ++j) {                                                   \
            const int16_t a = (int16_t)(x[j] + xo);                                     \
            const int16_t b = (int16_t)(w[j] + wo);                                     \
            acc[j] += (int32_t)a * (int32_t)b;                                          \
        }                                                                               \
    }

AM_DEFINE_DWROW(dwrow_u8_u8, uint8_t, uint8_t)
AM_DEFINE_DWROW(dwrow_u8_i8, uint8_t, int8_t)
AM_DEFINE_DWROW(dwrow_i8_u8, int8_t, uint8_t)
AM_DEFINE_DWROW(dwrow_i8_i8, int8_t, int8_t)

static am_dwrow_fn pick_dwrow(am_qtype t, int w_signed)
{
    if (t == AM_U8)
        return w_signed ? dwrow_u8_i8 : dwrow_u8_u8;
    return w_signed ? dwrow_i8_i8 : dwrow_i8_u8;
}

/* Any depth multiplier: output channel c0 + j reads input (c0 + j) / dm. */
static void dwrow_any(am_qtype t, int w_signed, int32_t *acc, const void *x_px,
                      const void *w_tap, int c0, int n, int dm, int32_t xo, int32_t wo)
{
    for (int j = 0; j < n; ++j) {
        const int oc = c0 + j;
        const int32_t xv = am_load8(t, x_px, (size_t)(oc / dm)) + xo;
        const int32_t wv = (w_signed ? (int32_t)((const int8_t *)w_tap)[oc]
                                     : (int32_t)((const uint8_t *)w_tap)[oc]) + wo;
        acc[j] += xv * wv;
    }
}

void am_ref_depthwise_conv2d(const am_conv_params *p, am_shape in, const void *input,
                             int kh, int kw, const void *weights, const int32_t *bias,
                             am_shape out, void *output)
{
    const am_dwrow_fn row = pick_dwrow(p->type, p->w_signed);
    const int dm = p->depth_multiplier;
    const int ic = in.c, oc_n = out.c; /* oc_n == ic * dm */
    const int16_t xo = (int16_t)p->in_offset, wo = (int16_t)p->w_offset;
    const uint8_t *in_bytes = (const uint8_t *)input;
    const uint8_t *w_bytes = (const uint8_t *)weights;
    uint8_t *out_bytes = (uint8_t *)output;
    int32_t acc[AM_DW_BLOCK];
    am_rq rq[AM_DW_BLOCK];

    /* Channel blocks outermost: the block's requantization constants are
     * worked out once, and its weights stay in cache. */
    for (int c0 = 0; c0 < oc_n; c0 += AM_DW_BLOCK) {
        const int n = oc_n - c0 < AM_DW_BLOCK ? oc_n - c0 : AM_DW_BLOCK;
        for (int j = 0; j < n; ++j)
            rq[j] = am_rq_make(p->out_mult[c0 + j], p->out_shift[c0 + j]);

        for (int b = 0; b < out.n; ++b) {
            for (int oy = 0; oy < out.h; ++oy) {
                const am_taps ty = am_taps_at(oy, p->stride_h, p->pad_top, p->dil_h, kh, in.h);
                const int iy0 = ty.origin, ky0 = ty.k0, ky1 = ty.k1;
                for (int ox = 0; ox < out.w; ++ox) {
                    const am_taps tx = am_taps_at(ox, p->stride_w, p->pad_left, p->dil_w, kw, in.w);
                    const int ix0 = tx.origin, kx0 = tx.k0, kx1 = tx.k1;

                    for (int j = 0; j < n; ++j)
                        acc[j] = bias ? bias[c0 + j] : 0;
                    for (int ky = ky0; ky < ky1; ++ky) {
                        const int iy = iy0 + ky * p->dil_h;
                        for (int kx = kx0; kx < kx1; ++kx) {
                            const int ix = ix0 + kx * p->dil_w;
                            const uint8_t *x_px =
                                in_bytes + (((size_t)b * in.h + iy) * in.w + ix) * ic;
                            const uint8_t *w_tap = w_bytes + ((size_t)ky * kw + kx) * oc_n;
                            if (dm == 1)
                                row(acc, x_px + c0, w_tap + c0, n, xo, wo);
                            else
                                dwrow_any(p->type, p->w_signed, acc, x_px, w_tap, c0, n, dm,
                                          p->in_offset, p->w_offset);
                        }
                    }
                    const size_t out_px = (((size_t)b * out.h + oy) * out.w + ox) * oc_n;
                    am_requant_row(p->type, acc, n, rq, p->out_zp, p->act_min, p->act_max,
                                   out_bytes + out_px + c0);
                }
            }
        }
    }
}
