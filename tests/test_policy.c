/* Premodel policies end to end on constructed data with a known answer:
 * the cheap model is right exactly when a feature is low and its score
 * says nothing, so a premodel can route perfectly while a confidence
 * cascade cannot. Also: the trained selector file reads back to the same
 * decisions, and cross-validation never lets a test image's features
 * reach training. */
#include "amsel/amsel.h"
#include "check.h"
#include "selector/policy.h"
#include "selector/selector_file.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#define N 120

static amsel_ctx *ctx;

/* Image i is "easy" (i % 3 != 0) or "hard": small (1 ms) is right on easy
 * images only, big (10 ms) on all. Both answer with score 0.5, always.
 * Feature "contrast" is 0.1 (+ jitter) on easy images, 0.9 on hard ones;
 * "hue1" is noise. Image bump (-1: none) gets other features. */
#define EASY(i) ((i) % 3 != 0)
static void write_data(const char *profile, const char *features, int bump)
{
    FILE *p = fopen(check_tmp(profile), "w"), *f = fopen(check_tmp(features), "w");
    CHECK(p && f);
    if (!p || !f)
        return;
    fprintf(p, "image,class,model,top5,top5_scores,correct1,correct5,score1,score_true,decode_ms,"
               "pre_ms,infer_ms\n");
    fprintf(f, "image,class,contrast,hue1,features_ms\n");
    for (int i = 0; i < N; i++) {
        int easy = EASY(i), a = easy ? 7 : 8;
        fprintf(p, "img%03d.jpg,7,small,%d 1 2 3 4,0.5 0.2 0.1 0.1 0.1,%d,%d,0.5,%s,1.0,0.0,1.0\n",
                i, a, a == 7, a == 7, a == 7 ? "0.5" : "0");
        fprintf(p, "img%03d.jpg,7,big,7 1 2 3 4,0.5 0.2 0.1 0.1 0.1,1,1,0.5,0.5,1.0,0.0,10.0\n", i);
        double c = (easy ? 0.1 : 0.9) + 0.01 * (i % 7), noise = (i * 37 % 101) / 101.0;
        if (i == bump)
            c = 0.1, noise = 0.5;
        fprintf(f, "img%03d.jpg,7,%.4f,%.4f,0.1\n", i, c, noise);
    }
    fclose(p);
    fclose(f);
}

static amsel_eval *evaluate(const char *profile, const char *features, amsel_profile **pp,
                            amsel_feature_table **ft)
{
    amsel_eval *e = NULL;
    amsel_eval_options o;
    amsel_eval_options_default(&o);
    o.folds = 4;
    o.seed = 5;
    snprintf(o.premodels, sizeof o.premodels, "knn,tree,nb");
    if (amsel_profile_load(ctx, check_tmp(profile), pp) != AMSEL_OK ||
        amsel_feature_table_load(ctx, check_tmp(features), ft) != AMSEL_OK ||
        amsel_eval_run(ctx, *pp, *ft, &o, &e) != AMSEL_OK)
        fprintf(stderr, "evaluate: %s\n", amsel_last_error(ctx));
    return e;
}

static int find(const amsel_eval *e, const char *name)
{
    for (int q = 0; q < amsel_eval_policy_count(e); q++)
        if (!strcmp(amsel_eval_policy(e, q)->name, name))
            return q;
    fprintf(stderr, "no policy '%s'\n", name);
    return -1;
}

static void test_routing(void)
{
    amsel_profile *p = NULL;
    amsel_feature_table *ft = NULL;
    write_data("p.csv", "f.csv", -1);
    amsel_eval *e = evaluate("p.csv", "f.csv", &p, &ft);
    CHECK(e);
    if (!e)
        goto done;
    /* Perfect routing: all right, 2/3 of the images at 1 ms, 1/3 at 10,
     * plus 0.1 ms of features and the premodel's own (small) time. */
    static const char *const premodels[] = {"chain knn", "multi knn", "chain tree", "multi tree",
                                            "chain nb", "multi nb"};
    for (size_t k = 0; k < sizeof premodels / sizeof premodels[0]; k++) {
        int q = find(e, premodels[k]);
        CHECK(q >= 0);
        if (q < 0)
            continue;
        const amsel_policy_result *r = amsel_eval_policy(e, q);
        if (r->top1 < 99 || r->mean_ms > 4.4 || r->mean_ms < 4.1 - 1e-9)
            fprintf(stderr, "%s: top1 %.2f mean %.3f\n", r->name, r->top1, r->mean_ms);
        CHECK(r->top1 >= 99);
        CHECK(r->mean_ms >= 4.1 - 1e-9 && r->mean_ms <= 4.4);
        CHECK(r->overhead_ms >= 0.1 - 1e-9 && r->overhead_ms < 0.4);
        CHECK(r->f1 > 0.95);
        CHECK(fabs(r->usage[0] - 2 / 3.0) < 0.02 && fabs(r->usage[1] - 1 / 3.0) < 0.02);
    }
    /* Paired with the reference, image by image: the counts give the
     * accuracy difference for every policy (N images, each tested once). */
    const double ref_top1 = amsel_eval_policy(e, amsel_eval_reference(e))->top1;
    for (int k = 0; k < amsel_eval_policy_count(e); k++) {
        const amsel_policy_result *r = amsel_eval_policy(e, k);
        CHECK(fabs((r->only_policy - r->only_ref) * 100.0 / N - (r->top1 - ref_top1)) < 1e-9);
        CHECK(r->paired_p > 0 && r->paired_p <= 1);
    }
    /* The cascade cannot tell: to stay at 100% it must always escalate. */
    int q = find(e, "cascade <=2");
    if (q >= 0) {
        const amsel_policy_result *r = amsel_eval_policy(e, q);
        CHECK(r->top1 >= 99 && r->mean_ms >= 10 - 1e-9);
    }
    /* The pick: the cheapest at least as accurate as big (100%). */
    int pick = amsel_eval_pick(e, -1, 0);
    CHECK(pick >= 0 && amsel_eval_policy(e, pick)->mean_ms < 4.5);
    /* The pick trained on every image, saved and read back decides the
     * same on every row (feature indices move to amsel_features order). */
    FILE *m1 = fopen(check_tmp("small.tflite"), "w"), *m2 = fopen(check_tmp("big.tflite"), "w");
    if (m1)
        fputs("not a model, only hashed", m1), fclose(m1);
    if (m2)
        fputs("another", m2), fclose(m2);
    int chain = find(e, "chain tree");
    CHECK_EQ_INT(amsel_eval_train(e, chain, ft, 0.875f, check_tmp_dir, check_tmp("sel.json")), AMSEL_OK);
    am_policy pol;
    am_selector_info info;
    CHECK_EQ_INT(am_selector_file_read(ctx, check_tmp("sel.json"), &pol, &info), AMSEL_OK);
    CHECK_EQ_INT(pol.kind, AM_POL_CHAIN);
    CHECK_EQ_INT(info.nstages, 2);
    CHECK(!strcmp(info.model_name[0], "small") && !strcmp(info.model_name[1], "big"));
    int contrast = -1, hue1 = -1;
    for (int j = 0; j < amsel_features_count(); j++) {
        contrast = strcmp(amsel_features_name(j), "contrast") ? contrast : j;
        hue1 = strcmp(amsel_features_name(j), "hue1") ? hue1 : j;
    }
    int agree = 0;
    for (int i = 0; i < N; i++) {
        double row[AMSEL_FEATURES_MAX] = {0};
        const double *t = amsel_feature_table_row(ft, i);
        row[contrast] = t[0], row[hue1] = t[1];
        agree += am_policy_entry(&pol, row) == (EASY(i) ? 0 : 1);
    }
    CHECK_EQ_INT(agree, N);
    am_policy_clear(&pol);
    am_selector_info_clear(&info);
done:
    amsel_eval_destroy(e);
    amsel_feature_table_destroy(ft);
    amsel_profile_destroy(p);
}

/* Changing a fold-0 test image's features must not change what fold 0
 * trained (its choices). */
static void test_no_leak(void)
{
    amsel_profile *pa = NULL, *pb = NULL;
    amsel_feature_table *fa = NULL, *fb = NULL;
    int bump = -1, changed_elsewhere = 0;
    write_data("pa.csv", "fa.csv", -1);
    amsel_eval *ea = evaluate("pa.csv", "fa.csv", &pa, &fa);
    /* Folds are stratified by optimal model, which features do not change. */
    for (int i = 0; ea && i < N && bump < 0; i++)
        bump = amsel_eval_fold_of(ea, i) == 0 && !EASY(i) ? i : -1;
    write_data("pb.csv", "fb.csv", bump);
    amsel_eval *eb = evaluate("pb.csv", "fb.csv", &pb, &fb);
    CHECK(ea && eb && bump >= 0);
    if (ea && eb) {
        int q = find(ea, "chain knn");
        for (int i = 0; i < N; i++)
            CHECK_EQ_INT(amsel_eval_fold_of(ea, i), amsel_eval_fold_of(eb, i));
        for (int k = 0; k < amsel_eval_policy_count(ea); k++)
            CHECK(!strcmp(amsel_eval_choice(ea, k, 0), amsel_eval_choice(eb, k, 0)));
        /* The bumped image (a hard one made to look easy) is answered by
         * fold 0's premodel from its test features: now wrong. */
        double a1, b1, a5, b5, ams, bms;
        amsel_eval_fold(ea, q, 0, &a1, &a5, &ams);
        amsel_eval_fold(eb, q, 0, &b1, &b5, &bms);
        changed_elsewhere = b1 < a1;
        CHECK(changed_elsewhere);
    }
    amsel_eval_destroy(ea), amsel_eval_destroy(eb);
    amsel_feature_table_destroy(fa), amsel_feature_table_destroy(fb);
    amsel_profile_destroy(pa), amsel_profile_destroy(pb);
}

/* The exact McNemar p against hand-computed binomial tails. */
static void test_paired_p(void)
{
    CHECK(amsel_paired_p(0, 0) == 1);
    CHECK(fabs(amsel_paired_p(5, 5) - 1) < 1e-12 && fabs(amsel_paired_p(3, 4) - 1) < 1e-12);
    CHECK(fabs(amsel_paired_p(0, 10) - 2.0 / 1024) < 1e-12);       /* 2 * 0.5^10 */
    CHECK(fabs(amsel_paired_p(6, 1) - 2.0 * 8 / 128) < 1e-12);     /* 2 * (1 + 7) / 2^7 */
    CHECK(fabs(amsel_paired_p(2, 10) - 2.0 * 79 / 4096) < 1e-12);  /* 2 * (1 + 12 + 66) / 2^12 */
    CHECK(amsel_paired_p(1000, 0) < 1e-300 && amsel_paired_p(1000, 0) >= 0);
}

int main(void)
{
    if (!check_tmp_make("policy") || amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    test_paired_p();
    test_routing();
    test_no_leak();
    amsel_ctx_destroy(ctx);
    if (!check_tmp_remove())
        return 1;
    return check_exit();
}
