/* ADD and MUL of two activations for the xnnpack backend, exact: amsel's
 * own loops (XNNPACK's 8-bit ADD and MUL round their own way), TFLite's
 * arithmetic (reference add.c and mul.c) in am_xnn_qmul_apply's closed
 * form, written for the compiler's vectorizer over the channels. Two
 * layouts, the models' ones: both inputs of the output's shape (residual
 * adds), or one of them [n][1][1][c], broadcast over H and W (the
 * squeeze-excite multiplies). Pixels are split among the pool's threads. */
#if defined(AMSEL_HAVE_XNNPACK)
#include "backend/xnnpack/xnn_internal.h"

struct am_xnn_eltwise {
    int mul;
    am_qtype type;
    am_shape out;
    int swap;     /* the first input is the broadcast one: read them swapped */
    int bcast;    /* the second input (after swap) is [n][1][1][c] */
    int32_t off1, off2, zp, lo, hi;
    am_rq q1, q2, qo; /* ADD: both inputs' and the output's; MUL: qo */
    am_xnn_tpool *tpool;
};

static int per_channel(am_shape b, am_shape out)
{
    return b.n == out.n && b.h == 1 && b.w == 1 && b.c == out.c;
}

static am_xnn_eltwise *create(amsel_ctx *ctx, am_shape a, am_shape b, am_shape out, int threads,
                              int *nomem)
{
    *nomem = 0;
    const int a_full = am_same_shape(a, out), b_full = am_same_shape(b, out);
    if (!(a_full && (b_full || per_channel(b, out))) && !(b_full && per_channel(a, out)))
        return NULL;
    am_xnn_eltwise *e = am_calloc(ctx, 1, sizeof *e);
    if (!e) {
        *nomem = 1;
        return NULL;
    }
    e->out = out;
    e->swap = !a_full;
    e->bcast = !a_full || !b_full;
    if (threads > 1 && !(e->tpool = am_xnn_tpool_get(ctx, threads, nomem))) {
        am_free(ctx, e);
        return NULL;
    }
    return e;
}

am_xnn_eltwise *am_xnn_add_create(amsel_ctx *ctx, const am_add_params *p, am_shape a,
                                  am_shape b, am_shape out, int threads, int *nomem)
{
    *nomem = 0;
    if (p->left_shift != 20) /* (x + offset) << 20 fits int32 for 8 bits */
        return NULL;
    am_xnn_eltwise *e = create(ctx, a, b, out, threads, nomem);
    if (!e)
        return NULL;
    e->type = p->type;
    e->off1 = p->in1_offset, e->off2 = p->in2_offset;
    e->q1 = am_rq_make(p->in1_mult, p->in1_shift);
    e->q2 = am_rq_make(p->in2_mult, p->in2_shift);
    if (e->swap) {
        e->off1 = p->in2_offset, e->off2 = p->in1_offset;
        const am_rq t = e->q1;
        e->q1 = e->q2, e->q2 = t;
    }
    e->qo = am_rq_make(p->out_mult, p->out_shift);
    e->zp = p->out_offset, e->lo = p->act_min, e->hi = p->act_max;
    return e;
}

am_xnn_eltwise *am_xnn_mul_create(amsel_ctx *ctx, const am_mul_params *p, am_shape a,
                                  am_shape b, am_shape out, int threads, int *nomem)
{
    am_xnn_eltwise *e = create(ctx, a, b, out, threads, nomem);
    if (!e)
        return NULL;
    e->mul = 1;
    e->type = p->type;
    e->off1 = e->swap ? p->in2_offset : p->in1_offset;
    e->off2 = e->swap ? p->in1_offset : p->in2_offset;
    e->qo = am_rq_make(p->out_mult, p->out_shift);
    e->zp = p->out_offset, e->lo = p->act_min, e->hi = p->act_max;
    return e;
}

void am_xnn_eltwise_destroy(amsel_ctx *ctx, am_xnn_eltwise *e)
{
    if (!e)
        return;
    am_xnn_tpool_put(ctx, e->tpool);
    am_free(ctx, e);
}

/* One pixel's n channels. TFLite's ADD: each input (x + offset) << 20
 * scaled by its multiplier (< 1), the sum by the output's; MUL: the
 * product of the offset inputs (|.| <= 255^2) by the output's. */
#define AM_XNN_ELT_ROWS(add_name, mul_name, T)                                                 \
    static void add_name(const am_xnn_eltwise *e, const T *x, const T *y, T *o, size_t n)     \
    {                                                                                          \
        const am_rq q1 = e->q1, q2 = e->q2, qo = e->qo;                                 \
        const int32_t o1 = e->off1, o2 = e->off2, zp = e->zp, lo = e->lo, hi = e->hi;          \
        for (size_t c = 0; c < n; c++) {                                                       \
            const int32_t a = am_xnn_qmul_apply((x[c] + o1) * (1 << 20), q1.mult, q1.left,     \
                                                q1.right, q1.mask, q1.half);                   \
            const int32_t b = am_xnn_qmul_apply((y[c] + o2) * (1 << 20), q2.mult, q2.left,     \
                                                q2.right, q2.mask, q2.half);                   \
            int32_t v = am_xnn_qmul_apply(a + b, qo.mult, qo.left, qo.right, qo.mask, qo.half) \
                        + zp;                                                                  \
            v = v < lo ? lo : v;                                                               \
            o[c] = (T)(v > hi ? hi : v);                                                       \
        }                                                                                      \
    }                                                                                          \
    static void mul_name(const am_xnn_eltwise *e, const T *x, const T *y, T *o, size_t n)     \
    {                                                                                          \
        const am_rq qo = e->qo;                                                          \
        const int32_t o1 = e->off1, o2 = e->off2, zp = e->zp, lo = e->lo, hi = e->hi;          \
        for (size_t c = 0; c < n; c++) {                                                       \
            int32_t v = am_xnn_qmul_apply((x[c] + o1) * (y[c] + o2), qo.mult, qo.left,         \
                                          qo.right, qo.mask, qo.half) + zp;                    \
            v = v < lo ? lo : v;                                                               \
            o[c] = (T)(v > hi ? hi : v);                                                       \
        }                                                                                      \
    }

AM_XNN_ELT_ROWS(add_u8, mul_u8, uint8_t)
AM_XNN_ELT_ROWS(add_i8, mul_i8, int8_t)
#if defined(__x86_64__) && defined(__GNUC__)
AM_XNN_AVX2 AM_XNN_ELT_ROWS(add_u8_avx2, mul_u8_avx2, uint8_t)
AM_XNN_AVX2 AM_XNN_ELT_ROWS(add_i8_avx2, mul_i8_avx2, int8_t)
#else
#define add_u8_avx2 add_u8
#define mul_u8_avx2 mul_u8
#define add_i8_avx2 add_i8
#define mul_i8_avx2 mul_i8
#endif

typedef struct job {
    const am_xnn_eltwise *e;
    const uint8_t *x, *y;
    uint8_t *o;
    size_t c, pixels_per_image; /* channels; H x W */
    int avx2;
} job;

static void pixels_of(void *arg, size_t first, size_t count)
{
    const job *j = arg;
    const am_xnn_eltwise *e = j->e;
    const size_t c = j->c;
    for (size_t p = first; p < first + count; p++) {
        const uint8_t *x = j->x + p * c;
        /* [n][1][1][c]: the image's one row of channels */
        const uint8_t *y = j->y + (e->bcast ? p / j->pixels_per_image : p) * c;
        uint8_t *o = j->o + p * c;
        if (e->type == AM_U8) {
            if (e->mul)
                (j->avx2 ? mul_u8_avx2 : mul_u8)(e, x, y, o, c);
            else
                (j->avx2 ? add_u8_avx2 : add_u8)(e, x, y, o, c);
        } else {
            const int8_t *xs = (const int8_t *)x, *ys = (const int8_t *)y;
            if (e->mul)
                (j->avx2 ? mul_i8_avx2 : mul_i8)(e, xs, ys, (int8_t *)o, c);
            else
                (j->avx2 ? add_i8_avx2 : add_i8)(e, xs, ys, (int8_t *)o, c);
        }
    }
}

void am_xnn_eltwise_run(const am_xnn_eltwise *e, const void *a, const void *b, void *out)
{
    const am_shape s = e->out;
    job j = {e, e->swap ? b : a, e->swap ? a : b, out, (size_t)s.c, (size_t)s.h * s.w,
             am_xnn_avx2()};
    am_xnn_for_pixels(am_xnn_tpool_handle(e->tpool), pixels_of, &j, (size_t)s.n * s.h * s.w,
                      j.c);
}

#endif
