/* AVX-512 kernels for CONV_2D, DEPTHWISE_CONV_2D, ADD, MUL and the 8-bit
 * lookup tables, bit-exact with the reference kernels (fast_kernels.h).
 *
 * CONV_2D as a GEMM. VPDPBUSD multiplies unsigned by signed bytes and sums
 * groups of four into int32 lanes, so the raw bytes are used as they are
 * and the zero points are moved out of the dot product. With xv the raw
 * activation byte and wv the packed weight byte:
 *   uint8 activations (unsigned operand): wv = w - aw (aw = 128 for uint8
 *     weights, 0 for int8 weights), so w = wv + aw;
 *   int8 activations (signed operand): wv = w + 128 for int8 weights (the
 *     unsigned operand), or w for uint8 weights, so w = wv - aw.
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
 * (~48 KiB, reused by every channel group while in cache). The register
 * block is 4 pixels x 64 channels (16 accumulators).
 *
 * DEPTHWISE_CONV_2D (depth multiplier 1): per output pixel, 32 channels
 * at a time as int16, two taps per VPMADDWD (int16 pairs (x_t, x_t+1)
 * times (w'_t, w'_t+1), w' = w + w_offset); xo * sum w' is folded into the
 * per-channel constant, and taps outside the image read a buffer of the
 * input zero point, so border pixels take the same path.
 *
 * Requantization: TFLite's MultiplyByQuantizedMultiplier on 16 lanes.
 * SaturatingRoundingDoublingHighMul is (a*b + 2^30) >> 31 (arithmetic)
 * for both signs when b != INT32_MIN (create checks b >= 0): gemmlowp
 * truncates (a*b + 1 - 2^30) / 2^31 toward zero for a*b < 0, which is
 * floor((a*b + 1 - 2^30 + 2^31 - 1) / 2^31) = floor((a*b + 2^30) / 2^31). */
#include "fast_kernels.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(AMSEL_NO_FAST) /* -DAMSEL_NO_FAST: stubs only */
#define AM_FAST_X86 1
#include <immintrin.h>
#define AM_TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define AM_INL static inline __attribute__((always_inline)) AM_TGT
#else
#define AM_FAST_X86 0
#endif

enum { MR = 4, NB_MAX = 4 }; /* GEMM register block: 4 pixels x 64 channels */

struct am_fast_conv {
    int depthwise;
    am_qtype type;
    am_conv_params p;     /* out_mult/out_shift point nowhere (copied below) */
    am_shape in, out;
    int kh, kw;
    int ocp;              /* output channels rounded up to 16 */
    int direct;           /* conv: activation rows are the input itself */
    int act_signed;       /* conv: activations are the signed operand */
    int k, kp;            /* conv: taps, rounded up to 4 */
    int32_t wo;           /* conv: wo', the weight offset of the packed bytes */
    int8_t *wpack;        /* conv: [ocp/16][kp/4][16][4]; depthwise: unused */
    int32_t *wdw;         /* depthwise: [kh*kw][ocp] w + w_offset */
    int32_t *wpair;       /* depthwise: [(kh*kw+1)/2][ocp] taps 2j, 2j+1 as int16 pair */
    int32_t *tap_off;     /* depthwise: [kh*kw+1] byte offset of tap t from the window origin */
    const uint8_t **tp;   /* depthwise: [kh*kw+1] scratch, input pixel of each tap */
    uint8_t *zbuf;        /* depthwise: [c + 64] bytes of the input zero point */
    /* depthwise, windows inside the image, 32 channels at a time: with
     * x the channels' int16 values, VPUNPCKLWD/VPUNPCKHWD of two taps give
     * int16 pairs of channels 8L+q ("lo", lane 4L+q) and 8L+4+q ("hi") in
     * 128-bit lane L. wp32 holds the weight pairs and the *_p arrays the
     * per-channel constants in that order: [group][lo 16 | hi 16]. */
    int ocp32;
    int32_t *wp32;        /* [(kh*kw+1)/2][ocp32] */
    int32_t *cconst_p, *mult_p, *left_p, *right_p, *modd_p, *rnd_p; /* [ocp32] */
    int32_t *cconst;      /* [ocp] conv: bias + xo*sum wv + K*xo*wo'; depthwise: bias */
    int32_t *mult, *left, *right, *modd, *rnd; /* [ocp] requantization (see rqv) */
    uint8_t *cols;        /* conv, not direct: im2col [col_pixels][kp] */
    int col_pixels;       /* conv, not direct: pixels per im2col block */
    int32_t *rowsum;      /* conv: [npix] sum of xv */
    void *blocks[20];     /* allocations, freed by destroy */
    int nblocks;
};

int am_fast_cpu_supported(void)
{
#if AM_FAST_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

/* 64-byte aligned, zeroed allocation recorded in s->blocks. */
static void *fast_alloc(amsel_ctx *ctx, am_fast_conv *s, size_t n)
{
    size_t total;
    if (!am_add_size(n, 64, &total) || s->nblocks >= (int)(sizeof s->blocks / sizeof s->blocks[0]))
        return NULL;
    uint8_t *raw = am_calloc(ctx, 1, total);
    if (!raw)
        return NULL;
    s->blocks[s->nblocks++] = raw;
    return (void *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
}

void am_fast_conv_destroy(amsel_ctx *ctx, am_fast_conv *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nblocks; i++)
        am_free(ctx, s->blocks[i]);
    am_free(ctx, s);
}

static int32_t wval(const am_conv_params *p, const void *w, size_t i)
{
    return p->w_signed ? (int32_t)((const int8_t *)w)[i] : (int32_t)((const uint8_t *)w)[i];
}

am_fast_conv *am_fast_conv_create(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                                  am_shape in, int kh, int kw, const void *weights,
                                  const int32_t *bias, am_shape out, int *nomem)
{
    *nomem = 0;
    if (!am_fast_cpu_supported())
        return NULL;
    const int oc_n = out.c;
    if (oc_n <= 0 || in.c <= 0 || kh <= 0 || kw <= 0 || out.n != in.n)
        return NULL;
    if (depthwise && (p->depth_multiplier != 1 || oc_n != in.c))
        return NULL;
    for (int c = 0; c < oc_n; c++)
        if (p->out_mult[c] < 0 || p->out_shift[c] > 30 || p->out_shift[c] < -31)
            return NULL;
    const size_t npix = (size_t)out.n * out.h * out.w;
    const size_t k = (size_t)kh * kw * in.c;
    if (k > (1u << 20) || npix > (1u << 24))
        return NULL;

    am_fast_conv *s = am_calloc(ctx, 1, sizeof *s);
    if (!s) {
        *nomem = 1;
        return NULL;
    }
    s->depthwise = depthwise;
    s->type = p->type;
    s->p = *p;
    s->p.out_mult = s->p.out_shift = NULL;
    s->in = in;
    s->out = out;
    s->kh = kh;
    s->kw = kw;
    s->ocp = (oc_n + 15) & ~15;
    const int ocp = s->ocp;
    s->cconst = fast_alloc(ctx, s, (size_t)ocp * 4);
    s->mult = fast_alloc(ctx, s, (size_t)ocp * 4);
    s->left = fast_alloc(ctx, s, (size_t)ocp * 4);
    s->right = fast_alloc(ctx, s, (size_t)ocp * 4);
    s->modd = fast_alloc(ctx, s, (size_t)ocp * 4);
    s->rnd = fast_alloc(ctx, s, (size_t)ocp * 4);
    if (!s->rnd)
        goto nomem;
    for (int c = 0; c < oc_n; c++) {
        const int sh = p->out_shift[c];
        s->mult[c] = p->out_mult[c];
        s->left[c] = sh > 0 ? sh : 0;
        s->right[c] = sh > 0 ? 0 : -sh;
        s->rnd[c] = s->right[c] > 0 ? (int32_t)(1u << (s->right[c] - 1)) : 0;
    }
    for (int c = 0; c < oc_n; c++)
        s->modd[c] = s->mult[c | 1];

    if (depthwise) {
        const int taps = kh * kw;
        s->wdw = fast_alloc(ctx, s, (size_t)taps * ocp * 4);
        if (!s->wdw)
            goto nomem;
        for (int t = 0; t < taps; t++)
            for (int c = 0; c < oc_n; c++)
                s->wdw[(size_t)t * ocp + c] = wval(p, weights, (size_t)t * oc_n + c) + p->w_offset;
        const int npair = (taps + 1) / 2;
        s->wpair = fast_alloc(ctx, s, (size_t)npair * ocp * 4);
        s->tap_off = fast_alloc(ctx, s, (size_t)(taps + 1) * 4);
        if (!s->wpair || !s->tap_off)
            goto nomem;
        for (int t = 0; t < taps; t++)
            s->tap_off[t] = ((t / kw) * p->dil_h * in.w + (t % kw) * p->dil_w) * in.c;
        s->tap_off[taps] = s->tap_off[taps - 1]; /* odd tap count: weight 0 */
        s->tp = fast_alloc(ctx, s, (size_t)(taps + 1) * sizeof *s->tp);
        s->zbuf = fast_alloc(ctx, s, (size_t)oc_n + 64);
        if (!s->tp || !s->zbuf)
            goto nomem;
        memset(s->zbuf, (-p->in_offset) & 0xff, (size_t)oc_n + 64);
        for (int j = 0; j < npair; j++)
            for (int c = 0; c < oc_n; c++) {
                const uint32_t lo = (uint32_t)s->wdw[(size_t)(2 * j) * ocp + c] & 0xffffu;
                const uint32_t hi = 2 * j + 1 < taps
                                        ? (uint32_t)s->wdw[(size_t)(2 * j + 1) * ocp + c] & 0xffffu
                                        : 0;
                s->wpair[(size_t)j * ocp + c] = (int32_t)(lo | (hi << 16)) ;
            }
        for (int c = 0; c < oc_n; c++)
            s->cconst[c] = bias ? bias[c] : 0;
        s->ocp32 = (oc_n + 31) & ~31;
        const size_t n32 = (size_t)s->ocp32 * 4;
        s->wp32 = fast_alloc(ctx, s, (size_t)npair * n32);
        int32_t **perm[6] = {&s->cconst_p, &s->mult_p, &s->left_p, &s->right_p, &s->modd_p,
                             &s->rnd_p};
        const int32_t *nat[6] = {s->cconst, s->mult, s->left, s->right, s->modd, s->rnd};
        for (int a = 0; a < 6; a++)
            if (!(*perm[a] = fast_alloc(ctx, s, n32)))
                goto nomem;
        if (!s->wp32)
            goto nomem;
        for (int i = 0; i < s->ocp32; i++) {
            /* slot i of its group: lane (i % 16) of lo (i < 16) or hi */
            const int g = i / 32, slot = i % 32, lane = slot % 16, hi_half = slot / 16;
            const int c = g * 32 + (lane / 4) * 8 + hi_half * 4 + lane % 4;
            for (int a = 0; a < 6; a++)
                (*perm[a])[i] = c < oc_n ? nat[a][c] : 0;
            for (int j = 0; j < npair; j++)
                s->wp32[(size_t)j * s->ocp32 + i] = c < oc_n ? s->wpair[(size_t)j * ocp + c] : 0;
        }
        for (int i = 0; i < s->ocp32; i++)
            s->modd_p[i] = s->mult_p[i | 1];
        /* sum (x + xo) w' = sum x w' + xo sum w' over all taps; taps
         * outside the image read zbuf (x = -xo), so they still add 0 */
        for (int c = 0; c < oc_n; c++) {
            uint32_t sw = 0;
            for (int t = 0; t < taps; t++)
                sw += (uint32_t)s->wdw[(size_t)t * ocp + c];
            const int i = (c / 32) * 32 + ((c % 32) % 4) + ((c % 32) / 8) * 4 + ((c % 8) / 4) * 16;
            const uint32_t v = (uint32_t)s->cconst_p[i] + sw * (uint32_t)p->in_offset;
            s->cconst_p[i] = v <= INT32_MAX ? (int32_t)v : -(int32_t)(~v) - 1;
        }
        return s;
    }

    s->k = (int)k;
    s->kp = (int)((k + 3) & ~(size_t)3);
    s->act_signed = p->type == AM_I8;
    s->direct = kh == 1 && kw == 1 && p->stride_h == 1 && p->stride_w == 1 &&
                p->pad_top == 0 && p->pad_left == 0 && in.c % 4 == 0 && in.h == out.h &&
                in.w == out.w;
    int32_t aw; /* w = wv + aw */
    if (!s->act_signed)
        aw = p->w_signed ? 0 : 128;
    else
        aw = p->w_signed ? -128 : 0;
    s->wo = p->w_offset + aw;
    const int kp = s->kp;
    s->wpack = fast_alloc(ctx, s, (size_t)ocp * kp);
    s->rowsum = fast_alloc(ctx, s, npix * 4);
    if (!s->wpack || !s->rowsum)
        goto nomem;
    if (!s->direct) {
        /* ~48 KiB of im2col rows per block, a multiple of MR pixels */
        s->col_pixels = 48 * 1024 / kp / MR * MR;
        if (s->col_pixels < MR)
            s->col_pixels = MR;
        if (s->col_pixels > 256)
            s->col_pixels = 256;
        s->cols = fast_alloc(ctx, s, (size_t)s->col_pixels * kp);
        if (!s->cols)
            goto nomem;
    }
    const int32_t xo = p->in_offset;
    for (int c = 0; c < oc_n; c++) {
        int32_t sumw = 0;
        for (size_t i = 0; i < k; i++) {
            const int32_t wv = wval(p, weights, (size_t)c * k + i) - aw;
            sumw += wv;
            s->wpack[((size_t)(c / 16) * (kp / 4) + i / 4) * 64 + (c % 16) * 4 + i % 4] =
                (int8_t)(uint8_t)(wv & 0xff);
        }
        /* bias + xo * sum wv + K * xo * wo', modulo 2^32 */
        uint32_t cc = (uint32_t)(bias ? bias[c] : 0);
        cc += (uint32_t)xo * (uint32_t)sumw;
        cc += (uint32_t)k * (uint32_t)xo * (uint32_t)s->wo;
        s->cconst[c] = (int32_t)(cc <= INT32_MAX ? (int32_t)cc : -(int32_t)(~cc) - 1);
    }
    return s;

nomem:
    *nomem = 1;
    am_fast_conv_destroy(ctx, s);
    return NULL;
}

#if AM_FAST_X86

/* ---- Requantization of 16 channels ------------------------------------- */

/* One vector of requantization constants: mult, modd (lane 2k holds the
 * multiplier of lane 2k+1, for the odd-lane VPMULDQ), left and right
 * shifts and rnd = 2^(right-1) (0 when right == 0). */
typedef struct rqv {
    __m512i mult, modd, left, right, rnd;
} rqv;

AM_INL rqv rqv_load_from(const int32_t *mult, const int32_t *modd, const int32_t *left,
                         const int32_t *right, const int32_t *rnd)
{
    rqv q;
    q.mult = _mm512_load_si512(mult);
    q.modd = _mm512_load_si512(modd);
    q.left = _mm512_load_si512(left);
    q.right = _mm512_load_si512(right);
    q.rnd = _mm512_load_si512(rnd);
    return q;
}

AM_INL rqv rqv_load(const am_fast_conv *s, int c)
{
    return rqv_load_from(s->mult + c, s->modd + c, s->left + c, s->right + c, s->rnd + c);
}

/* am_rq_apply on 16 lanes.
 * SaturatingRoundingDoublingHighMul: bits 31..62 of a*mult + 2^30 (64-bit
 * products of the even lanes, then of the odd lanes).
 * RoundingDivideByPOT (half away from zero): sign(h) * ((|h| + rnd) >> right),
 * computed on |h| <= 2^31 as unsigned, so nothing overflows. */
AM_INL __m512i rq_core(__m512i x, const rqv *q)
{
    const __m512i a = _mm512_sllv_epi32(x, q->left);
    const __m512i nudge = _mm512_set1_epi64(INT64_C(1) << 30);
    __m512i even = _mm512_mul_epi32(a, q->mult);
    __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), q->modd);
    even = _mm512_srli_epi64(_mm512_add_epi64(even, nudge), 31);
    odd = _mm512_slli_epi64(_mm512_add_epi64(odd, nudge), 1);
    const __m512i h = _mm512_mask_blend_epi32(0xAAAA, even, odd);
    const __m512i r = _mm512_srlv_epi32(_mm512_add_epi32(_mm512_abs_epi32(h), q->rnd), q->right);
    return _mm512_mask_sub_epi32(r, _mm512_movepi32_mask(h), _mm512_setzero_si512(), r);
}

/* am_rq_apply on 16 lanes, plus zero point and clamp. */
AM_INL __m512i requant(__m512i x, const rqv *q, __m512i zp, __m512i lo, __m512i hi)
{
    __m512i r = _mm512_add_epi32(rq_core(x, q), zp);
    r = _mm512_max_epi32(r, lo);
    return _mm512_min_epi32(r, hi);
}

AM_INL void store16(void *dst, __m512i v, __mmask16 m)
{
    _mm_mask_storeu_epi8(dst, m, _mm512_cvtepi32_epi8(v));
}

static __mmask16 tail_mask(int n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

/* ---- CONV_2D ------------------------------------------------------------ */

/* im2col: row per output pixel, kp bytes, padding taps = input zero
 * point, K tail = 0. */
AM_TGT static void im2col(const am_fast_conv *s, const uint8_t *in, size_t p0, size_t n)
{
    const am_conv_params *p = &s->p;
    const int ic = s->in.c, kp = s->kp;
    const uint8_t zx = (uint8_t)((-p->in_offset) & 0xff);
    uint8_t *row = s->cols;
    int ox = (int)(p0 % (size_t)s->out.w), oy = (int)(p0 / (size_t)s->out.w % (size_t)s->out.h);
    int b = (int)(p0 / ((size_t)s->out.w * s->out.h));
    for (size_t r = 0; r < n; r++, row += kp) {
            {
                uint8_t *d = row;
                const int ix0 = ox * p->stride_w - p->pad_left;
                const int row_in = ix0 >= 0 && ix0 + (s->kw - 1) * p->dil_w < s->in.w &&
                                   p->dil_w == 1;
                for (int ky = 0; ky < s->kh; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                    if (row_in && iy >= 0 && iy < s->in.h) {
                        /* the kernel row is one contiguous span of the input */
                        const uint8_t *src = in + (((size_t)b * s->in.h + iy) * s->in.w + ix0) * ic;
                        const int len = s->kw * ic;
                        if (len >= 32) {
                            memcpy(d, src, (size_t)len);
                        } else {
                            for (int i = 0; i < len; i++)
                                d[i] = src[i];
                        }
                        d += len;
                        continue;
                    }
                    for (int kx = 0; kx < s->kw; kx++, d += ic) {
                        const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        if (iy < 0 || iy >= s->in.h || ix < 0 || ix >= s->in.w)
                            memset(d, zx, (size_t)ic);
                        else
                            memcpy(d, in + (((size_t)b * s->in.h + iy) * s->in.w + ix) * ic,
                                   (size_t)ic);
                    }
                }
                memset(d, 0, (size_t)(kp - s->k));
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

/* sum of the kp bytes of each activation row, as unsigned or signed. */
AM_TGT static void row_sums(const am_fast_conv *s, const uint8_t *rows, size_t p0, size_t npix)
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
            acc = s->act_signed ? _mm512_dpbusd_epi32(acc, ones, v)
                                : _mm512_dpbusd_epi32(acc, v, ones);
        }
        s->rowsum[p0 + i] = _mm512_reduce_add_epi32(acc);
    }
}

/* mr pixels (rows r[0..mr)) x nb blocks of 16 channels starting at block cb. */
AM_INL void gemm_block(const am_fast_conv *s, const uint8_t *rows, size_t pix, int mr, int cb,
                       int nb, int act_signed, uint8_t *out)
{
    const int kp = s->kp, oc_n = s->out.c;
    const size_t wstride = (size_t)(kp / 4) * 64; /* bytes per 16-channel block */
    const int8_t *w = s->wpack + (size_t)cb * wstride;
    const uint8_t *r0 = rows; /* the row of pixel pix */
    __m512i acc[MR][NB_MAX];
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nb; j++)
            acc[i][j] = _mm512_setzero_si512();
    for (int k = 0; k < kp; k += 4) {
        __m512i wv[NB_MAX];
        for (int j = 0; j < nb; j++)
            wv[j] = _mm512_load_si512(w + (size_t)j * wstride + (size_t)k * 16);
        for (int i = 0; i < mr; i++) {
            int32_t x4;
            memcpy(&x4, r0 + (size_t)i * kp + k, 4);
            const __m512i xb = _mm512_set1_epi32(x4);
            for (int j = 0; j < nb; j++)
                acc[i][j] = act_signed ? _mm512_dpbusd_epi32(acc[i][j], wv[j], xb)
                                       : _mm512_dpbusd_epi32(acc[i][j], xb, wv[j]);
        }
    }
    const __m512i zp = _mm512_set1_epi32(s->p.out_zp);
    const __m512i lo = _mm512_set1_epi32(s->p.act_min), hi = _mm512_set1_epi32(s->p.act_max);
    const __m512i wo = _mm512_set1_epi32(s->wo);
    for (int j = 0; j < nb; j++) {
        const int c = (cb + j) * 16;
        const rqv q = rqv_load(s, c);
        const __m512i cc = _mm512_load_si512(s->cconst + c);
        const __mmask16 m = tail_mask(oc_n - c);
        for (int i = 0; i < mr; i++) {
            const __m512i rs = _mm512_mullo_epi32(_mm512_set1_epi32(s->rowsum[pix + i]), wo);
            __m512i v = _mm512_add_epi32(_mm512_add_epi32(acc[i][j], cc), rs);
            v = requant(v, &q, zp, lo, hi);
            store16(out + (pix + i) * oc_n + c, v, m);
        }
    }
}

/* Requantizes and stores the 16 channels from c of one pixel. */
AM_INL void gemm_epilogue(const am_fast_conv *s, __m512i acc, size_t pix, int c, uint8_t *out)
{
    const int oc_n = s->out.c;
    const rqv q = rqv_load(s, c);
    const __m512i rs = _mm512_set1_epi32((int32_t)((uint32_t)s->rowsum[pix] * (uint32_t)s->wo));
    const __m512i v = _mm512_add_epi32(_mm512_add_epi32(acc, _mm512_load_si512(s->cconst + c)), rs);
    store16(out + pix * oc_n + c,
            requant(v, &q, _mm512_set1_epi32(s->p.out_zp), _mm512_set1_epi32(s->p.act_min),
                    _mm512_set1_epi32(s->p.act_max)),
            tail_mask(oc_n - c));
}

/* The full 4 pixels x (16 nb) channels block with named accumulators (an
 * array of vectors makes GCC shuffle registers). */
/* c += u (unsigned bytes) . v (signed bytes), as inline assembly: with the
 * intrinsic GCC 12 copies the accumulators around in every iteration. */
#define DPASM(c, u, v) __asm__("vpdpbusd %2, %1, %0" : "+v"(c) : "v"(u), "v"(v))
#define DP(c, x, w)             \
    do {                        \
        if (act_signed)         \
            DPASM(c, w, x);     \
        else                    \
            DPASM(c, x, w);     \
    } while (0)
AM_INL void gemm_4x4(const am_fast_conv *s, const uint8_t *rows, size_t pix, int cb, int nb,
                     int act_signed, uint8_t *out)
{
    const int kp = s->kp;
    const size_t wstride = (size_t)(kp / 4) * 64;
    const int8_t *w = s->wpack + (size_t)cb * wstride;
    const uint8_t *r = rows; /* the row of pixel pix */
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00;
    __m512i c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    __m512i c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    __m512i c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    for (int k = 0; k < kp; k += 4) {
        const int8_t *wk = w + (size_t)k * 16;
        const __m512i b0 = _mm512_load_si512(wk);
        const __m512i b1 = nb > 1 ? _mm512_load_si512(wk + wstride) : b0;
        const __m512i b2 = nb > 2 ? _mm512_load_si512(wk + 2 * wstride) : b0;
        const __m512i b3 = nb > 3 ? _mm512_load_si512(wk + 3 * wstride) : b0;
        int32_t x4;
        __m512i a;
#define ROW(i, ci0, ci1, ci2, ci3)                           \
    memcpy(&x4, r + (i) * (size_t)kp + k, 4);                \
    a = _mm512_set1_epi32(x4);                               \
    DP(ci0, a, b0);                                          \
    if (nb > 1) DP(ci1, a, b1);                              \
    if (nb > 2) DP(ci2, a, b2);                              \
    if (nb > 3) DP(ci3, a, b3);
        ROW(0, c00, c01, c02, c03)
        ROW(1, c10, c11, c12, c13)
        ROW(2, c20, c21, c22, c23)
        ROW(3, c30, c31, c32, c33)
#undef ROW
    }
    const int c = cb * 16;
#define EPI(i, ci0, ci1, ci2, ci3)                                       \
    gemm_epilogue(s, ci0, pix + (i), c, out);                            \
    if (nb > 1) gemm_epilogue(s, ci1, pix + (i), c + 16, out);           \
    if (nb > 2) gemm_epilogue(s, ci2, pix + (i), c + 32, out);           \
    if (nb > 3) gemm_epilogue(s, ci3, pix + (i), c + 48, out);
    EPI(0, c00, c01, c02, c03)
    EPI(1, c10, c11, c12, c13)
    EPI(2, c20, c21, c22, c23)
    EPI(3, c30, c31, c32, c33)
#undef EPI
}
#undef DP
#undef DPASM

#define GEMM_NB(NB, SIGNED)                                                                  \
    AM_TGT static void gemm_nb##NB##_##SIGNED(const am_fast_conv *s, const uint8_t *rows,   \
                                              size_t p0, size_t p1, int cb, uint8_t *out)    \
    {                                                                                        \
        const size_t kp = (size_t)s->kp;                                                     \
        size_t pix = p0;                                                                     \
        for (; pix + MR <= p1; pix += MR)                                                    \
            gemm_4x4(s, rows + (pix - p0) * kp, pix, cb, NB, SIGNED, out);                   \
        for (; pix < p1; pix++)                                                              \
            gemm_block(s, rows + (pix - p0) * kp, pix, 1, cb, NB, SIGNED, out);              \
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
static const gemm_fn gemm_fns[2][NB_MAX] = {
    {gemm_nb1_0, gemm_nb2_0, gemm_nb3_0, gemm_nb4_0},
    {gemm_nb1_1, gemm_nb2_1, gemm_nb3_1, gemm_nb4_1},
};

static void conv_run(am_fast_conv *s, const uint8_t *in, uint8_t *out)
{
    const size_t npix = (size_t)s->out.n * s->out.h * s->out.w;
    const int nblocks = s->ocp / 16;
    if (s->direct) {
        /* Channel groups outermost: a group's packed weights (64 x kp
         * bytes) stay in cache while every pixel streams past them. */
        row_sums(s, in, 0, npix);
        for (int cb = 0; cb < nblocks; cb += NB_MAX) {
            const int nb = nblocks - cb < NB_MAX ? nblocks - cb : NB_MAX;
            gemm_fns[s->act_signed][nb - 1](s, in, 0, npix, cb, out);
        }
        return;
    }
    /* im2col a block of pixels into a cache-sized buffer, then every
     * channel group over it: the im2col rows never leave the cache. */
    for (size_t p0 = 0; p0 < npix; p0 += (size_t)s->col_pixels) {
        const size_t n = npix - p0 < (size_t)s->col_pixels ? npix - p0 : (size_t)s->col_pixels;
        im2col(s, in, p0, n);
        row_sums(s, s->cols, p0, n);
        for (int cb = 0; cb < nblocks; cb += NB_MAX) {
            const int nb = nblocks - cb < NB_MAX ? nblocks - cb : NB_MAX;
            gemm_fns[s->act_signed][nb - 1](s, s->cols, p0, p0 + n, cb, out);
        }
    }
}

/* ---- DEPTHWISE_CONV_2D (depth multiplier 1) ------------------------------ */

AM_INL __m512i load_x16(const uint8_t *p, __mmask16 m, int act_signed)
{
    const __m128i b = _mm_maskz_loadu_epi8(m, p);
    return act_signed ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
}

AM_INL __m512i load_x32(const uint8_t *p, int full, __mmask32 m, int act_signed)
{
    const __m256i b = full ? _mm256_loadu_si256((const __m256i *)(const void *)p)
                           : _mm256_maskz_loadu_epi8(m, p);
    return act_signed ? _mm512_cvtepi8_epi16(b) : _mm512_cvtepu8_epi16(b);
}

/* 32 channels from c of one output pixel whose window is inside the
 * image (base: the window's first input pixel); full: c + 32 <= channels. */
/* 32 channels from c of one output pixel; tp[t] is the input pixel of tap
 * t (taps outside the image point at zbuf, the input zero point, whose
 * x + in_offset is 0). full: c + 32 <= channels. */
AM_INL void dw32(const am_fast_conv *s, const uint8_t *const *tp, int c, int full,
                 int act_signed, uint8_t *o)
{
    const int npair = (s->kh * s->kw + 1) / 2, ocp32 = s->ocp32;
    const __mmask32 m = full ? ~(__mmask32)0 : (__mmask32)((1ull << (s->out.c - c)) - 1);
    __m512i lo = _mm512_load_si512(s->cconst_p + c), hi = _mm512_load_si512(s->cconst_p + c + 16);
    const int32_t *w = s->wp32 + c;
    for (int j = 0; j < npair; j++, w += ocp32) {
        const __m512i x0 = load_x32(tp[2 * j] + c, full, m, act_signed);
        const __m512i x1 = load_x32(tp[2 * j + 1] + c, full, m, act_signed);
        lo = _mm512_add_epi32(lo, _mm512_madd_epi16(_mm512_unpacklo_epi16(x0, x1),
                                                     _mm512_load_si512(w)));
        hi = _mm512_add_epi32(hi, _mm512_madd_epi16(_mm512_unpackhi_epi16(x0, x1),
                                                     _mm512_load_si512(w + 16)));
    }
    const __m512i zp = _mm512_set1_epi32(s->p.out_zp);
    const __m512i vmin = _mm512_set1_epi32(s->p.act_min), vmax = _mm512_set1_epi32(s->p.act_max);
    rqv q = rqv_load_from(s->mult_p + c, s->modd_p + c, s->left_p + c, s->right_p + c,
                          s->rnd_p + c);
    lo = requant(lo, &q, zp, vmin, vmax);
    q = rqv_load_from(s->mult_p + c + 16, s->modd_p + c + 16, s->left_p + c + 16,
                      s->right_p + c + 16, s->rnd_p + c + 16);
    hi = requant(hi, &q, zp, vmin, vmax);
    /* VPACKSSDW interleaves per 128-bit lane: back to channel order */
    _mm256_mask_storeu_epi8(o + c, m, _mm512_cvtepi16_epi8(_mm512_packs_epi32(lo, hi)));
}

AM_INL void dw_pixel(const am_fast_conv *s, const uint8_t *in, int b, int oy, int ox,
                     int act_signed, uint8_t *out)
{
    const am_conv_params *p = &s->p;
    const int c_n = s->out.c, kh = s->kh, kw = s->kw, taps = kh * kw;
    const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const uint8_t **tp = s->tp;
    const uint8_t *img = in + (size_t)b * s->in.h * s->in.w * c_n;
    if (iy0 >= 0 && ix0 >= 0 && iy0 + (kh - 1) * p->dil_h < s->in.h &&
        ix0 + (kw - 1) * p->dil_w < s->in.w) {
        const uint8_t *base = img + ((size_t)iy0 * s->in.w + ix0) * c_n;
        for (int t = 0; t <= taps; t++)
            tp[t] = base + s->tap_off[t];
    } else {
        for (int t = 0; t < taps; t++) {
            const int iy = iy0 + (t / kw) * p->dil_h, ix = ix0 + (t % kw) * p->dil_w;
            tp[t] = iy >= 0 && iy < s->in.h && ix >= 0 && ix < s->in.w
                        ? img + ((size_t)iy * s->in.w + ix) * c_n
                        : s->zbuf;
        }
        tp[taps] = tp[taps - 1]; /* odd tap count: paired with weight 0 */
    }
    uint8_t *o = out + (((size_t)b * s->out.h + oy) * s->out.w + ox) * c_n;
    int c = 0;
    for (; c + 32 <= c_n; c += 32)
        dw32(s, tp, c, 1, act_signed, o);
    if (c < c_n)
        dw32(s, tp, c, 0, act_signed, o);
}

#define DW_RUN(SIGNED)                                                                    \
    AM_TGT static void dw_run_##SIGNED(const am_fast_conv *s, const uint8_t *in, uint8_t *out) \
    {                                                                                     \
        for (int b = 0; b < s->out.n; b++)                                                \
            for (int oy = 0; oy < s->out.h; oy++)                                         \
                for (int ox = 0; ox < s->out.w; ox++)                                     \
                    dw_pixel(s, in, b, oy, ox, SIGNED, out);                              \
    }
DW_RUN(0)
DW_RUN(1)

void am_fast_conv_run(am_fast_conv *s, const void *input, void *output)
{
    if (s->depthwise) {
        if (s->type == AM_I8)
            dw_run_1(s, input, output);
        else
            dw_run_0(s, input, output);
    } else {
        conv_run(s, input, output);
    }
}

/* ---- ADD and MUL ------------------------------------------------------- */

AM_INL rqv rqv_scalar(int32_t mult, int shift)
{
    rqv q;
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;

    q.mult = _mm512_set1_epi32(mult);
    q.left = _mm512_set1_epi32(left);
    q.right = _mm512_set1_epi32(right);
    q.modd = q.mult;
    q.rnd = _mm512_set1_epi32(right > 0 ? (int32_t)(1u << (right - 1)) : 0);
    return q;
}

int am_fast_qmul_ok(int32_t mult, int shift) { return mult >= 0 && shift <= 30 && shift >= -31; }

/* Element strides per pixel: 0 for an input broadcast over H and W. */
static int eltwise_layout(am_shape a, am_shape b, am_shape out, size_t *sa, size_t *sb)
{
    const int full_a = a.n == out.n && a.h == out.h && a.w == out.w && a.c == out.c;
    const int full_b = b.n == out.n && b.h == out.h && b.w == out.w && b.c == out.c;
    const int bc_a = a.n == 1 && out.n == 1 && a.h == 1 && a.w == 1 && a.c == out.c;
    const int bc_b = b.n == 1 && out.n == 1 && b.h == 1 && b.w == 1 && b.c == out.c;
    if (!(full_a || bc_a) || !(full_b || bc_b))
        return 0;
    *sa = full_a ? (size_t)out.c : 0;
    *sb = full_b ? (size_t)out.c : 0;
    return 1;
}

int am_fast_eltwise_supported(am_shape a, am_shape b, am_shape out)
{
    size_t sa, sb;
    return am_fast_cpu_supported() && out.c > 0 && eltwise_layout(a, b, out, &sa, &sb);
}

#define ELTWISE_BODY(OP)                                                                  \
    size_t sa = 0, sb = 0;                                                                \
    eltwise_layout(a, b, out, &sa, &sb);                                                  \
    const size_t npix = (size_t)out.n * out.h * out.w;                                    \
    const int c_n = out.c, sgn = p->type == AM_I8;                                        \
    const uint8_t *x1 = in1, *x2 = in2;                                                   \
    uint8_t *o = output;                                                                  \
    for (size_t i = 0; i < npix; i++)                                                     \
        for (int c = 0; c < c_n; c += 16) {                                               \
            const __mmask16 m = tail_mask(c_n - c);                                       \
            const __m512i va = load_x16(x1 + i * sa + c, m, sgn);                         \
            const __m512i vb = load_x16(x2 + i * sb + c, m, sgn);                         \
            store16(o + i * c_n + c, OP, m);                                              \
        }

AM_INL __m512i add16(__m512i va, __m512i vb, const am_add_params *p, const rqv *q1,
                     const rqv *q2, const rqv *qo)
{
    const __m512i sa = _mm512_slli_epi32(_mm512_add_epi32(va, _mm512_set1_epi32(p->in1_offset)), 20);
    const __m512i sb = _mm512_slli_epi32(_mm512_add_epi32(vb, _mm512_set1_epi32(p->in2_offset)), 20);
    const __m512i sum = _mm512_add_epi32(rq_core(sa, q1), rq_core(sb, q2));
    return requant(sum, qo, _mm512_set1_epi32(p->out_offset), _mm512_set1_epi32(p->act_min),
                   _mm512_set1_epi32(p->act_max));
}

AM_TGT void am_fast_add(const am_add_params *p, am_shape a, const void *in1, am_shape b,
                        const void *in2, am_shape out, void *output)
{
    const rqv q1 = rqv_scalar(p->in1_mult, p->in1_shift);
    const rqv q2 = rqv_scalar(p->in2_mult, p->in2_shift);
    const rqv qo = rqv_scalar(p->out_mult, p->out_shift);
    ELTWISE_BODY(add16(va, vb, p, &q1, &q2, &qo))
}

AM_INL __m512i mul16(__m512i va, __m512i vb, const am_mul_params *p, const rqv *qo)
{
    const __m512i prod = _mm512_mullo_epi32(_mm512_add_epi32(va, _mm512_set1_epi32(p->in1_offset)),
                                            _mm512_add_epi32(vb, _mm512_set1_epi32(p->in2_offset)));
    return requant(prod, qo, _mm512_set1_epi32(p->out_offset), _mm512_set1_epi32(p->act_min),
                   _mm512_set1_epi32(p->act_max));
}

AM_TGT void am_fast_mul(const am_mul_params *p, am_shape a, const void *in1, am_shape b,
                        const void *in2, am_shape out, void *output)
{
    const rqv qo = rqv_scalar(p->out_mult, p->out_shift);
    ELTWISE_BODY(mul16(va, vb, p, &qo))
}

/* ---- 256-entry tables (QUANTIZE, HARD_SWISH) ------------------------------ */

int am_fast_lut_supported(void)
{
    return am_fast_cpu_supported() && __builtin_cpu_supports("avx512vbmi");
}

/* VPERMI2B looks up 128 entries by the low 7 bits; two of them and a
 * blend on the top bit cover the 256 entries. */
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void
am_fast_lut(const uint8_t lut[256], size_t n, const void *input, void *output)
{
    const __m512i t0 = _mm512_loadu_si512(lut), t1 = _mm512_loadu_si512(lut + 64);
    const __m512i t2 = _mm512_loadu_si512(lut + 128), t3 = _mm512_loadu_si512(lut + 192);
    const uint8_t *x = input;
    uint8_t *y = output;
    for (size_t i = 0; i < n; i += 64) {
        const size_t left = n - i;
        const __mmask64 m = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
        const __m512i v = _mm512_maskz_loadu_epi8(m, x + i);
        const __m512i lo = _mm512_permutex2var_epi8(t0, v, t1);
        const __m512i hi = _mm512_permutex2var_epi8(t2, v, t3);
        _mm512_mask_storeu_epi8(y + i, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi));
    }
}

#else /* not x86-64: create always declines, so run is never called */

void am_fast_conv_run(am_fast_conv *s, const void *input, void *output)
{
    (void)s, (void)input, (void)output;
}

int am_fast_qmul_ok(int32_t mult, int shift) { return 0; }
int am_fast_lut_supported(void) { return 0; }
void am_fast_lut(const uint8_t lut[256], size_t n, const void *input, void *output) {}
int am_fast_eltwise_supported(am_shape a, am_shape b, am_shape out) { return 0; }
void am_fast_add(const am_add_params *p, am_shape a, const void *in1, am_shape b,
                 const void *in2, am_shape out, void *output) {}
void am_fast_mul(const am_mul_params *p, am_shape a, const void *in1, am_shape b,
                 const void *in2, am_shape out, void *output) {}

#endif
