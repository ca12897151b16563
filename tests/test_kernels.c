/* Tests of the reference integer kernels (src/backend/reference): hand
 * computed tiny cases, and randomized cases (fixed seeds) against
 * independent re-implementations written here: exact int64 models of the
 * integer arithmetic, and double-precision float models (allowed +-1)
 * for the ops whose meaning is a real-valued function. Outputs are
 * pre-filled with poison so unwritten elements show up, and followed by
 * guard bytes that must stay untouched. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/reference/ref_kernels.h"
#include "check.h"

/* ---- Small utilities -------------------------------------------------- */

static uint64_t rng_state;

static void rng_seed(uint64_t s) { rng_state = s * 0x9E3779B97F4A7C15ull + 1; }

static uint32_t rng_u32(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static int rng_int(int lo, int hi) /* inclusive */
{
    return lo + (int)(rng_u32() % (uint32_t)(hi - lo + 1));
}

static double rng_unit(void) { return rng_u32() / 4294967296.0; }

static int32_t qmin_of(am_qtype t) { return t == AM_U8 ? 0 : -128; }
static int32_t qmax_of(am_qtype t) { return t == AM_U8 ? 255 : 127; }

static int32_t get8(am_qtype t, const void *p, size_t i)
{
    return t == AM_U8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}

static void put8(am_qtype t, void *p, size_t i, int32_t v)
{
    if (t == AM_U8)
        ((uint8_t *)p)[i] = (uint8_t)v;
    else
        ((int8_t *)p)[i] = (int8_t)v;
}

static void fill_random8(am_qtype t, void *p, size_t n, int32_t lo, int32_t hi)
{
    for (size_t i = 0; i < n; ++i)
        put8(t, p, i, rng_int(lo, hi));
}

static size_t shape_size(am_shape s) { return (size_t)s.n * s.h * s.w * s.c; }

static int32_t clamp_i(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

/* Output buffers: n bytes of poison followed by GUARD guard bytes. */
enum { GUARD = 16 };

static void *poisoned(size_t n, uint8_t poison)
{
    uint8_t *p = malloc(n + GUARD);
    memset(p, poison, n + GUARD);
    return p;
}

static int guard_ok(const void *p, size_t n, uint8_t poison)
{
    const uint8_t *b = (const uint8_t *)p + n;
    for (int i = 0; i < GUARD; ++i)
        if (b[i] != poison)
            return 0;
    return 1;
}

/* SAME / VALID geometry as TFLite (ComputePaddingHeightWidth). */
static void geometry(int same, int in, int k, int stride, int dil, int *out, int *pad)
{
    const int eff = (k - 1) * dil + 1;
    if (same) {
        *out = (in + stride - 1) / stride;
        int total = (*out - 1) * stride + eff - in;
        *pad = total > 0 ? total / 2 : 0;
    } else {
        *out = in >= eff ? (in - eff) / stride + 1 : 0;
        *pad = 0;
    }
}

/* ---- Independent fixed-point model ------------------------------------ */

static int64_t floor_div64(int64_t a, int64_t b) /* b > 0 */
{
    int64_t q = a / b;
    if ((a % b) != 0 && a < 0)
        q -= 1;
    return q;
}

/* MultiplyByQuantizedMultiplier, stated mathematically: SRDHM is
 * floor(a*b / 2^31 + 1/2) saturated, RoundingDivideByPOT rounds half
 * away from zero. x * 2^left must fit int32 (the generators ensure it). */
static int32_t model_mulq(int32_t x, int32_t m, int shift)
{
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int64_t xs = (int64_t)x * ((int64_t)1 << left);
    CHECK(xs >= INT32_MIN && xs <= INT32_MAX);
    int64_t hi = floor_div64(xs * m + ((int64_t)1 << 30), (int64_t)1 << 31);
    if (hi > INT32_MAX)
        hi = INT32_MAX;
    if (right == 0)
        return (int32_t)hi;
    const int64_t d = (int64_t)1 << right;
    const int64_t mag = ((hi < 0 ? -hi : hi) + d / 2) / d;
    return (int32_t)(hi < 0 ? -mag : mag);
}

static double qm_real(int32_t mult, int shift) { return mult * ldexp(1.0, shift - 31); }

/* ---- Fixed-point helpers ---------------------------------------------- */

static void test_fixed_point(void)
{
    int32_t m;
    int s;
    am_quantize_multiplier(0.5, &m, &s);
    CHECK_EQ_INT(m, 1 << 30);
    CHECK_EQ_INT(s, 0);
    am_quantize_multiplier(1.0, &m, &s);
    CHECK_EQ_INT(m, 1 << 30);
    CHECK_EQ_INT(s, 1);
    am_quantize_multiplier(0.75, &m, &s);
    CHECK_EQ_INT(m, 1610612736);
    CHECK_EQ_INT(s, 0);
    am_quantize_multiplier(1.5, &m, &s);
    CHECK_EQ_INT(m, 1610612736);
    CHECK_EQ_INT(s, 1);
    am_quantize_multiplier(0.0, &m, &s);
    CHECK_EQ_INT(m, 0);
    CHECK_EQ_INT(s, 0);
    am_quantize_multiplier(1.0 - ldexp(1.0, -40), &m, &s); /* rounds up to 2^31 */
    CHECK_EQ_INT(m, 1 << 30);
    CHECK_EQ_INT(s, 1);
    am_quantize_multiplier(ldexp(1.0, -32), &m, &s); /* smallest kept */
    CHECK_EQ_INT(m, 1 << 30);
    CHECK_EQ_INT(s, -31);
    am_quantize_multiplier(ldexp(1.0, -33), &m, &s); /* flushed to zero */
    CHECK_EQ_INT(m, 0);
    CHECK_EQ_INT(s, 0);
    am_quantize_multiplier(0.1, &m, &s); /* 0.1 = 0.8 * 2^-3 */
    CHECK_EQ_INT(m, 1717986918);
    CHECK_EQ_INT(s, -3);

    /* gemmlowp primitives. */
    CHECK_EQ_INT(am_srdhm(INT32_MIN, INT32_MIN), INT32_MAX); /* the one saturation */
    CHECK_EQ_INT(am_srdhm(INT32_MIN, INT32_MAX), -2147483647);
    CHECK_EQ_INT(am_srdhm(INT32_MAX, INT32_MAX), 2147483646);
    CHECK_EQ_INT(am_srdhm(100, 1 << 30), 50);
    CHECK_EQ_INT(am_srdhm(101, 1 << 30), 51);   /* 50.5: tie up */
    CHECK_EQ_INT(am_srdhm(-101, 1 << 30), -50); /* -50.5: tie up (toward +inf) */
    CHECK_EQ_INT(am_srdhm(3, 1 << 30), 2);
    CHECK_EQ_INT(am_srdhm(-3, 1 << 30), -1);
    CHECK_EQ_INT(am_srdhm(0, INT32_MIN), 0);
    CHECK_EQ_INT(am_rdivpot(5, 0), 5);
    CHECK_EQ_INT(am_rdivpot(1, 1), 1);   /* 0.5 away from zero */
    CHECK_EQ_INT(am_rdivpot(-1, 1), -1); /* -0.5 away from zero */
    CHECK_EQ_INT(am_rdivpot(3, 1), 2);
    CHECK_EQ_INT(am_rdivpot(-3, 1), -2);
    CHECK_EQ_INT(am_rdivpot(5, 2), 1);   /* 1.25 */
    CHECK_EQ_INT(am_rdivpot(6, 2), 2);   /* 1.5 */
    CHECK_EQ_INT(am_rdivpot(-6, 2), -2); /* -1.5 */
    CHECK_EQ_INT(am_rdivpot(-7, 2), -2); /* -1.75 */
    CHECK_EQ_INT(am_rdivpot(-5, 2), -1); /* -1.25 */
    CHECK_EQ_INT(am_rdivpot(INT32_MAX, 31), 1);
    CHECK_EQ_INT(am_rdivpot(INT32_MIN, 31), -1);
    CHECK_EQ_INT(am_rdivpot(INT32_MIN, 30), -2);
    CHECK_EQ_INT(am_rdivpot(-(1 << 29), 30), -1); /* -0.5 */
    CHECK_EQ_INT(am_rdivpot((1 << 29) - 1, 30), 0);

    /* MultiplyByQuantizedMultiplier known values. */
    CHECK_EQ_INT(am_mul_by_qmul(100, 1 << 30, 0), 50);      /* x0.5 */
    CHECK_EQ_INT(am_mul_by_qmul(-100, 1 << 30, 0), -50);
    CHECK_EQ_INT(am_mul_by_qmul(7, 1 << 30, -1), 2);        /* x0.25: 1.75 */
    CHECK_EQ_INT(am_mul_by_qmul(6, 1 << 30, -1), 2);        /* 1.5: away from zero */
    CHECK_EQ_INT(am_mul_by_qmul(-6, 1 << 30, -1), -2);
    CHECK_EQ_INT(am_mul_by_qmul(5, 1 << 30, -1), 2);        /* 1.25 -> 2: double rounding */
    CHECK_EQ_INT(am_mul_by_qmul(-5, 1 << 30, -1), -1);
    CHECK_EQ_INT(am_mul_by_qmul(3, 1610612736, 1), 5);      /* x1.5: 4.5 up */
    CHECK_EQ_INT(am_mul_by_qmul(-3, 1610612736, 1), -4);    /* -4.5 up */
    CHECK_EQ_INT(am_mul_by_qmul(1000, 1 << 30, 5), 16000);  /* x16 = 0.5 * 2^5 */
    CHECK_EQ_INT(am_mul_by_qmul(-1000, 1 << 30, 5), -16000);
    CHECK_EQ_INT(am_mul_by_qmul(123456, 1717986918, -3), 12346); /* x0.1 */
    CHECK_EQ_INT(am_mul_by_qmul(INT32_MAX, 1 << 30, -31), 1); /* 2^30 - 0.5 -> 2^30, then 0.5 -> 1 */
    CHECK_EQ_INT(am_mul_by_qmul(1 << 29, 1 << 30, -31), 0);   /* 2^28 / 2^31 = 0.125 */
    CHECK_EQ_INT(am_mul_by_qmul(0, 1234567890, 5), 0);

    /* Randomized: exact against the model, and within 1 of the real
     * product (double rounding can add at most one). */
    rng_seed(1);
    int bad_model = 0, bad_real = 0;
    for (int i = 0; i < 200000; ++i) {
        const double real = ldexp(0.5 + 0.5 * rng_unit(), rng_int(-20, 6));
        am_quantize_multiplier(real, &m, &s);
        CHECK(fabs(qm_real(m, s) - real) <= real * ldexp(1.0, -30));
        const int left = s > 0 ? s : 0;
        const int32_t lim = (int32_t)(INT32_MAX >> (left + 1));
        int32_t x = (int32_t)(rng_u32() % (2u * (uint32_t)lim + 1u)) - lim;
        if (i % 4 == 0)
            x = rng_int(-5000, 5000);
        const int32_t got = am_mul_by_qmul(x, m, s);
        if (got != model_mulq(x, m, s))
            bad_model++;
        if (fabs(got - (double)x * qm_real(m, s)) > 1.0)
            bad_real++;
    }
    CHECK_EQ_INT(bad_model, 0);
    CHECK_EQ_INT(bad_real, 0);

    /* srdhm and rdivpot on random operands against the model. */
    int bad_prim = 0;
    for (int i = 0; i < 100000; ++i) {
        const int32_t a = (int32_t)rng_u32(), b = (int32_t)(rng_u32() | 1u);
        const int64_t want = floor_div64((int64_t)a * b + ((int64_t)1 << 30), (int64_t)1 << 31);
        if (am_srdhm(a, b) != want)
            bad_prim++;
        const int e = rng_int(0, 31);
        const int64_t d = (int64_t)1 << e;
        const int64_t mag = (llabs((int64_t)a) + d / 2) / d;
        if (am_rdivpot(a, e) != (a < 0 ? -mag : mag))
            bad_prim++;
    }
    CHECK_EQ_INT(bad_prim, 0);
}

static void test_activation_range(void)
{
    int32_t lo = 0, hi = 0;
    CHECK(am_activation_range(0, 0.05f, 10, AM_U8, &lo, &hi));
    CHECK_EQ_INT(lo, 0);
    CHECK_EQ_INT(hi, 255);
    CHECK(am_activation_range(0, 0.05f, 10, AM_I8, &lo, &hi));
    CHECK_EQ_INT(lo, -128);
    CHECK_EQ_INT(hi, 127);
    CHECK(am_activation_range(1, 0.05f, 10, AM_U8, &lo, &hi));
    CHECK_EQ_INT(lo, 10);
    CHECK_EQ_INT(hi, 255);
    CHECK(am_activation_range(3, 0.05f, 10, AM_U8, &lo, &hi)); /* 6 / 0.05 = 120 */
    CHECK_EQ_INT(lo, 10);
    CHECK_EQ_INT(hi, 130);
    CHECK(am_activation_range(3, 0.1f, -128, AM_I8, &lo, &hi));
    CHECK_EQ_INT(lo, -128);
    CHECK_EQ_INT(hi, -68);
    CHECK(am_activation_range(3, 0.016f, -20, AM_I8, &lo, &hi)); /* 375 -> clamped */
    CHECK_EQ_INT(lo, -20);
    CHECK_EQ_INT(hi, 127);
    CHECK(am_activation_range(3, 6.0f / 255.0f, 0, AM_U8, &lo, &hi));
    CHECK_EQ_INT(lo, 0);
    CHECK_EQ_INT(hi, 255);
    CHECK(am_activation_range(3, 0.048f, 3, AM_U8, &lo, &hi)); /* 125 exactly */
    CHECK_EQ_INT(hi, 128);
    CHECK(am_activation_range(3, 0.0471f, 0, AM_U8, &lo, &hi)); /* 127.39 -> 127 */
    CHECK_EQ_INT(hi, 127);
    CHECK(am_activation_range(3, 0.0469f, 0, AM_U8, &lo, &hi)); /* 127.93 -> 128 */
    CHECK_EQ_INT(hi, 128);
    CHECK(am_activation_range(1, 0.1f, -200, AM_I8, &lo, &hi)); /* zp below range */
    CHECK_EQ_INT(lo, -128);
    CHECK(!am_activation_range(5, 0.1f, 0, AM_U8, &lo, &hi));
}

/* ---- Convolutions ----------------------------------------------------- */

/* Exact model of conv / depthwise conv: int64 sums with an explicit
 * inside-the-image test per tap, then model_mulq. */
static void model_conv(const am_conv_params *p, int depthwise, am_shape in, const void *x,
                       int kh, int kw, const void *w, const int32_t *bias, am_shape out,
                       int32_t *res)
{
    for (int b = 0; b < out.n; ++b)
        for (int oy = 0; oy < out.h; ++oy)
            for (int ox = 0; ox < out.w; ++ox)
                for (int oc = 0; oc < out.c; ++oc) {
                    int64_t acc = bias ? bias[oc] : 0;
                    for (int ky = 0; ky < kh; ++ky)
                        for (int kx = 0; kx < kw; ++kx) {
                            const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                            const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                            if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w)
                                continue;
                            const int c_lo = depthwise ? oc / p->depth_multiplier : 0;
                            const int c_hi = depthwise ? c_lo + 1 : in.c;
                            for (int ic = c_lo; ic < c_hi; ++ic) {
                                const size_t xi = (((size_t)b * in.h + iy) * in.w + ix) * in.c + ic;
                                const size_t wi = depthwise
                                                      ? ((size_t)ky * kw + kx) * out.c + oc
                                                      : (((size_t)oc * kh + ky) * kw + kx) * in.c + ic;
                                const int64_t wv = p->w_signed ? ((const int8_t *)w)[wi]
                                                               : ((const uint8_t *)w)[wi];
                                acc += (get8(p->type, x, xi) + (int64_t)p->in_offset) *
                                       (wv + p->w_offset);
                            }
                        }
                    CHECK(acc >= INT32_MIN && acc <= INT32_MAX);
                    const int64_t v =
                        (int64_t)model_mulq((int32_t)acc, p->out_mult[oc], p->out_shift[oc]) + p->out_zp;
                    res[(((size_t)b * out.h + oy) * out.w + ox) * out.c + oc] =
                        clamp_i(v, p->act_min, p->act_max);
                }
}

static void base_params(am_conv_params *p, am_qtype t, const int32_t *mult, const int32_t *shift)
{
    memset(p, 0, sizeof *p);
    p->type = t;
    p->w_signed = t == AM_I8;
    p->act_min = qmin_of(t);
    p->act_max = qmax_of(t);
    p->out_mult = mult;
    p->out_shift = shift;
    p->stride_h = p->stride_w = 1;
    p->dil_h = p->dil_w = 1;
    p->depth_multiplier = 1;
}

static void test_conv_hand(void)
{
    int32_t one_m[4], one_s[4], half_m[4], half_s[4];
    for (int i = 0; i < 4; ++i) {
        am_quantize_multiplier(1.0, &one_m[i], &one_s[i]);
        am_quantize_multiplier(0.5, &half_m[i], &half_s[i]);
    }
    const uint8_t x9[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const uint8_t k4[4] = {1, 2, 3, 4};
    am_conv_params p;
    am_shape in = {1, 3, 3, 1};

    /* 3x3 input, 2x2 kernel, VALID: 1*1+2*2+4*3+5*4 = 37 etc. */
    base_params(&p, AM_U8, one_m, one_s);
    uint8_t o4[4 + GUARD];
    memset(o4, 0xA5, sizeof o4);
    am_ref_conv2d(&p, in, x9, 2, 2, k4, NULL, (am_shape){1, 2, 2, 1}, o4);
    const uint8_t want_valid[4] = {37, 47, 67, 77};
    for (int i = 0; i < 4; ++i)
        CHECK_EQ_INT(o4[i], want_valid[i]);
    CHECK(guard_ok(o4, 4, 0xA5));

    /* Same with SAME padding (pad top/left 0, one padded row/column at the
     * bottom/right), multiplier 0.5 (ties away from zero) and output zp 3. */
    base_params(&p, AM_U8, half_m, half_s);
    p.out_zp = 3;
    uint8_t o9[9 + GUARD];
    memset(o9, 0xA5, sizeof o9);
    am_ref_conv2d(&p, in, x9, 2, 2, k4, NULL, (am_shape){1, 3, 3, 1}, o9);
    /* raw sums 37 47 21 / 67 77 33 / 23 26 9, halved (x.5 away from 0) */
    const uint8_t want_same[9] = {22, 27, 14, 37, 42, 20, 15, 16, 8};
    for (int i = 0; i < 9; ++i)
        CHECK_EQ_INT(o9[i], want_same[i]);
    CHECK(guard_ok(o9, 9, 0xA5));

    /* Padding is the input zero point: input zp 5 everywhere but a 6 in
     * the centre; 3x3 kernel 1..9, SAME (pad 1), bias 10, output zp 3.
     * Each output sees the centre through exactly one tap:
     * out[oy][ox] = w[2-oy][2-ox] + 10 + 3. */
    uint8_t xc[9];
    memset(xc, 5, sizeof xc);
    xc[4] = 6;
    const uint8_t k9[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int32_t bias10[1] = {10};
    base_params(&p, AM_U8, one_m, one_s);
    p.in_offset = -5;
    p.out_zp = 3;
    p.pad_top = p.pad_left = 1;
    memset(o9, 0xA5, sizeof o9);
    am_ref_conv2d(&p, in, xc, 3, 3, k9, bias10, (am_shape){1, 3, 3, 1}, o9);
    for (int i = 0; i < 9; ++i)
        CHECK_EQ_INT(o9[i], 9 - i + 13);

    /* Stride 2 with SAME on a 4x4 input and 3x3 kernel: TFLite pads 0 at
     * top/left and 1 at bottom/right -> sums of ones are 9 6 / 6 4. */
    uint8_t ones16[16], ones9[9];
    memset(ones16, 1, sizeof ones16);
    memset(ones9, 1, sizeof ones9);
    base_params(&p, AM_U8, one_m, one_s);
    p.stride_h = p.stride_w = 2;
    memset(o4, 0xA5, sizeof o4);
    am_ref_conv2d(&p, (am_shape){1, 4, 4, 1}, ones16, 3, 3, ones9, NULL, (am_shape){1, 2, 2, 1}, o4);
    const uint8_t want_s2[4] = {9, 6, 6, 4};
    for (int i = 0; i < 4; ++i)
        CHECK_EQ_INT(o4[i], want_s2[i]);

    /* Dilation 2: a 3x3 kernel of ones on a 5x5 ramp, VALID -> one output
     * reading the 9 even positions: sum of x[y][x] = 5y + x + 1 over
     * y, x in {0, 2, 4} = 3 * (0+10+20) + 3 * (0+2+4) + 9 = 117. */
    uint8_t ramp[25];
    for (int i = 0; i < 25; ++i)
        ramp[i] = (uint8_t)(i + 1);
    base_params(&p, AM_U8, one_m, one_s);
    p.dil_h = p.dil_w = 2;
    memset(o4, 0xA5, sizeof o4);
    am_ref_conv2d(&p, (am_shape){1, 5, 5, 1}, ramp, 3, 3, ones9, NULL, (am_shape){1, 1, 1, 1}, o4);
    CHECK_EQ_INT(o4[0], 117);
    CHECK(guard_ok(o4, 1, 0xA5));

    /* int8 per-channel 1x1 conv, 2 input -> 3 output channels with
     * multipliers 0.25, 3.0 (shift > 0) and 1.0, fused RELU6-style clamp
     * [-128, 20]: x = (10, -4) - (-2) = (12, -2). */
    const int8_t xi[2] = {10, -4};
    const int8_t wi[6] = {1, 2, -3, 1, 5, -5};
    const int32_t bi[3] = {1, 2, -100};
    int32_t m3[3], s3[3];
    am_quantize_multiplier(0.25, &m3[0], &s3[0]);
    am_quantize_multiplier(3.0, &m3[1], &s3[1]);
    am_quantize_multiplier(1.0, &m3[2], &s3[2]);
    CHECK(s3[0] < 0 && s3[1] > 0);
    base_params(&p, AM_I8, m3, s3);
    p.in_offset = 2;
    p.out_zp = -1;
    p.act_max = 20;
    int8_t oi[3 + GUARD];
    memset(oi, 0x5A, sizeof oi);
    am_ref_conv2d(&p, (am_shape){1, 1, 1, 2}, xi, 1, 1, wi, bi, (am_shape){1, 1, 1, 3}, oi);
    /* acc = 12*1 - 2*2 + 1 = 9 -> x0.25: SRDHM gives 4.5 -> 5, then the
     *       rounding shift 2.5 -> 3 (TFLite's double rounding), - 1 = 2
     *       12*-3 - 2*1 + 2 = -36 -> -108 - 1 = -109
     *       12*5 + 2*5 - 100 = -30 -> -31 */
    CHECK_EQ_INT(oi[0], 2);
    CHECK_EQ_INT(oi[1], -109);
    CHECK_EQ_INT(oi[2], -31);
    CHECK(guard_ok(oi, 3, 0x5A));
    p.out_zp = 40; /* now the clamp bites: 43 -> 20 */
    am_ref_conv2d(&p, (am_shape){1, 1, 1, 2}, xi, 1, 1, wi, bi, (am_shape){1, 1, 1, 3}, oi);
    CHECK_EQ_INT(oi[0], 20);
}

static void test_depthwise_hand(void)
{
    /* 2x2 input with 2 channels, depth multiplier 2 -> 4 output channels;
     * 2x2 kernel, VALID -> one output pixel. uint8, input zp 1, weight zp
     * 2, multiplier 1. Channel c of pixel i holds 1 + i + 4c. */
    const uint8_t x[8] = {1, 5, 2, 6, 3, 7, 4, 8}; /* [y][x][c] */
    /* weights [1][2][2][4]: tap t, output channel oc -> 2 + t + oc */
    uint8_t w[16];
    for (int t = 0; t < 4; ++t)
        for (int oc = 0; oc < 4; ++oc)
            w[t * 4 + oc] = (uint8_t)(2 + t + oc);
    int32_t m[4], s[4];
    for (int i = 0; i < 4; ++i)
        am_quantize_multiplier(1.0, &m[i], &s[i]);
    am_conv_params p;
    base_params(&p, AM_U8, m, s);
    p.in_offset = -1;
    p.w_offset = -2;
    p.depth_multiplier = 2;
    const int32_t bias[4] = {0, 100, 0, 0};
    uint8_t o[4 + GUARD];
    memset(o, 0xA5, sizeof o);
    am_ref_depthwise_conv2d(&p, (am_shape){1, 2, 2, 2}, x, 2, 2, w, bias, (am_shape){1, 1, 1, 4}, o);
    /* oc reads ic = oc / 2; (x - 1) over taps = t + 4*ic, (w - 2) = t + oc:
     * sum_t (t + 4 ic)(t + oc) = 14 + 6 oc + 24 ic + 16 ic oc  */
    for (int oc = 0; oc < 4; ++oc) {
        const int ic = oc / 2;
        CHECK_EQ_INT(o[oc], 14 + 6 * oc + 24 * ic + 16 * ic * oc + bias[oc]);
    }
    CHECK(guard_ok(o, 4, 0xA5));

    /* SAME 3x3 depthwise, stride 2, on a 3x3 single-channel image with
     * input zp 5, int8 weights 1..9: padding = zero point, so with all
     * inputs at 5 but the centre at 7, each output = 2 * w[tap on centre]. */
    int8_t xs[9];
    memset(xs, 5, sizeof xs);
    xs[4] = 7;
    int8_t ws[9];
    for (int i = 0; i < 9; ++i)
        ws[i] = (int8_t)(i + 1);
    base_params(&p, AM_I8, m, s);
    p.in_offset = -5;
    p.stride_h = p.stride_w = 2;
    p.pad_top = p.pad_left = 1; /* out 2x2, total pad 2 */
    int8_t os[4 + GUARD];
    memset(os, 0x5A, sizeof os);
    am_ref_depthwise_conv2d(&p, (am_shape){1, 3, 3, 1}, xs, 3, 3, ws, NULL, (am_shape){1, 2, 2, 1}, os);
    /* output (oy, ox) sees the centre (1,1) at tap (1 - 2oy + 1, ...) */
    CHECK_EQ_INT(os[0], 2 * 9); /* tap (2,2) */
    CHECK_EQ_INT(os[1], 2 * 7); /* tap (2,0) */
    CHECK_EQ_INT(os[2], 2 * 3); /* tap (0,2) */
    CHECK_EQ_INT(os[3], 2 * 1); /* tap (0,0) */
    CHECK(guard_ok(os, 4, 0x5A));
}

/* Randomized conv / depthwise against model_conv. */
static void test_conv_random(int depthwise)
{
    rng_seed(depthwise ? 202 : 101);
    long compared = 0, mismatches = 0, unclamped = 0;
    int saw_neg_shift = 0, saw_pos_shift = 0, saw_dil = 0, saw_stride = 0, saw_dm = 0;
    for (int iter = 0; iter < 400; ++iter) {
        const am_qtype t = rng_int(0, 1) ? AM_I8 : AM_U8;
        am_conv_params p;
        memset(&p, 0, sizeof p);
        p.type = t;
        /* mostly the TFLite combinations (uint8/uint8, int8/int8), some mixed */
        p.w_signed = rng_int(0, 9) == 0 ? (t == AM_U8) : (t == AM_I8);
        const int small = rng_int(0, 3) == 0; /* tiny values, multipliers > 1 */
        p.stride_h = rng_int(1, 3);
        p.stride_w = rng_int(1, 3);
        p.dil_h = rng_int(0, 2) ? 1 : rng_int(2, 3);
        p.dil_w = rng_int(0, 2) ? 1 : rng_int(2, 3);
        const int dm = depthwise ? (rng_int(0, 2) ? 1 : rng_int(2, 3)) : 1;
        p.depth_multiplier = dm;
        const int kh = rng_int(1, 4), kw = rng_int(1, 4);
        am_shape in = {rng_int(1, 2), rng_int(1, 10), rng_int(1, 10), 0};
        int oc_n;
        if (depthwise) {
            in.c = rng_int(0, 5) == 0 ? rng_int(250, 300) : rng_int(1, 24);
            oc_n = in.c * dm;
        } else {
            in.c = rng_int(1, 40);
            oc_n = rng_int(0, 2) ? rng_int(1, 12) : rng_int(13, 40);
        }
        const int same = rng_int(0, 1);
        am_shape out = {in.n, 0, 0, oc_n};
        geometry(same, in.h, kh, p.stride_h, p.dil_h, &out.h, &p.pad_top);
        geometry(same, in.w, kw, p.stride_w, p.dil_w, &out.w, &p.pad_left);
        if (out.h == 0 || out.w == 0) {
            --iter; /* VALID with a kernel larger than the image: redraw */
            continue;
        }
        const int32_t qlo = qmin_of(t), qhi = qmax_of(t);
        const int32_t in_zp = rng_int(qlo, qhi);
        p.in_offset = -in_zp;
        const int32_t w_zp = p.w_signed ? 0 : rng_int(0, 255);
        p.w_offset = -w_zp;
        p.out_zp = rng_int(qlo, qhi);
        if (rng_int(0, 1)) {
            p.act_min = qlo;
            p.act_max = qhi;
        } else { /* RELU6-like range */
            p.act_min = rng_int(qlo, qlo + 100);
            p.act_max = rng_int(p.act_min, qhi);
        }

        const size_t n_in = shape_size(in);
        const size_t n_w = (size_t)kh * kw * (depthwise ? (size_t)oc_n : (size_t)oc_n * in.c);
        const size_t n_out = shape_size(out);
        void *x = malloc(n_in), *w = malloc(n_w);
        int32_t *bias = malloc(sizeof(int32_t) * oc_n);
        int32_t *mult = malloc(sizeof(int32_t) * oc_n);
        int32_t *shift = malloc(sizeof(int32_t) * oc_n);
        int32_t *want = malloc(sizeof(int32_t) * n_out);
        if (small) {
            fill_random8(t, x, n_in, in_zp - 3 < qlo ? qlo : in_zp - 3, in_zp + 3 > qhi ? qhi : in_zp + 3);
            if (p.w_signed)
                fill_random8(AM_I8, w, n_w, -3, 3);
            else
                fill_random8(AM_U8, w, n_w, w_zp - 3 < 0 ? 0 : w_zp - 3, w_zp + 3 > 255 ? 255 : w_zp + 3);
        } else {
            fill_random8(t, x, n_in, qlo, qhi);
            fill_random8(p.w_signed ? AM_I8 : AM_U8, w, n_w, p.w_signed ? -127 : 0, p.w_signed ? 127 : 255);
        }
        const int taps = kh * kw * (depthwise ? 1 : in.c);
        /* means of (x + in_offset) and (w + w_offset): they add a bias of
         * taps * mx * mw to the accumulator */
        const double mx = (qlo + qhi) / 2.0 - in_zp, mw = p.w_signed ? 0.0 : 127.5 - w_zp;
        for (int oc = 0; oc < oc_n; ++oc) {
            bias[oc] = small ? rng_int(-20, 20) : rng_int(-30000, 30000);
            /* spread the result over the 8-bit range: about 100 / (typical |acc|) */
            const double typical = small ? 3.0 * sqrt((double)taps) + 1.0
                                         : 74.0 * 74.0 * sqrt((double)taps) +
                                               taps * fabs(mx * mw) + 74.0 * sqrt((double)taps) * (fabs(mx) + fabs(mw));
            const double real = (small ? 40.0 : 100.0) / typical * exp2(rng_unit() * 4.0 - 2.0);
            int s;
            am_quantize_multiplier(real, &mult[oc], &s);
            shift[oc] = s;
            saw_neg_shift |= s < 0;
            saw_pos_shift |= s > 0;
        }
        p.out_mult = mult;
        p.out_shift = shift;
        const int32_t *b = rng_int(0, 4) ? bias : NULL;
        saw_dil |= p.dil_h > 1 || p.dil_w > 1;
        saw_stride |= p.stride_h > 1 || p.stride_w > 1;
        saw_dm |= dm > 1;

        model_conv(&p, depthwise, in, x, kh, kw, w, b, out, want);
        for (int pass = 0; pass < 2; ++pass) {
            const uint8_t poison = pass ? 0x5A : 0xA5;
            void *o = poisoned(n_out, poison);
            if (depthwise)
                am_ref_depthwise_conv2d(&p, in, x, kh, kw, w, b, out, o);
            else
                am_ref_conv2d(&p, in, x, kh, kw, w, b, out, o);
            for (size_t i = 0; i < n_out; ++i) {
                const int32_t got = get8(t, o, i);
                if (got != want[i]) {
                    if (mismatches < 5)
                        fprintf(stderr, "%s iter %d elem %zu: got %d want %d\n",
                                depthwise ? "depthwise" : "conv", iter, i, (int)got, (int)want[i]);
                    mismatches++;
                }
                if (pass == 0) {
                    compared++;
                    unclamped += want[i] > p.act_min && want[i] < p.act_max;
                }
            }
            CHECK(guard_ok(o, n_out, poison));
            free(o);
        }
        free(x);
        free(w);
        free(bias);
        free(mult);
        free(shift);
        free(want);
    }
    CHECK_EQ_INT(mismatches, 0);
    /* the cases must exercise what they claim to */
    CHECK(compared > 10000);
    CHECK(unclamped * 2 > compared);
    CHECK(saw_neg_shift && saw_pos_shift && saw_dil && saw_stride);
    CHECK(!depthwise || saw_dm);
}

/* Convolutions shaped like MobileNet layers, against the model: they
 * cover long rows, the small- and large-kernel conv paths and channel
 * blocking, which the small random cases reach less often. */
static void test_conv_mobilenet_shapes(void)
{
    static const struct {
        int depthwise, type, h, ic, oc, k, stride;
    } cfg[] = {
        {0, AM_I8, 7, 160, 96, 1, 1},  /* pointwise */
        {0, AM_U8, 9, 48, 40, 3, 2},   /* full 3x3, stride 2, SAME */
        {0, AM_I8, 5, 3, 32, 3, 1},    /* first layer: 3 input channels */
        {1, AM_U8, 7, 576, 576, 3, 2}, /* depthwise, SAME */
        {1, AM_I8, 9, 40, 40, 5, 1},
    };
    rng_seed(303);
    for (size_t k = 0; k < sizeof cfg / sizeof cfg[0]; ++k) {
        const int depthwise = cfg[k].depthwise;
        const am_qtype t = (am_qtype)cfg[k].type;
        const int kh = cfg[k].k;
        am_shape in = {1, cfg[k].h, cfg[k].h, cfg[k].ic};
        am_shape out = {1, 0, 0, cfg[k].oc};
        am_conv_params p;
        int32_t *mult = malloc(sizeof(int32_t) * out.c), *shift = malloc(sizeof(int32_t) * out.c);
        int32_t *bias = malloc(sizeof(int32_t) * out.c);
        const int taps = kh * kh * (depthwise ? 1 : in.c);
        for (int oc = 0; oc < out.c; ++oc) {
            int s;
            const double typical = 74.0 * 74.0 * sqrt((double)taps) + 12000.0;
            am_quantize_multiplier(40.0 / typical * exp2(2.0 * rng_unit() - 1.0), &mult[oc], &s);
            shift[oc] = s;
            bias[oc] = rng_int(-20000, 20000);
        }
        base_params(&p, t, mult, shift);
        p.stride_h = p.stride_w = cfg[k].stride;
        geometry(1, in.h, kh, p.stride_h, 1, &out.h, &p.pad_top);
        geometry(1, in.w, kh, p.stride_w, 1, &out.w, &p.pad_left);
        p.in_offset = t == AM_U8 ? -128 : 3;
        p.w_offset = t == AM_U8 ? -120 : 0;
        p.out_zp = t == AM_U8 ? 100 : -5;
        p.act_max = t == AM_U8 ? 200 : 127;
        const size_t n_in = shape_size(in), n_out = shape_size(out);
        const size_t n_w = (size_t)kh * kh * (depthwise ? (size_t)out.c : (size_t)out.c * in.c);
        void *x = malloc(n_in), *w = malloc(n_w);
        fill_random8(t, x, n_in, qmin_of(t), qmax_of(t));
        fill_random8(t, w, n_w, t == AM_U8 ? 0 : -127, t == AM_U8 ? 255 : 127);
        int32_t *want = malloc(sizeof(int32_t) * n_out);
        model_conv(&p, depthwise, in, x, kh, kh, w, bias, out, want);
        void *o = poisoned(n_out, 0xA5);
        if (depthwise)
            am_ref_depthwise_conv2d(&p, in, x, kh, kh, w, bias, out, o);
        else
            am_ref_conv2d(&p, in, x, kh, kh, w, bias, out, o);
        long bad = 0, unclamped = 0;
        for (size_t i = 0; i < n_out; ++i) {
            bad += get8(t, o, i) != want[i];
            unclamped += want[i] > p.act_min && want[i] < p.act_max;
        }
        CHECK_EQ_INT(bad, 0);
        CHECK(unclamped * 2 > (long)n_out);
        CHECK(guard_ok(o, n_out, 0xA5));
        free(o);
        free(want);
        free(x);
        free(w);
        free(mult);
        free(shift);
        free(bias);
    }
}

/* ---- Average pool ----------------------------------------------------- */

static void test_avg_pool(void)
{
    /* Hand: 3x3 input 1..9, 2x2 filter, stride 1, SAME (pad 0 top/left):
     * windows at the right/bottom edge are clipped, not zero padded. */
    const uint8_t x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    am_pool_params p = {AM_U8, 1, 1, 2, 2, 0, 0, 0, 255};
    uint8_t o[9 + GUARD];
    memset(o, 0xA5, sizeof o);
    am_ref_avg_pool(&p, (am_shape){1, 3, 3, 1}, x, (am_shape){1, 3, 3, 1}, o);
    /* 12/4 16/4 9/2 / 24/4 28/4 15/2 / 15/2 17/2 9/1; halves round up */
    const uint8_t want[9] = {3, 4, 5, 6, 7, 8, 8, 9, 9};
    for (int i = 0; i < 9; ++i)
        CHECK_EQ_INT(o[i], want[i]);
    CHECK(guard_ok(o, 9, 0xA5));

    /* int8, negated: halves round away from zero; clamp at -8. */
    int8_t xi[9];
    for (int i = 0; i < 9; ++i)
        xi[i] = (int8_t)-x[i];
    am_pool_params pi = {AM_I8, 1, 1, 2, 2, 0, 0, -8, 127};
    int8_t oi[9 + GUARD];
    memset(oi, 0x5A, sizeof oi);
    am_ref_avg_pool(&pi, (am_shape){1, 3, 3, 1}, xi, (am_shape){1, 3, 3, 1}, oi);
    for (int i = 0; i < 9; ++i)
        CHECK_EQ_INT(oi[i], -want[i] < -8 ? -8 : -want[i]);
    CHECK(guard_ok(oi, 9, 0x5A));

    /* int8 mixed signs: (-3 + 2) / 2 = -0.5 -> -1; (3 - 2) / 2 = 0.5 -> 1 */
    const int8_t xm[4] = {-3, 2, 3, -2};
    am_pool_params pm = {AM_I8, 1, 2, 1, 2, 0, 0, -128, 127};
    int8_t om[2 + GUARD];
    memset(om, 0x5A, sizeof om);
    am_ref_avg_pool(&pm, (am_shape){1, 2, 2, 1}, xm, (am_shape){1, 2, 1, 1}, om);
    CHECK_EQ_INT(om[0], -1);
    CHECK_EQ_INT(om[1], 1);

    /* Randomized against a double model (average of the in-image values,
     * rounded half away from zero: exact, no tolerance needed). */
    rng_seed(404);
    long bad = 0, total = 0;
    for (int iter = 0; iter < 300; ++iter) {
        const am_qtype t = rng_int(0, 1) ? AM_I8 : AM_U8;
        am_pool_params q;
        q.type = t;
        q.stride_h = rng_int(1, 3);
        q.stride_w = rng_int(1, 3);
        q.filter_h = rng_int(1, 4);
        q.filter_w = rng_int(1, 4);
        q.act_min = rng_int(0, 1) ? qmin_of(t) : rng_int(qmin_of(t), qmin_of(t) + 100);
        q.act_max = rng_int(0, 1) ? qmax_of(t) : rng_int(q.act_min, qmax_of(t));
        am_shape in = {rng_int(1, 2), rng_int(1, 9), rng_int(1, 9),
                       rng_int(0, 6) ? rng_int(1, 20) : rng_int(250, 300)};
        am_shape out = {in.n, 0, 0, in.c};
        const int same = rng_int(0, 1);
        geometry(same, in.h, q.filter_h, q.stride_h, 1, &out.h, &q.pad_top);
        geometry(same, in.w, q.filter_w, q.stride_w, 1, &out.w, &q.pad_left);
        if (out.h == 0 || out.w == 0) {
            --iter;
            continue;
        }
        const size_t n_in = shape_size(in), n_out = shape_size(out);
        void *xr = malloc(n_in);
        fill_random8(t, xr, n_in, qmin_of(t), qmax_of(t));
        void *orr = poisoned(n_out, 0xA5);
        am_ref_avg_pool(&q, in, xr, out, orr);
        for (int b = 0; b < out.n; ++b)
            for (int oy = 0; oy < out.h; ++oy)
                for (int ox = 0; ox < out.w; ++ox)
                    for (int c = 0; c < out.c; ++c) {
                        double sum = 0;
                        int count = 0;
                        for (int fy = 0; fy < q.filter_h; ++fy)
                            for (int fx = 0; fx < q.filter_w; ++fx) {
                                const int iy = oy * q.stride_h - q.pad_top + fy;
                                const int ix = ox * q.stride_w - q.pad_left + fx;
                                if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w)
                                    continue;
                                sum += get8(t, xr, (((size_t)b * in.h + iy) * in.w + ix) * in.c + c);
                                count++;
                            }
                        const double avg = sum / count;
                        const double r = avg < 0 ? -floor(-avg + 0.5) : floor(avg + 0.5);
                        const int32_t w = clamp_i((int64_t)r, q.act_min, q.act_max);
                        bad += get8(t, orr, (((size_t)b * out.h + oy) * out.w + ox) * out.c + c) != w;
                        total++;
                    }
        CHECK(guard_ok(orr, n_out, 0xA5));
        free(orr);
        free(xr);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(total > 10000);
}

/* ---- Mean ------------------------------------------------------------- */

static void test_mean(void)
{
    /* Hand: 2x2x1 values 1 2 3 5, same scales: 11/4 = 2.75 -> 3. */
    am_mean_params p = {AM_U8, 0, 0, 0, 0};
    am_quantize_multiplier(1.0, &p.mult, &p.shift);
    const uint8_t x[4] = {1, 2, 3, 5};
    uint8_t o[1 + GUARD];
    memset(o, 0xA5, sizeof o);
    am_ref_mean_hw(&p, (am_shape){1, 2, 2, 1}, x, o);
    CHECK_EQ_INT(o[0], 3);
    CHECK(guard_ok(o, 1, 0xA5));
    /* int8, zero points -10 in, 5 out, scale ratio 2: values -11 -12 -9 -10
     * -> (x - zi) = -1 -2 1 0, sum -2, x2 = -4, /4 = -1, + 5 = 4. */
    am_mean_params pi = {AM_I8, -10, 5, 0, 0};
    am_quantize_multiplier(2.0, &pi.mult, &pi.shift);
    const int8_t xi[4] = {-11, -12, -9, -10};
    int8_t oi[1 + GUARD];
    memset(oi, 0x5A, sizeof oi);
    am_ref_mean_hw(&pi, (am_shape){1, 2, 2, 1}, xi, oi);
    CHECK_EQ_INT(oi[0], 4);
    /* -1.5 rounds away from zero: values -11 -12 -10 -10 -> sum -3, x2 = -6, /4 */
    const int8_t xj[4] = {-11, -12, -10, -10};
    am_ref_mean_hw(&pi, (am_shape){1, 2, 2, 1}, xj, oi);
    CHECK_EQ_INT(oi[0], 5 - 2);

    /* Randomized: exact against the integer_ops formula, and within 1 of
     * the float mean. */
    rng_seed(505);
    long bad_exact = 0, bad_float = 0, total = 0;
    for (int iter = 0; iter < 200; ++iter) {
        const am_qtype t = rng_int(0, 1) ? AM_I8 : AM_U8;
        const float si = (float)(0.01 + 0.1 * rng_unit());
        const float so = (float)(si * (0.5 + 1.5 * rng_unit()));
        am_mean_params q = {t, rng_int(qmin_of(t), qmax_of(t)), rng_int(qmin_of(t), qmax_of(t)), 0, 0};
        am_quantize_multiplier((double)si / (double)so, &q.mult, &q.shift);
        am_shape in = {rng_int(1, 2), rng_int(1, 9), rng_int(1, 9),
                       rng_int(0, 4) ? rng_int(1, 30) : rng_int(250, 300)};
        const size_t n_in = shape_size(in), n_out = (size_t)in.n * in.c;
        void *xr = malloc(n_in);
        /* values clustered around a random centre, as real activations */
        const int32_t centre = rng_int(qmin_of(t), qmax_of(t));
        for (size_t i = 0; i < n_in; ++i)
            put8(t, xr, i, clamp_i(centre + rng_int(-60, 60), qmin_of(t), qmax_of(t)));
        void *orr = poisoned(n_out, 0xA5);
        am_ref_mean_hw(&q, in, xr, orr);
        const int count = in.h * in.w;
        for (int b = 0; b < in.n; ++b)
            for (int c = 0; c < in.c; ++c) {
                int64_t sum = 0;
                for (int i = 0; i < count; ++i)
                    sum += get8(t, xr, ((size_t)b * count + i) * in.c + c) - q.in_zp;
                const int32_t scaled = model_mulq((int32_t)sum, q.mult, q.shift);
                const int32_t mag = ((scaled < 0 ? -scaled : scaled) + count / 2) / count;
                const int32_t exact = clamp_i((int64_t)(scaled < 0 ? -mag : mag) + q.out_zp,
                                              qmin_of(t), qmax_of(t));
                const double real = (double)sum / count * si / so + q.out_zp;
                const int32_t fl = clamp_i((int64_t)floor(real + 0.5), qmin_of(t), qmax_of(t));
                const int32_t got = get8(t, orr, (size_t)b * in.c + c);
                bad_exact += got != exact;
                bad_float += abs(got - fl) > 1;
                total++;
            }
        CHECK(guard_ok(orr, n_out, 0xA5));
        free(orr);
        free(xr);
    }
    CHECK_EQ_INT(bad_exact, 0);
    CHECK_EQ_INT(bad_float, 0);
    CHECK(total > 3000);
}

/* ---- Add and Mul ------------------------------------------------------ */

/* Exact model of TFLite's 8-bit add for one element. */
static int32_t model_add(const am_add_params *p, int32_t a, int32_t b)
{
    const int32_t sa = model_mulq((a + p->in1_offset) * (1 << p->left_shift), p->in1_mult, p->in1_shift);
    const int32_t sb = model_mulq((b + p->in2_offset) * (1 << p->left_shift), p->in2_mult, p->in2_shift);
    return clamp_i((int64_t)model_mulq(sa + sb, p->out_mult, p->out_shift) + p->out_offset,
                   p->act_min, p->act_max);
}

static int32_t model_mul(const am_mul_params *p, int32_t a, int32_t b)
{
    return clamp_i((int64_t)model_mulq((a + p->in1_offset) * (b + p->in2_offset), p->out_mult,
                                       p->out_shift) + p->out_offset,
                   p->act_min, p->act_max);
}

/* Index of output element (n, y, x, c) in a tensor of shape s that is
 * broadcast to the output. */
static size_t bidx(am_shape s, int n, int y, int x, int c)
{
    if (s.n == 1) n = 0;
    if (s.h == 1) y = 0;
    if (s.w == 1) x = 0;
    if (s.c == 1) c = 0;
    return (((size_t)n * s.h + y) * s.w + x) * s.c + c;
}

static void test_add(void)
{
    /* Parameters, hand-computed: s1 = 0.5, s2 = 0.25 -> twice max = 1:
     * in1 x0.5 (2^30, 0), in2 x0.25 (2^30, -1), out 1 / 2^20 (2^30, -19). */
    am_add_params p;
    am_add_params_init(&p, AM_U8, 0.5f, 10, 0.25f, 0, 1.0f, 5, 0, 255);
    CHECK_EQ_INT(p.left_shift, 20);
    CHECK_EQ_INT(p.in1_offset, -10);
    CHECK_EQ_INT(p.in2_offset, 0);
    CHECK_EQ_INT(p.out_offset, 5);
    CHECK_EQ_INT(p.in1_mult, 1 << 30);
    CHECK_EQ_INT(p.in1_shift, 0);
    CHECK_EQ_INT(p.in2_mult, 1 << 30);
    CHECK_EQ_INT(p.in2_shift, -1);
    CHECK_EQ_INT(p.out_mult, 1 << 30);
    CHECK_EQ_INT(p.out_shift, -19);
    /* (30 - 10) * 0.5 + 8 * 0.25 = 12 -> 17; (0 - 10) * 0.5 + 0 = -5 -> 0;
     * (11 - 10) * 0.5 + 1 * 0.25 = 0.75 -> 1 -> 6 */
    const uint8_t a[3] = {30, 0, 11}, b[3] = {8, 0, 1};
    uint8_t o[3 + GUARD];
    memset(o, 0xA5, sizeof o);
    am_ref_add(&p, (am_shape){1, 1, 1, 3}, a, (am_shape){1, 1, 1, 3}, b, (am_shape){1, 1, 1, 3}, o);
    CHECK_EQ_INT(o[0], 17);
    CHECK_EQ_INT(o[1], 0);
    CHECK_EQ_INT(o[2], 6);
    CHECK(guard_ok(o, 3, 0xA5));

    /* Randomized with broadcasting, exact vs the model, +-1 vs float. */
    rng_seed(606);
    long bad_exact = 0, bad_float = 0, total = 0;
    for (int iter = 0; iter < 300; ++iter) {
        const am_qtype t = rng_int(0, 1) ? AM_I8 : AM_U8;
        const int32_t lo = qmin_of(t), hi = qmax_of(t);
        const float s1 = (float)(0.005 + 0.1 * rng_unit()), s2 = (float)(0.005 + 0.1 * rng_unit());
        const float so = (float)((s1 + s2) * (0.5 + rng_unit()));
        const int32_t z1 = rng_int(lo, hi), z2 = rng_int(lo, hi), zo = rng_int(lo, hi);
        int32_t amin = lo, amax = hi;
        if (rng_int(0, 1))
            am_activation_range(3, so, zo, t, &amin, &amax);
        am_add_params_init(&p, t, s1, z1, s2, z2, so, zo, amin, amax);
        am_shape out = {rng_int(1, 2), rng_int(1, 6), rng_int(1, 6), rng_int(1, 20)};
        am_shape sa = out, sb = out;
        switch (iter % 5) {
        case 1: sb = (am_shape){1, 1, 1, out.c}; break;
        case 2: sb = (am_shape){1, 1, 1, 1}; break;
        case 3: sa = (am_shape){1, 1, 1, out.c}; break;
        case 4: sa = (am_shape){out.n, 1, 1, out.c}; sb = (am_shape){out.n, out.h, out.w, 1}; break;
        default: break;
        }
        const size_t na = shape_size(sa), nb = shape_size(sb), no = shape_size(out);
        void *xa = malloc(na), *xb = malloc(nb);
        fill_random8(t, xa, na, lo, hi);
        fill_random8(t, xb, nb, lo, hi);
        void *oo = poisoned(no, 0xA5);
        am_ref_add(&p, sa, xa, sb, xb, out, oo);
        size_t i = 0;
        for (int n = 0; n < out.n; ++n)
            for (int y = 0; y < out.h; ++y)
                for (int x = 0; x < out.w; ++x)
                    for (int c = 0; c < out.c; ++c, ++i) {
                        const int32_t va = get8(t, xa, bidx(sa, n, y, x, c));
                        const int32_t vb = get8(t, xb, bidx(sb, n, y, x, c));
                        const int32_t got = get8(t, oo, i);
                        const double real = ((double)s1 * (va - z1) + (double)s2 * (vb - z2)) / so + zo;
                        const int32_t fl = clamp_i((int64_t)floor(real + 0.5), amin, amax);
                        bad_exact += got != model_add(&p, va, vb);
                        bad_float += abs(got - fl) > 1;
                        total++;
                    }
        CHECK(guard_ok(oo, no, 0xA5));
        free(oo);
        free(xa);
        free(xb);
    }
    CHECK_EQ_INT(bad_exact, 0);
    CHECK_EQ_INT(bad_float, 0);
    CHECK(total > 10000);
}

static void test_mul(void)
{
    /* Hand: uint8, zps 10 and 0, output scale so that the multiplier is
     * 0.5: (30 - 10) * 3 * 0.5 = 30 -> +4 = 34; (11 - 10) * 3 * 0.5 = 1.5
     * -> 2 -> 6; (0 - 10) * 3 * 0.5 = -15 -> clamped at 0. */
    am_mul_params p = {AM_U8, -10, 0, 4, 0, 0, 0, 255};
    am_quantize_multiplier(0.5, &p.out_mult, &p.out_shift);
    const uint8_t a[3] = {30, 11, 0}, b[1] = {3};
    uint8_t o[3 + GUARD];
    memset(o, 0xA5, sizeof o);
    am_ref_mul(&p, (am_shape){1, 1, 1, 3}, a, (am_shape){1, 1, 1, 1}, b, (am_shape){1, 1, 1, 3}, o);
    CHECK_EQ_INT(o[0], 34);
    CHECK_EQ_INT(o[1], 6);
    CHECK_EQ_INT(o[2], 0);
    CHECK(guard_ok(o, 3, 0xA5));

    rng_seed(707);
    long bad_exact = 0, bad_float = 0, total = 0;
    for (int iter = 0; iter < 300; ++iter) {
        const am_qtype t = rng_int(0, 1) ? AM_I8 : AM_U8;
        const int32_t lo = qmin_of(t), hi = qmax_of(t);
        const float s1 = (float)(0.005 + 0.1 * rng_unit()), s2 = (float)(0.002 + 0.01 * rng_unit());
        const float so = (float)(s1 * s2 * 128.0 * (0.3 + rng_unit()));
        const int32_t z1 = rng_int(lo, hi), z2 = rng_int(lo, hi), zo = rng_int(lo, hi);
        am_mul_params q = {t, -z1, -z2, zo, 0, 0, lo, hi};
        if (rng_int(0, 1))
            am_activation_range(3, so, zo, t, &q.act_min, &q.act_max);
        am_quantize_multiplier((double)(s1 * s2 / so), &q.out_mult, &q.out_shift);
        am_shape out = {rng_int(1, 2), rng_int(1, 6), rng_int(1, 6), rng_int(1, 20)};
        am_shape sa = out, sb = out;
        switch (iter % 4) {
        case 1: sb = (am_shape){1, 1, 1, out.c}; break; /* SE-block style */
        case 2: sb = (am_shape){1, 1, 1, 1}; break;
        case 3: sa = (am_shape){out.n, 1, 1, out.c}; break;
        default: break;
        }
        const size_t na = shape_size(sa), nb = shape_size(sb), no = shape_size(out);
        void *xa = malloc(na), *xb = malloc(nb);
        fill_random8(t, xa, na, lo, hi);
        fill_random8(t, xb, nb, lo, hi);
        void *oo = poisoned(no, 0x5A);
        am_ref_mul(&q, sa, xa, sb, xb, out, oo);
        const double real_mult = qm_real(q.out_mult, q.out_shift);
        size_t i = 0;
        for (int n = 0; n < out.n; ++n)
            for (int y = 0; y < out.h; ++y)
                for (int x = 0; x < out.w; ++x)
                    for (int c = 0; c < out.c; ++c, ++i) {
                        const int32_t va = get8(t, xa, bidx(sa, n, y, x, c));
                        const int32_t vb = get8(t, xb, bidx(sb, n, y, x, c));
                        const int32_t got = get8(t, oo, i);
                        const double real = (double)(va - z1) * (vb - z2) * real_mult + zo;
                        const int32_t fl = clamp_i((int64_t)floor(real + 0.5), q.act_min, q.act_max);
                        bad_exact += got != model_mul(&q, va, vb);
                        bad_float += abs(got - fl) > 1;
                        total++;
                    }
        CHECK(guard_ok(oo, no, 0x5A));
        free(oo);
        free(xa);
        free(xb);
    }
    CHECK_EQ_INT(bad_exact, 0);
    CHECK_EQ_INT(bad_float, 0);
    CHECK(total > 10000);
}

/* ---- Lookup tables ---------------------------------------------------- */

static void test_lut_requantize(void)
{
    uint8_t lut[256];
    /* uint8 -> int8 with equal scales and zero points 128 apart: x - 128. */
    memset(lut, 0xA5, sizeof lut);
    am_lut_requantize(lut, AM_U8, 0.02f, 128, AM_I8, 0.02f, 0);
    for (int v = 0; v < 256; ++v)
        CHECK_EQ_INT((int8_t)lut[v], v - 128);
    memset(lut, 0xA5, sizeof lut);
    am_lut_requantize(lut, AM_U8, 0.0078125f, 131, AM_I8, 0.0078125f, 3);
    for (int v = 0; v < 256; ++v)
        CHECK_EQ_INT((int8_t)lut[v], v - 128);
    /* int8 -> uint8 the other way: x + 128. */
    am_lut_requantize(lut, AM_I8, 0.5f, -5, AM_U8, 0.5f, 123);
    for (int v = 0; v < 256; ++v)
        CHECK_EQ_INT(lut[v], (int8_t)v + 128);

    /* Applying a table: uint8 and int8 bytes, n not a multiple of 16. */
    uint8_t xs[37], ys[37 + GUARD];
    for (int i = 0; i < 37; ++i)
        xs[i] = (uint8_t)(i * 7);
    memset(ys, 0x5A, sizeof ys);
    am_ref_lut(lut, 37, xs, ys);
    for (int i = 0; i < 37; ++i)
        CHECK_EQ_INT(ys[i], lut[xs[i]]);
    CHECK(guard_ok(ys, 37, 0x5A));
    const int8_t xi[3] = {-128, -1, 127};
    int8_t yi[3];
    am_lut_requantize(lut, AM_I8, 1.0f, 0, AM_I8, 2.0f, 10);
    am_ref_lut(lut, 3, xi, yi);
    CHECK_EQ_INT(yi[0], -54); /* -64 + 10 */
    CHECK_EQ_INT(yi[1], 10);  /* -0.5 -> 0 (SRDHM ties go up) + 10 */
    CHECK_EQ_INT(yi[2], 74);  /* 63.5 -> 64 + 10 */

    /* Random scales: within 1 of the float requantization. */
    rng_seed(808);
    int bad = 0;
    for (int iter = 0; iter < 200; ++iter) {
        const am_qtype ti = rng_int(0, 1) ? AM_I8 : AM_U8, to = rng_int(0, 1) ? AM_I8 : AM_U8;
        const float si = (float)(0.001 + rng_unit()), so = (float)(si * exp2(rng_unit() * 6 - 3));
        const int32_t zi = rng_int(qmin_of(ti), qmax_of(ti)), zo = rng_int(qmin_of(to), qmax_of(to));
        am_lut_requantize(lut, ti, si, zi, to, so, zo);
        for (int v = 0; v < 256; ++v) {
            const int32_t x = ti == AM_U8 ? v : (int8_t)v;
            const int32_t got = to == AM_U8 ? lut[v] : (int8_t)lut[v];
            const double real = (double)(x - zi) * si / so + zo;
            const int32_t want = clamp_i((int64_t)floor(real + 0.5), qmin_of(to), qmax_of(to));
            bad += abs(got - want) > 1;
        }
    }
    CHECK_EQ_INT(bad, 0);
}

static double hard_swish_f(double x)
{
    const double r = x + 3.0 < 0 ? 0 : (x + 3.0 > 6 ? 6 : x + 3.0);
    return x * r / 6.0;
}

static int64_t sat16(int64_t v) { return v < -32768 ? -32768 : (v > 32767 ? 32767 : v); }

/* v / 2^e rounded half away from zero (e >= 0). */
static int64_t round_pot(int64_t v, int e)
{
    const int64_t d = (int64_t)1 << e, mag = ((v < 0 ? -v : v) + d / 2) / d;
    return v < 0 ? -mag : mag;
}

/* Exact model of TFLite's int16 hard-swish pipeline (HardSwishPrepare +
 * reference_ops::HardSwish), with the rounding of each step stated
 * directly: rounding doubling high mul = floor(a*b / 2^15 + 1/2), the
 * plain doubling high mul truncates toward zero. */
static int32_t model_hard_swish(am_qtype t, float si, int32_t zi, float so, int32_t zo, int32_t x)
{
    const float hires_scale = (1.0f / 128.0f) * si;
    int32_t om, rm;
    int oe, re;
    am_quantize_multiplier((double)(hires_scale / so), &om, &oe);
    am_quantize_multiplier((double)(hires_scale / (3.0f / 32768.0f)), &rm, &re);
    const int64_t om16 = om >= INT32_MAX - 32768 ? 32767 : ((int64_t)om + 32768) / 65536;
    const int64_t rm16 = rm >= INT32_MAX - 32768 ? 32767 : ((int64_t)rm + 32768) / 65536;
    const int64_t hires = (int64_t)(x - zi) * 128;
    const int64_t pre = floor_div64(hires * om16 + 16384, 32768);
    int64_t r = hires;
    if (re > 0)
        r = sat16(r * ((int64_t)1 << (re - 1)));
    r = floor_div64(r * rm16 + 16384, 32768);
    if (re > 0)
        r = sat16(r * 2);
    if (re < 0)
        r = round_pot(r, -re);
    r = (r + 32768) / 2; /* [-1, 1] -> [0, 1], r >= 0 */
    const int64_t prod = r * pre;
    const int64_t shifted = (prod < 0 ? -((-prod) / 32768) : prod / 32768); /* truncating */
    return clamp_i(round_pot(shifted, -oe) + zo, qmin_of(t), qmax_of(t));
}

static void test_lut_hard_swish(void)
{
    struct { am_qtype t; float si; int32_t zi; float so; int32_t zo; } cases[] = {
        {AM_U8, 0.1f, 100, 0.05f, 20},     /* reluish exponent > 0 */
        {AM_U8, 0.0235f, 128, 0.02f, 10},
        {AM_U8, 0.002f, 200, 0.001f, 60},  /* reluish exponent < 0 */
        {AM_I8, 0.05f, -10, 0.03f, -100},
        {AM_I8, 0.5f, 0, 0.2f, -120},      /* wide range, saturating left shift */
        {AM_I8, 0.03f, 20, 0.1f, -128},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
        uint8_t lut[256];
        memset(lut, 0xA5, sizeof lut);
        const am_qtype t = cases[k].t;
        am_lut_hard_swish(lut, t, cases[k].si, cases[k].zi, cases[k].so, cases[k].zo);
        int bad = 0, bad_exact = 0, distinct = 0, prev = -1000;
        for (int v = 0; v < 256; ++v) {
            const int32_t x = t == AM_U8 ? v : (int8_t)v;
            const int32_t got = t == AM_U8 ? lut[v] : (int8_t)lut[v];
            const double real = hard_swish_f(cases[k].si * (double)(x - cases[k].zi));
            const int32_t want = clamp_i((int64_t)floor(real / cases[k].so + 0.5) + cases[k].zo,
                                         qmin_of(t), qmax_of(t));
            if (abs(got - want) > 1) {
                if (bad < 3)
                    fprintf(stderr, "hard_swish case %zu x=%d: got %d want %d\n", k, (int)x,
                            (int)got, (int)want);
                bad++;
            }
            bad_exact += got != model_hard_swish(t, cases[k].si, cases[k].zi, cases[k].so,
                                                 cases[k].zo, x);
            distinct += got != prev; /* a non-trivial table */
            prev = got;
        }
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(bad_exact, 0);
        CHECK(distinct > 20);
        /* x == zero point -> hard_swish(0) = 0 -> exactly the output zp */
        const int zbyte = cases[k].zi & 0xff;
        CHECK_EQ_INT(t == AM_U8 ? lut[zbyte] : (int8_t)lut[zbyte], cases[k].zo);
    }
}

/* ---- Softmax ---------------------------------------------------------- */

static void test_softmax(void)
{
    am_softmax_params p;
    /* Two equal inputs: 0.5 each -> 128 (uint8), 0 (int8). */
    am_softmax_params_init(&p, AM_U8, 1.0f, 0.1f, 0);
    CHECK(fabsf(p.table[255] - 1.0f) == 0.0f);
    CHECK(fabs(p.table[245] - exp(-1.0)) < 1e-6);
    const uint8_t x2[2] = {77, 77};
    uint8_t o2[2 + GUARD];
    memset(o2, 0xA5, sizeof o2);
    am_ref_softmax(&p, 1, 2, x2, o2);
    CHECK_EQ_INT(o2[0], 128);
    CHECK_EQ_INT(o2[1], 128);
    CHECK(guard_ok(o2, 2, 0xA5));
    /* One dominant input: 256 clamps to 255 / 127. */
    const uint8_t xd[3] = {0, 255, 10};
    uint8_t od[3];
    am_ref_softmax(&p, 1, 3, xd, od);
    CHECK_EQ_INT(od[0], 0);
    CHECK_EQ_INT(od[1], 255);
    CHECK_EQ_INT(od[2], 0);
    am_softmax_params_init(&p, AM_I8, 1.0f, 0.1f, -128);
    const int8_t xi[2] = {-5, -5};
    int8_t oi[2];
    am_ref_softmax(&p, 1, 2, xi, oi);
    CHECK_EQ_INT(oi[0], 0);
    CHECK_EQ_INT(oi[1], 0);
    const int8_t xe[3] = {-128, 127, 120};
    int8_t oe[3];
    am_ref_softmax(&p, 1, 3, xe, oe); /* e = 0, 1, exp(-0.7) = 0.4966 */
    CHECK_EQ_INT(oe[0], -128);
    CHECK_EQ_INT(oe[1], 171 - 128); /* 256 / 1.4966 = 171.06 */
    CHECK_EQ_INT(oe[2], 85 - 128);  /* 256 * 0.4966 / 1.4966 = 84.94 */
    const int8_t xf[2] = {127, -128};
    am_ref_softmax(&p, 1, 2, xf, oe); /* 256 clamps to 127 */
    CHECK_EQ_INT(oe[0], 127);
    CHECK_EQ_INT(oe[1], -128);

    /* Randomized: within 1 of float softmax, rows sum to about 256. */
    rng_seed(909);
    int bad = 0, bad_sum = 0;
    for (int iter = 0; iter < 200; ++iter) {
        const am_qtype t = rng_int(0, 1) ? AM_I8 : AM_U8;
        const float si = (float)(0.02 + 0.2 * rng_unit());
        const float beta = iter % 3 ? 1.0f : (float)(0.5 + rng_unit());
        const int32_t zo = t == AM_U8 ? 0 : -128;
        am_softmax_params_init(&p, t, beta, si, zo);
        const int rows = rng_int(1, 3), depth = rng_int(0, 3) ? rng_int(2, 40) : 1001;
        const size_t n = (size_t)rows * depth;
        void *x = malloc(n);
        fill_random8(t, x, n, qmin_of(t), qmax_of(t));
        void *o = poisoned(n, 0xA5);
        am_ref_softmax(&p, rows, depth, x, o);
        for (int r = 0; r < rows; ++r) {
            int32_t mx = -1000;
            for (int j = 0; j < depth; ++j)
                if (get8(t, x, (size_t)r * depth + j) > mx)
                    mx = get8(t, x, (size_t)r * depth + j);
            double sum = 0;
            for (int j = 0; j < depth; ++j)
                sum += exp((double)beta * si * (get8(t, x, (size_t)r * depth + j) - mx));
            long qsum = 0;
            for (int j = 0; j < depth; ++j) {
                const size_t i = (size_t)r * depth + j;
                const double prob = exp((double)beta * si * (get8(t, x, i) - mx)) / sum;
                const int32_t want = clamp_i((int64_t)floor(prob * 256.0 + 0.5) + zo, qmin_of(t), qmax_of(t));
                const int32_t got = get8(t, o, i);
                bad += abs(got - want) > 1;
                qsum += got - zo;
            }
            /* each value rounds by at most 1/2 (the max may clamp 256->255) */
            bad_sum += labs(qsum - 256) > depth / 2 + 1;
        }
        CHECK(guard_ok(o, n, 0xA5));
        free(o);
        free(x);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(bad_sum, 0);
}

int main(void)
{
    test_fixed_point();
    test_activation_range();
    test_conv_hand();
    test_depthwise_hand();
    test_conv_random(0);
    test_conv_random(1);
    test_conv_mobilenet_shapes();
    test_avg_pool();
    test_mean();
    test_add();
    test_mul();
    test_lut_requantize();
    test_lut_hard_swish();
    test_softmax();
    return check_exit();
}
