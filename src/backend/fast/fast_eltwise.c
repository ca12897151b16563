/* ADD, MUL (same shape or broadcast over H and W) and the 256-entry
 * tables (QUANTIZE, HARD_SWISH) on AVX-512, bit-exact with am_ref_add,
 * am_ref_mul and am_ref_lut. */
#include "fast_internal.h"

#if AM_FAST_X86

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
    q.has_left = left > 0;
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

/* rq64 (rq64_build) with one multiplier and shift for every lane, right
 * shift e = -shift in 0..31 (0..22 with a zero point to fold in); e = 0
 * (a multiplier of 0.5 and more) moves the odd lanes up by a left shift. */
typedef struct rqs {
    __m512i m, k, c;
    __m128i se, so;
    int e0;
} rqs;

static int rqs_ok(int32_t mult, int shift, int32_t zp)
{
    return mult >= 0 && shift <= 0 && shift >= (zp ? -22 : -31);
}

AM_INL rqs rqs_make(int32_t mult, int shift, int32_t zp)
{
    const int e = -shift;
    rqs q;
    q.m = _mm512_set1_epi32(mult);
    q.k = _mm512_set1_epi64((INT64_C(1) << 30) + (e > 0 ? INT64_C(1) << (30 + e) : 0) +
                            (int64_t)zp * (INT64_C(1) << (31 + e)));
    q.c = _mm512_set1_epi64(e > 0 ? INT64_C(1) << 31 : 0);
    q.se = _mm_cvtsi32_si128(31 + e);
    q.so = _mm_cvtsi32_si128(e > 0 ? e - 1 : 0);
    q.e0 = e == 0;
    return q;
}

AM_INL __m512i rqs_apply(const rqs *q, __m512i x)
{
    const __m512i pe = _mm512_mul_epi32(x, q->m);
    const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q->m);
    __m512i te = _mm512_add_epi64(pe, q->k), to = _mm512_add_epi64(po, q->k);
    te = _mm512_mask_sub_epi64(te, _mm512_movepi64_mask(pe), te, q->c);
    to = _mm512_mask_sub_epi64(to, _mm512_movepi64_mask(po), to, q->c);
    to = q->e0 ? _mm512_slli_epi64(to, 1) : _mm512_sra_epi64(to, q->so);
    return _mm512_mask_blend_epi32(0xAAAA, _mm512_sra_epi64(te, q->se), to);
}

/* ADD of same-shape inputs with every multiplier rqs_ok: the tensors as
 * flat arrays, 64 elements per step, saturating packs for the store. */
AM_INL __m512i add16_rqs(const uint8_t *x1, const uint8_t *x2, __mmask16 m, int sgn,
                         __m512i off1, __m512i off2, const rqs *q1, const rqs *q2, const rqs *qo)
{
    const __m512i va = _mm512_slli_epi32(_mm512_add_epi32(load_x16(x1, m, sgn), off1), 20);
    const __m512i vb = _mm512_slli_epi32(_mm512_add_epi32(load_x16(x2, m, sgn), off2), 20);
    return rqs_apply(qo, _mm512_add_epi32(rqs_apply(q1, va), rqs_apply(q2, vb)));
}

AM_TGT static void add_flat(const am_add_params *p, size_t n, const uint8_t *x1,
                            const uint8_t *x2, uint8_t *o)
{
    const rqs q1 = rqs_make(p->in1_mult, p->in1_shift, 0);
    const rqs q2 = rqs_make(p->in2_mult, p->in2_shift, 0);
    const rqs qo = rqs_make(p->out_mult, p->out_shift, p->out_offset);
    const __m512i off1 = _mm512_set1_epi32(p->in1_offset), off2 = _mm512_set1_epi32(p->in2_offset);
    const int sgn = p->type == AM_I8;
    const int32_t tmin = sgn ? -128 : 0, tmax = sgn ? 127 : 255;
    const int clamp = p->act_min > tmin || p->act_max < tmax;
    const __mmask16 all = 0xFFFF;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512i r[4];
        for (int j = 0; j < 4; j++)
            r[j] = add16_rqs(x1 + i + 16 * j, x2 + i + 16 * j, all, sgn, off1, off2, &q1, &q2, &qo);
        pack64_store(sgn, clamp, p->act_min, p->act_max, r[0], r[1], r[2], r[3], o + i,
                     ~(__mmask64)0);
    }
    const __m512i lo = _mm512_set1_epi32(p->act_min), hi = _mm512_set1_epi32(p->act_max);
    for (; i < n; i += 16) {
        const __mmask16 m = tail_mask((int)(n - i < 16 ? n - i : 16));
        const __m512i r = add16_rqs(x1 + i, x2 + i, m, sgn, off1, off2, &q1, &q2, &qo);
        store16(o + i, _mm512_min_epi32(_mm512_max_epi32(r, lo), hi), m);
    }
}

AM_TGT void am_fast_add(const am_add_params *p, am_shape a, const void *in1, am_shape b,
                        const void *in2, am_shape out, void *output)
{
    size_t fa = 0, fb = 0;
    eltwise_layout(a, b, out, &fa, &fb);
    if (fa && fb && rqs_ok(p->in1_mult, p->in1_shift, 0) && rqs_ok(p->in2_mult, p->in2_shift, 0) &&
        rqs_ok(p->out_mult, p->out_shift, p->out_offset)) {
        add_flat(p, (size_t)out.n * out.h * out.w * out.c, in1, in2, output);
        return;
    }
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

/* MUL of a tensor by a per-channel vector (squeeze-excite), when the
 * output multiplier is rqs_ok: the tensor as a flat array, 64 elements
 * per step, against the channel factors (s + in2_offset) tiled so that
 * any 64 consecutive channels (mod c) are one unaligned read; the
 * requantization with the zero point folded in and saturating packs. */
enum { MUL_BCAST_MAX_C = 2048 }; /* channel factors on the stack */

AM_INL __m512i mul16_rqs(const uint8_t *x, const int32_t *f, __mmask16 m, int sgn, __m512i off,
                         const rqs *q)
{
    const __m512i v = _mm512_add_epi32(load_x16(x, m, sgn), off);
    return rqs_apply(q, _mm512_mullo_epi32(v, _mm512_loadu_si512(f)));
}

AM_TGT static void mul_bcast_flat(const am_mul_params *p, size_t npix, int c_n, const uint8_t *x,
                                  const uint8_t *sc, uint8_t *o)
{
    int32_t f[MUL_BCAST_MAX_C + 64];
    const int sgn = p->type == AM_I8;
    for (int i = 0; i < c_n + 64; i++) {
        const int v = sgn ? (int8_t)sc[i % c_n] : sc[i % c_n];
        f[i] = v + p->in2_offset;
    }
    const rqs q = rqs_make(p->out_mult, p->out_shift, p->out_offset);
    const __m512i off = _mm512_set1_epi32(p->in1_offset);
    const int32_t tmin = sgn ? -128 : 0, tmax = sgn ? 127 : 255;
    const int clamp = p->act_min > tmin || p->act_max < tmax;
    const size_t n = npix * (size_t)c_n;
    const __mmask16 all = 0xFFFF;
    size_t i = 0;
    int ch = 0; /* channel of element i */
    for (; i + 64 <= n; i += 64) {
        const int32_t *fc = f + ch;
        const __m512i r0 = mul16_rqs(x + i, fc, all, sgn, off, &q);
        const __m512i r1 = mul16_rqs(x + i + 16, fc + 16, all, sgn, off, &q);
        const __m512i r2 = mul16_rqs(x + i + 32, fc + 32, all, sgn, off, &q);
        const __m512i r3 = mul16_rqs(x + i + 48, fc + 48, all, sgn, off, &q);
        pack64_store(sgn, clamp, p->act_min, p->act_max, r0, r1, r2, r3, o + i, ~(__mmask64)0);
        ch = (ch + 64) % c_n;
    }
    const __m512i lo = _mm512_set1_epi32(p->act_min), hi = _mm512_set1_epi32(p->act_max);
    for (; i < n; i += 16) {
        const __mmask16 m = tail_mask((int)(n - i < 16 ? n - i : 16));
        const __m512i r = mul16_rqs(x + i, f + ch, m, sgn, off, &q);
        store16(o + i, _mm512_min_epi32(_mm512_max_epi32(r, lo), hi), m);
        ch = (ch + 16) % c_n;
    }
}

AM_TGT void am_fast_mul(const am_mul_params *p, am_shape a, const void *in1, am_shape b,
                        const void *in2, am_shape out, void *output)
{
    size_t fa = 0, fb = 0;
    eltwise_layout(a, b, out, &fa, &fb);
    if ((fa != 0) != (fb != 0) && out.c <= MUL_BCAST_MAX_C &&
        rqs_ok(p->out_mult, p->out_shift, p->out_offset)) {
        /* MUL is commutative: the broadcast input becomes the second */
        am_mul_params q = *p;
        if (!fa) {
            q.in1_offset = p->in2_offset;
            q.in2_offset = p->in1_offset;
        }
        mul_bcast_flat(&q, (size_t)out.n * out.h * out.w, out.c, fa ? in1 : in2, fa ? in2 : in1,
                       output);
        return;
    }
    const rqv qo = rqv_scalar(p->out_mult, p->out_shift);
    ELTWISE_BODY(mul16(va, vb, p, &qo))
}

/* ---- ADD through per-input tables ------------------------------------- */

struct am_fast_add_tab {
    uint8_t plane[2][4][256]; /* [input][byte of the int32][input byte]: first, 64-aligned */
    am_add_params p;
    void *raw;                /* the allocation */
};

am_fast_add_tab *am_fast_add_tab_create(amsel_ctx *ctx, const am_add_params *p, am_shape a,
                                        am_shape b, am_shape out, int *nomem)
{
    *nomem = 0;
    size_t fa = 0, fb = 0;
    if (!am_fast_lut_supported() || !eltwise_layout(a, b, out, &fa, &fb) || !fa || !fb ||
        !rqs_ok(p->out_mult, p->out_shift, p->out_offset) || p->left_shift != 20)
        return NULL;
    void *raw = am_malloc(ctx, sizeof(am_fast_add_tab) + 63);
    if (!raw) {
        *nomem = 1;
        return NULL;
    }
    am_fast_add_tab *t = (am_fast_add_tab *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
    t->raw = raw;
    t->p = *p;
    const int sgn = p->type == AM_I8;
    for (int v = 0; v < 256; v++) {
        const int32_t x = sgn ? (int8_t)v : v; /* the byte as the input type */
        const int32_t r[2] = {
            am_mul_by_qmul((x + p->in1_offset) * (1 << p->left_shift), p->in1_mult, p->in1_shift),
            am_mul_by_qmul((x + p->in2_offset) * (1 << p->left_shift), p->in2_mult, p->in2_shift)};
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 4; k++)
                t->plane[i][k][v] = (uint8_t)((uint32_t)r[i] >> (8 * k));
    }
    return t;
}

void am_fast_add_tab_destroy(amsel_ctx *ctx, am_fast_add_tab *t)
{
    if (t)
        am_free(ctx, t->raw);
}

/* Byte k of the table values of 64 input bytes v (top bit: the upper
 * 128 entries). */
#define PLANE(k)                                                                                \
    _mm512_mask_blend_epi8(                                                                     \
        top, _mm512_permutex2var_epi8(_mm512_load_si512(plane[k]), v,                           \
                                      _mm512_load_si512(plane[k] + 64)),                         \
        _mm512_permutex2var_epi8(_mm512_load_si512(plane[k] + 128), v,                          \
                                 _mm512_load_si512(plane[k] + 192)))

/* The int32 table values of 64 input bytes as 4 vectors: d[j] lane
 * (L, q) is element 16 L + 4 j + q (byte planes interleaved by
 * VPUNPCK*, which work per 128-bit lane). */
AM_INL_VBMI void tab_values(const uint8_t plane[4][256], __m512i v, __m512i d[4])
{
    const __mmask64 top = _mm512_movepi8_mask(v);
    const __m512i b0 = PLANE(0), b1 = PLANE(1), b2 = PLANE(2), b3 = PLANE(3);
    const __m512i l01 = _mm512_unpacklo_epi8(b0, b1), h01 = _mm512_unpackhi_epi8(b0, b1);
    const __m512i l23 = _mm512_unpacklo_epi8(b2, b3), h23 = _mm512_unpackhi_epi8(b2, b3);
    d[0] = _mm512_unpacklo_epi16(l01, l23);
    d[1] = _mm512_unpackhi_epi16(l01, l23);
    d[2] = _mm512_unpacklo_epi16(h01, h23);
    d[3] = _mm512_unpackhi_epi16(h01, h23);
}
#undef PLANE

AM_TGT_VBMI void am_fast_add_tab_run(const am_fast_add_tab *t, size_t n, const void *in1,
                                     const void *in2, void *output)
{
    const am_add_params *p = &t->p;
    const rqs qo = rqs_make(p->out_mult, p->out_shift, p->out_offset);
    const int sgn = p->type == AM_I8;
    const int32_t tmin = sgn ? -128 : 0, tmax = sgn ? 127 : 255;
    const int clamp = p->act_min > tmin || p->act_max < tmax;
    const uint8_t *x1 = in1, *x2 = in2;
    uint8_t *o = output;
    for (size_t i = 0; i < n; i += 64) {
        const __mmask64 m = tail_mask64((int)(n - i < 64 ? n - i : 64));
        __m512i d1[4], d2[4], r[4];
        tab_values(t->plane[0], _mm512_maskz_loadu_epi8(m, x1 + i), d1);
        tab_values(t->plane[1], _mm512_maskz_loadu_epi8(m, x2 + i), d2);
        for (int j = 0; j < 4; j++)
            r[j] = rqs_apply(&qo, _mm512_add_epi32(d1[j], d2[j]));
        /* the packs interleave per 128-bit lane as the unpacks did: the
         * bytes come out in element order, no permutation */
        clamp_store64(sgn, clamp, p->act_min, p->act_max,
                      pack64_lanes(sgn, r[0], r[1], r[2], r[3]), o + i, m);
    }
}

/* ---- 256-entry tables (QUANTIZE, HARD_SWISH) ------------------------------ */

int am_fast_lut_supported(void)
{
    return am_fast_cpu_supported() && __builtin_cpu_supports("avx512vbmi");
}

/* VPERMI2B looks up 128 entries by the low 7 bits; two of them and a
 * blend on the top bit cover the 256 entries. */
#define LUT64(v)                                                                          \
    _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), _mm512_permutex2var_epi8(t0, v, t1),    \
                           _mm512_permutex2var_epi8(t2, v, t3))
AM_TGT_VBMI void am_fast_lut(const uint8_t lut[256], size_t n, const void *input, void *output)
{
    const __m512i t0 = _mm512_loadu_si512(lut), t1 = _mm512_loadu_si512(lut + 64);
    const __m512i t2 = _mm512_loadu_si512(lut + 128), t3 = _mm512_loadu_si512(lut + 192);
    const uint8_t *x = input;
    uint8_t *y = output;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) { /* plain loads and stores: masked ones are slower */
        const __m512i v = _mm512_loadu_si512(x + i);
        _mm512_storeu_si512(y + i, LUT64(v));
    }
    if (i < n) {
        const __mmask64 m = ((__mmask64)1 << (n - i)) - 1;
        const __m512i v = _mm512_maskz_loadu_epi8(m, x + i);
        _mm512_mask_storeu_epi8(y + i, m, LUT64(v));
    }
}
#undef LUT64

#else /* not x86-64 */

int am_fast_qmul_ok(int32_t mult, int shift) { return 0; }
am_fast_add_tab *am_fast_add_tab_create(amsel_ctx *ctx, const am_add_params *p, am_shape a,
                                        am_shape b, am_shape out, int *nomem)
{
    (void)ctx, (void)p, (void)a, (void)b, (void)out;
    *nomem = 0;
    return NULL;
}
void am_fast_add_tab_run(const am_fast_add_tab *t, size_t n, const void *in1, const void *in2,
                         void *output)
{
}
void am_fast_add_tab_destroy(amsel_ctx *ctx, am_fast_add_tab *t) {}
int am_fast_lut_supported(void) { return 0; }
void am_fast_lut(const uint8_t lut[256], size_t n, const void *input, void *output) {}
int am_fast_eltwise_supported(am_shape a, am_shape b, am_shape out) { return 0; }
void am_fast_add(const am_add_params *p, am_shape a, const void *in1, am_shape b,
                 const void *in2, am_shape out, void *output) {}
void am_fast_mul(const am_mul_params *p, am_shape a, const void *in1, am_shape b,
                 const void *in2, am_shape out, void *output) {}

#endif
