/* onednn backend parity: bit-exact with the reference kernels (the
 * backend lets oneDNN compute the int32 dot products and applies the
 * zero-point corrections and TFLite's requantization itself).
 *  1. random CONV_2D problems (odd channel counts, strides, SAME/VALID
 *     padding, dilation, uint8 per-tensor and int8 per-channel weights,
 *     zero points, clamps; poisoned and guarded outputs) through the
 *     backend prepared for 1, 2 and 3 threads, whole and split into
 *     parts, vs am_ref_conv2d; raw dot products at their extremes (up to
 *     K = 4608); large outputs cut into several bands of rows;
 *  2. the eight shared models with "ref" and "onednn" on 1 and 2 threads
 *     on random inputs: outputs equal.
 * Skips (77) when the onednn backend is not built or not usable here. */
#include "amsel/amsel.h"
#include "backend/onednn/onednn_backend.h"
#include "check.h"
#define PARITY_SEED 88172645u
#include "parity.h"
#include "conv_cases.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>


enum { GUARD = 64, POISON = 0xA5, MAXC = 160 };


/* Runs p on the reference and through the backend prepared for 1, 2 and
 * 3 threads: whole (twice: a second run gives the same), and split into
 * 2 * threads + 1 parts run here in reverse order, each on the scratch
 * of thread part % threads (the graph's threads' work). Returns 1 when
 * the backend ran (and checks the bytes), 0 when it declined. */
static int compare(amsel_ctx *ctx, const am_conv_params *p, am_shape in, const uint8_t *x, int kh,
                   int kw, const uint8_t *w, const int32_t *b, am_shape out, const char *what)
{
    const size_t out_n = (size_t)out.n * out.h * out.w * out.c;
    uint8_t *o_ref = malloc(out_n + GUARD), *o_dnn = malloc(out_n + GUARD);
    memset(o_ref, POISON, out_n + GUARD);
    am_ref_conv2d(p, in, x, kh, kw, w, b, out, o_ref);
    int ran = 0;
    for (int nt = 1; nt <= 3; nt++) {
        int nomem = 0;
        am_dnnl_conv *s = am_onednn_conv_create(ctx, p, in, kh, kw, w, b, out, nt, &nomem);
        CHECK(!nomem);
        if (!s)
            break;
        ran = 1;
        for (int mode = 0; mode < 2; mode++) {
            memset(o_dnn, POISON, out_n + GUARD);
            if (mode == 0) {
                am_onednn_conv_run(s, x, o_dnn);
                am_onednn_conv_run(s, x, o_dnn);
            } else {
                const int np = 2 * nt + 1;
                for (int part = np - 1; part >= 0; part--)
                    am_onednn_conv_run_part(s, x, o_dnn, part, np, part % nt);
            }
            size_t bad = 0;
            for (size_t i = 0; i < out_n + GUARD; i++)
                bad += o_ref[i] != o_dnn[i];
            if (bad) {
                fprintf(stderr,
                        "%s: %zu bytes differ (%s, %d threads; type %d w_signed %d in "
                        "%dx%dx%dx%d out c %d k %dx%d stride %d,%d dil %d,%d pad %d,%d)\n",
                        what, bad, mode ? "parts" : "whole", nt, p->type, p->w_signed, in.n,
                        in.h, in.w, in.c, out.c, kh, kw, p->stride_h, p->stride_w, p->dil_h,
                        p->dil_w, p->pad_top, p->pad_left);
                check_failures++;
            }
        }
        am_onednn_conv_destroy(ctx, s);
    }
    free(o_ref);
    free(o_dnn);
    return ran;
}

/* Large outputs: several bands of rows (each its own oneDNN primitive:
 * first, inner and last band shapes), with padding and strides. */
static void band_cases(amsel_ctx *ctx)
{
    static const int shapes[][6] = {/* h, w, ic, oc, k, stride */
                                    {57, 61, 8, 40, 3, 1},  {112, 112, 3, 32, 3, 2},
                                    {64, 64, 24, 72, 1, 1}, {40, 33, 5, 200, 5, 2},
                                    {96, 96, 16, 48, 2, 2}};
    for (int k = 0; k < 5; k++) {
        am_conv_params p;
        memset(&p, 0, sizeof p);
        p.type = k % 2 ? AM_I8 : AM_U8;
        p.w_signed = k % 2;
        p.in_offset = p.type == AM_U8 ? -rnd_in(0, 255) : -rnd_in(-128, 127);
        p.w_offset = p.w_signed ? 0 : -rnd_in(0, 255);
        p.out_zp = p.type == AM_U8 ? 100 : -20;
        p.act_min = p.type == AM_U8 ? 0 : -128;
        p.act_max = p.type == AM_U8 ? 255 : 127;
        p.stride_h = p.stride_w = shapes[k][5];
        p.dil_h = p.dil_w = 1;
        p.depth_multiplier = 1;
        const int kk = shapes[k][4];
        am_shape in = {1, shapes[k][0], shapes[k][1], shapes[k][2]}, out = in;
        out.h = (in.h + p.stride_h - 1) / p.stride_h;
        out.w = (in.w + p.stride_w - 1) / p.stride_w;
        out.c = shapes[k][3];
        p.pad_top = conv_same_pad(in.h, kk, p.stride_h, 1, out.h);
        p.pad_left = conv_same_pad(in.w, kk, p.stride_w, 1, out.w);
        int32_t mult[MAXC * 2], shift[MAXC * 2], bias[MAXC * 2];
        for (int c = 0; c < out.c; c++) {
            mult[c] = (int32_t)((1u << 30) + (rnd() & 0x3fffffffu));
            shift[c] = rnd_in(-10, -6);
            bias[c] = rnd_in(-5000, 5000);
        }
        p.out_mult = mult;
        p.out_shift = shift;
        const size_t in_n = (size_t)in.h * in.w * in.c, w_n = (size_t)out.c * kk * kk * in.c;
        uint8_t *x = malloc(in_n), *w = malloc(w_n);
        rnd_fill(x, in_n);
        rnd_fill(w, w_n);
        char what[32];
        snprintf(what, sizeof what, "band case %d", k);
        CHECK(compare(ctx, &p, in, x, kk, kk, w, bias, out, what) == 1);
        free(x);
        free(w);
    }
}

static int random_case(amsel_ctx *ctx, int iter)
{
    am_conv_params p;
    memset(&p, 0, sizeof p);
    conv_case_quant(&p);
    am_shape in, out;
    int kh, kw;
    if (!conv_case_geometry(0, &p, &in, &out, &kh, &kw))
        return 0;
    int32_t mult[MAXC], shift[MAXC], bias[MAXC];
    conv_case_requant(&p, out.c, mult, shift, bias);
    p.out_mult = mult;
    p.out_shift = shift;
    const size_t in_n = (size_t)in.n * in.h * in.w * in.c, w_n = (size_t)out.c * kh * kw * in.c;
    uint8_t *x = malloc(in_n), *w = malloc(w_n);
    rnd_fill(x, in_n);
    rnd_fill(w, w_n);
    char what[32];
    snprintf(what, sizeof what, "conv case %d", iter);
    const int ran = compare(ctx, &p, in, x, kh, kw, w, rnd() % 4 ? bias : NULL, out, what);
    free(x);
    free(w);
    return ran;
}

/* Raw dot products at their extremes: activations and weights at the
 * ends of their ranges, large K (1x1 with 4608 channels, 3x3 with 512),
 * with one factor of every product at its zero point, so the exact
 * accumulator is small (out = acc + zero point) while oneDNN's raw sums
 * are up to K * 255 * 128: any rounding of them on the way (oneDNN
 * converts int32 to float and back before storing) would show. */
static void extreme_cases(amsel_ctx *ctx)
{
    static const int chans[][2] = {{1, 4608}, {3, 512}, {1, 1024}};
    for (int k = 0; k < 3; k++)
        for (int v = 0; v < 8; v++) {
            am_conv_params p;
            memset(&p, 0, sizeof p);
            p.type = v & 1 ? AM_I8 : AM_U8;
            p.w_signed = (v >> 1) & 1;
            const int x_at_zp = (v >> 2) & 1; /* else the weights sit at their zero point */
            const uint8_t xb = p.type == AM_U8 ? 255 : 0x80; /* 255 or -128 */
            const uint8_t wb = p.w_signed ? 0x80 : 0;           /* -128 or 0: wv = -128 */
            p.in_offset = x_at_zp ? (p.type == AM_U8 ? -255 : 128) : (p.type == AM_U8 ? -3 : 5);
            p.w_offset = x_at_zp ? (p.w_signed ? 0 : -250) : (p.w_signed ? 128 : 0);
            p.out_zp = p.type == AM_U8 ? 128 : 0;
            p.act_min = p.type == AM_U8 ? 0 : -128;
            p.act_max = p.type == AM_U8 ? 255 : 127;
            p.stride_h = p.stride_w = p.dil_h = p.dil_w = 1;
            p.depth_multiplier = 1;
            const int kk = chans[k][0];
            am_shape in = {1, 4, 4, chans[k][1]}, out = {1, 4, 4, 20};
            p.pad_top = p.pad_left = kk / 2;
            int32_t mult[20], shift[20], bias[20];
            for (int c = 0; c < 20; c++) {
                mult[c] = 1 << 30;
                shift[c] = 1; /* out = acc + zero point */
                bias[c] = c - 10;
            }
            p.out_mult = mult;
            p.out_shift = shift;
            const size_t in_n = (size_t)16 * in.c, w_n = (size_t)20 * kk * kk * in.c;
            uint8_t *x = malloc(in_n), *w = malloc(w_n);
            for (size_t i = 0; i < in_n; i++)
                x[i] = xb;
            for (size_t i = 0; i < w_n; i++)
                w[i] = wb;
            char what[48];
            snprintf(what, sizeof what, "extreme %dx%d K=%d v%d", kk, kk, kk * kk * in.c, v);
            CHECK(compare(ctx, &p, in, x, kk, kk, w, bias, out, what) == 1);
            free(x);
            free(w);
        }
}

enum { NDNN = 2 }; /* 1 and 2 threads */

static void compare_model(amsel_ctx *ref_ctx, amsel_ctx *const *dnn_ctxs, const char *path,
                          const char *name, int trials)
{
    amsel_model *mr = parity_load(ref_ctx, path), *md[NDNN];
    int ok = mr != NULL;
    for (int f = 0; f < NDNN; f++) {
        md[f] = parity_load(dnn_ctxs[f], path);
        ok &= md[f] != NULL;
    }
    CHECK(ok);
    if (ok) {
        amsel_model_info info;
        amsel_model_get_info(mr, &info);
        const size_t in_n = (size_t)info.input_height * info.input_width * info.input_channels;
        int same = 1;
        for (int trial = 0; trial < trials; trial++) {
            uint8_t *a = amsel_model_input(mr);
            for (size_t i = 0; i < in_n; i++)
                a[i] = trial == 1 && rnd() % 4 ? (uint8_t)rnd_in(124, 132) : (uint8_t)rnd();
            CHECK(amsel_model_run(mr) == AMSEL_OK);
            for (int f = 0; f < NDNN; f++) {
                memcpy(amsel_model_input(md[f]), a, in_n);
                CHECK(amsel_model_run(md[f]) == AMSEL_OK);
                if (memcmp(amsel_model_output(mr), amsel_model_output(md[f]),
                           (size_t)info.num_outputs)) {
                    fprintf(stderr, "%s: outputs differ (input %d, %d threads)\n", name, trial,
                            f + 1);
                    check_failures++;
                    same = 0;
                }
            }
        }
        const int n = parity_count(md[0], "onednn");
        CHECK(n > 0);
        CHECK_EQ_INT(parity_count(mr, "onednn"), 0);
        printf("%s: %d operators on onednn, 1/2 threads, outputs %s\n", name, n,
               same ? "identical" : "DIFFER");
    }
    amsel_model_destroy(mr);
    for (int f = 0; f < NDNN; f++)
        amsel_model_destroy(md[f]);
}

int main(void)
{
    if (!amsel_backend_available("onednn")) {
        printf("skip: the onednn backend is not built or not usable on this CPU\n");
        return 77;
    }
    amsel_ctx *ref_ctx, *dnn_ctxs[NDNN];
    if (amsel_ctx_create(&ref_ctx))
        return 1;
    CHECK(amsel_ctx_set_backend(ref_ctx, "ref") == AMSEL_OK);
    if (!parity_contexts("onednn", dnn_ctxs, NDNN))
        return 1;
    const int quick = getenv("AMSEL_TEST_QUICK") != NULL;
    const int ncases = quick ? 150 : 600;
    int ran = 0;
    for (int i = 0; i < ncases; i++)
        ran += random_case(ref_ctx, i);
    printf("kernels: %d random CONV_2D cases bit-exact (1, 2, 3 threads; whole and parts)\n", ran);
    CHECK(ran > ncases / 2);
    extreme_cases(ref_ctx);
    band_cases(ref_ctx);
    const char *data = check_data_dir();
    if (data) {
        char path[1024];
        for (size_t k = 0; k < (size_t)PARITY_NMODELS; k++) {
            snprintf(path, sizeof path, "%s/models/imagenet/%s", data, parity_models[k]);
            compare_model(ref_ctx, dnn_ctxs, path, parity_models[k], quick ? 1 : 3);
        }
    } else {
        printf("AMSEL_DATA not set: model parity skipped\n");
    }
    amsel_ctx_destroy(ref_ctx);
    for (int f = 0; f < NDNN; f++)
        amsel_ctx_destroy(dnn_ctxs[f]);
    return check_exit();
}
