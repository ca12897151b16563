/* Selector tests: the profile CSV reader on good and hostile files,
 * Algorithm 1 on a constructed profile with a known answer, the cascade
 * threshold search, score averaging, and cross-validation folds that
 * partition the images and never let a test image into training. */
#include "amsel/amsel.h"
#include "check.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static amsel_ctx *ctx;

static const char *HEADER = "image,class,model,top5,top5_scores,correct1,correct5,score1,"
                            "score_true,decode_ms,pre_ms,infer_ms\n";

/* One row: the model answers `answer` first with score s1, then four
 * other classes; cost infer_ms (pre_ms 0). The image's class is 0. */
static void row(FILE *f, int image, const char *model, int answer, double s1, double infer_ms)
{
    int top[5] = {answer, 0, 0, 0, 0};
    for (int r = 1, c = 500; r < 5; c++)
        if (c != answer)
            top[r++] = c;
    double rest = (1 - s1) / 4;
    fprintf(f, "img%03d.jpg,0,%s,%d %d %d %d %d,%.6f %.6f %.6f %.6f %.6f,%d,%d,%.6f,%.6f,1.0,0.000,%.3f\n",
            image, model, top[0], top[1], top[2], top[3], top[4], s1, rest, rest, rest, rest,
            answer == 0, answer == 0, s1, answer == 0 ? s1 : 0.0, infer_ms);
}

static FILE *open_csv(const char *name)
{
    FILE *f = fopen(check_tmp(name), "w");
    if (f)
        fputs(HEADER, f);
    return f;
}

static amsel_profile *load(const char *name)
{
    amsel_profile *p = NULL;
    if (amsel_profile_load(ctx, check_tmp(name), &p) != AMSEL_OK)
        fprintf(stderr, "load %s: %s\n", name, amsel_last_error(ctx));
    return p;
}

/* Algorithm 1: A (cost 1) right on images 0-59; B (2) on 0-39 and 60-84;
 * C (4) on 0-39 and 85-94; D (8) on 0-39, 60-84 and 95-96. Optimal
 * counts A 60, B 25, C 10, D 2: start A; D fixes 27 > B's 25, so D;
 * then C fixes 10; then B fixes 0 and the selection stops. */
static void test_algorithm1(void)
{
    FILE *f = open_csv("alg1.csv");
    for (int i = 0; i < 100; i++) {
        row(f, i, "A", i < 60 ? 0 : 7, 0.5, 1);
        row(f, i, "B", i < 40 || (i >= 60 && i < 85) ? 0 : 7, 0.5, 2);
        row(f, i, "C", i < 40 || (i >= 85 && i < 95) ? 0 : 7, 0.5, 4);
        row(f, i, "D", i < 40 || (i >= 60 && i < 85) || i == 95 || i == 96 ? 0 : 7, 0.5, 8);
    }
    fclose(f);
    amsel_profile *p = load("alg1.csv");
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK_EQ_INT(amsel_profile_images(p), 100);
    CHECK_EQ_INT(amsel_profile_models(p), 4);
    int all[100], models[4], n, ns;
    amsel_subset_step steps[5];
    for (int i = 0; i < 100; i++)
        all[i] = i;
    CHECK_EQ_INT(amsel_subset_select(ctx, p, all, 100, AMSEL_OBJECTIVE_TOP1, 0.5, models, &n,
                                     steps, &ns), AMSEL_OK);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(models[0], 0);
    CHECK_EQ_INT(models[1], 3);
    CHECK_EQ_INT(models[2], 2);
    CHECK_EQ_INT(ns, 4);
    CHECK_EQ_INT(steps[0].fixed, 60);
    CHECK_EQ_INT(steps[1].fixed, 27);
    CHECK_EQ_INT(steps[2].fixed, 10);
    CHECK(fabs(steps[2].coverage - 97.0) < 1e-9);
    CHECK_EQ_INT(steps[3].model, 1);
    CHECK_EQ_INT(steps[3].fixed, 0);
    CHECK_EQ_INT(steps[3].accepted, 0);
    /* theta 11 points: C's 10 points are not enough. */
    CHECK_EQ_INT(amsel_subset_select(ctx, p, all, 100, AMSEL_OBJECTIVE_TOP1, 11, models, &n,
                                     steps, &ns), AMSEL_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(steps[2].accepted, 0);
    amsel_profile_destroy(p);
}

/* Cascade S (cost 1) > L (cost 10). S is right and sure (0.9) on images
 * 0-5, wrong and unsure (0.4) on 6-9; L is always right. Reaching 100%
 * needs a threshold in (0.4, 0.9]: cost (6*1 + 4*11)/10 = 5 ms. */
static void test_cascade(void)
{
    FILE *f = open_csv("casc.csv");
    for (int i = 0; i < 10; i++) {
        row(f, i, "S", i < 6 ? 0 : 3, i < 6 ? 0.9 : 0.4, 1);
        row(f, i, "L", 0, 0.6, 10);
    }
    fclose(f);
    amsel_profile *p = load("casc.csv");
    CHECK(p != NULL);
    if (!p)
        return;
    int all[10], models[2] = {0, 1};
    for (int i = 0; i < 10; i++)
        all[i] = i;
    amsel_cascade c;
    double acc, ms;
    CHECK_EQ_INT(amsel_cascade_tune(ctx, p, all, 10, models, 2, 0, AMSEL_OBJECTIVE_TOP1, 100, 10,
                                    &c, &acc, &ms), AMSEL_OK);
    CHECK(fabs(acc - 100) < 1e-9);
    CHECK(fabs(ms - 5.0) < 1e-6);
    CHECK(c.threshold[0] > 0.4f && c.threshold[0] <= 0.9f);
    amsel_outcome o;
    amsel_cascade_apply(p, &c, 0, &o);
    CHECK(o.correct1 && o.models_run == 1 && fabs(o.cost_ms - 1) < 1e-9);
    amsel_cascade_apply(p, &c, 7, &o);
    CHECK(o.correct1 && o.models_run == 2 && fabs(o.cost_ms - 11) < 1e-9);
    /* A target of 60% is met by S alone (threshold at the minimum score). */
    CHECK_EQ_INT(amsel_cascade_tune(ctx, p, all, 10, models, 2, 0, AMSEL_OBJECTIVE_TOP1, 60, 10,
                                    &c, &acc, &ms), AMSEL_OK);
    CHECK(fabs(ms - 1.0) < 1e-6 && fabs(acc - 60) < 1e-9);
    amsel_profile_destroy(p);

    /* S wrong but sure (0.95) on image 9: only "never stop" reaches 100%. */
    f = open_csv("casc2.csv");
    for (int i = 0; i < 10; i++) {
        row(f, i, "S", i < 6 ? 0 : 3, i < 6 ? 0.9 : i == 9 ? 0.95 : 0.4, 1);
        row(f, i, "L", 0, 0.6, 10);
    }
    fclose(f);
    p = load("casc2.csv");
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK_EQ_INT(amsel_cascade_tune(ctx, p, all, 10, models, 2, 0, AMSEL_OBJECTIVE_TOP1, 100, 10,
                                    &c, &acc, &ms), AMSEL_OK);
    CHECK(fabs(acc - 100) < 1e-9 && fabs(ms - 11) < 1e-6 && c.threshold[0] > 1);
    amsel_profile_destroy(p);
}

/* Smoothing. S (cost 1) has confidence (i + 1) / 20 on image i and is
 * wrong only on images 3 and 5; L (cost 10) is always right. Grid 19
 * puts a threshold level at every image's confidence: stopping from
 * image 6's level up reaches 100%, the level below it 95%. Unsmoothed, the
 * cheapest 100% is image 6's level; with radius 1 its mean (95, 100, 100)
 * falls short and image 7's level (100, 100, 100) is the choice. */
static void test_cascade_smooth(void)
{
    FILE *f = open_csv("smooth.csv");
    for (int i = 0; i < 20; i++) {
        row(f, i, "S", i == 3 || i == 5 ? 3 : 0, (i + 1) / 20.0, 1);
        row(f, i, "L", 0, 0.6, 10);
    }
    fclose(f);
    amsel_profile *p = load("smooth.csv");
    CHECK(p != NULL);
    if (!p)
        return;
    int all[20], models[2] = {0, 1};
    for (int i = 0; i < 20; i++)
        all[i] = i;
    amsel_cascade c;
    double acc, ms;
    CHECK_EQ_INT(amsel_cascade_tune_conf(ctx, p, all, 20, models, 2, 0, 0, AMSEL_OBJECTIVE_TOP1,
                                         100, 19, 0, &c, &acc, &ms), AMSEL_OK);
    CHECK(fabs(c.threshold[0] - 0.35f) < 1e-6 && fabs(acc - 100) < 1e-9);
    CHECK(fabs(ms - (1 + 6 * 10 / 20.0)) < 1e-6);
    CHECK_EQ_INT(amsel_cascade_tune_conf(ctx, p, all, 20, models, 2, 0, 0, AMSEL_OBJECTIVE_TOP1,
                                         100, 19, 1, &c, &acc, &ms), AMSEL_OK);
    CHECK(fabs(c.threshold[0] - 0.40f) < 1e-6 && fabs(acc - 100) < 1e-9);
    CHECK(fabs(ms - (1 + 7 * 10 / 20.0)) < 1e-6);
    /* a radius beyond the grid is refused */
    CHECK_EQ_INT(amsel_cascade_tune_conf(ctx, p, all, 20, models, 2, 0, 0, AMSEL_OBJECTIVE_TOP1,
                                         100, 19, 20, &c, &acc, &ms), AMSEL_ERR_INVALID_ARG);
    amsel_profile_destroy(p);
}

/* Averaging: A says 5 (0.5) then 0 (0.4); B says 0 (0.45) then 5 (0.05).
 * Alone, B is right; averaged, class 0 has 0.425 > class 5's 0.275. And
 * with A 5 (0.9), 0 (0.1) the average picks 5: wrong. */
static void test_combine(void)
{
    FILE *f = open_csv("comb.csv");
    fputs("x.jpg,0,A,5 0 1 2 3,0.500000 0.400000 0.050000 0.030000 0.020000,0,1,0.5,0.4,1,0,1\n"
          "x.jpg,0,B,0 5 1 2 3,0.450000 0.050000 0.040000 0.030000 0.020000,1,1,0.45,0.45,1,0,2\n"
          "y.jpg,0,A,5 0 1 2 3,0.900000 0.100000 0.000000 0.000000 0.000000,0,1,0.9,0.1,1,0,1\n"
          "y.jpg,0,B,0 5 1 2 3,0.450000 0.050000 0.040000 0.030000 0.020000,1,1,0.45,0.45,1,0,2\n", f);
    fclose(f);
    amsel_profile *p = load("comb.csv");
    CHECK(p != NULL);
    if (!p)
        return;
    amsel_cascade c = {2, {0, 1}, {2.0f, 0}, 1, 0};
    amsel_outcome o;
    amsel_cascade_apply(p, &c, 0, &o);
    CHECK(o.correct1 && o.correct5 && o.models_run == 2 && fabs(o.cost_ms - 3) < 1e-9);
    amsel_cascade_apply(p, &c, 1, &o);
    CHECK(!o.correct1 && o.correct5);
    c.combine = 0;
    amsel_cascade_apply(p, &c, 1, &o);
    CHECK(o.correct1);
    amsel_profile_destroy(p);
}

/* Folds partition the images; training never sees a test image: changing
 * every row of fold 0's test images leaves fold 0's choices unchanged. */
static void test_folds(void)
{
    int fold_of[103], fold2[103], train[103], test[103], ntrain, ntest, seen[103];
    CHECK_EQ_INT(amsel_folds_make(ctx, 103, 10, 7, fold_of), AMSEL_OK);
    CHECK_EQ_INT(amsel_folds_make(ctx, 103, 10, 7, fold2), AMSEL_OK);
    CHECK(!memcmp(fold_of, fold2, sizeof fold_of));
    CHECK_EQ_INT(amsel_folds_make(ctx, 103, 10, 8, fold2), AMSEL_OK);
    CHECK(memcmp(fold_of, fold2, sizeof fold_of) != 0);
    CHECK(amsel_folds_make(ctx, 5, 10, 1, fold2) == AMSEL_ERR_INVALID_ARG);
    memset(seen, 0, sizeof seen);
    for (int f = 0; f < 10; f++) {
        amsel_folds_split(fold_of, 103, f, train, &ntrain, test, &ntest);
        CHECK(ntest == 10 || ntest == 11);
        CHECK_EQ_INT(ntrain + ntest, 103);
        for (int k = 0; k < ntest; k++) {
            seen[test[k]]++;
            for (int j = 0; j < ntrain; j++)
                CHECK(train[j] != test[k]);
        }
    }
    for (int i = 0; i < 103; i++)
        CHECK_EQ_INT(seen[i], 1);

    /* Two profiles of 60 images x 3 models, identical except on fold 0's
     * test images, where the second one has every answer and cost changed. */
    int folds60[60];
    CHECK_EQ_INT(amsel_folds_make(ctx, 60, 5, 3, folds60), AMSEL_OK);
    for (int v = 0; v < 2; v++) {
        FILE *f = open_csv(v ? "leak_b.csv" : "leak_a.csv");
        for (int i = 0; i < 60; i++) {
            int changed = v && folds60[i] == 0;
            double s = 0.3 + 0.01 * (i % 50);
            row(f, i, "small", (i % 3 && !changed) ? 0 : 9, changed ? 0.99 : s, changed ? 50 : 1);
            row(f, i, "mid", (i % 5 && !changed) ? 0 : 9, changed ? 0.01 : s, changed ? 70 : 3);
            row(f, i, "big", (i % 7 || changed) ? 0 : 9, 0.8, changed ? 0.5 : 9);
        }
        fclose(f);
    }
    amsel_profile *pa = load("leak_a.csv"), *pb = load("leak_b.csv");
    amsel_eval *ea = NULL, *eb = NULL;
    amsel_eval_options o;
    amsel_eval_options_default(&o);
    o.folds = 5;
    o.seed = 3;
    o.stratify = 0; /* the change moves images between strata (a split, not training) */
    CHECK(pa && pb);
    if (pa && pb && amsel_eval_run(ctx, pa, NULL, &o, &ea) == AMSEL_OK &&
        amsel_eval_run(ctx, pb, NULL, &o, &eb) == AMSEL_OK) {
        int trained = 0, other_differs = 0;
        for (int q = 0; q < amsel_eval_policy_count(ea); q++) {
            CHECK(!strcmp(amsel_eval_choice(ea, q, 0), amsel_eval_choice(eb, q, 0)));
            trained += *amsel_eval_choice(ea, q, 0) != 0;
            for (int f = 1; f < 5; f++)
                other_differs |= strcmp(amsel_eval_choice(ea, q, f), amsel_eval_choice(eb, q, f));
        }
        CHECK(trained >= 5);
        CHECK(other_differs); /* the change is visible where those images train */
        /* Single models: pooled accuracy is the plain mean over images. */
        const amsel_policy_result *big = amsel_eval_policy(ea, amsel_eval_policy_count(ea) - 1);
        CHECK(!strcmp(big->name, "big"));
        CHECK(fabs(big->top1 - 100.0 * 51 / 60) < 1e-9);
        CHECK(fabs(big->mean_ms - 9) < 1e-9);
    } else {
        CHECK(!"eval failed");
    }
    amsel_eval_destroy(ea);
    amsel_eval_destroy(eb);
    amsel_profile_destroy(pa);
    amsel_profile_destroy(pb);
}

/* A bad file must fail with AMSEL_ERR_FORMAT and a message holding the
 * file name and the expected "file:line" or phrase. */
static void expect_bad(const char *name, const char *content, const char *expect)
{
    FILE *f = fopen(check_tmp(name), "w");
    fputs(content, f);
    fclose(f);
    amsel_profile *p = (amsel_profile *)1;
    amsel_status st = amsel_profile_load(ctx, check_tmp(name), &p);
    const char *msg = amsel_last_error(ctx);
    CHECK_EQ_INT(st, AMSEL_ERR_FORMAT);
    CHECK(p == NULL);
    if (!strstr(msg, check_tmp(name)) || !strstr(msg, expect)) {
        fprintf(stderr, "%s: message '%s' lacks '%s'\n", name, msg, expect);
        check_failures++;
    }
}

#define ROW_A "a.jpg,3,m1,3 1 2 4 5,0.5 0.1 0.1 0.1 0.1,1,1,0.5,0.5,1.0,0.1,1.0\n"
#define ROW_B "a.jpg,3,m2,1 3 2 4 5,0.5 0.1 0.1 0.1 0.1,0,1,0.5,0.1,1.0,0.1,2.0\n"

static void test_bad_csv(void)
{
    char buf[1024];
    expect_bad("missing_col.csv",
               "image,class,model,top5,top5_scores,correct1,correct5,score1,score_true,decode_ms,"
               "pre_ms\n",
               ":1: missing column 'infer_ms'");
    expect_bad("wrong_header.csv", "file,label\n", ":1: column 1 is 'file'");
    expect_bad("empty.csv", "", ":1:");
    snprintf(buf, sizeof buf, "%s%s%s", HEADER, ROW_A,
             "a.jpg,3,m2,1 3 2 4 5,0.5 0.1 0.1 0.1 0.1,0,1,nan,0.1,1.0,0.1,2.0\n");
    expect_bad("nan.csv", buf, ":3: bad score1 'nan'");
    snprintf(buf, sizeof buf, "%s%s%s", HEADER, ROW_A,
             "a.jpg,3,m2,1 3 2 4 5,0.5 0.1 0.1 0.1 0.1,0,1,0.5,0.1,1.0,0.1,fast\n");
    expect_bad("word.csv", buf, ":3: bad infer_ms 'fast'");
    snprintf(buf, sizeof buf, "%s%s%s", HEADER, ROW_A,
             "a.jpg,3,m2,1 3 2 4 5,0.5 0.1 0.1 0.1 0.1,0,1,0.5,0.1,1.0,-0.1,2.0\n");
    expect_bad("negative.csv", buf, ":3: bad pre_ms");
    snprintf(buf, sizeof buf, "%s%s%s", HEADER, ROW_A, "a.jpg,3,m2,1 3 2 4 5,0.5 0.1");
    expect_bad("truncated.csv", buf, ":3: 5 fields, expected 12");
    snprintf(buf, sizeof buf, "%s%s%s", HEADER, ROW_A, "a.jpg,3");
    expect_bad("truncated2.csv", buf, ":3: truncated row");
    snprintf(buf, sizeof buf, "%s%s%s%s", HEADER, ROW_A, ROW_B, ROW_B);
    expect_bad("duplicate.csv", buf, ":4: duplicate row for image 'a.jpg', model 'm2' (first at line 3)");
    /* Image b.jpg profiled with m1 and m3: the model mix differs. */
    snprintf(buf, sizeof buf, "%s%s%s%s%s", HEADER, ROW_A, ROW_B,
             "b.jpg,3,m1,3 1 2 4 5,0.5 0.1 0.1 0.1 0.1,1,1,0.5,0.5,1.0,0.1,1.0\n",
             "b.jpg,3,m3,3 1 2 4 5,0.5 0.1 0.1 0.1 0.1,1,1,0.5,0.5,1.0,0.1,1.0\n");
    expect_bad("mix.csv", buf, "has no row for model");
    snprintf(buf, sizeof buf, "%s%s%s", HEADER, ROW_A,
             "a.jpg,4,m2,1 3 2 4 5,0.5 0.1 0.1 0.1 0.1,0,1,0.5,0.1,1.0,0.1,2.0\n");
    expect_bad("class.csv", buf, ":3: image 'a.jpg' has class 4");
    snprintf(buf, sizeof buf, "%s%s", HEADER,
             "a.jpg,3,m1,3 1 2 4 5,0.5 0.1 0.1 0.1 0.1,0,1,0.5,0.5,1.0,0.1,1.0\n");
    expect_bad("inconsistent.csv", buf, ":2: correct1/correct5 disagree");
    snprintf(buf, sizeof buf, "%s%s", HEADER,
             "a.jpg,3,m1,3 1 2 4,0.5 0.1 0.1 0.1 0.1,1,1,0.5,0.5,1.0,0.1,1.0\n");
    expect_bad("four.csv", buf, ":2: bad top5 '3 1 2 4'");
    snprintf(buf, sizeof buf, "%s%s\n%s", HEADER, ROW_A, ROW_B);
    expect_bad("blank.csv", buf, ":3: empty line");
    expect_bad("header_only.csv", HEADER, "no rows");
    /* And the good one. */
    FILE *f = fopen(check_tmp("good.csv"), "w");
    fprintf(f, "%s%s%s", HEADER, ROW_A, ROW_B);
    fclose(f);
    amsel_profile *p = load("good.csv");
    CHECK(p && amsel_profile_images(p) == 1 && amsel_profile_models(p) == 2);
    if (p) {
        const amsel_profile_cell *c = amsel_profile_cell_at(p, 0, 1);
        CHECK(c && c->top5[0] == 1 && !c->correct1 && c->correct5 && c->line == 3);
        CHECK(fabs(amsel_profile_mean_cost(p, 1, NULL, 0) - 2.1) < 1e-9);
        CHECK(!strcmp(amsel_profile_model_name(p, 1), "m2"));
        CHECK_EQ_INT(amsel_profile_class(p, 0), 3);
    }
    amsel_profile_destroy(p);
    amsel_profile_destroy(NULL);
    amsel_eval_destroy(NULL);
}

int main(void)
{
    if (!check_tmp_make("selector") || amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    test_bad_csv();
    test_algorithm1();
    test_cascade();
    test_cascade_smooth();
    test_combine();
    test_folds();
    amsel_ctx_destroy(ctx);
    check_tmp_remove();
    return check_exit();
}
