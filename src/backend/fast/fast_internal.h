/* Internal to the fast backend: the prepared convolution (struct
 * am_fast_conv, filled by fast_create.c) and the AVX-512 helpers that
 * fast_conv.c, fast_dw.c and fast_eltwise.c share: TFLite's requantization
 * on 16 lanes and the saturating stores. */
#ifndef AMSEL_FAST_INTERNAL_H
#define AMSEL_FAST_INTERNAL_H

#include "fast_kernels.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(AMSEL_NO_FAST) /* -DAMSEL_NO_FAST: stubs only */
#define AM_FAST_X86 1
#include <immintrin.h>
#define AM_TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define AM_INL static inline __attribute__((always_inline)) AM_TGT
#define AM_TGT_VBMI                                                                        \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi")))
#define AM_INL_VBMI static inline __attribute__((always_inline)) AM_TGT_VBMI
#else
#define AM_FAST_X86 0
#endif

enum { MR = 4, NB_MAX = 4 }; /* GEMM register block: 4 pixels x 64 channels */
enum { DW_MAX_TAPS = 64 };   /* depthwise windows up to 8x8 (tap pointers on the stack) */

struct am_fast_conv {
    int depthwise;
    am_qtype type;
    am_conv_params p;     /* out_mult/out_shift point nowhere (copied below) */
    am_shape in, out;
    int kh, kw;
    int ocp;              /* output channels rounded up to 16 */
    int direct;           /* conv: activation rows are the input itself */
    int flip;             /* conv: int8 activations, used as unsigned x ^ 0x80 = x + 128 */
    /* conv, implicit (not direct, dilation 1 across, wo' = 0): K is laid
     * out as kh segments of seg = kw*ic rounded up to 4 bytes (the pad
     * bytes have weight 0), so the GEMM can read an inner pixel's kernel
     * rows straight from the input; border pixels go through im2col in
     * the same layout */
    int implicit, seg;
    int k, kp;            /* conv: taps, rounded up to 4 */
    int32_t wo;           /* conv: wo', the weight offset of the packed bytes */
    int8_t *wpack;        /* conv: [ocp/16][kp/4][16][4]; depthwise: unused */
    int32_t *wdw;         /* depthwise: [kh*kw][ocp] w + w_offset */
    int32_t *wpair;       /* depthwise: [(kh*kw+1)/2][ocp] taps 2j, 2j+1 as int16 pair */
    int32_t *tap_off;     /* depthwise: [kh*kw+1] byte offset of tap t from the window origin */
    uint8_t *zbuf;        /* depthwise: [c + 64] bytes of the input zero point */
    /* depthwise, windows inside the image, 32 channels at a time: with
     * x the channels' int16 values, VPUNPCKLWD/VPUNPCKHWD of two taps give
     * int16 pairs of channels 8L+q ("lo", lane 4L+q) and 8L+4+q ("hi") in
     * 128-bit lane L. wp32 holds the weight pairs and the *_p arrays the
     * per-channel constants in that order: [group][lo 16 | hi 16]. */
    int ocp32;
    int32_t *wp32;        /* [(kh*kw+1)/2][ocp32] */
    int32_t *cconst_p, *mult_p, *left_p, *right_p, *modd_p, *rnd_p; /* [ocp32] */
    int32_t *cconst;      /* [ocp] conv: bias + xo*sum wv + K*xo*wo'; depthwise: bias + xo*sum w' */
    int32_t *mult, *left, *right, *modd, *rnd; /* [ocp] requantization (see rqv) */
    uint8_t *cols;        /* conv, not direct: one im2col buffer per thread (am_fast_cols_stride) */
    int nparts;           /* threads with scratch of their own (create_par's nthreads) */
    int col_pixels;       /* conv, not direct: pixels per im2col block */
    int32_t *rowsum;      /* conv: [npix] wo' * sum of xv (mod 2^32) */
    /* conv with few output channels (stems: 3 input channels), wo' != 0:
     * the row sums are accumulated inside the GEMM, one more VPDPBUSD per
     * 4 taps with wob (wo' on real taps, 0 on pad bytes) instead of a pass
     * over the rows; this also lets such convolutions be implicit */
    int rs_inline;
    int32_t *wob;         /* [kp / 4] four bytes: wo' or 0 */
    int has_left;         /* some channel has a left shift */
    /* 64-bit requantization tables (rq64_build): natural channel order
     * (conv, pair-row depthwise) or the depthwise lane order; simple: see rq64_build; clamp:
     * the activation range is narrower than the type's */
    int64_t *ke, *ko, *ce, *co, *se, *so; /* [ocp32 / 2] */
    int simple, clamp;
    /* depthwise with 8 or 16 channels, stride and dilation 1 across: the
     * same convolution on 32 "channels" = 32 / c consecutive pixels of a
     * row (weights and constants tiled, tap offsets of this one), so that
     * a row's interior runs 32 bytes at a time instead of c */
    am_fast_conv *wide;
    /* depthwise with padding: each output row first copies its kh input
     * rows into padbuf (this thread's part), the outside filled with the
     * input zero point, so that every pixel takes the inner kernel */
    uint8_t *padbuf;
    int pad_w;            /* padded row width in pixels */
    size_t pad_stride;    /* bytes of one thread's padbuf */
    /* depthwise 3x3 and 5x5 without dilation (not wide): pair rows, see
     * fast_dw.c; none of the lane-order fields above are made for them.
     * wq: [kh][(kw+1)/2][ocp] int16 weight pairs of taps (2q, 2q+1) of a
     * kernel row; ring: kh pair rows of pad_w x ocp dwords per thread;
     * the rq64 tables in natural channel order; cconst: bias + xo sum w' */
    int pair_rows;
    int32_t *wq, *ring;
    size_t ring_stride;   /* bytes of one thread's ring */
    void *blocks[40];     /* allocations, freed by destroy */
    int nblocks;
};


/* Bytes of one thread's im2col buffer: 64 bytes of slack for im2col's
 * full 64-byte stores. */
static inline size_t am_fast_cols_stride(const am_fast_conv *s)
{
    return (size_t)s->col_pixels * s->kp + 64;
}

/* s->simple: 0 the general requantization, 1 simple (rq64_build), or
 * RQ_FLOORED: simple, and the clamp starts at or above the zero point. */
enum { RQ_FLOORED = 2 };

#if AM_FAST_X86

/* ---- Requantization of 16 channels ------------------------------------- */

/* One vector of requantization constants: mult, modd (lane 2k holds the
 * multiplier of lane 2k+1, for the odd-lane VPMULDQ), left and right
 * shifts and rnd = 2^(right-1) (0 when right == 0). */
typedef struct rqv {
    __m512i mult, modd, left, right, rnd;
    int has_left; /* 0: skip the left shift (most layers) */
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
    q.has_left = 1;
    return q;
}

AM_INL rqv rqv_load(const am_fast_conv *s, int c)
{
    rqv q = rqv_load_from(s->mult + c, s->modd + c, s->left + c, s->right + c, s->rnd + c);
    q.has_left = s->has_left;
    return q;
}

/* am_rq_apply on 16 lanes.
 * SaturatingRoundingDoublingHighMul: bits 31..62 of a*mult + 2^30 (64-bit
 * products of the even lanes, then of the odd lanes).
 * RoundingDivideByPOT (half away from zero): sign(h) * ((|h| + rnd) >> right),
 * computed on |h| <= 2^31 as unsigned, so nothing overflows. */
AM_INL __m512i rq_core(__m512i x, const rqv *q)
{
    const __m512i a = q->has_left ? _mm512_sllv_epi32(x, q->left) : x;
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

/* TFLite's requantization plus the output zero point (see rq64_build)
 * on 16 lanes: x * mult for the even and the odd lanes as 64-bit
 * products, one add, one masked subtract and one arithmetic shift each;
 * for simple layers the odd results are shifted straight into the upper
 * halves (by e - 1). The general path adds the left shift, a shift into
 * the upper halves and the zero point. rqc holds the constants of 16
 * lanes (loaded into registers once: a byte store may alias s). */
typedef struct rqc {
    __m512i m, mo, left, ke, ko, ce, co, se, so, zp;
} rqc;

AM_INL rqc rqc_load(const am_fast_conv *s, const int32_t *mult, const int32_t *modd,
                    const int32_t *left, int lane)
{
    rqc q;
    const int h = lane / 2;
    q.m = _mm512_load_si512(mult + lane);
    q.mo = _mm512_load_si512(modd + lane);
    q.left = _mm512_load_si512(left + lane);
    q.ke = _mm512_load_si512(s->ke + h);
    q.ko = _mm512_load_si512(s->ko + h);
    q.ce = _mm512_load_si512(s->ce + h);
    q.co = _mm512_load_si512(s->co + h);
    q.se = _mm512_load_si512(s->se + h);
    q.so = _mm512_load_si512(s->so + h);
    q.zp = _mm512_set1_epi32(s->p.out_zp);
    return q;
}

/* simple: s->simple, as a compile-time constant where it matters. With 2
 * (RQ_FLOORED) the correction of negative products is left out: their
 * results, with or without it, are at most the zero point, which the
 * layer's clamp (or the saturating pack) turns into act_min. */
AM_INL __m512i rqc_apply(const rqc *q, __m512i x, int simple)
{
    if (!simple)
        x = _mm512_sllv_epi32(x, q->left);
    const __m512i pe = _mm512_mul_epi32(x, q->m);
    const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q->mo);
    __m512i te = _mm512_add_epi64(pe, q->ke), to = _mm512_add_epi64(po, q->ko);
    if (simple != RQ_FLOORED) {
        te = _mm512_mask_sub_epi64(te, _mm512_movepi64_mask(pe), te, q->ce);
        to = _mm512_mask_sub_epi64(to, _mm512_movepi64_mask(po), to, q->co);
    }
    te = _mm512_srav_epi64(te, q->se);
    to = _mm512_srav_epi64(to, q->so);
    if (!simple)
        to = _mm512_slli_epi64(to, 32);
    __m512i r = _mm512_mask_blend_epi32(0xAAAA, te, to);
    if (!simple)
        r = _mm512_add_epi32(r, q->zp);
    return r;
}

AM_INL __m512i rq64_apply(const am_fast_conv *s, const int32_t *mult, const int32_t *modd,
                          const int32_t *left, int lane, __m512i x)
{
    const rqc q = rqc_load(s, mult, modd, left, lane);
    return s->simple == RQ_FLOORED ? rqc_apply(&q, x, RQ_FLOORED)
           : s->simple             ? rqc_apply(&q, x, 1)
                                   : rqc_apply(&q, x, 0);
}

/* Saturating packs of four vectors of 32-bit results to 64 bytes, in
 * the order VPACK* leave them (they work per 128-bit lane): lane L of
 * the result holds lane L of r0, r1, r2 and r3. */
AM_INL __m512i pack64_lanes(int sgn, __m512i r0, __m512i r1, __m512i r2, __m512i r3)
{
    const __m512i a = _mm512_packs_epi32(r0, r1), b = _mm512_packs_epi32(r2, r3);
    return sgn ? _mm512_packs_epi16(a, b) : _mm512_packus_epi16(a, b);
}

/* The activation clamp on bytes where it is narrower than the type,
 * then the store of the bytes m selects. */
AM_INL void clamp_store64(int sgn, int clamp, int32_t act_min, int32_t act_max, __m512i x,
                          uint8_t *o, __mmask64 m)
{
    if (clamp) {
        const __m512i lo = _mm512_set1_epi8((char)act_min);
        const __m512i hi = _mm512_set1_epi8((char)act_max);
        x = sgn ? _mm512_min_epi8(_mm512_max_epi8(x, lo), hi)
                : _mm512_min_epu8(_mm512_max_epu8(x, lo), hi);
    }
    if (m == ~(__mmask64)0)
        _mm512_storeu_si512(o, x); /* masked stores are slower */
    else
        _mm512_mask_storeu_epi8(o, m, x);
}

/* Stores the requantized 32-bit results (zero point added) of up to 64
 * consecutive channels, r0 first: saturating packs (a dword permutation
 * restores the order the packs interleave), then clamp_store64. */
AM_INL void pack64_store(int sgn, int clamp, int32_t act_min, int32_t act_max, __m512i r0,
                         __m512i r1, __m512i r2, __m512i r3, uint8_t *o, __mmask64 m)
{
    const __m512i x = _mm512_permutexvar_epi32(
        _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0),
        pack64_lanes(sgn, r0, r1, r2, r3));
    clamp_store64(sgn, clamp, act_min, act_max, x, o, m);
}

AM_INL void store_pack64(const am_fast_conv *s, __m512i r0, __m512i r1, __m512i r2, __m512i r3,
                         uint8_t *o, __mmask64 m)
{
    pack64_store(s->type == AM_I8, s->clamp, s->p.act_min, s->p.act_max, r0, r1, r2, r3, o, m);
}

/* The same for 16 channels: one saturating narrowing. */
AM_INL void store_pack16(const am_fast_conv *s, __m512i r, uint8_t *o, __mmask16 m)
{
    __m128i x;
    if (s->type == AM_I8) {
        x = _mm512_cvtsepi32_epi8(r);
        if (s->clamp)
            x = _mm_min_epi8(_mm_max_epi8(x, _mm_set1_epi8((char)s->p.act_min)),
                             _mm_set1_epi8((char)s->p.act_max));
    } else {
        x = _mm512_cvtusepi32_epi8(_mm512_max_epi32(r, _mm512_setzero_si512()));
        if (s->clamp)
            x = _mm_min_epu8(_mm_max_epu8(x, _mm_set1_epi8((char)s->p.act_min)),
                             _mm_set1_epi8((char)s->p.act_max));
    }
    if (m == (__mmask16)0xFFFF)
        _mm_storeu_si128((__m128i *)(void *)o, x);
    else
        _mm_mask_storeu_epi8(o, m, x);
}

static inline __mmask64 tail_mask64(int n) { return n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1); }

AM_INL void store16(void *dst, __m512i v, __mmask16 m)
{
    _mm_mask_storeu_epi8(dst, m, _mm512_cvtepi32_epi8(v));
}

static inline __mmask16 tail_mask(int n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

AM_INL __m512i load_x16(const uint8_t *p, __mmask16 m, int act_signed)
{
    const __m128i b = _mm_maskz_loadu_epi8(m, p);
    return act_signed ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
}

/* Output rows [r0, r1) of a depthwise convolution (fast_dw.c) on thread
 * thread (its scratch). */
void am_fast_dw_run(const am_fast_conv *s, const uint8_t *in, uint8_t *out, int r0, int r1,
                    int thread);

#endif /* AM_FAST_X86 */
#endif
