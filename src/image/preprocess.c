/* From a decoded image to a model input: central crop, resize, then
 * normalise and quantize through a 256-entry table.
 *
 * Resizing is separable. Per call, each axis gets a list of taps (first
 * source index, count, weights) for every output index:
 * - same size: one tap of weight 1 (pixels pass unchanged);
 * - bilinear with half-pixel centres (TF resize_bilinear with
 *   half_pixel_centers, OpenCV INTER_LINEAR) when enlarging or shrinking
 *   by at most 2x: src = (i + 0.5) * in/out - 0.5, clamped to the edges;
 * - area averaging (OpenCV INTER_AREA) when shrinking by more than 2x: the
 *   output pixel covers source interval [i*in/out, (i+1)*in/out), and each
 *   source pixel weighs by its overlap, so nothing aliases.
 * Weights are fixed point, 14 bits, non-negative, and each list sums to
 * exactly 1 << 14, so a constant image stays constant, results never
 * leave 0..255, and equal rows give equal rows with
 * no floating-point ties going either way. Each output row is built in a
 * float row that sums its source rows (vertical taps: integer weight x
 * byte, sums below 2^22, so float is exact and vectorizes well), then
 * each pixel sums taps along that row in double (products below 2^36,
 * exact too); the result, value << 28, is rounded to the nearest integer
 * (halves up) and mapped through the table (identity for
 * amsel_image_crop_resize). The arithmetic is thus exact integer
 * arithmetic, only carried in floating-point registers. */
#include "image/image_internal.h"

#include "backend/fast/fast_kernels.h"

#include <math.h>
#include <string.h>

#define AM_MAX_SIDE 8192

#define W_BITS 14
#define W_ONE (1 << W_BITS)

typedef struct axis_taps {
    int *start;    /* (n_out) first source index, relative to the crop */
    int *count;    /* (n_out) number of taps, >= 1 */
    int32_t *w;    /* (n_out, max) weights, summing to W_ONE */
    int max;
} axis_taps;

static void axis_free(amsel_ctx *ctx, axis_taps *a)
{
    am_free(ctx, a->start);
    am_free(ctx, a->count);
    am_free(ctx, a->w);
}

static amsel_status axis_build(amsel_ctx *ctx, int n_in, int n_out, axis_taps *a)
{
    double s = (double)n_in / n_out;
    int area = s > 2.0;
    a->max = area ? (int)ceil(s) + 2 : 2;
    a->start = am_malloc(ctx, (size_t)n_out * sizeof *a->start);
    a->count = am_malloc(ctx, (size_t)n_out * sizeof *a->count);
    a->w = am_calloc(ctx, (size_t)n_out * (size_t)a->max, sizeof *a->w);
    if (!a->start || !a->count || !a->w)
        return AMSEL_ERR_NOMEM;
    for (int i = 0; i < n_out; i++) {
        int32_t *w = a->w + (size_t)i * a->max;
        if (!area) {
            double x = (i + 0.5) * s - 0.5;
            if (x < 0)
                x = 0;
            int x0 = (int)x; /* floor, x >= 0 */
            double f = x - x0;
            if (x0 >= n_in - 1) {
                x0 = n_in - 1;
                f = 0;
            }
            int32_t w1 = (int32_t)lround(f * W_ONE);
            a->start[i] = w1 == W_ONE ? x0 + 1 : x0;
            a->count[i] = w1 > 0 && w1 < W_ONE ? 2 : 1;
            w[0] = a->count[i] == 2 ? W_ONE - w1 : W_ONE;
            w[1] = a->count[i] == 2 ? w1 : 0;
            continue;
        }
        /* Exact interval ends: integer products, one division each. */
        double a0 = (double)((int64_t)i * n_in) / n_out;
        double a1 = (double)((int64_t)(i + 1) * n_in) / n_out;
        int k0 = (int)floor(a0), k1 = (int)ceil(a1);
        if (k1 > n_in)
            k1 = n_in;
        /* Weight of source pixel k: its overlap with [a0, a1) over the
         * length, in fixed point by rounding the running sum, so that the
         * weights are >= 0 and sum to exactly W_ONE. Slivers that round
         * to nothing at either end are left out. */
        double len = a1 - a0, cum = 0;
        int first = -1, n = 0;
        int32_t prev = 0;
        for (int k = k0; k < k1 && n < a->max; k++) {
            double lo = a0 > k ? a0 : k, hi = a1 < k + 1 ? a1 : k + 1;
            cum += (hi - lo) / len;
            int32_t cur = k == k1 - 1 ? W_ONE : (int32_t)lround(cum * W_ONE);
            if (cur > W_ONE)
                cur = W_ONE;
            int32_t q = cur - prev;
            prev = cur;
            if (q == 0 && first < 0)
                continue;
            if (first < 0)
                first = k;
            w[n++] = q;
        }
        while (n > 1 && w[n - 1] == 0)
            n--;
        if (first < 0) { /* cannot happen for len > 2, but stay safe */
            first = k0 < n_in ? k0 : n_in - 1;
            n = 1;
            w[0] = W_ONE;
        }
        a->start[i] = first;
        a->count[i] = n;
    }
    return AMSEL_OK;
}

/* Crop region of img: round(side * crop), at least 1, centred (the extra
 * pixel of an odd margin goes to the right/bottom). */
static void crop_region(const amsel_image *img, float crop, int *x0, int *y0, int *cw, int *ch)
{
    long w = lround(img->width * (double)crop), h = lround(img->height * (double)crop);
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    if (w > img->width) w = img->width;
    if (h > img->height) h = img->height;
    *cw = (int)w;
    *ch = (int)h;
    *x0 = (img->width - *cw) / 2;
    *y0 = (img->height - *ch) / 2;
}

static amsel_status check_args(amsel_ctx *ctx, const char *fn, const amsel_image *img,
                               float crop, int width, int height, const void *out)
{
    if (!img || !out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "%s: %s is NULL", fn, !img ? "image" : "out");
    if (!(crop > 0.0f && crop <= 1.0f))
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "%s: crop %g is not in (0, 1]", fn,
                       (double)crop);
    if (width < 1 || width > AM_MAX_SIDE || height < 1 || height > AM_MAX_SIDE)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                       "%s: output size %dx%d is not within 1..%d on each side", fn, width,
                       height, AM_MAX_SIDE);
    return AMSEL_OK;
}

/* Vertical pass kernels over one row of n values (restrict: the row and
 * the source rows never overlap, which lets compilers vectorize). */
static void vrow_set(float *restrict row, const uint8_t *restrict s, float w, int n)
{
    for (int i = 0; i < n; i++)
        row[i] = w * s[i];
}

static void vrow_set2(float *restrict row, const uint8_t *restrict s0,
                      const uint8_t *restrict s1, float w0, float w1, int n)
{
    for (int i = 0; i < n; i++)
        row[i] = w0 * s0[i] + w1 * s1[i];
}

static void vrow_add(float *restrict row, const uint8_t *restrict s, float w, int n)
{
    for (int i = 0; i < n; i++)
        row[i] += w * s[i];
}

/* The vertical pass of one output row: ny source rows stride apart. */
static void vrow_taps(float *row, const uint8_t *s, size_t stride, const int32_t *w, int ny, int n)
{
    if (ny >= 2)
        vrow_set2(row, s, s + stride, w[0], w[1], n);
    else
        vrow_set(row, s, w[0], n);
    for (int k = 2; k < ny; k++)
        vrow_add(row, s + (size_t)k * stride, w[k], n);
}

/* Horizontal pass, bilinear: always two taps (the row has one zero pixel
 * of padding, so start + 1 is readable when the second weight is 0). */
static void hrow_bilinear(const float *restrict row, const axis_taps *ax, int width,
                          const uint8_t lut[256], uint8_t *restrict o)
{
    const double half = (double)(1 << (2 * W_BITS - 1));
    for (int ox = 0; ox < width; ox++, o += 3) {
        const int32_t *wx = ax->w + (size_t)ox * 2;
        const float *r = row + (size_t)ax->start[ox] * 3;
        double w0 = wx[0], w1 = wx[1];
        double a = half + w0 * r[0] + w1 * r[3];
        double b = half + w0 * r[1] + w1 * r[4];
        double c = half + w0 * r[2] + w1 * r[5];
        o[0] = lut[(int64_t)a >> (2 * W_BITS)];
        o[1] = lut[(int64_t)b >> (2 * W_BITS)];
        o[2] = lut[(int64_t)c >> (2 * W_BITS)];
    }
}

/* Horizontal pass, any number of taps (area averaging). */
static void hrow_taps(const float *restrict row, const axis_taps *ax, int width,
                      const uint8_t lut[256], uint8_t *restrict o)
{
    const double half = (double)(1 << (2 * W_BITS - 1));
    for (int ox = 0; ox < width; ox++, o += 3) {
        const int32_t *wx = ax->w + (size_t)ox * ax->max;
        const float *r = row + (size_t)ax->start[ox] * 3;
        double a = half, b = half, c = half;
        for (int k = 0, nk = ax->count[ox]; k < nk; k++, r += 3) {
            double w = wx[k];
            a += w * r[0];
            b += w * r[1];
            c += w * r[2];
        }
        o[0] = lut[(int64_t)a >> (2 * W_BITS)];
        o[1] = lut[(int64_t)b >> (2 * W_BITS)];
        o[2] = lut[(int64_t)c >> (2 * W_BITS)];
    }
}

/* Bilinear on both axes with the AVX-512 rows of fast_resize.c (same
 * integers as the loop in resample); AMSEL_ERR_UNSUPPORTED when the taps
 * do not suit them. */
static amsel_status resample_fast(amsel_ctx *ctx, const uint8_t *src, size_t stride, int cw,
                                  int width, int height, const axis_taps *ax,
                                  const axis_taps *ay, const uint8_t lut[256], uint8_t *out)
{
    const int n = cw * 3;
    void *plan = am_malloc(ctx, am_fast_hplan_size(width));
    int32_t *v = am_calloc(ctx, (size_t)n + 32, sizeof *v); /* 32 readable values past the row */
    amsel_status st = AMSEL_ERR_NOMEM;
    if (!plan || !v)
        goto done;
    st = AMSEL_ERR_UNSUPPORTED;
    if (!am_fast_hplan(width, cw, ax->start, ax->w, plan))
        goto done;
    int identity = 1;
    for (int i = 0; i < 256; i++)
        identity &= lut[i] == i;
    const int fast_lut = am_fast_lut_supported();
    for (int oy = 0; oy < height; oy++) {
        const int32_t *wy = ay->w + (size_t)oy * 2;
        const uint8_t *s = src + (size_t)ay->start[oy] * stride;
        am_fast_vrow(v, s, ay->count[oy] >= 2 ? s + stride : NULL, wy[0], wy[1], n);
        uint8_t *o = out + (size_t)oy * width * 3;
        am_fast_hrow(v, plan, width, o);
        if (identity)
            continue;
        if (fast_lut)
            am_fast_lut(lut, (size_t)width * 3, o, o);
        else
            for (int i = 0; i < width * 3; i++)
                o[i] = lut[o[i]];
    }
    st = AMSEL_OK;
done:
    am_free(ctx, plan);
    am_free(ctx, v);
    return st;
}

/* Crop + resize of img into out (height, width, 3), through lut. Weights
 * sum to W_ONE per axis and values are <= 255, so every result is
 * <= 255 << 28 and the shifted sums index lut without clamping. */
static amsel_status resample(amsel_ctx *ctx, const amsel_image *img, float crop, int width,
                             int height, const uint8_t lut[256], uint8_t *out)
{
    int x0, y0, cw, ch;
    crop_region(img, crop, &x0, &y0, &cw, &ch);
    size_t stride = (size_t)img->width * 3;
    const uint8_t *src = img->rgb + (size_t)y0 * stride + (size_t)x0 * 3;

    if (cw == width && ch == height) { /* no resampling at all */
        for (int y = 0; y < height; y++) {
            const uint8_t *s = src + (size_t)y * stride;
            uint8_t *o = out + (size_t)y * width * 3;
            for (int i = 0; i < width * 3; i++)
                o[i] = lut[s[i]];
        }
        return AMSEL_OK;
    }

    axis_taps ax = {0}, ay = {0};
    float *row = NULL; /* (cw + 1, 3): one output row before the horizontal pass */
    amsel_status st = axis_build(ctx, cw, width, &ax);
    if (st == AMSEL_OK)
        st = axis_build(ctx, ch, height, &ay);
    if (st == AMSEL_OK && !(row = am_calloc(ctx, ((size_t)cw + 1) * 3, sizeof *row)))
        st = AMSEL_ERR_NOMEM;
    if (st != AMSEL_OK)
        goto done;

    const int n = cw * 3;
    /* the AVX-512 rows unless the context asks for the reference kernels */
    const int fast = ctx->backend != AM_BACKEND_REF && am_fast_cpu_supported();
    if (fast && ax.max == 2 && ay.max == 2) {
        st = resample_fast(ctx, src, stride, cw, width, height, &ax, &ay, lut, out);
        if (st != AMSEL_ERR_UNSUPPORTED)
            goto done;
        st = AMSEL_OK;
    }
    for (int oy = 0; oy < height; oy++) {
        /* row = weighted sum of source rows, value << 14 (exact in float). */
        const int32_t *wy = ay.w + (size_t)oy * ay.max;
        const uint8_t *s = src + (size_t)ay.start[oy] * stride;
        if (fast)
            am_fast_vrow_taps(row, s, stride, wy, ay.count[oy], n);
        else
            vrow_taps(row, s, stride, wy, ay.count[oy], n);
        /* Each pixel: value << 28 in double (exact), rounded (halves up). */
        uint8_t *o = out + (size_t)oy * width * 3;
        if (ax.max == 2)
            hrow_bilinear(row, &ax, width, lut, o);
        else
            hrow_taps(row, &ax, width, lut, o);
    }
done:
    axis_free(ctx, &ax);
    axis_free(ctx, &ay);
    am_free(ctx, row);
    return st;
}

amsel_status amsel_image_crop_resize(amsel_ctx *ctx, const amsel_image *img, float crop,
                                     int width, int height, uint8_t *out_rgb)
{
    if (!ctx)
        return AMSEL_ERR_INVALID_ARG;
    amsel_status st =
        check_args(ctx, "amsel_image_crop_resize", img, crop, width, height, out_rgb);
    if (st != AMSEL_OK)
        return st;
    uint8_t lut[256];
    for (int v = 0; v < 256; v++)
        lut[v] = (uint8_t)v;
    return resample(ctx, img, crop, width, height, lut, out_rgb);
}

/* Normalise + quantize for every byte value: f = (v - 127.5) / 127.5,
 * q = round(f / scale) + zero_point, clamped to the type (in double). */
static amsel_status quant_table(amsel_ctx *ctx, const amsel_preprocess *p, uint8_t table[256])
{
    const char *fn = "amsel_image_preprocess";
    if (!(p->scale > 0.0f) || !isfinite(p->scale))
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                       "%s: quantization scale %g is not a positive finite number", fn,
                       (double)p->scale);
    int lo = p->is_int8 ? -128 : 0, hi = p->is_int8 ? 127 : 255;
    if (p->zero_point < lo || p->zero_point > hi)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "%s: zero point %d is outside %d..%d (%s)",
                       fn, p->zero_point, lo, hi, p->is_int8 ? "int8" : "uint8");
    for (int v = 0; v < 256; v++) {
        double f = (v - 127.5) / 127.5;
        double q = round(f / (double)p->scale) + p->zero_point; /* halves away from 0 */
        if (q < lo)
            q = lo;
        if (q > hi)
            q = hi;
        table[v] = p->is_int8 ? (uint8_t)(int8_t)q : (uint8_t)q; /* int8 as its byte */
    }
    return AMSEL_OK;
}

amsel_status amsel_image_preprocess(amsel_ctx *ctx, const amsel_image *img,
                                    const amsel_preprocess *p, void *out)
{
    if (!ctx)
        return AMSEL_ERR_INVALID_ARG;
    if (!p)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_image_preprocess: p is NULL");
    amsel_status st =
        check_args(ctx, "amsel_image_preprocess", img, p->crop, p->width, p->height, out);
    if (st != AMSEL_OK)
        return st;
    uint8_t lut[256];
    st = quant_table(ctx, p, lut);
    if (st != AMSEL_OK)
        return st;
    return resample(ctx, img, p->crop, p->width, p->height, lut, out);
}
