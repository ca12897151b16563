/* amsel's half of an exact XNNPACK convolution: each float sum (an exact
 * integer, xnn_ops.h) plus the bias, requantized with TFLite's
 * fixed-point multiplier, clamped and stored as 8 bits. Pixels are
 * split among the pool's threads; each output is computed the same way
 * whatever the split.
 *
 * The loop is written for the compiler's vectorizer (per-channel
 * constants in arrays, no branches, am_xnn_qmul_apply): NEON on Arm, SSE2
 * or AVX2 (chosen at run time) on x86. */
#if defined(AMSEL_HAVE_XNNPACK)
#include "backend/xnnpack/xnn_internal.h"

int am_xnn_requant_make(amsel_ctx *ctx, const am_conv_params *p, const int32_t *bias, int oc,
                        am_xnn_requant *q)
{
    q->type = p->type;
    q->oc = oc;
    q->zp = p->out_zp;
    q->lo = p->act_min;
    q->hi = p->act_max;
    q->c = am_malloc(ctx, (size_t)oc * AM_XNN_RQ_ARRAYS * sizeof *q->c);
    if (!q->c)
        return 0;
    int32_t *b = q->c, *m = b + oc, *l = m + oc, *r = l + oc, *mk = r + oc, *hf = mk + oc;
    for (int c = 0; c < oc; c++) {
        const am_rq k = am_rq_make(p->out_mult[c], p->out_shift[c]);
        b[c] = bias ? bias[c] : 0;
        m[c] = k.mult;
        l[c] = k.left;
        r[c] = k.right;
        mk[c] = k.mask;
        hf[c] = k.half;
    }
    return 1;
}

#define AM_XNN_ROW(name, T)                                                                    \
    static void name(const am_xnn_requant *q, const float *s, T *o)                           \
    {                                                                                          \
        const size_t n = (size_t)q->oc;                                                        \
        const int32_t *b = q->c, *m = b + n, *l = m + n, *r = l + n, *mk = r + n, *hf = mk + n; \
        const int32_t zp = q->zp, lo = q->lo, hi = q->hi;                                      \
        for (size_t c = 0; c < n; c++) {                                                       \
            /* |sum| <= 2^24, |bias| <= INT32_MAX - 2^24 (create) */                           \
            const int32_t x = (int32_t)s[c] + b[c];                                            \
            int32_t v = am_xnn_qmul_apply(x, m[c], l[c], r[c], mk[c], hf[c]) + zp;              \
            v = v < lo ? lo : v;                                                               \
            v = v > hi ? hi : v;                                                               \
            o[c] = (T)v;                                                                       \
        }                                                                                      \
    }

AM_XNN_ROW(row_u8, uint8_t)
AM_XNN_ROW(row_i8, int8_t)
#if defined(__x86_64__) && defined(__GNUC__)
AM_XNN_AVX2 AM_XNN_ROW(row_u8_avx2, uint8_t)
AM_XNN_AVX2 AM_XNN_ROW(row_i8_avx2, int8_t)
#else
#define row_u8_avx2 row_u8
#define row_i8_avx2 row_i8
#endif

typedef struct job {
    const am_xnn_requant *rq;
    const float *sums;
    uint8_t *out;
    int avx2;
} job;

static void pixels_of(void *arg, size_t first, size_t count)
{
    const job *j = arg;
    const am_xnn_requant *q = j->rq;
    const size_t oc = (size_t)q->oc;
    for (size_t p = first; p < first + count; p++) {
        const float *s = j->sums + p * oc;
        uint8_t *o = j->out + p * oc;
        if (q->type == AM_U8)
            (j->avx2 ? row_u8_avx2 : row_u8)(q, s, o);
        else
            (j->avx2 ? row_i8_avx2 : row_i8)(q, s, (int8_t *)o);
    }
}

void am_xnn_requant_run(const am_xnn_requant *rq, const float *sums, size_t pixels, void *out,
                        pthreadpool_t tp)
{
    job j = {rq, sums, out, am_xnn_avx2()};
    am_xnn_for_pixels(tp, pixels_of, &j, pixels, (size_t)rq->oc);
}

#endif
