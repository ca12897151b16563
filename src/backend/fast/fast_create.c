/* The fast kernels' create step: checks the parameters, packs the weights
 * (GEMM layout for CONV_2D, lane order for DEPTHWISE_CONV_2D) and
 * precomputes every per-channel constant and scratch buffer, so that the
 * run step neither checks nor allocates. */
#include "fast_internal.h"

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
    am_fast_conv_destroy(ctx, s->wide);
    for (int i = 0; i < s->nblocks; i++)
        am_free(ctx, s->blocks[i]);
    am_free(ctx, s);
}

static int32_t wval(const am_conv_params *p, const void *w, size_t i)
{
    return p->w_signed ? (int32_t)((const int8_t *)w)[i] : (int32_t)((const uint8_t *)w)[i];
}

/* The tables of rq64_apply for n lanes (a multiple of 16); right[i] is
 * the right shift of lane i (-1: padding lane). With P = x * mult, e the
 * right shift and zp the output zero point, TFLite's double rounding
 * RoundingDivideByPOT(SRDHM(x, mult), e) + zp is one floor division:
 *   floor((P + K - [P < 0] * C) / 2^(31 + e)),
 *   K = 2^30 + [e > 0] 2^(30 + e) + zp 2^(31 + e),  C = [e > 0] 2^31.
 * (SRDHM is floor((P + 2^30) / 2^31) for mult >= 0; RoundingDivideByPOT
 * adds 2^(e-1), less 1 for a negative value, before flooring; nested
 * floors by powers of two merge. The sign of the SRDHM result may be
 * replaced by the sign of P: for -2^30 <= P < 0 both give 0.)
 * "Simple" layers (no left shift, every e in 1..22: most of them) have
 * the zero point folded into K and the odd lanes' shift reduced by 32;
 * the others take the general path of rqc_apply. */
static int rq64_build(amsel_ctx *ctx, am_fast_conv *s, int n, const int32_t *right, int32_t zp)
{
    const size_t bytes = (size_t)n / 2 * 8;
    int64_t **t[6] = {&s->ke, &s->ko, &s->ce, &s->co, &s->se, &s->so};
    for (int a = 0; a < 6; a++)
        if (!(*t[a] = fast_alloc(ctx, s, bytes)))
            return 0;
    s->simple = !s->has_left;
    for (int i = 0; i < n; i++)
        if (right[i] == 0 || right[i] > 22)
            s->simple = 0;
    /* a negative product's result is <= zp with or without the [P < 0]
     * correction: where the clamp starts at zp or above (RELU, RELU6) both
     * become act_min, so the correction is left out (rqc_apply) */
    if (s->simple && s->p.act_min >= zp)
        s->simple = RQ_FLOORED;
    for (int i = 0; i < n; i++) {
        const int e = right[i] < 0 ? 1 : right[i];
        int64_t k = (INT64_C(1) << 30) + (e > 0 ? INT64_C(1) << (30 + e) : 0);
        if (s->simple)
            k += (int64_t)zp * (INT64_C(1) << (31 + e));
        const int64_t c = e > 0 ? INT64_C(1) << 31 : 0;
        const int64_t sh = i % 2 && s->simple ? e - 1 : 31 + e;
        (i % 2 ? s->ko : s->ke)[i / 2] = k;
        (i % 2 ? s->co : s->ce)[i / 2] = c;
        (i % 2 ? s->so : s->se)[i / 2] = sh;
    }
    return 1;
}

/* rq64_build in natural channel order (ocp lanes, the padding lanes -1). */
static int rq64_build_natural(amsel_ctx *ctx, am_fast_conv *s, int oc_n)
{
    int32_t *rn = fast_alloc(ctx, s, (size_t)s->ocp * 4);
    if (!rn)
        return 0;
    for (int c = 0; c < s->ocp; c++)
        rn[c] = c < oc_n ? s->right[c] : -1;
    return rq64_build(ctx, s, s->ocp, rn, s->p.out_zp);
}

/* Depthwise: the int16 pair (w'[t], w'[t+1]) of channel c as one dword,
 * w'[t+1] taken as 0 where second is 0 (an odd tap out). */
static int32_t tap_pair(const am_fast_conv *s, int t, int second, int c)
{
    const uint32_t lo = (uint32_t)s->wdw[(size_t)t * s->ocp + c] & 0xffffu;
    const uint32_t hi = second ? (uint32_t)s->wdw[(size_t)(t + 1) * s->ocp + c] & 0xffffu : 0;
    return (int32_t)(lo | (hi << 16));
}

/* Bytes of one part's im2col buffer: 64 bytes of slack for im2col's full
 * 64-byte stores. */
am_fast_conv *am_fast_conv_create(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                                  am_shape in, int kh, int kw, const void *weights,
                                  const int32_t *bias, am_shape out, int *nomem)
{
    return am_fast_conv_create_par(ctx, depthwise, p, in, kh, kw, weights, bias, out, 1, nomem);
}

static am_fast_conv *create(amsel_ctx *ctx, int depthwise, const am_conv_params *p, am_shape in,
                            int kh, int kw, const void *weights, const int32_t *bias,
                            am_shape out, int nparts, int pair_rows_ok, int *nomem);

/* s->wide for a depthwise s with 8 or 16 channels (see fast_internal.h):
 * channel i of the wide one is channel i % c. 0: out of memory. */
static int create_wide(amsel_ctx *ctx, am_fast_conv *s, const am_conv_params *p,
                       const void *weights, const int32_t *bias)
{
    enum { W = 32 };
    const int c = s->out.c, taps = s->kh * s->kw;
    int32_t mult[W], shift[W], wbias[W];
    uint8_t *w = am_malloc(ctx, (size_t)taps * W);
    if (!w)
        return 0;
    for (int i = 0; i < W; i++) {
        mult[i] = p->out_mult[i % c];
        shift[i] = p->out_shift[i % c];
        wbias[i] = bias ? bias[i % c] : 0;
    }
    for (int t = 0; t < taps; t++)
        for (int i = 0; i < W; i++)
            w[(size_t)t * W + i] = ((const uint8_t *)weights)[(size_t)t * c + i % c];
    am_conv_params pw = *p;
    pw.out_mult = mult;
    pw.out_shift = shift;
    const am_shape in = {s->in.n, s->in.h, s->in.w, W}, out = {s->out.n, s->out.h, s->out.w, W};
    int nomem = 0;
    /* the lane-order kernel: dw_row_wide runs it on s's rows */
    s->wide = create(ctx, 1, &pw, in, s->kh, s->kw, w, wbias, out, 1, 0, &nomem);
    am_free(ctx, w);
    if (!s->wide)
        return !nomem; /* declined: run without it */
    for (int t = 0; t <= taps; t++)
        s->wide->tap_off[t] = s->tap_off[t]; /* offsets in this convolution's rows */
    return 1;
}

am_fast_conv *am_fast_conv_create_par(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                                      am_shape in, int kh, int kw, const void *weights,
                                      const int32_t *bias, am_shape out, int nparts, int *nomem)
{
    return create(ctx, depthwise, p, in, kh, kw, weights, bias, out, nparts, 1, nomem);
}

/* pair_rows_ok 0: a depthwise convolution gets the lane-order layout even
 * where pair rows would serve (create_wide's). */
static am_fast_conv *create(amsel_ctx *ctx, int depthwise, const am_conv_params *p, am_shape in,
                            int kh, int kw, const void *weights, const int32_t *bias,
                            am_shape out, int nparts, int pair_rows_ok, int *nomem)
{
    *nomem = 0;
    if (nparts < 1)
        nparts = 1;
    if (!am_fast_cpu_supported())
        return NULL;
    const int oc_n = out.c;
    if (oc_n <= 0 || in.c <= 0 || kh <= 0 || kw <= 0 || out.n != in.n)
        return NULL;
    if (depthwise && (p->depth_multiplier != 1 || oc_n != in.c || kh * kw > DW_MAX_TAPS))
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
    s->nparts = nparts;
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
    if (!s->cconst || !s->mult || !s->left || !s->right || !s->modd || !s->rnd)
        goto nomem;
    for (int c = 0; c < oc_n; c++) {
        const int sh = p->out_shift[c];
        s->mult[c] = p->out_mult[c];
        s->left[c] = sh > 0 ? sh : 0;
        s->right[c] = sh > 0 ? 0 : -sh;
        s->rnd[c] = s->right[c] > 0 ? (int32_t)(1u << (s->right[c] - 1)) : 0;
    }
    for (int c = 0; c < oc_n; c++) {
        s->modd[c] = s->mult[c | 1];
        s->has_left |= s->left[c] > 0;
    }
    const int tmin = p->type == AM_I8 ? -128 : 0, tmax = p->type == AM_I8 ? 127 : 255;
    s->clamp = p->act_min > tmin || p->act_max < tmax;
    if (p->act_min < tmin || p->act_max > tmax || p->act_min > p->act_max)
        goto decline;

    if (depthwise) {
        const int taps = kh * kw;
        s->wdw = fast_alloc(ctx, s, (size_t)taps * ocp * 4);
        if (!s->wdw)
            goto nomem;
        for (int t = 0; t < taps; t++)
            for (int c = 0; c < oc_n; c++)
                s->wdw[(size_t)t * ocp + c] = wval(p, weights, (size_t)t * oc_n + c) + p->w_offset;
        /* sum (x + xo) w' = sum x w' + xo sum w' over all taps; taps
         * outside the image read the input zero point (x = -xo), so they
         * still add 0 */
        for (int c = 0; c < oc_n; c++) {
            uint32_t sw = 0;
            for (int t = 0; t < taps; t++)
                sw += (uint32_t)s->wdw[(size_t)t * ocp + c];
            const uint32_t v = (uint32_t)(bias ? bias[c] : 0) + sw * (uint32_t)p->in_offset;
            s->cconst[c] = v <= INT32_MAX ? (int32_t)v : -(int32_t)(~v) - 1;
        }
        const int eff_h = (kh - 1) * p->dil_h + 1, eff_w = (kw - 1) * p->dil_w + 1;
        const int pad_w = (out.w - 1) * p->stride_w + eff_w;
        const int wide = (oc_n == 8 || oc_n == 16) && p->stride_w == 1 && p->dil_w == 1;
        if (pair_rows_ok && !wide && p->dil_h == 1 && p->dil_w == 1 &&
            ((kh == 3 && kw == 3) || (kh == 5 && kw == 5))) {
            /* pair rows (fast_dw.c): weights of taps (2q, 2q+1) of each
             * kernel row and the constants in natural channel order, and
             * a ring of kh pair rows per thread */
            const int npr = (kw + 1) / 2;
            s->pair_rows = 1;
            s->pad_w = pad_w;
            s->wq = fast_alloc(ctx, s, (size_t)kh * npr * ocp * 4);
            s->ring_stride = (size_t)kh * pad_w * ocp * 4;
            s->ring = fast_alloc(ctx, s, s->ring_stride * (size_t)nparts);
            if (!s->wq || !s->ring || !rq64_build_natural(ctx, s, oc_n))
                goto nomem;
            for (int ky = 0; ky < kh; ky++)
                for (int q = 0; q < npr; q++)
                    for (int c = 0; c < oc_n; c++)
                        s->wq[(size_t)(ky * npr + q) * ocp + c] =
                            tap_pair(s, ky * kw + 2 * q, 2 * q + 1 < kw, c);
            return s;
        }
        const int npair = (taps + 1) / 2;
        s->wpair = fast_alloc(ctx, s, (size_t)npair * ocp * 4);
        s->tap_off = fast_alloc(ctx, s, (size_t)(taps + 1) * 4);
        if (!s->wpair || !s->tap_off)
            goto nomem;
        for (int t = 0; t < taps; t++)
            s->tap_off[t] = ((t / kw) * p->dil_h * in.w + (t % kw) * p->dil_w) * in.c;
        s->tap_off[taps] = s->tap_off[taps - 1]; /* odd tap count: weight 0 */
        s->zbuf = fast_alloc(ctx, s, (size_t)oc_n + 64);
        if (!s->zbuf)
            goto nomem;
        memset(s->zbuf, (-p->in_offset) & 0xff, (size_t)oc_n + 64);
        for (int j = 0; j < npair; j++)
            for (int c = 0; c < oc_n; c++)
                s->wpair[(size_t)j * ocp + c] = tap_pair(s, 2 * j, 2 * j + 1 < taps, c);
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
        {
            int32_t *rp = fast_alloc(ctx, s, n32);
            if (!rp)
                goto nomem;
            for (int i = 0; i < s->ocp32; i++) {
                const int g = i / 32, slot = i % 32, lane = slot % 16, hi_half = slot / 16;
                const int c = g * 32 + (lane / 4) * 8 + hi_half * 4 + lane % 4;
                rp[i] = c < oc_n ? s->right[c] : -1;
            }
            if (!rq64_build(ctx, s, s->ocp32, rp, p->out_zp))
                goto nomem;
        }
        if (p->pad_top > 0 || p->pad_left > 0 || (out.h - 1) * p->stride_h + eff_h > in.h ||
            pad_w - p->pad_left > in.w) {
            s->pad_w = pad_w;
            s->pad_stride = (size_t)kh * pad_w * oc_n + 64; /* 32-byte loads of the last block */
            s->padbuf = fast_alloc(ctx, s, s->pad_stride * (size_t)nparts);
            if (!s->padbuf)
                goto nomem;
        }
        if (wide && !create_wide(ctx, s, p, weights, bias)) {
            *nomem = 1;
            goto decline;
        }
        return s;
    }

    if (!rq64_build_natural(ctx, s, oc_n))
        goto nomem;
    s->k = (int)k;
    s->flip = p->type == AM_I8;
    s->direct = kh == 1 && kw == 1 && p->stride_h == 1 && p->stride_w == 1 &&
                p->pad_top == 0 && p->pad_left == 0 && in.c % 4 == 0 && in.h == out.h &&
                in.w == out.w;
    /* activations are always the unsigned operand (int8 ones flipped, so
     * that symmetric int8 weights give wo' = 0: no row sums at all) */
    const int32_t aw = p->w_signed ? 0 : 128; /* w = wv + aw */
    s->wo = p->w_offset + aw;
    /* one or two blocks of 16 channels: a row-sum pass (one horizontal
     * sum per pixel) costs more than one VPDPBUSD per 4 taps in the GEMM */
    s->rs_inline = !s->direct && s->wo != 0 && s->wo >= -128 && s->wo <= 127 && ocp <= 32;
    /* garbage in the pad bytes is harmless only where the row sums skip them */
    s->implicit = !s->direct && p->dil_w == 1 && (s->wo == 0 || s->rs_inline);
    s->seg = (kw * in.c + 3) & ~3;
    s->kp = s->implicit ? kh * s->seg : (int)((k + 3) & ~(size_t)3);
    const int kp = s->kp, span = kw * in.c;
    s->wpack = fast_alloc(ctx, s, (size_t)ocp * kp);
    s->rowsum = fast_alloc(ctx, s, npix * 4);
    s->wob = fast_alloc(ctx, s, (size_t)kp);
    if (!s->wpack || !s->rowsum || !s->wob)
        goto nomem;
    for (int i = 0; i < kp; i++) {
        /* packed position i is a real tap unless it is a segment's pad byte or the K tail */
        const int real = s->implicit ? i % s->seg < span && i / s->seg < kh : i < (int)k;
        ((int8_t *)s->wob)[i] = (int8_t)(real ? s->wo : 0);
    }
    if (!s->direct) {
        /* ~24 KiB of im2col rows per block (L1: 48 KiB was 8% slower), a multiple of MR pixels */
        s->col_pixels = 24 * 1024 / kp / MR * MR;
        if (s->col_pixels < MR)
            s->col_pixels = MR;
        if (s->col_pixels > 256)
            s->col_pixels = 256;
        s->cols = fast_alloc(ctx, s, am_fast_cols_stride(s) * (size_t)nparts);
        if (!s->cols)
            goto nomem;
    }
    const int32_t xo = p->in_offset - (s->flip ? 128 : 0); /* x + in_offset = xu + xo */
    for (int c = 0; c < oc_n; c++) {
        int32_t sumw = 0;
        for (size_t i = 0; i < k; i++) {
            const int32_t wv = wval(p, weights, (size_t)c * k + i) - aw;
            sumw += wv;
            const size_t ki = s->implicit ? i / (size_t)span * (size_t)s->seg + i % (size_t)span : i;
            s->wpack[((size_t)(c / 16) * (kp / 4) + ki / 4) * 64 + (c % 16) * 4 + ki % 4] =
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
decline:
    am_fast_conv_destroy(ctx, s);
    return NULL;
}

