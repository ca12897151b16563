/* XNNPACK backend parity: exact, like every backend.
 *  1. per operator, random problems with fixed seeds, outputs poisoned
 *     and guarded, xnnpack vs am_ref_*: the same bytes, nothing written
 *     past the output, and the same on 1 and 2 threads: CONV_2D and
 *     DEPTHWISE_CONV_2D (uint8 weights with a zero point, int8 weights
 *     per channel and per tensor; odd channel counts, strides, SAME/VALID
 *     padding, dilation, depth multipliers, zero points, clamps, biases
 *     near int32's limits); problems whose sums could pass 2^24 (fp32's
 *     exact integers) must be declined; ADD and MUL (uint8, int8, the
 *     same shape or one input per channel; other layouts declined);
 *  2. per model: the eight shared models loaded with "ref" and with
 *     "xnnpack" (1 and 2 threads) give the same output bytes on random
 *     inputs and on a validation image (AMSEL_TEST_QUICK: three of them).
 * Skips (77) when the xnnpack backend is not built or cannot start. */
#include "amsel/amsel.h"
#include "backend/xnnpack/xnn_ops.h"
#include "check.h"
#define PARITY_SEED 2891336453u
#include "parity.h"
#include "conv_cases.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* GUARD bytes after every output (poisoned, must stay) and after every
 * input: XNNPACK's kernels may read up to XNN_EXTRA_BYTES (16) past an
 * input, which its API asks callers to allow (the graph's arena does). */
enum { GUARD = 64, POISON = 0xA5, NTHREADS = 2, MAXC = 400 };

#define EXACT_SUM 16777216.0 /* 2^24 */

/* Totals over the random cases of one kind. */
typedef struct tally {
    const char *name;
    int cases, declined;
    size_t values;
} tally;

/* What the backend must check on its own: the largest sum over an
 * output channel's taps of |w - zw| x max |x - zx|. */
static double sum_bound(const am_conv_params *p, int depthwise, int taps, int oc,
                        const uint8_t *w)
{
    const int zx = -p->in_offset, lo = p->type == AM_U8 ? 0 : -128, hi = lo + 255;
    const double xmax = zx - lo > hi - zx ? zx - lo : hi - zx;
    double worst = 0.0;
    for (int c = 0; c < oc; c++) {
        double sum = 0.0;
        for (int t = 0; t < taps; t++) {
            const size_t i = depthwise ? (size_t)t * oc + c : (size_t)c * taps + t;
            const int v = (p->w_signed ? (int)(int8_t)w[i] : (int)w[i]) + p->w_offset;
            sum += fabs((double)v);
        }
        worst = sum > worst ? sum : worst;
    }
    return worst * xmax;
}

/* Runs op on x into a poisoned buffer: first into another buffer, then
 * into o, then again with a new input pointer (a copy of x) and back. */
static void run_op(am_xnn_op *op, const uint8_t *x, size_t in_n, uint8_t *o, size_t out_n)
{
    uint8_t *other = malloc(out_n + GUARD), *x2 = malloc(in_n + GUARD);
    memcpy(x2, x, in_n + GUARD);
    memset(o, POISON, out_n + GUARD);
    CHECK(am_xnn_run(op, x, other));
    CHECK(am_xnn_run(op, x2, o));
    CHECK(memcmp(o, other, out_n) == 0);
    CHECK(am_xnn_run(op, x, o));
    free(other);
    free(x2);
}

typedef struct conv_case {
    int depthwise;
    am_conv_params p;
    am_shape in, out;
    int kh, kw;
    uint8_t *x, *w;
    const int32_t *bias;
} conv_case;

/* The case on 1..NTHREADS threads, each byte for byte against the
 * reference's ref (guard bytes included); declined exactly when the
 * sums could pass 2^24. 1 when taken. */
static int run_case(amsel_ctx *ctx, tally *t, const conv_case *c, const uint8_t *ref, int iter)
{
    const size_t in_n = (size_t)c->in.n * c->in.h * c->in.w * c->in.c;
    const size_t out_n = (size_t)c->out.n * c->out.h * c->out.w * c->out.c;
    const int gic = c->depthwise ? 1 : c->in.c;
    const int exact = sum_bound(&c->p, c->depthwise, c->kh * c->kw * gic, c->out.c, c->w) <=
                      EXACT_SUM;
    uint8_t *o = malloc(out_n + GUARD);
    int taken = 1;
    t->cases++;
    for (int k = 1; k <= NTHREADS && taken; k++) {
        am_xnn_scratch *s = am_xnn_scratch_create(ctx, in_n, out_n);
        int nomem = 0;
        am_xnn_op *op = am_xnn_conv_create(ctx, c->depthwise, &c->p, c->in, c->kh, c->kw, c->w,
                                           c->bias, c->out, s, k, &nomem);
        CHECK(s != NULL && !nomem);
        taken = op != NULL;
        if (taken != exact) {
            fprintf(stderr, "%s case %d: %s, but its sums %s pass 2^24\n", t->name, iter,
                    taken ? "taken" : "declined", exact ? "cannot" : "could");
            check_failures++;
        }
        if (op) {
            run_op(op, c->x, in_n, o, out_n);
            if (memcmp(o, ref, out_n + GUARD)) {
                size_t i = 0;
                while (i < out_n + GUARD && o[i] == ref[i])
                    i++;
                fprintf(stderr, "%s case %d, %d thread(s): byte %zu of %zu is %d, reference %d\n",
                        t->name, iter, k, i, out_n, o[i], ref[i]);
                check_failures++;
            }
            am_xnn_destroy(ctx, op);
        }
        am_xnn_scratch_destroy(ctx, s);
    }
    t->declined += !taken;
    t->values += taken ? out_n : 0;
    free(o);
    return taken;
}

static void reference(const conv_case *c, uint8_t *ref)
{
    const size_t out_n = (size_t)c->out.n * c->out.h * c->out.w * c->out.c;
    memset(ref, POISON, out_n + GUARD);
    if (c->depthwise)
        am_ref_depthwise_conv2d(&c->p, c->in, c->x, c->kh, c->kw, c->w, c->bias, c->out, ref);
    else
        am_ref_conv2d(&c->p, c->in, c->x, c->kh, c->kw, c->w, c->bias, c->out, ref);
}

static void random_case(amsel_ctx *ctx, int depthwise, int iter, tally *t)
{
    conv_case c;
    memset(&c, 0, sizeof c);
    c.depthwise = depthwise;
    conv_case_quant(&c.p);
    if (!conv_case_geometry(depthwise ? (rnd() % 5 == 0 ? rnd_in(2, 3) : 1) : 0, &c.p, &c.in,
                            &c.out, &c.kh, &c.kw))
        return; /* VALID does not fit */
    int32_t mult[MAXC], shift[MAXC], bias[MAXC];
    conv_case_requant(&c.p, c.out.c, mult, shift, bias);
    c.p.out_mult = mult;
    c.p.out_shift = shift;
    c.bias = rnd() % 4 ? bias : NULL;
    const size_t in_n = (size_t)c.in.n * c.in.h * c.in.w * c.in.c;
    const size_t w_n = depthwise ? (size_t)c.kh * c.kw * c.out.c
                                 : (size_t)c.out.c * c.kh * c.kw * c.in.c;
    const size_t out_n = (size_t)c.out.n * c.out.h * c.out.w * c.out.c;
    c.x = malloc(in_n + GUARD);
    c.w = malloc(w_n);
    uint8_t *ref = malloc(out_n + GUARD);
    rnd_fill(c.x, in_n + GUARD);
    rnd_fill(c.w, w_n);
    reference(&c, ref);
    run_case(ctx, t, &c, ref, iter);
    free(c.x);
    free(c.w);
    free(ref);
}

/* The edge of fp32's exact integers: a 1x1 convolution over k channels
 * of x = 255 (zero point 0) and w = 255 (zero point 0) sums k x 65025:
 * 258 channels give 16,776,450 <= 2^24 (taken, exact, the bias brings the
 * sum back into range), 259 could pass it (declined). */
static void edge_cases(amsel_ctx *ctx, tally *t)
{
    for (int k = 257; k <= 259; k++) {
        conv_case c;
        memset(&c, 0, sizeof c);
        c.p.type = AM_U8;
        c.p.act_max = 255;
        c.p.stride_h = c.p.stride_w = c.p.dil_h = c.p.dil_w = c.p.depth_multiplier = 1;
        c.in = (am_shape){1, 3, 2, k};
        c.out = (am_shape){1, 3, 2, 2};
        c.kh = c.kw = 1;
        int32_t mult[2] = {1 << 30, 1 << 30}, shift[2] = {0, -1};
        const int32_t bias[2] = {-k * 65025 + 100, -k * 65025 + 199};
        c.p.out_mult = mult;
        c.p.out_shift = shift;
        c.bias = bias;
        c.x = malloc((size_t)6 * k + GUARD);
        c.w = malloc((size_t)2 * k);
        memset(c.x, 255, (size_t)6 * k + GUARD);
        memset(c.w, 255, (size_t)2 * k);
        uint8_t ref[12 + GUARD];
        reference(&c, ref);
        CHECK(ref[0] == 50 && ref[1] == 50); /* 100 x 0.5 and 199 x 0.25 */
        CHECK_EQ_INT(run_case(ctx, t, &c, ref, k), k <= 258);
        free(c.x);
        free(c.w);
    }
}

/* log-uniform in [lo, hi) */
static float rnd_log(float lo, float hi)
{
    const double u = (double)(rnd() % 1000000u) / 1e6;
    return (float)(lo * pow((double)hi / lo, u));
}

/* ADD or MUL on random shapes: both inputs of the output's shape, or one
 * of them [n][1][1][c]; random scales, zero points and clamps, uint8 and
 * int8; against am_ref_add / am_ref_mul on 1..NTHREADS threads. Other
 * layouts must be declined. */
static void eltwise_case(amsel_ctx *ctx, int mul, int iter, tally *t)
{
    const am_qtype type = rnd() % 2 ? AM_I8 : AM_U8;
    const int lo = type == AM_U8 ? 0 : -128, hi = lo + 255;
    const am_shape out = {rnd_in(1, 2), rnd_in(1, 9), rnd_in(1, 9), rnd_in(1, 130)};
    am_shape a = out, b = out;
    const int layout = rnd() % 4; /* 0, 1: same; 2: b per channel; 3: a per channel */
    if (layout == 2)
        b.h = b.w = 1;
    if (layout == 3)
        a.h = a.w = 1;
    /* a layout it must decline: one value per image for several channels */
    const int odd = rnd() % 10 == 0 && out.c > 1;
    if (odd)
        b.h = b.w = b.c = 1;
    const float s1 = rnd_log(0.001f, 0.1f), s2 = rnd_log(0.001f, 0.1f);
    const int32_t z1 = rnd_in(lo, hi), z2 = rnd_in(lo, hi), zo = rnd_in(lo, hi);
    float so = rnd_log(0.002f, 0.2f);
    if (mul) /* the product's scale near the output's, as in the models */
        so = s1 * s2 * 255.0f / rnd_log(1.0f, 64.0f);
    int32_t amin = rnd() % 2 ? lo : rnd_in(lo, zo), amax = rnd() % 2 ? hi : rnd_in(zo, hi);
    const size_t na = (size_t)a.n * a.h * a.w * a.c, nb = (size_t)b.n * b.h * b.w * b.c;
    const size_t no = (size_t)out.n * out.h * out.w * out.c;
    uint8_t *x = malloc(na), *y = malloc(nb), *ref = malloc(no + GUARD), *o = malloc(no + GUARD);
    rnd_fill(x, na);
    rnd_fill(y, nb);
    memset(ref, POISON, no + GUARD);
    am_add_params pa;
    am_mul_params pm = {type, -z1, -z2, zo, 0, 0, amin, amax};
    if (mul) {
        am_quantize_multiplier((double)s1 * s2 / so, &pm.out_mult, &pm.out_shift);
        am_ref_mul(&pm, a, x, b, y, out, ref);
    } else {
        am_add_params_init(&pa, type, s1, z1, s2, z2, so, zo, amin, amax);
        am_ref_add(&pa, a, x, b, y, out, ref);
    }
    t->cases++;
    for (int k = 1; k <= NTHREADS; k++) {
        int nomem = 0;
        am_xnn_eltwise *e = mul ? am_xnn_mul_create(ctx, &pm, a, b, out, k, &nomem)
                                : am_xnn_add_create(ctx, &pa, a, b, out, k, &nomem);
        CHECK(!nomem);
        if (!e) {
            if (!odd) {
                fprintf(stderr, "%s case %d: declined\n", t->name, iter);
                check_failures++;
            }
            t->declined += k == 1;
            break;
        }
        CHECK(!odd);
        memset(o, POISON, no + GUARD);
        am_xnn_eltwise_run(e, x, y, o);
        if (memcmp(o, ref, no + GUARD)) {
            fprintf(stderr, "%s case %d, %d thread(s), layout %d: not the reference's bytes\n",
                    t->name, iter, k, layout);
            check_failures++;
        }
        t->values += k == 1 ? no : 0;
        am_xnn_eltwise_destroy(ctx, e);
    }
    free(x), free(y), free(ref), free(o);
}

static void test_operators(amsel_ctx *ctx, int quick)
{
    const int n = quick ? 150 : 600;
    tally tc = {"conv", 0, 0, 0}, td = {"depthwise", 0, 0, 0}, te = {"edge", 0, 0, 0};
    tally ta = {"add", 0, 0, 0}, tm = {"mul", 0, 0, 0};
    for (int i = 0; i < n; i++)
        random_case(ctx, 0, i, &tc);
    for (int i = 0; i < n; i++)
        random_case(ctx, 1, i, &td);
    edge_cases(ctx, &te);
    for (int i = 0; i < n / 2; i++) {
        eltwise_case(ctx, 0, i, &ta);
        eltwise_case(ctx, 1, i, &tm);
    }
    const tally *all[] = {&tc, &td, &te, &ta, &tm};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        printf("%-10s %4d cases, %d declined, %zu values, all exact\n", all[k]->name,
               all[k]->cases, all[k]->declined, all[k]->values);
        CHECK(all[k]->cases - all[k]->declined > 0);
    }
    /* both sides of the bound and of the layouts were tried */
    CHECK(tc.declined > 0 && ta.declined > 0 && tm.declined > 0);
}

enum { NX = 2 }; /* xnnpack on 1 and 2 threads */

static void compare_model(amsel_ctx *ref_ctx, amsel_ctx *const *x_ctxs, const char *path,
                          const char *name, const amsel_image *img)
{
    amsel_model *mr = parity_load(ref_ctx, path), *mx[NX];
    int ok = mr != NULL;
    for (int f = 0; f < NX; f++)
        ok &= (mx[f] = parity_load(x_ctxs[f], path)) != NULL;
    CHECK(ok);
    if (ok) {
        CHECK_EQ_INT(parity_count(mr, "xnnpack"), 0);
        CHECK(parity_count(mx[0], "xnnpack") > 0);
        amsel_model_info info;
        amsel_model_get_info(mr, &info);
        const size_t in_n = (size_t)info.input_height * info.input_width * info.input_channels;
        const size_t out_n = (size_t)info.num_outputs;
        /* random inputs */
        uint8_t *a = amsel_model_input(mr);
        rnd_fill(a, in_n);
        CHECK(amsel_model_run(mr) == AMSEL_OK);
        for (int f = 0; f < NX; f++) {
            memcpy(amsel_model_input(mx[f]), a, in_n);
            CHECK(amsel_model_run(mx[f]) == AMSEL_OK);
        }
        /* exact: the same bytes as the reference */
        CHECK(memcmp(amsel_model_output(mr), amsel_model_output(mx[0]), out_n) == 0);
        CHECK(memcmp(amsel_model_output(mx[0]), amsel_model_output(mx[1]), out_n) == 0);
        /* a validation image: the same scores */
        amsel_class_score tr[5], tx[5];
        CHECK(amsel_model_classify(mr, img, AMSEL_DEFAULT_CROP, 5, tr, NULL, NULL) == AMSEL_OK);
        for (int f = 0; f < NX; f++) {
            CHECK(amsel_model_classify(mx[f], img, AMSEL_DEFAULT_CROP, 5, tx, NULL, NULL) ==
                  AMSEL_OK);
            CHECK(memcmp(amsel_model_output(mr), amsel_model_output(mx[f]), out_n) == 0);
            CHECK_EQ_INT(tx[0].cls, tr[0].cls);
        }
        printf("%s: %d operators on xnnpack; random input and image: the reference's bytes "
               "(image top-1 %d)\n",
               name, parity_count(mx[0], "xnnpack"), tx[0].cls);
    }
    amsel_model_destroy(mr);
    for (int f = 0; f < NX; f++)
        amsel_model_destroy(mx[f]);
}

/* AMSEL_TEST_QUICK (the sanitizer build, qemu): the models with every
 * kind of node the backend takes (uint8, squeeze-excite ADD and MUL,
 * int8 per channel), not all eight. */
static int quick_model(const char *name)
{
    return !strcmp(name, "mobilenet_v1_0.25_128_quant.tflite") ||
           !strcmp(name, "v3-small_224_1.0_uint8.tflite") ||
           !strcmp(name, "tf2_mobilenet_v2_1.0_224_ptq.tflite");
}

static void test_models(amsel_ctx *ref_ctx, amsel_ctx *const *x_ctxs, const char *data,
                        int quick)
{
    char path[1024];
    const char *val = "datasets/ilsvrc2012-val-227/images/ILSVRC2012_val_00000347.JPEG";
    snprintf(path, sizeof path, "%s/%s", data, val);
    amsel_image *img = NULL;
    CHECK(amsel_image_load(ref_ctx, path, &img) == AMSEL_OK);
    if (!img)
        return;
    for (size_t k = 0; k < (size_t)PARITY_NMODELS; k++) {
        if (quick && !quick_model(parity_models[k]))
            continue;
        snprintf(path, sizeof path, "%s/models/imagenet/%s", data, parity_models[k]);
        compare_model(ref_ctx, x_ctxs, path, parity_models[k], img);
    }
    amsel_image_destroy(img);
}

int main(void)
{
    if (!amsel_backend_available("xnnpack")) {
        printf("skip: the xnnpack backend is not built or cannot start on this CPU\n");
        return 77;
    }
    amsel_ctx *ref_ctx, *x_ctxs[NX];
    if (amsel_ctx_create(&ref_ctx))
        return 1;
    CHECK(amsel_ctx_set_backend(ref_ctx, "ref") == AMSEL_OK);
    if (!parity_contexts("xnnpack", x_ctxs, NX))
        return 1;
    const int quick = getenv("AMSEL_TEST_QUICK") != NULL;
    test_operators(x_ctxs[0], quick);
    const char *data = check_data_dir();
    if (data)
        test_models(ref_ctx, x_ctxs, data, quick);
    else
        printf("AMSEL_DATA not set: model parity skipped\n");
    amsel_ctx_destroy(ref_ctx);
    for (int f = 0; f < NX; f++)
        amsel_ctx_destroy(x_ctxs[f]);
    return check_exit();
}
