/* CONV_2D on AVX-512 VNNI, bit-exact with am_ref_conv2d (fast_kernels.h).
 *
 * CONV_2D as a GEMM. VPDPBUSD multiplies unsigned by signed bytes and sums
 * groups of four into int32 lanes, so the raw bytes are used as they are
 * and the zero points are moved out of the dot product. With xv the raw
 * activation byte and wv the packed weight byte:
 *   activations are always the unsigned operand: int8 ones are flipped,
 *     xv = x ^ 0x80 = x + 128 (their offset becomes in_offset - 128);
 *   wv = w - aw (aw = 128 for uint8 weights, 0 for int8 weights).
 * With symmetric int8 weights (w_offset 0) wo' below is 0 and the per-pixel
 * row sums are not needed at all.
 * Writing x + in_offset = xv + xo and w + w_offset = wv + wo' (wo' = the
 * weight offset corrected for the shift above), over the K taps:
 *   acc = bias + sum (xv + xo)(wv + wo')
 *       = [sum xv*wv]  + wo' * [sum xv]  + [bias + xo * sum wv + K*xo*wo']
 *          VPDPBUSD       per pixel          per channel, at create time
 * Out-of-image taps are filled with the input zero point (their factor
 * x + in_offset is 0, the same as skipping them), and the K tail up to a
 * multiple of 4 with zero bytes on both sides. All sums wrap modulo 2^32
 * like the reference's int32 accumulator, so the result is identical.
 *
 * Layouts: packed weights [oc / 16][Kp / 4][16 channels][4 taps] (one
 * 64-byte vector per group of four taps of 16 channels); activation rows
 * [pixel][Kp] bytes, either the input itself (1x1, stride 1, no padding,
 * channels a multiple of 4) or an im2col copy of a block of pixels
 * (~24 KiB: it stays in L1 next to the weights while every channel group
 * runs over it). The register block is 4 pixels x 64 channels (16
 * accumulators). Threads split the output pixels; each has its own
 * im2col buffer.
 *
 * DEPTHWISE_CONV_2D (depth multiplier 1): fast_dw.c. ADD, MUL and the
 * tables: fast_eltwise.c. Creation (weight packing, constants):
 * fast_create.c. Shared requantization and store helpers:
 * fast_internal.h. */
#include "fast_internal.h"

#if AM_FAST_X86

/* ---- CONV_2D ------------------------------------------------------------ */

/* Copies len bytes xor vfl in 64-byte moves: the bytes written past len
 * are rewritten later (rows are filled in order; cols has 64 bytes of
 * slack); nothing is read past in_end. */
AM_INL void move_flip(uint8_t *d, const uint8_t *src, int len, __m512i vfl, const uint8_t *in_end)
{
    for (int i = 0; i < len; i += 64) {
        const __m512i v = src + i + 64 <= in_end
                              ? _mm512_loadu_si512(src + i)
                              : _mm512_maskz_loadu_epi8(tail_mask64(len - i), src + i);
        _mm512_storeu_si512(d + i, _mm512_xor_si512(v, vfl));
    }
}

/* im2col: row per output pixel, kp bytes (int8 activations flipped to
 * unsigned), padding taps = input zero point, K tail = 0. */
AM_TGT static void im2col(const am_fast_conv *s, const uint8_t *in, size_t p0, size_t n,
                          uint8_t *cols)
{
    const am_conv_params *p = &s->p;
    const int ic = s->in.c, kp = s->kp;
    const uint8_t fl = s->flip ? 0x80 : 0;
    const uint8_t zx = (uint8_t)(((-p->in_offset) & 0xff) ^ fl);
    const __m512i vfl = _mm512_set1_epi8((char)fl);
    const uint8_t *in_end = in + (size_t)s->in.n * s->in.h * s->in.w * ic; /* no reads past it */
    uint8_t *row = cols;
    int ox = (int)(p0 % (size_t)s->out.w), oy = (int)(p0 / (size_t)s->out.w % (size_t)s->out.h);
    int b = (int)(p0 / ((size_t)s->out.w * s->out.h));
    for (size_t r = 0; r < n; r++, row += kp) {
            {
                uint8_t *d = row;
                const int ix0 = ox * p->stride_w - p->pad_left;
                const int row_in = ix0 >= 0 && ix0 + (s->kw - 1) * p->dil_w < s->in.w &&
                                   p->dil_w == 1;
                for (int ky = 0; ky < s->kh; ky++) {
                    if (s->implicit)
                        d = row + (size_t)ky * s->seg; /* the implicit layout's segment */
                    const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                    if (row_in && iy >= 0 && iy < s->in.h) {
                        /* the kernel row is one contiguous span of the input */
                        const uint8_t *src = in + (((size_t)b * s->in.h + iy) * s->in.w + ix0) * ic;
                        const int len = s->kw * ic;
                        move_flip(d, src, len, vfl, in_end);
                        d += len;
                        continue;
                    }
                    for (int kx = 0; kx < s->kw; kx++, d += ic) {
                        const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        if (iy < 0 || iy >= s->in.h || ix < 0 || ix >= s->in.w)
                            memset(d, zx, (size_t)ic);
                        else
                            move_flip(d, in + (((size_t)b * s->in.h + iy) * s->in.w + ix) * ic, ic,
                                      vfl, in_end);
                    }
                }
                for (int i = 0; !s->implicit && i < kp - s->k; i++)
                    d[i] = 0; /* (implicit: pad bytes have weight 0 and no row sums) */
            }
            if (++ox == s->out.w) {
                ox = 0;
                if (++oy == s->out.h) {
                    oy = 0;
                    b++;
                }
            }
    }
}

/* wo' times the sum of the kp bytes of each activation row; raw_flip:
 * the rows are int8 activations still to be flipped (sum + 128 kp). */
AM_TGT static void row_sums(const am_fast_conv *s, const uint8_t *rows, size_t p0, size_t npix,
                            int raw_flip)
{
    const int kp = s->kp;
    const __m512i ones = _mm512_set1_epi8(1);
    for (size_t i = 0; i < npix; i++) {
        const uint8_t *r = rows + i * kp;
        __m512i acc = _mm512_setzero_si512();
        for (int k = 0; k < kp; k += 64) {
            const int n = kp - k < 64 ? kp - k : 64;
            const __mmask64 m = n == 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
            const __m512i v = _mm512_maskz_loadu_epi8(m, r + k);
            acc = raw_flip ? _mm512_dpbusd_epi32(acc, ones, v) : _mm512_dpbusd_epi32(acc, v, ones);
        }
        const uint32_t sum = (uint32_t)_mm512_reduce_add_epi32(acc) + (raw_flip ? 128u * kp : 0u);
        s->rowsum[p0 + i] = (int32_t)(sum * (uint32_t)s->wo);
    }
}

/* Activation bytes k..k+3 of a row on every lane (flipped: int8). */
AM_INL __m512i bcast4(const uint8_t *row, int k, int flip)
{
    int32_t x4;
    memcpy(&x4, row + k, 4);
    const __m512i x = _mm512_set1_epi32(x4);
    return flip ? _mm512_xor_si512(x, _mm512_set1_epi8(-128)) : x;
}

/* One pixel (the rest of a part, or the whole of a fully connected
 * layer) x nb blocks of 16 channels from block cb. Block by block, so
 * that the packed weights are read as one stream, with 4 partial sums
 * over the groups of taps (independent VPDPBUSD chains): one pixel is
 * bound by the weight reads (1.3 MB in the classifier layers). */
AM_INL void gemm_pixel(const am_fast_conv *s, const uint8_t *row, size_t pix, int cb, int nb,
                       int flip, uint8_t *out)
{
    const int kp = s->kp, oc_n = s->out.c;
    const size_t wstride = (size_t)(kp / 4) * 64; /* bytes per 16-channel block */
    int32_t rsv = 0;
    if (s->rs_inline) {
        uint32_t sum = 0; /* wo' * sum of the row's real taps, mod 2^32 */
        for (int k = 0; k < kp; k++)
            sum += (row[k] ^ (flip ? 0x80u : 0u)) * (uint32_t)(int32_t)((const int8_t *)s->wob)[k];
        rsv = (int32_t)(sum <= INT32_MAX ? (int32_t)sum : -(int32_t)(~sum) - 1);
    } else if (s->wo) {
        rsv = s->rowsum[pix];
    }
    const __m512i z = _mm512_setzero_si512(), rs = _mm512_set1_epi32(rsv);
    __m512i res[NB_MAX] = {z, z, z, z};
    for (int j = 0; j < nb; j++) {
        const int8_t *w = s->wpack + (size_t)(cb + j) * wstride;
        __m512i a0 = _mm512_load_si512(s->cconst + (cb + j) * 16), a1 = z, a2 = z, a3 = z;
        int k = 0;
        for (; k + 16 <= kp; k += 16) {
            a0 = _mm512_dpbusd_epi32(a0, bcast4(row, k, flip), _mm512_load_si512(w + k * 16));
            a1 = _mm512_dpbusd_epi32(a1, bcast4(row, k + 4, flip), _mm512_load_si512(w + k * 16 + 64));
            a2 = _mm512_dpbusd_epi32(a2, bcast4(row, k + 8, flip), _mm512_load_si512(w + k * 16 + 128));
            a3 = _mm512_dpbusd_epi32(a3, bcast4(row, k + 12, flip), _mm512_load_si512(w + k * 16 + 192));
        }
        for (; k < kp; k += 4)
            a0 = _mm512_dpbusd_epi32(a0, bcast4(row, k, flip), _mm512_load_si512(w + k * 16));
        const __m512i acc = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));
        res[j] = rq64_apply(s, s->mult, s->modd, s->left, (cb + j) * 16, _mm512_add_epi32(acc, rs));
    }
    store_pack64(s, res[0], res[1], res[2], res[3], out + pix * oc_n + cb * 16,
                 tail_mask64(oc_n - cb * 16));
}

/* Requantizes the 16 channels from c of 4 pixels in place (every
 * constant loaded once; nothing is stored here, as a byte store may alias
 * s and force reloads). */
#define GEMM_RQ4(a0, a1, a2, a3, c)                                                       \
    do {                                                                                  \
        const rqc q_ = rqc_load(s, s->mult, s->modd, s->left, (c));                      \
        const int32_t *rs_ = s->wo && !rsi ? s->rowsum + pix : NULL; /* none or inline */  \
        a0 = rqc_apply(&q_, rs_ ? _mm512_add_epi32(a0, _mm512_set1_epi32(rs_[0])) : a0, simple); \
        a1 = rqc_apply(&q_, rs_ ? _mm512_add_epi32(a1, _mm512_set1_epi32(rs_[1])) : a1, simple); \
        a2 = rqc_apply(&q_, rs_ ? _mm512_add_epi32(a2, _mm512_set1_epi32(rs_[2])) : a2, simple); \
        a3 = rqc_apply(&q_, rs_ ? _mm512_add_epi32(a3, _mm512_set1_epi32(rs_[3])) : a3, simple); \
    } while (0)

/* The full 4 pixels x (16 nb) channels block with named accumulators (an
 * array of vectors makes GCC shuffle registers). */
/* c += u (unsigned bytes) . v (signed bytes), as inline assembly: with the
 * intrinsic GCC 12 copies the accumulators around in every iteration. */
#define DPASM(c, u, v) __asm__("vpdpbusd %2, %1, %0" : "+v"(c) : "v"(u), "v"(v))
#define DP(c, x, w) DPASM(c, x, w)
/* flip: the rows are raw int8 activations, flipped here (direct 1x1). */
/* rows: the activations of pixel pix; pixel i's are at rows + i * pstep.
 * They are nseg segments of kp / nseg bytes, rowstride bytes apart (one
 * segment: an activation row; kh segments: the kernel rows of an
 * implicit convolution, read from the input itself). */
/* rsi: s->rs_inline (row sums accumulated here, in r0..r3). */
AM_INL void gemm_4x4(const am_fast_conv *s, const uint8_t *rows, size_t pstep, size_t rowstride,
                     int nseg, size_t pix, int cb, int nb, int flip, int simple, int rsi,
                     uint8_t *out)
{
    const int kp = s->kp, seg = kp / nseg;
    const size_t wstride = (size_t)(kp / 4) * 64;
    const int8_t *w = s->wpack + (size_t)cb * wstride;
    /* the accumulators start at the per-channel constant */
    const int32_t *cc = s->cconst + cb * 16;
    __m512i c00 = _mm512_load_si512(cc), c01 = c00, c02 = c00, c03 = c00;
    if (nb > 1)
        c01 = _mm512_load_si512(cc + 16);
    if (nb > 2)
        c02 = _mm512_load_si512(cc + 32);
    if (nb > 3)
        c03 = _mm512_load_si512(cc + 48);
    __m512i c10 = c00, c11 = c01, c12 = c02, c13 = c03;
    __m512i c20 = c00, c21 = c01, c22 = c02, c23 = c03;
    __m512i c30 = c00, c31 = c01, c32 = c02, c33 = c03;
    /* rsi: wo' * the row sums of the 4 pixels, pixel i in lane i (one
     * 128-bit VPDPBUSD on the 4 pixels' bytes side by side: 128-bit
     * blends and multiplies cost half the 512-bit ones) */
    __m128i rs4 = _mm_setzero_si128();
    for (int ky = 0; ky < nseg; ky++)
    for (int g = 0; g < seg; g += 4) {
        const int k = ky * seg + g;
        const uint8_t *r = rows + ky * rowstride + g;
        const int8_t *wk = w + (size_t)k * 16;
        const __m512i b0 = _mm512_load_si512(wk);
        const __m512i b1 = nb > 1 ? _mm512_load_si512(wk + wstride) : b0;
        const __m512i b2 = nb > 2 ? _mm512_load_si512(wk + 2 * wstride) : b0;
        const __m512i b3 = nb > 3 ? _mm512_load_si512(wk + 3 * wstride) : b0;
        int32_t x4;
        __m512i a;
        __m128i a4 = _mm_setzero_si128();
#define ROW(i, ci0, ci1, ci2, ci3)                           \
    memcpy(&x4, r + (i) * pstep, 4);                         \
    a = _mm512_set1_epi32(x4);                               \
    if (flip)                                                \
        a = _mm512_xor_si512(a, _mm512_set1_epi8(-128));     \
    DP(ci0, a, b0);                                          \
    if (nb > 1) DP(ci1, a, b1);                              \
    if (nb > 2) DP(ci2, a, b2);                              \
    if (nb > 3) DP(ci3, a, b3);                              \
    if (rsi) a4 = _mm_blend_epi32(a4, _mm512_castsi512_si128(a), 1 << (i));
        ROW(0, c00, c01, c02, c03)
        ROW(1, c10, c11, c12, c13)
        ROW(2, c20, c21, c22, c23)
        ROW(3, c30, c31, c32, c33)
#undef ROW
        if (rsi)
            rs4 = _mm_dpbusd_epi32(rs4, a4, _mm_set1_epi32(s->wob[k / 4]));
    }
    if (rsi) {
        const __m512i r0 = _mm512_broadcastd_epi32(rs4);
        const __m512i r1 = _mm512_broadcastd_epi32(_mm_shuffle_epi32(rs4, 1));
        const __m512i r2 = _mm512_broadcastd_epi32(_mm_shuffle_epi32(rs4, 2));
        const __m512i r3 = _mm512_broadcastd_epi32(_mm_shuffle_epi32(rs4, 3));
        c00 = _mm512_add_epi32(c00, r0), c10 = _mm512_add_epi32(c10, r1);
        c20 = _mm512_add_epi32(c20, r2), c30 = _mm512_add_epi32(c30, r3);
        if (nb > 1) {
            c01 = _mm512_add_epi32(c01, r0), c11 = _mm512_add_epi32(c11, r1);
            c21 = _mm512_add_epi32(c21, r2), c31 = _mm512_add_epi32(c31, r3);
        }
    }
    const int c = cb * 16;
    GEMM_RQ4(c00, c10, c20, c30, c);
    if (nb > 1)
        GEMM_RQ4(c01, c11, c21, c31, c + 16);
    if (nb > 2)
        GEMM_RQ4(c02, c12, c22, c32, c + 32);
    if (nb > 3)
        GEMM_RQ4(c03, c13, c23, c33, c + 48);
    const int oc_n = s->out.c;
    const __mmask64 m = tail_mask64(oc_n - c);
    uint8_t *o = out + pix * oc_n + c;
    if (nb == 1) {
        store_pack16(s, c00, o, (__mmask16)m);
        store_pack16(s, c10, o + oc_n, (__mmask16)m);
        store_pack16(s, c20, o + 2 * (size_t)oc_n, (__mmask16)m);
        store_pack16(s, c30, o + 3 * (size_t)oc_n, (__mmask16)m);
        return;
    }
    store_pack64(s, c00, c01, c02, c03, o, m);
    store_pack64(s, c10, c11, c12, c13, o + oc_n, m);
    store_pack64(s, c20, c21, c22, c23, o + 2 * (size_t)oc_n, m);
    store_pack64(s, c30, c31, c32, c33, o + 3 * (size_t)oc_n, m);
}
#undef DP
#undef DPASM

#define GEMM_NB(NB, FLIP)                                                                    \
    AM_TGT static void gemm_nb##NB##_##FLIP(const am_fast_conv *s, const uint8_t *rows,     \
                                              size_t p0, size_t p1, int cb, uint8_t *out)    \
    {                                                                                        \
        const size_t kp = (size_t)s->kp;                                                     \
        size_t pix = p0;                                                                     \
        if (s->rs_inline && NB <= 2)                                                         \
            for (; pix + MR <= p1; pix += MR)                                                \
                gemm_4x4(s, rows + (pix - p0) * kp, kp, 0, 1, pix, cb, NB, FLIP, s->simple, 1, \
                         out);                                                               \
        else if (s->simple == RQ_FLOORED)                                                    \
            for (; pix + MR <= p1; pix += MR)                                                \
                gemm_4x4(s, rows + (pix - p0) * kp, kp, 0, 1, pix, cb, NB, FLIP, RQ_FLOORED, 0, \
                         out);                                                               \
        else if (s->simple)                                                                  \
            for (; pix + MR <= p1; pix += MR)                                                \
                gemm_4x4(s, rows + (pix - p0) * kp, kp, 0, 1, pix, cb, NB, FLIP, 1, 0, out); \
        else                                                                                 \
            for (; pix + MR <= p1; pix += MR)                                                \
                gemm_4x4(s, rows + (pix - p0) * kp, kp, 0, 1, pix, cb, NB, FLIP, 0, 0, out); \
        for (; pix < p1; pix++)                                                              \
            gemm_pixel(s, rows + (pix - p0) * kp, pix, cb, NB, FLIP, out);                   \
    }
GEMM_NB(1, 0)
GEMM_NB(2, 0)
GEMM_NB(3, 0)
GEMM_NB(4, 0)
GEMM_NB(1, 1)
GEMM_NB(2, 1)
GEMM_NB(3, 1)
GEMM_NB(4, 1)

typedef void (*gemm_fn)(const am_fast_conv *, const uint8_t *, size_t, size_t, int, uint8_t *);
static const gemm_fn gemm_fns[2][NB_MAX] = { /* [flip the rows][nb - 1] */
    {gemm_nb1_0, gemm_nb2_0, gemm_nb3_0, gemm_nb4_0},
    {gemm_nb1_1, gemm_nb2_1, gemm_nb3_1, gemm_nb4_1},
};

/* An implicit convolution's 4 pixels from pix, if they are on one output
 * row with their whole windows inside the image: *base is pixel pix's
 * first kernel row in the input (nothing is read past the input). */
static int implicit_block(const am_fast_conv *s, const uint8_t *in, size_t pix,
                          const uint8_t **base)
{
    const am_conv_params *p = &s->p;
    const size_t ow = (size_t)s->out.w, oh = (size_t)s->out.h;
    const int ox0 = (int)(pix % ow), oy = (int)(pix / ow % oh), b = (int)(pix / (ow * oh));
    const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox0 * p->stride_w - p->pad_left;
    const int ic = s->in.c;
    if (ox0 + MR > s->out.w || iy0 < 0 || iy0 + (s->kh - 1) * p->dil_h >= s->in.h || ix0 < 0 ||
        ix0 + (MR - 1) * p->stride_w + s->kw - 1 >= s->in.w)
        return 0;
    const uint8_t *bp = in + (((size_t)b * s->in.h + iy0) * s->in.w + ix0) * ic;
    const size_t last = (size_t)(MR - 1) * p->stride_w * ic +
                        (size_t)(s->kh - 1) * p->dil_h * s->in.w * ic + (size_t)s->seg;
    if (bp + last > in + (size_t)s->in.n * s->in.h * s->in.w * ic)
        return 0; /* the pad bytes of the last kernel row would be past the input */
    *base = bp;
    return 1;
}

#define GEMM_IMPL(NB)                                                                         \
    AM_TGT static void gemm_impl_nb##NB(const am_fast_conv *s, const uint8_t *base, size_t pix, \
                                       int cb, uint8_t *out)                                 \
    {                                                                                        \
        const size_t pstep = (size_t)s->p.stride_w * s->in.c;                               \
        const size_t rowstride = (size_t)s->p.dil_h * s->in.w * s->in.c;                    \
        if (s->rs_inline && NB <= 2)                                                         \
            gemm_4x4(s, base, pstep, rowstride, s->kh, pix, cb, NB, s->flip, s->simple, 1, out); \
        else if (s->simple == RQ_FLOORED)                                                    \
            gemm_4x4(s, base, pstep, rowstride, s->kh, pix, cb, NB, s->flip, RQ_FLOORED, 0, out); \
        else if (s->simple)                                                                  \
            gemm_4x4(s, base, pstep, rowstride, s->kh, pix, cb, NB, s->flip, 1, 0, out);    \
        else                                                                                 \
            gemm_4x4(s, base, pstep, rowstride, s->kh, pix, cb, NB, s->flip, 0, 0, out);    \
    }
GEMM_IMPL(1)
GEMM_IMPL(2)
GEMM_IMPL(3)
GEMM_IMPL(4)

typedef void (*gemm_impl_fn)(const am_fast_conv *, const uint8_t *, size_t, int, uint8_t *);
static const gemm_impl_fn gemm_impl_fns[NB_MAX] = {gemm_impl_nb1, gemm_impl_nb2, gemm_impl_nb3,
                                                   gemm_impl_nb4};

/* Start of part i of n of count items, a multiple of MR except at the end. */
static size_t part_start(size_t count, int i, int n)
{
    return i >= n ? count : count * (size_t)i / (size_t)n / MR * MR;
}

/* Output pixels of part part (each part has its own im2col buffer; the
 * row sums are per pixel, so parts write disjoint entries). */
static void conv_run(am_fast_conv *s, const uint8_t *in, uint8_t *out, int part, int nparts,
                     int thread)
{
    const size_t npix = (size_t)s->out.n * s->out.h * s->out.w;
    const size_t q0 = part_start(npix, part, nparts), q1 = part_start(npix, part + 1, nparts);
    const int nblocks = s->ocp / 16;
    if (q0 >= q1)
        return;
    if (s->direct) {
        /* Channel groups outermost: a group's packed weights (64 x kp
         * bytes) stay in cache while every pixel streams past them. */
        const uint8_t *rows = in + q0 * (size_t)s->kp;
        if (s->wo)
            row_sums(s, rows, q0, q1 - q0, s->flip);
        for (int cb = 0; cb < nblocks; cb += NB_MAX) {
            const int nb = nblocks - cb < NB_MAX ? nblocks - cb : NB_MAX;
            gemm_fns[s->flip][nb - 1](s, rows, q0, q1, cb, out);
        }
        return;
    }
    uint8_t *cols = s->cols + (size_t)thread * am_fast_cols_stride(s);
    if (s->implicit) {
        /* 4 pixels at a time: inner ones straight from the input, the
         * others through im2col (weights stay in L1 either way) */
        for (size_t g0 = q0; g0 < q1; g0 += MR) {
            const size_t n = q1 - g0 < MR ? q1 - g0 : MR;
            const uint8_t *base;
            const int inner = n == MR && implicit_block(s, in, g0, &base);
            if (!inner)
                im2col(s, in, g0, n, cols);
            for (int cb = 0; cb < nblocks; cb += NB_MAX) {
                const int nb = nblocks - cb < NB_MAX ? nblocks - cb : NB_MAX;
                if (inner)
                    gemm_impl_fns[nb - 1](s, base, g0, cb, out);
                else
                    gemm_fns[0][nb - 1](s, cols, g0, g0 + n, cb, out);
            }
        }
        return;
    }
    /* im2col a block of pixels into a cache-sized buffer, then every
     * channel group over it: the im2col rows never leave the cache. */
    for (size_t p0 = q0; p0 < q1; p0 += (size_t)s->col_pixels) {
        const size_t n = q1 - p0 < (size_t)s->col_pixels ? q1 - p0 : (size_t)s->col_pixels;
        im2col(s, in, p0, n, cols);
        if (s->wo && !s->rs_inline)
            row_sums(s, cols, p0, n, 0);
        for (int cb = 0; cb < nblocks; cb += NB_MAX) {
            const int nb = nblocks - cb < NB_MAX ? nblocks - cb : NB_MAX;
            gemm_fns[0][nb - 1](s, cols, p0, p0 + n, cb, out);
        }
    }
}

void am_fast_conv_run_part(am_fast_conv *s, const void *input, void *output, int part,
                           int nparts, int thread)
{
    if (part >= nparts || thread >= s->nparts)
        return; /* callers keep thread below the scratch count */
    if (s->depthwise) {
        const int rows = s->out.n * s->out.h;
        am_fast_dw_run(s, input, output, (int)((long)rows * part / nparts),
                       (int)((long)rows * (part + 1) / nparts), thread);
    } else {
        conv_run(s, input, output, part, nparts, thread);
    }
}

void am_fast_conv_run(am_fast_conv *s, const void *input, void *output)
{
    am_fast_conv_run_part(s, input, output, 0, 1, 0);
}

#else /* not x86-64: create always declines, so run is never called */

void am_fast_conv_run_part(am_fast_conv *s, const void *input, void *output, int part,
                           int nparts, int thread)
{
    (void)s, (void)input, (void)output, (void)part, (void)nparts, (void)thread;
}

void am_fast_conv_run(am_fast_conv *s, const void *input, void *output)
{
    (void)s, (void)input, (void)output;
}

#endif
