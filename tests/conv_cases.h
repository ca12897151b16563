/* Random convolution problems for the backend parity tests
 * (test_backend_parity.c, test_onednn_parity.c, test_xnnpack_parity.c):
 * the window, shapes and padding of the models' layers and their edge
 * cases, and the quantization of the exact backends' cases. Header-only,
 * like check.h; it draws from parity.h's generator (the test's own seed). */
#ifndef AMSEL_TESTS_CONV_CASES_H
#define AMSEL_TESTS_CONV_CASES_H

#include "backend/reference/ref_kernels.h"
#include "parity.h"

#include <stdint.h>
#include <string.h>

/* TFLite SAME padding offset for one dimension. */
static inline int conv_same_pad(int in, int k, int stride, int dil, int out)
{
    const int total = (out - 1) * stride + (k - 1) * dil + 1 - in;
    return total > 0 ? total / 2 : 0;
}

/* The channel counts the cases draw from: odd ones, the models' ones, and
 * counts around the kernels' 16/32/64-channel blocks. */
static const int conv_channels[] = {1, 3, 4, 8, 13, 16, 17, 24, 33, 64, 72, 88, 130};
#define CONV_NCHANNELS ((int)(sizeof conv_channels / sizeof conv_channels[0]))

/* Window (1..5, also non-square), strides 1-3, dilation 2 now and then,
 * batch 1-2, images up to 13x13, SAME or VALID padding; out.c from the
 * channel list, or in.c * depth multiplier for depthwise (dm > 0).
 * Fills p's geometry only. 0: VALID does not fit this image, no case. */
static inline int conv_case_geometry(int dm, am_conv_params *p, am_shape *in,
                                     am_shape *out, int *kh, int *kw)
{
    static const int k[] = {1, 1, 3, 3, 5, 2};
    *kh = k[rnd() % 6];
    *kw = rnd() % 4 ? *kh : k[rnd() % 6];
    p->stride_h = rnd_in(1, 2);
    p->stride_w = rnd() % 4 ? p->stride_h : rnd_in(1, 3);
    p->dil_h = rnd() % 6 ? 1 : 2;
    p->dil_w = rnd() % 6 ? 1 : 2;
    p->depth_multiplier = dm > 0 ? dm : 1;
    *in = (am_shape){rnd_in(1, 2), rnd_in(1, 13), rnd_in(1, 13),
                     conv_channels[rnd() % CONV_NCHANNELS]};
    *out = *in;
    const int eh = (*kh - 1) * p->dil_h + 1, ew = (*kw - 1) * p->dil_w + 1;
    if (rnd() % 2) { /* SAME */
        out->h = (in->h + p->stride_h - 1) / p->stride_h;
        out->w = (in->w + p->stride_w - 1) / p->stride_w;
        p->pad_top = conv_same_pad(in->h, *kh, p->stride_h, p->dil_h, out->h);
        p->pad_left = conv_same_pad(in->w, *kw, p->stride_w, p->dil_w, out->w);
    } else {
        if (in->h < eh || in->w < ew)
            return 0; /* VALID needs the window inside the image */
        out->h = (in->h - eh) / p->stride_h + 1;
        out->w = (in->w - ew) / p->stride_w + 1;
        p->pad_top = p->pad_left = 0;
    }
    out->c = dm > 0 ? in->c * dm : conv_channels[rnd() % CONV_NCHANNELS];
    return 1;
}

/* Types and zero points for the exact backends: mostly the models' pairs
 * (uint8 with uint8 weights, int8 with symmetric int8 weights), also int8
 * activations with uint8 weights or a weight zero point, and clamps
 * inside the type's range (a third of them starting at the zero point or
 * above, as RELU's). */
static inline void conv_case_quant(am_conv_params *p)
{
    p->type = rnd() % 2 ? AM_I8 : AM_U8;
    p->w_signed = p->type == AM_I8 ? (int)(rnd() % 6 != 0) : (int)(rnd() % 4 == 0);
    const int zx = p->type == AM_U8 ? rnd_in(0, 255) : rnd_in(-128, 127);
    p->in_offset = -zx;
    p->w_offset = !p->w_signed                           ? -rnd_in(0, 255)
                  : p->type == AM_I8 && rnd() % 8 == 0 ? rnd_in(-20, 20)
                                                         : 0;
    p->out_zp = p->type == AM_U8 ? rnd_in(0, 255) : rnd_in(-128, 127);
    const int qmin = p->type == AM_U8 ? 0 : -128, qmax = p->type == AM_U8 ? 255 : 127;
    p->act_min = rnd() % 2 ? qmin : rnd_in(qmin, p->out_zp);
    p->act_max = rnd() % 2 ? qmax : rnd_in(p->out_zp, qmax);
    if (rnd() % 3 == 0) /* RELU/RELU6: the clamp starts at the zero point or above */
        p->act_min = rnd() % 2 ? p->out_zp : rnd_in(p->out_zp, p->act_max);
}

/* Multipliers and shifts of n output channels (per channel for int8
 * weights half the time, else one value): shifts mostly -12..1, rare
 * extremes -31..3, now and then a multiplier of 0; biases mostly small,
 * one case in 8 near +-2^30 (rounding edges of the accumulator). */
static inline void conv_case_requant(const am_conv_params *p, int n,
                                     int32_t *mult, int32_t *shift, int32_t *bias)
{
    const int per_channel = p->w_signed && rnd() % 2;
    for (int c = 0; c < n; c++) {
        if (!per_channel && c > 0) {
            mult[c] = mult[0];
            shift[c] = shift[0];
            continue;
        }
        mult[c] = (int32_t)((1u << 30) + (rnd() & 0x3fffffffu));
        shift[c] = rnd() % 8 ? rnd_in(-12, 1) : rnd_in(-31, 3);
        if (rnd() % 16 == 0)
            mult[c] = 0;
    }
    const int huge_bias = rnd() % 8 == 0;
    for (int c = 0; c < n; c++)
        bias[c] = huge_bias ? (int32_t)(rnd() & 0x7fffffffu) - (1 << 30)
                            : rnd_in(-20000, 20000);
}

#endif
