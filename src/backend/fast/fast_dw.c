/* DEPTHWISE_CONV_2D (depth multiplier 1) on AVX-512, bit-exact with
 * am_ref_depthwise_conv2d. Two kernels, both with int16 pairs of taps
 * per VPDPWSSD (x_t, x_t+1) times (w'_t, w'_t+1), w' = w + w_offset, and
 * xo * sum w' folded into the per-channel constant:
 * - 3x3 and 5x5 without dilation: pair rows (below), 16 channels at a
 *   time in natural order, no shuffle in the inner loop;
 * - the rest (other windows, dilation, 8 or 16 channels with stride 1
 *   across: "wide"): 32 channels at a time in lane order, the pairs made
 *   by unpacking two taps per VPDPWSSD. Pixels whose window lies inside
 *   the image run along the row with fixed tap offsets; border pixels
 *   read a buffer of the input zero point (or a padded copy of the rows).
 * Threads split the output rows. */
#include "fast_internal.h"

#if AM_FAST_X86

AM_INL __m512i load_x32(const uint8_t *p, int full, __mmask32 m, int act_signed)
{
    const __m256i b = full ? _mm256_loadu_si256((const __m256i *)(const void *)p)
                           : _mm256_maskz_loadu_epi8(m, p);
    return act_signed ? _mm512_cvtepi8_epi16(b) : _mm512_cvtepu8_epi16(b);
}

/* The 32 channels from c of one output pixel: tap t reads tp[t] + c;
 * odd tap counts pair the last tap with a weight of 0. Weights and
 * constants in the wp32 / *_p lane order (see struct am_fast_conv). */
AM_INL void dw32_acc(const am_fast_conv *s, const uint8_t *const *tp, int npair, int c,
                     int full, __mmask32 m, int act_signed, __m512i *lo, __m512i *hi)
{
    const int32_t *w = s->wp32 + c;
    const int ocp32 = s->ocp32;
#pragma GCC unroll 13
    for (int j = 0; j < npair; j++, w += ocp32) {
        const __m512i x0 = load_x32(tp[2 * j] + c, full, m, act_signed);
        const __m512i x1 = load_x32(tp[2 * j + 1] + c, full, m, act_signed);
        *lo = _mm512_dpwssd_epi32(*lo, _mm512_unpacklo_epi16(x0, x1), _mm512_load_si512(w));
        *hi = _mm512_dpwssd_epi32(*hi, _mm512_unpackhi_epi16(x0, x1), _mm512_load_si512(w + 16));
    }
}

/* The same for a window inside the image: tap t reads base + toff[t] + c. */
AM_INL void dw32_acc_in(const am_fast_conv *s, const uint8_t *base, const int32_t *toff, int npair,
                        int c, int full, __mmask32 m, int act_signed, __m512i *lo, __m512i *hi)
{
    const int32_t *w = s->wp32 + c;
    const int ocp32 = s->ocp32;
    base += c;
#pragma GCC unroll 13
    for (int j = 0; j < npair; j++, w += ocp32) {
        const __m512i x0 = load_x32(base + toff[2 * j], full, m, act_signed);
        const __m512i x1 = load_x32(base + toff[2 * j + 1], full, m, act_signed);
        *lo = _mm512_dpwssd_epi32(*lo, _mm512_unpacklo_epi16(x0, x1), _mm512_load_si512(w));
        *hi = _mm512_dpwssd_epi32(*hi, _mm512_unpackhi_epi16(x0, x1), _mm512_load_si512(w + 16));
    }
}

/* Requantizes lo/hi (lane order) and stores 32 channels in channel order:
 * VPACKSSDW interleaves per 128-bit lane, which the lane order undoes. */
AM_INL void dw32_store(const rqc *ql, const rqc *qh, __m512i lo, __m512i hi, __m512i vmin,
                       __m512i vmax, __mmask32 m, int simple, uint8_t *o)
{
    lo = rqc_apply(ql, lo, simple);
    hi = rqc_apply(qh, hi, simple);
    __m512i v = _mm512_packs_epi32(lo, hi);
    v = _mm512_min_epi16(_mm512_max_epi16(v, vmin), vmax);
    if (m == ~(__mmask32)0)
        _mm256_storeu_si256((__m256i *)(void *)o, _mm512_cvtepi16_epi8(v));
    else
        _mm256_mask_storeu_epi8(o, m, _mm512_cvtepi16_epi8(v));
}

/* One channel block along the interior [ox_lo, ox_hi) of a row. */
AM_INL void dw_row_block(const am_fast_conv *s, const uint8_t *row, uint8_t *orow, const int32_t *toff,
                         int npair, int c, int full, int ox_lo, int ox_hi, int act_signed,
                         int simple)
{
    const int c_n = s->out.c, step = s->p.stride_w * c_n;
    const __mmask32 m = full ? ~(__mmask32)0 : (__mmask32)((1ull << (c_n - c)) - 1);
    const __m512i cl = _mm512_load_si512(s->cconst_p + c);
    const __m512i ch = _mm512_load_si512(s->cconst_p + c + 16);
    const rqc ql = rqc_load(s, s->mult_p, s->modd_p, s->left_p, c);
    const rqc qh = rqc_load(s, s->mult_p, s->modd_p, s->left_p, c + 16);
    const __m512i vmin = _mm512_set1_epi16((short)s->p.act_min);
    const __m512i vmax = _mm512_set1_epi16((short)s->p.act_max);
    const uint8_t *base = row + (ptrdiff_t)(ox_lo * s->p.stride_w - s->p.pad_left) * c_n;
    uint8_t *o = orow + (size_t)ox_lo * c_n + c;
    for (int ox = ox_lo; ox < ox_hi; ox++, base += step, o += c_n) {
        __m512i lo = cl, hi = ch;
        dw32_acc_in(s, base, toff, npair, c, full, m, act_signed, &lo, &hi);
        dw32_store(&ql, &qh, lo, hi, vmin, vmax, m, simple, o);
    }
}

/* n groups of 32 / c pixels of a row from base (window origin) and o,
 * through the wide convolution w (32 bytes a step on both sides). */
AM_INL void dw_row_wide(const am_fast_conv *w, const uint8_t *base, uint8_t *o, int n,
                        const int32_t *toff, int npair, int act_signed, int simple)
{
    const __m512i cl = _mm512_load_si512(w->cconst_p), ch = _mm512_load_si512(w->cconst_p + 16);
    const rqc ql = rqc_load(w, w->mult_p, w->modd_p, w->left_p, 0);
    const rqc qh = rqc_load(w, w->mult_p, w->modd_p, w->left_p, 16);
    const __m512i vmin = _mm512_set1_epi16((short)w->p.act_min);
    const __m512i vmax = _mm512_set1_epi16((short)w->p.act_max);
    for (int i = 0; i < n; i++, base += 32, o += 32) {
        __m512i lo = cl, hi = ch;
        dw32_acc_in(w, base, toff, npair, 0, 1, ~(__mmask32)0, act_signed, &lo, &hi);
        dw32_store(&ql, &qh, lo, hi, vmin, vmax, ~(__mmask32)0, simple, o);
    }
}

/* One output pixel of any position: taps outside the image read zbuf
 * (the input zero point, whose x + in_offset is 0). */
AM_INL void dw_pixel(const am_fast_conv *s, const uint8_t *in, int b, int oy, int ox,
                     int act_signed, uint8_t *out)
{
    const am_conv_params *p = &s->p;
    const int c_n = s->out.c, kh = s->kh, kw = s->kw, taps = kh * kw;
    const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const uint8_t *tp[DW_MAX_TAPS + 1];
    const uint8_t *img = in + (size_t)b * s->in.h * s->in.w * c_n;
    for (int t = 0; t < taps; t++) {
        const int iy = iy0 + (t / kw) * p->dil_h, ix = ix0 + (t % kw) * p->dil_w;
        tp[t] = iy >= 0 && iy < s->in.h && ix >= 0 && ix < s->in.w
                    ? img + ((size_t)iy * s->in.w + ix) * c_n
                    : s->zbuf;
    }
    tp[taps] = tp[taps - 1];
    uint8_t *o = out + (((size_t)b * s->out.h + oy) * s->out.w + ox) * c_n;
    const __m512i vmin = _mm512_set1_epi16((short)s->p.act_min);
    const __m512i vmax = _mm512_set1_epi16((short)s->p.act_max);
    for (int c = 0; c < c_n; c += 32) {
        const int full = c + 32 <= c_n;
        const __mmask32 m = full ? ~(__mmask32)0 : (__mmask32)((1ull << (c_n - c)) - 1);
        __m512i lo = _mm512_load_si512(s->cconst_p + c);
        __m512i hi = _mm512_load_si512(s->cconst_p + c + 16);
        dw32_acc(s, tp, (taps + 1) / 2, c, full, m, act_signed, &lo, &hi);
        const rqc ql = rqc_load(s, s->mult_p, s->modd_p, s->left_p, c);
        const rqc qh = rqc_load(s, s->mult_p, s->modd_p, s->left_p, c + 16);
        dw32_store(&ql, &qh, lo, hi, vmin, vmax, m, s->simple, o + c);
    }
}

/* The kh input rows of output row oy of image b, padded with the input
 * zero point to s->pad_w pixels (padded column j is input column j -
 * pad_left), into buf. */
static void pad_rows(const am_fast_conv *s, const uint8_t *in, int b, int oy, uint8_t *buf)
{
    const am_conv_params *p = &s->p;
    const int c_n = s->out.c, zp = (-p->in_offset) & 0xff;
    const size_t row_bytes = (size_t)s->pad_w * c_n;
    const int left = p->pad_left < s->pad_w ? p->pad_left : s->pad_w;
    int n = s->in.w < s->pad_w - left ? s->in.w : s->pad_w - left; /* input pixels copied */
    for (int ky = 0; ky < s->kh; ky++, buf += row_bytes) {
        const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
        if (iy < 0 || iy >= s->in.h) {
            memset(buf, zp, row_bytes);
            continue;
        }
        memset(buf, zp, (size_t)left * c_n);
        memcpy(buf + (size_t)left * c_n,
               in + (((size_t)b * s->in.h + iy) * s->in.w) * c_n, (size_t)n * c_n);
        memset(buf + (size_t)(left + n) * c_n, zp, (size_t)(s->pad_w - left - n) * c_n);
    }
}

/* Output rows [r0, r1) (row r = image r / out.h, y r % out.h). Pixels
 * whose window lies inside the image run channel block by channel block
 * along the row, with the constants in registers and the tap offsets
 * fixed (ntaps: a compile-time tap count, or 0); the rest take
 * dw_pixel. */
AM_INL void dw_rows(const am_fast_conv *s, const uint8_t *in, uint8_t *out, int r0, int r1,
                    int ntaps, int act_signed, int simple, uint8_t *padbuf)
{
    const am_conv_params *p = &s->p;
    const int c_n = s->out.c, kh = s->kh, kw = s->kw, taps = ntaps ? ntaps : kh * kw;
    const int npair = (taps + 1) / 2, sw = p->stride_w, ow = s->out.w;
    if (simple < 0)
        simple = s->simple;
    int32_t toff[DW_MAX_TAPS + 1];
    for (int t = 0; t <= taps; t++)
        toff[t] = s->tap_off[t];
    int ox_lo = (p->pad_left + sw - 1) / sw;
    const int span = (kw - 1) * p->dil_w;
    int ox_hi = s->in.w - 1 - span + p->pad_left >= 0 ? (s->in.w - 1 - span + p->pad_left) / sw + 1
                                                     : 0;
    if (ox_hi > ow)
        ox_hi = ow;
    if (ox_lo > ox_hi)
        ox_lo = ox_hi;
    if (padbuf) {
        /* every row through a padded copy: all pixels are inner ones */
        int32_t ptoff[DW_MAX_TAPS + 1];
        for (int t = 0; t < taps; t++)
            ptoff[t] = ((t / kw) * s->pad_w + (t % kw) * p->dil_w) * c_n;
        ptoff[taps] = ptoff[taps - 1];
        const uint8_t *row = padbuf + (size_t)p->pad_left * c_n; /* input column 0 */
        for (int r = r0; r < r1; r++) {
            const int b = r / s->out.h, oy = r % s->out.h;
            pad_rows(s, in, b, oy, padbuf);
            uint8_t *orow = out + (((size_t)b * s->out.h + oy) * ow) * c_n;
            int ox0 = 0;
            if (s->wide) {
                const int per = 32 / c_n;
                dw_row_wide(s->wide, padbuf, orow, ow / per, ptoff, npair, act_signed, simple);
                ox0 = ow / per * per;
            }
            int c = 0;
            for (; c + 32 <= c_n; c += 32)
                dw_row_block(s, row, orow, ptoff, npair, c, 1, ox0, ow, act_signed, simple);
            if (c < c_n)
                dw_row_block(s, row, orow, ptoff, npair, c, 0, ox0, ow, act_signed, simple);
        }
        return;
    }
    for (int r = r0; r < r1; r++) {
        const int b = r / s->out.h, oy = r % s->out.h;
        const int iy0 = oy * p->stride_h - p->pad_top;
        if (iy0 < 0 || iy0 + (kh - 1) * p->dil_h >= s->in.h) {
            for (int ox = 0; ox < ow; ox++)
                dw_pixel(s, in, b, oy, ox, act_signed, out);
            continue;
        }
        for (int ox = 0; ox < ox_lo; ox++)
            dw_pixel(s, in, b, oy, ox, act_signed, out);
        for (int ox = ox_hi; ox < ow; ox++)
            dw_pixel(s, in, b, oy, ox, act_signed, out);
        const uint8_t *row = in + (((size_t)b * s->in.h + iy0) * s->in.w) * c_n;
        uint8_t *orow = out + (((size_t)b * s->out.h + oy) * ow) * c_n;
        if (s->wide) {
            /* the interior in groups of 32 / c_n pixels, the rest below */
            const int per = 32 / c_n, n = (ox_hi - ox_lo) / per;
            dw_row_wide(s->wide, row + (ptrdiff_t)(ox_lo - p->pad_left) * c_n,
                        orow + (size_t)ox_lo * c_n, n, toff, npair, act_signed, simple);
            dw_row_block(s, row, orow, toff, npair, 0, 0, ox_lo + n * per, ox_hi, act_signed,
                         simple);
            continue;
        }
        int c = 0;
        for (; c + 32 <= c_n; c += 32)
            dw_row_block(s, row, orow, toff, npair, c, 1, ox_lo, ox_hi, act_signed, simple);
        if (c < c_n)
            dw_row_block(s, row, orow, toff, npair, c, 0, ox_lo, ox_hi, act_signed, simple);
    }
}

#define DW_RUN(NAME, NTAPS, SIGNED, SIMPLE)                                               \
    AM_TGT static void NAME(const am_fast_conv *s, const uint8_t *in, uint8_t *out, int r0, \
                            int r1, uint8_t *padbuf)                                      \
    {                                                                                     \
        dw_rows(s, in, out, r0, r1, NTAPS, SIGNED, SIMPLE, padbuf);                       \
    }
DW_RUN(dw_any_u8, 0, 0, -1) /* simple -1: s->simple at run time */
DW_RUN(dw_any_i8, 0, 1, -1)
DW_RUN(dw_9_u8, 9, 0, 1)
DW_RUN(dw_9_i8, 9, 1, 1)
DW_RUN(dw_25_u8, 25, 0, 1)
DW_RUN(dw_25_i8, 25, 1, 1)
DW_RUN(dw_9_u8_f, 9, 0, RQ_FLOORED)
DW_RUN(dw_9_i8_f, 9, 1, RQ_FLOORED)
DW_RUN(dw_25_u8_f, 25, 0, RQ_FLOORED)
DW_RUN(dw_25_i8_f, 25, 1, RQ_FLOORED)

/* ---- Pair rows: 3x3 and 5x5 without dilation -------------------------
 * Each input row is widened once into a pair row: for padded column j
 * and channel c the dword (x[j][c], x[j+1][c]) as int16 (natural channel
 * order, ocp dwords a column; outside the image the input zero point).
 * Taps (2q, 2q+1) of kernel row ky for output pixel ox are then one
 * VPDPWSSD of the pair at column ox * stride + 2q against the weight pair
 * (an odd last tap pairs with weight 0): no conversion or shuffle in the
 * inner loop, the weights in registers. (The lane-order kernel above
 * spends two conversions and two unpacks on every two VPDPWSSD, which
 * bounds it on port 5.) A ring of kh pair rows per thread: each input
 * row is widened once per band of output rows. */

/* 16 channels as int16 in the low halves of 16 dwords. */
AM_INL __m512i widen16(const uint8_t *p, __mmask16 m, int sgn)
{
    const __m128i b = m == 0xFFFF ? _mm_loadu_si128((const __m128i *)(const void *)p)
                                  : _mm_maskz_loadu_epi8(m, p);
    return sgn ? _mm512_and_si512(_mm512_cvtepi8_epi32(b), _mm512_set1_epi32(0xffff))
               : _mm512_cvtepu8_epi32(b);
}

/* The pair row of input row row (NULL: a row outside the image); with
 * an even stride across only the even columns are read. Column by
 * column, the channels inner: both sides are read and written in order,
 * and a column with both pixels inside the image has no per-channel
 * checks or masks (but the last block's). */
AM_INL void pair_row(const am_fast_conv *s, const uint8_t *row, int32_t *prow, int sgn)
{
    const int c_n = s->out.c, ocp = s->ocp, pw = s->pad_w, left = s->p.pad_left, w = s->in.w;
    const int zp = (-s->p.in_offset) & 0xff, jstep = s->p.stride_w % 2 ? 1 : 2;
    const int cfull = c_n & ~15; /* channels in whole blocks */
    const __mmask16 mt = tail_mask(c_n - cfull);
    const __m512i z = _mm512_set1_epi32(sgn ? (int32_t)(uint16_t)(int16_t)(int8_t)zp : zp);
    const __m512i zz = _mm512_or_si512(z, _mm512_slli_epi32(z, 16));
    for (int j = 0; j < pw; j += jstep) {
        const int ix = j - left;
        const int in0 = row && ix >= 0 && ix < w, in1 = row && ix + 1 >= 0 && ix + 1 < w;
        int32_t *o = prow + (size_t)j * ocp;
        if (!in0 && !in1) {
            for (int c = 0; c < ocp; c += 16)
                _mm512_store_si512(o + c, zz);
            continue;
        }
        const uint8_t *x0 = row + (ptrdiff_t)ix * c_n, *x1 = x0 + c_n;
        if (in0 && in1) {
            int c = 0;
            for (; c < cfull; c += 16) {
                const __m512i a = widen16(x0 + c, 0xFFFF, sgn), b = widen16(x1 + c, 0xFFFF, sgn);
                _mm512_store_si512(o + c, _mm512_or_si512(a, _mm512_slli_epi32(b, 16)));
            }
            if (c < c_n) {
                const __m512i a = widen16(x0 + c, mt, sgn), b = widen16(x1 + c, mt, sgn);
                _mm512_store_si512(o + c, _mm512_or_si512(a, _mm512_slli_epi32(b, 16)));
            }
            continue;
        }
        for (int c = 0; c < ocp; c += 16) {
            const __mmask16 m = tail_mask(c_n - c);
            const __m512i a = in0 ? widen16(x0 + c, m, sgn) : z;
            const __m512i b = in1 ? widen16(x1 + c, m, sgn) : z;
            _mm512_store_si512(o + c, _mm512_or_si512(a, _mm512_slli_epi32(b, 16)));
        }
    }
}

/* N output pixels of one 16-channel block: R[ky] points at the block in
 * the first pixel's window column of kernel row ky, step is the pair-row
 * distance between neighbouring output pixels. */
AM_INL void pair_pixels(const am_fast_conv *s, const int32_t *const *R, size_t step,
                        const __m512i *W, __m512i cc, const rqc *q, __mmask16 m, uint8_t *o,
                        int N, int KH, int KW, int simple)
{
    const int np = (KW + 1) / 2, c_n = s->out.c;
    const size_t ocp2 = 2 * (size_t)s->ocp;
    __m512i acc[4];
#pragma GCC unroll 4
    for (int n = 0; n < N; n++)
        acc[n] = cc;
#pragma GCC unroll 5
    for (int ky = 0; ky < KH; ky++)
#pragma GCC unroll 3
        for (int j = 0; j < np; j++)
#pragma GCC unroll 4
            for (int n = 0; n < N; n++)
                acc[n] = _mm512_dpwssd_epi32(acc[n], W[ky * np + j],
                                             _mm512_load_si512(R[ky] + n * step + j * ocp2));
    const __m512i vmin = _mm512_set1_epi32(s->p.act_min), vmax = _mm512_set1_epi32(s->p.act_max);
#pragma GCC unroll 4
    for (int n = 0; n < N; n++) {
        __m512i r = rqc_apply(q, acc[n], simple);
        r = _mm512_min_epi32(_mm512_max_epi32(r, vmin), vmax);
        if (m == (__mmask16)0xFFFF)
            _mm_storeu_si128((__m128i *)(void *)(o + n * c_n), _mm512_cvtepi32_epi8(r));
        else
            _mm_mask_storeu_epi8(o + n * c_n, m, _mm512_cvtepi32_epi8(r));
    }
}

AM_INL void pair_rows_run(const am_fast_conv *s, const uint8_t *in, uint8_t *out, int r0, int r1,
                          int32_t *ring, int KH, int KW, int sgn, int simple)
{
    const am_conv_params *p = &s->p;
    const int c_n = s->out.c, ocp = s->ocp, ow = s->out.w, np = (KW + 1) / 2;
    const size_t rdw = (size_t)s->pad_w * ocp;       /* dwords of one pair row */
    const size_t step = (size_t)p->stride_w * ocp;   /* between output pixels */
    long tag[5] = {-1, -1, -1, -1, -1}; /* image * (in.h + 2 KH) + row + KH in each slot */
    for (int r = r0; r < r1; r++) {
        const int b = r / s->out.h, oy = r % s->out.h;
        const int iy0 = oy * p->stride_h - p->pad_top;
        const int32_t *R[5];
        for (int ky = 0; ky < KH; ky++) {
            const int iy = iy0 + ky, slot = ((iy % KH) + KH) % KH;
            const long key = (long)b * (s->in.h + 2 * KH) + iy + KH;
            int32_t *prow = ring + (size_t)slot * rdw;
            if (tag[slot] != key) {
                const uint8_t *row = iy >= 0 && iy < s->in.h
                                         ? in + ((size_t)b * s->in.h + iy) * s->in.w * c_n
                                         : NULL;
                pair_row(s, row, prow, sgn);
                tag[slot] = key;
            }
            R[ky] = prow;
        }
        uint8_t *orow = out + (((size_t)b * s->out.h + oy) * ow) * c_n;
        for (int c = 0; c < ocp; c += 16) {
            __m512i W[15];
            for (int i = 0; i < KH * np; i++)
                W[i] = _mm512_load_si512(s->wq + (size_t)i * ocp + c);
            const __m512i cc = _mm512_load_si512(s->cconst + c);
            const rqc q = rqc_load(s, s->mult, s->modd, s->left, c);
            const __mmask16 m = tail_mask(c_n - c);
            const int32_t *Rc[5];
            for (int ky = 0; ky < KH; ky++)
                Rc[ky] = R[ky] + c;
            int ox = 0;
            for (; ox + 4 <= ow; ox += 4) {
                pair_pixels(s, Rc, step, W, cc, &q, m, orow + (size_t)ox * c_n + c, 4, KH, KW,
                            simple);
                for (int ky = 0; ky < KH; ky++)
                    Rc[ky] += 4 * step;
            }
            /* the last 1-3 pixels in one step too: each pixel is one chain
             * of dependent VPDPWSSD, so one at a time waits on their
             * latency (a 7-wide 5x5 layer spent half its time there) */
            uint8_t *ot = orow + (size_t)ox * c_n + c;
            switch (ow - ox) {
            case 3: pair_pixels(s, Rc, step, W, cc, &q, m, ot, 3, KH, KW, simple); break;
            case 2: pair_pixels(s, Rc, step, W, cc, &q, m, ot, 2, KH, KW, simple); break;
            case 1: pair_pixels(s, Rc, step, W, cc, &q, m, ot, 1, KH, KW, simple); break;
            default: break;
            }
        }
    }
}

#define PAIR_RUN(NAME, KH, KW, SIGNED, SIMPLE)                                              \
    AM_TGT static void NAME(const am_fast_conv *s, const uint8_t *in, uint8_t *out, int r0, \
                            int r1, int32_t *ring)                                          \
    {                                                                                       \
        pair_rows_run(s, in, out, r0, r1, ring, KH, KW, SIGNED, SIMPLE);                    \
    }
PAIR_RUN(pair3_u8, 3, 3, 0, 1)
PAIR_RUN(pair3_i8, 3, 3, 1, 1)
PAIR_RUN(pair5_u8, 5, 5, 0, 1)
PAIR_RUN(pair5_i8, 5, 5, 1, 1)
PAIR_RUN(pair3_u8_g, 3, 3, 0, 0)
PAIR_RUN(pair3_i8_g, 3, 3, 1, 0)
PAIR_RUN(pair5_u8_g, 5, 5, 0, 0)
PAIR_RUN(pair5_i8_g, 5, 5, 1, 0)
PAIR_RUN(pair3_u8_f, 3, 3, 0, RQ_FLOORED)
PAIR_RUN(pair3_i8_f, 3, 3, 1, RQ_FLOORED)
PAIR_RUN(pair5_u8_f, 5, 5, 0, RQ_FLOORED)
PAIR_RUN(pair5_i8_f, 5, 5, 1, RQ_FLOORED)

static int rq_simple(const am_fast_conv *s) { return s->simple; }

void am_fast_dw_run(const am_fast_conv *s, const uint8_t *in, uint8_t *out, int r0, int r1,
                    int thread)
{
    const int taps = s->kh * s->kw, sgn = s->type == AM_I8;
    if (s->pair_rows) {
        typedef void (*pair_fn)(const am_fast_conv *, const uint8_t *, uint8_t *, int, int,
                                int32_t *);
        /* [5x5][s->simple: general, simple, floored][int8] */
        static const pair_fn fns[2][3][2] = {
            {{pair3_u8_g, pair3_i8_g}, {pair3_u8, pair3_i8}, {pair3_u8_f, pair3_i8_f}},
            {{pair5_u8_g, pair5_i8_g}, {pair5_u8, pair5_i8}, {pair5_u8_f, pair5_i8_f}}};
        int32_t *ring = s->ring + (size_t)thread * (s->ring_stride / 4);
        fns[s->kh == 5][rq_simple(s)][sgn](s, in, out, r0, r1, ring);
        return;
    }
    uint8_t *pb = s->padbuf ? s->padbuf + (size_t)thread * s->pad_stride : NULL;
    typedef void (*dw_fn)(const am_fast_conv *, const uint8_t *, uint8_t *, int, int, uint8_t *);
    /* unrolled 3x3 and 5x5 for simple layers: [5x5][floored][int8] */
    static const dw_fn unrolled[2][2][2] = {{{dw_9_u8, dw_9_i8}, {dw_9_u8_f, dw_9_i8_f}},
                                            {{dw_25_u8, dw_25_i8}, {dw_25_u8_f, dw_25_i8_f}}};
    if ((taps == 9 || taps == 25) && rq_simple(s))
        unrolled[taps == 25][rq_simple(s) == RQ_FLOORED][sgn](s, in, out, r0, r1, pb);
    else
        (sgn ? dw_any_i8 : dw_any_u8)(s, in, out, r0, r1, pb);
}

#endif
