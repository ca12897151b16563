/* The dense-convolution ceiling: the GMAC/s of a large dense 1x1 uint8
 * convolution (28x28x512 -> 512, 205 M MACs: every weight block reused
 * by 784 pixels, no im2col, no padding) on the context's threads, through
 * the fast kernels, or through the onednn backend (oneDNN's convolution
 * plus the backend's requantization, exactly as it runs a model's
 * CONV_2D) when the context's backend is onednn. A model's effective
 * GMAC/s over this is how much of the machine's convolution speed it
 * gets. */
#include "amsel/model.h"

#include "backend/fast/fast_kernels.h"
#include "backend/onednn/onednn_backend.h"
#include "core/ctx.h"
#include "core/pool.h"

#include <stdlib.h>
#include <string.h>

enum { SIDE = 28, CH = 512 };

typedef struct job {
    am_fast_conv *s;   /* one of these two */
    am_dnnl_conv *d;
    const uint8_t *x;
    uint8_t *y;
} job;

static void task(void *arg, int part, int nparts, int thread)
{
    const job *j = arg;
    if (j->d)
        am_onednn_conv_run_part(j->d, j->x, j->y, part, nparts, thread);
    else
        am_fast_conv_run_part(j->s, j->x, j->y, part, nparts, thread);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

amsel_status amsel_ceiling_gmacs(amsel_ctx *ctx, int runs, double *gmacs)
{
    if (!ctx || !gmacs || runs < 1 || runs > 10000)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_ceiling_gmacs: bad argument");
    *gmacs = 0;
    if (!am_fast_cpu_supported())
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "dense ceiling: this CPU lacks AVX-512 VNNI");
    const am_shape in = {1, SIDE, SIDE, CH}, out = in;
    const size_t act = (size_t)SIDE * SIDE * CH, wn = (size_t)CH * CH;
    int32_t *mult = am_malloc(ctx, CH * sizeof *mult), *shift = am_malloc(ctx, CH * sizeof *shift);
    uint8_t *x = am_malloc(ctx, act), *y = am_malloc(ctx, act), *w = am_malloc(ctx, wn);
    double *t = am_malloc(ctx, (size_t)runs * sizeof *t);
    amsel_status st = AMSEL_ERR_NOMEM;
    am_fast_conv *s = NULL;
    am_dnnl_conv *d = NULL;
    am_pool *pool = NULL;
    if (!mult || !shift || !x || !y || !w || !t)
        goto done;
    uint32_t r = 1;
    for (size_t i = 0; i < act; i++)
        x[i] = (uint8_t)((r = r * 1664525u + 1013904223u) >> 24);
    for (size_t i = 0; i < wn; i++)
        w[i] = (uint8_t)((r = r * 1664525u + 1013904223u) >> 24);
    for (int c = 0; c < CH; c++) {
        mult[c] = 1518500250; /* ~0.7 * 2^31 */
        shift[c] = -10;
    }
    const am_conv_params p = {.type = AM_U8, .in_offset = -128, .w_offset = -127, .out_zp = 3,
                              .act_min = 0, .act_max = 255, .out_mult = mult, .out_shift = shift,
                              .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1,
                              .depth_multiplier = 1};
    pool = am_ctx_pool(ctx);
    const int nthreads = am_pool_threads(pool), nparts = nthreads * 4;
    int nomem = 0;
    if (ctx->backend == AM_BACKEND_ONEDNN)
        d = am_onednn_conv_create(ctx, &p, in, 1, 1, w, NULL, out, nthreads, &nomem);
    else
        s = am_fast_conv_create_par(ctx, 0, &p, in, 1, 1, w, NULL, out, nthreads, &nomem);
    if (!s && !d) {
        if (!nomem)
            st = am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "dense ceiling: kernel declined");
        goto done;
    }
    job j = {s, d, x, y};
    am_pool_run(pool, task, &j, nparts, nthreads); /* warm-up */
    for (int i = 0; i < runs; i++) {
        const double t0 = am_now_ms();
        am_pool_run(pool, task, &j, nparts, nthreads);
        t[i] = am_now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    *gmacs = (double)act * CH / (t[runs / 2] * 1e6);
    st = AMSEL_OK;
done:
    am_fast_conv_destroy(ctx, s);
    am_onednn_conv_destroy(ctx, d);
    am_free(ctx, t);
    am_free(ctx, w);
    am_free(ctx, y);
    am_free(ctx, x);
    am_free(ctx, shift);
    am_free(ctx, mult);
    return st;
}
