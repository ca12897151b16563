/* Backend parity: the fast backend must be bit-exact with the reference
 * kernels (no tolerance: both compute the same integer formula).
 *  1. per kernel: random CONV_2D and DEPTHWISE_CONV_2D problems (odd
 *     channel counts, strides, padding, dilation, uint8 per-tensor and
 *     int8 per-channel, zero points, clamps), output buffers poisoned and
 *     guarded, fast vs am_ref_*; the same for ADD, MUL, global
 *     average pooling and the lookup tables;
 *     each conv kernel also split into 2 and 3 parts (the threads' work);
 *  2. per model: the eight shared models loaded with "ref" and with
 *     "fast" on 1, 2 and 3 threads, run on random inputs and on a real
 *     photo, outputs equal.
 * Skips (77) on CPUs without the fast kernels. */
#include "amsel/amsel.h"
#include "backend/fast/fast_kernels.h"
#include "check.h"
#define PARITY_SEED 2463534242u
#include "parity.h"
#include "conv_cases.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>


enum { GUARD = 64, POISON = 0xA5 };

static int kernel_case(amsel_ctx *ctx, int depthwise, int iter)
{
    am_conv_params p;
    memset(&p, 0, sizeof p);
    conv_case_quant(&p);
    am_shape in, out;
    int kh, kw;
    if (!conv_case_geometry(depthwise, &p, &in, &out, &kh, &kw))
        return 0;
    int32_t mult[160], shift[160], bias[160];
    conv_case_requant(&p, out.c, mult, shift, bias);
    p.out_mult = mult;
    p.out_shift = shift;
    const size_t in_n = (size_t)in.n * in.h * in.w * in.c;
    const size_t w_n = depthwise ? (size_t)kh * kw * out.c : (size_t)out.c * kh * kw * in.c;
    const size_t out_n = (size_t)out.n * out.h * out.w * out.c;
    uint8_t *x = malloc(in_n), *w = malloc(w_n), *o_ref = malloc(out_n + GUARD),
            *o_fast = malloc(out_n + GUARD);
    const int use_bias = rnd() % 4 != 0;
    rnd_fill(x, in_n);
    rnd_fill(w, w_n);
    memset(o_ref, POISON, out_n + GUARD);
    memset(o_fast, POISON, out_n + GUARD);
    const int32_t *b = use_bias ? bias : NULL;
    if (depthwise)
        am_ref_depthwise_conv2d(&p, in, x, kh, kw, w, b, out, o_ref);
    else
        am_ref_conv2d(&p, in, x, kh, kw, w, b, out, o_ref);
    int nomem = 0, ran = 0;
    am_fast_conv *s = am_fast_conv_create(ctx, depthwise, &p, in, kh, kw, w, b, out, &nomem);
    CHECK(!nomem);
    if (s) {
        am_fast_conv_run(s, x, o_fast);
        am_fast_conv_run(s, x, o_fast); /* a second run gives the same */
        ran = 1;
        size_t bad = 0;
        for (size_t i = 0; i < out_n + GUARD; i++)
            bad += o_ref[i] != o_fast[i];
        if (bad) {
            fprintf(stderr,
                    "%s case %d: %zu bytes differ (type %d w_signed %d in %dx%dx%dx%d out c %d k "
                    "%dx%d stride %d,%d dil %d,%d pad %d,%d)\n",
                    depthwise ? "depthwise" : "conv", iter, bad, p.type, p.w_signed, in.n, in.h,
                    in.w, in.c, out.c, kh, kw, p.stride_h, p.stride_w, p.dil_h, p.dil_w,
                    p.pad_top, p.pad_left);
            check_failures++;
        }
        am_fast_conv_destroy(ctx, s);
        /* scratch for 2 and 3 threads, split into 2 * threads + 1 parts
         * (run here one after the other, in reverse order, each with the
         * scratch of thread part % threads): the same bytes, nothing
         * outside the output */
        for (int nt = 2; nt <= 3; nt++) {
            am_fast_conv *sp = am_fast_conv_create_par(ctx, depthwise, &p, in, kh, kw, w, b, out,
                                                       nt, &nomem);
            CHECK(sp != NULL);
            if (!sp)
                break;
            memset(o_fast, POISON, out_n + GUARD);
            const int np = 2 * nt + 1;
            for (int part = np - 1; part >= 0; part--)
                am_fast_conv_run_part(sp, x, o_fast, part, np, part % nt);
            if (memcmp(o_ref, o_fast, out_n + GUARD)) {
                fprintf(stderr, "%s case %d: %d parts on %d threads differ\n",
                        depthwise ? "depthwise" : "conv", iter, np, nt);
                check_failures++;
            }
            am_fast_conv_destroy(ctx, sp);
        }
    }
    free(x);
    free(w);
    free(o_ref);
    free(o_fast);
    return ran;
}

static void test_kernels(amsel_ctx *ctx)
{
    int ran_conv = 0, ran_dw = 0;
    for (int i = 0; i < 600; i++)
        ran_conv += kernel_case(ctx, 0, i);
    for (int i = 0; i < 600; i++)
        ran_dw += kernel_case(ctx, 1, i);
    printf("kernels: %d conv and %d depthwise random cases bit-exact\n", ran_conv, ran_dw);
    CHECK(ran_conv > 300);
    CHECK(ran_dw > 300);
}

/* ADD and MUL with random scales, zero points and shapes (same shape or
 * one input broadcast over H and W). */
static void test_eltwise(amsel_ctx *ctx)
{
    int ran = 0, tab_ran = 0;
    for (int iter = 0; iter < 400; iter++) {
        const am_qtype t = rnd() % 2 ? AM_I8 : AM_U8;
        const int lo = t == AM_U8 ? 0 : -128, hi = t == AM_U8 ? 255 : 127;
        am_shape out = {1, rnd_in(1, 9), rnd_in(1, 9), rnd_in(1, 70)};
        am_shape a = out, b = out;
        if (rnd() % 3 == 0)
            a.h = a.w = 1;
        else if (rnd() % 2)
            b.h = b.w = 1;
        if (!am_fast_eltwise_supported(a, b, out))
            continue;
        const float s1 = 0.001f + (float)(rnd() % 1000) / 20000.0f;
        const float s2 = 0.001f + (float)(rnd() % 1000) / 20000.0f;
        const float so = 0.001f + (float)(rnd() % 1000) / 20000.0f;
        const int32_t z1 = rnd_in(lo, hi), z2 = rnd_in(lo, hi), zo = rnd_in(lo, hi);
        const int32_t amin = rnd() % 2 ? lo : rnd_in(lo, zo), amax = rnd() % 2 ? hi : rnd_in(zo, hi);
        const size_t na = (size_t)a.h * a.w * a.c, nb = (size_t)b.h * b.w * b.c;
        const size_t no = (size_t)out.h * out.w * out.c;
        uint8_t *x1 = malloc(na), *x2 = malloc(nb), *r = malloc(no + GUARD), *f = malloc(no + GUARD);
        rnd_fill(x1, na);
        rnd_fill(x2, nb);
        memset(r, POISON, no + GUARD);
        memset(f, POISON, no + GUARD);
        if (iter % 2) {
            am_add_params p;
            am_add_params_init(&p, t, s1, z1, s2, z2, so, zo, amin, amax);
            am_ref_add(&p, a, x1, b, x2, out, r);
            am_fast_add(&p, a, x1, b, x2, out, f);
            /* the table kernel where it takes the case, into a second buffer */
            int nomem = 0;
            am_fast_add_tab *tab = am_fast_add_tab_create(ctx, &p, a, b, out, &nomem);
            CHECK(!nomem);
            if (tab) {
                uint8_t *f2 = malloc(no + GUARD);
                memset(f2, POISON, no + GUARD);
                am_fast_add_tab_run(tab, no, x1, x2, f2);
                if (memcmp(r, f2, no + GUARD)) {
                    fprintf(stderr, "add (tables) case %d differs\n", iter);
                    check_failures++;
                }
                tab_ran++;
                free(f2);
                am_fast_add_tab_destroy(ctx, tab);
            }
        } else {
            am_mul_params p = {t, -z1, -z2, zo, 0, 0, amin, amax};
            am_quantize_multiplier((double)s1 * s2 / so, &p.out_mult, &p.out_shift);
            am_ref_mul(&p, a, x1, b, x2, out, r);
            am_fast_mul(&p, a, x1, b, x2, out, f);
        }
        if (memcmp(r, f, no + GUARD)) {
            fprintf(stderr, "%s case %d differs\n", iter % 2 ? "add" : "mul", iter);
            check_failures++;
        }
        ran++;
        free(x1);
        free(x2);
        free(r);
        free(f);
    }
    printf("eltwise: %d add/mul random cases bit-exact, %d of them also through the ADD tables\n",
           ran, tab_ran);
    CHECK(ran > 300);
    CHECK(!am_fast_lut_supported() || tab_ran > 50);
}

static void test_lut(void)
{
    if (!am_fast_lut_supported())
        return;
    uint8_t lut[256], x[300], r[300 + GUARD], f[300 + GUARD];
    for (int iter = 0; iter < 50; iter++) {
        rnd_fill(lut, 256);
        const size_t n = (size_t)rnd_in(1, 300);
        rnd_fill(x, n);
        memset(r, POISON, sizeof r);
        memset(f, POISON, sizeof f);
        am_ref_lut(lut, n, x, r);
        am_fast_lut(lut, n, x, f);
        CHECK(memcmp(r, f, sizeof r) == 0);
    }
}

/* Global average pooling: random sizes, both types, clamps; every sum
 * of a channel and its rounding compared with the reference. */
static void test_global_pool(void)
{
    enum { MAXC = 200, MAXPIX = 20 * 20 };
    static uint8_t x[2 * MAXPIX * MAXC], r[2 * MAXC + GUARD], f[2 * MAXC + GUARD];
    int ran = 0;
    for (int iter = 0; iter < 200; iter++) {
        am_pool_params p;
        memset(&p, 0, sizeof p);
        p.type = rnd() % 2 ? AM_I8 : AM_U8;
        const int lo = p.type == AM_I8 ? -128 : 0, hi = p.type == AM_I8 ? 127 : 255;
        p.act_min = rnd() % 2 ? lo : rnd_in(lo, lo + 100);
        p.act_max = rnd() % 2 ? hi : rnd_in(hi - 100, hi);
        const am_shape in = {rnd_in(1, 2), rnd_in(1, 20), rnd_in(1, 20), rnd_in(1, MAXC)};
        const am_shape out = {in.n, 1, 1, in.c};
        p.filter_h = in.h, p.filter_w = in.w, p.stride_h = p.stride_w = 1;
        CHECK(am_fast_global_pool_supported(&p, in, out));
        /* mostly extreme bytes, so sums and half-way roundings are stressed */
        for (size_t i = 0; i < (size_t)in.n * in.h * in.w * in.c; i++)
            x[i] = (uint8_t)(rnd() % 3 ? (rnd() % 2 ? 0 : 255) : rnd());
        memset(r, POISON, sizeof r);
        memset(f, POISON, sizeof f);
        am_ref_avg_pool(&p, in, x, out, r);
        am_fast_global_pool(&p, in, x, f);
        CHECK(memcmp(r, f, sizeof r) == 0);
        /* MEAN over H and W of the same input: zero points, a rescale */
        am_mean_params mp = {p.type, rnd_in(lo, hi), rnd_in(lo, hi), 0, 0};
        am_quantize_multiplier(0.25 + (double)(rnd() % 1000) / 266.0, &mp.mult, &mp.shift);
        CHECK(am_fast_mean_supported(in, out));
        memset(r, POISON, sizeof r);
        memset(f, POISON, sizeof f);
        am_ref_mean_hw(&mp, in, x, r);
        am_fast_mean(&mp, in, x, f);
        CHECK(memcmp(r, f, sizeof r) == 0);
        ran++;
    }
    const am_pool_params padded = {.filter_h = 3, .filter_w = 3, .pad_top = 1};
    CHECK(!am_fast_global_pool_supported(&padded, (am_shape){1, 3, 3, 8}, (am_shape){1, 1, 1, 8}));
    printf("global pool and mean: %d random cases each bit-exact\n", ran);
}

/* The fast backend on 1, 2 and 3 threads (bit-identical to each other
 * and to the reference). */
enum { NFAST = 3 };

/* One model: the reference and the fast backend on each thread count run
 * the same inputs; every output must equal the reference's. */
static void compare_model(amsel_ctx *ref_ctx, amsel_ctx *const *fast_ctxs, const char *path,
                          const char *name, const amsel_image *img)
{
    amsel_model *mr = parity_load(ref_ctx, path), *mf[NFAST];
    int ok = mr != NULL;
    for (int f = 0; f < NFAST; f++) {
        mf[f] = parity_load(fast_ctxs[f], path);
        ok &= mf[f] != NULL;
    }
    CHECK(ok);
    if (ok) {
        CHECK_EQ_INT(parity_count(mr, "fast"), 0);
        amsel_model_info info;
        amsel_model_get_info(mr, &info);
        const size_t in_n = (size_t)info.input_height * info.input_width * info.input_channels;
        int same = 1;
        for (int trial = 0; trial < 4; trial++) {
            if (trial < 3) {
                uint8_t *a = amsel_model_input(mr);
                for (size_t i = 0; i < in_n; i++)
                    /* trial 2: mostly near-constant values, some outliers */
                    a[i] = trial == 2 && rnd() % 4 ? (uint8_t)rnd_in(124, 132) : (uint8_t)rnd();
                CHECK(amsel_model_run(mr) == AMSEL_OK);
                for (int f = 0; f < NFAST; f++) {
                    memcpy(amsel_model_input(mf[f]), a, in_n);
                    CHECK(amsel_model_run(mf[f]) == AMSEL_OK);
                }
            } else if (img) {
                amsel_class_score tr[5], tf[5];
                CHECK(amsel_model_classify(mr, img, AMSEL_DEFAULT_CROP, 5, tr, NULL, NULL) == AMSEL_OK);
                for (int f = 0; f < NFAST; f++) {
                    CHECK(amsel_model_classify(mf[f], img, AMSEL_DEFAULT_CROP, 5, tf, NULL, NULL) ==
                          AMSEL_OK);
                    CHECK_EQ_INT(tr[0].cls, tf[0].cls);
                }
            }
            for (int f = 0; f < NFAST; f++)
                if (memcmp(amsel_model_output(mr), amsel_model_output(mf[f]),
                           (size_t)info.num_outputs)) {
                    fprintf(stderr, "%s: outputs differ (input %d, %d threads)\n", name, trial,
                            f + 1);
                    check_failures++;
                    same = 0;
                }
        }
        CHECK(parity_count(mf[0], "fast") > 0);
        printf("%s: %d operators on fast, 1/2/3 threads, outputs %s\n", name, parity_count(mf[0], "fast"),
               same ? "identical" : "DIFFER");
    }
    amsel_model_destroy(mr);
    for (int f = 0; f < NFAST; f++)
        amsel_model_destroy(mf[f]);
}

static void test_models(amsel_ctx *ref_ctx, amsel_ctx *const *fast_ctxs, const char *data)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/images/parrot.jpg", data);
    amsel_image *img = NULL;
    CHECK(amsel_image_load(ref_ctx, path, &img) == AMSEL_OK);
    for (size_t k = 0; k < (size_t)PARITY_NMODELS; k++) {
        snprintf(path, sizeof path, "%s/models/imagenet/%s", data, parity_models[k]);
        compare_model(ref_ctx, fast_ctxs, path, parity_models[k], img);
    }
    amsel_image_destroy(img);
}

int main(void)
{
    if (!am_fast_cpu_supported()) {
        printf("skip: this CPU has no AVX-512 VNNI\n");
        return 77;
    }
    amsel_ctx *ref_ctx, *fast_ctx, *fast_ctxs[NFAST];
    if (amsel_ctx_create(&ref_ctx) || amsel_ctx_create(&fast_ctx))
        return 1;
    if (!parity_contexts("fast", fast_ctxs, NFAST))
        return 1;
    CHECK(amsel_ctx_set_threads(fast_ctx, -1) == AMSEL_ERR_INVALID_ARG);
    CHECK(amsel_ctx_set_threads(fast_ctx, 100000) == AMSEL_ERR_INVALID_ARG);
    CHECK(amsel_ctx_set_backend(ref_ctx, "ref") == AMSEL_OK);
    CHECK(amsel_ctx_set_backend(fast_ctx, "fast") == AMSEL_OK);
    CHECK(!strcmp(amsel_ctx_get_backend(fast_ctx), "fast"));
    CHECK(amsel_ctx_set_backend(fast_ctx, "turbo") == AMSEL_ERR_INVALID_ARG);
    CHECK(!strcmp(amsel_ctx_get_backend(fast_ctx), "fast"));
    test_kernels(fast_ctx);
    test_eltwise(fast_ctx);
    test_lut();
    test_global_pool();
    const char *data = check_data_dir();
    if (data)
        test_models(ref_ctx, fast_ctxs, data);
    else
        printf("AMSEL_DATA not set: model parity skipped\n");
    amsel_ctx_destroy(ref_ctx);
    amsel_ctx_destroy(fast_ctx);
    for (int f = 0; f < NFAST; f++)
        amsel_ctx_destroy(fast_ctxs[f]);
    return check_exit();
}
