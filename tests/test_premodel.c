/* Premodel classifiers (src/premodel): hand-checked KNN, tree, naive Bayes
 * and SVM cases, JSON round trips, hostile JSON, allocation failures and
 * concurrent prediction. The SVM against libsvm's own tools is in
 * test_premodel_svm.c. */
#include "check.h"
#include "core/ctx.h"
#include "premodel/clf_internal.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

static amsel_ctx *ctx;

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

static am_clf *train(am_clf_kind kind, const am_clf_params *pp, const float *x, int n, int d,
                     const int *y, int nclass)
{
    am_clf_params p;
    if (pp)
        p = *pp;
    else
        am_clf_params_default(&p, kind);
    am_clf *c = NULL;
    amsel_status st = am_clf_train(ctx, &p, x, n, d, y, nclass, &c);
    if (st)
        fprintf(stderr, "train %s: %s\n", am_clf_kind_name(kind), amsel_last_error(ctx));
    CHECK_EQ_INT(st, AMSEL_OK);
    return c;
}

/* Six points: class 0 the unit square's corners p0..p3, class 1 p4=(3,3),
 * p5=(4,4). */
static const float six_x[] = {0, 0, 1, 0, 0, 1, 1, 1, 3, 3, 4, 4};
static const int six_y[] = {0, 0, 0, 0, 1, 1};

static void test_knn(void)
{
    am_clf_params p;
    am_clf_params_default(&p, AM_CLF_KNN);
    p.knn_k = 3;
    float prob[2], q[2] = {2.2f, 2.2f};
    /* q=(2.2,2.2): squared distances p4 1.28, p3 2.88, p1=p2 6.28, p5 6.48,
     * p0 9.68. Nearest three: p4 (1), p3 (0), p1 (0, before p2 on the
     * tie) -> class 0 with shares 2/3, 1/3. */
    am_clf *c = train(AM_CLF_KNN, &p, six_x, 6, 2, six_y, 2);
    if (c) {
        CHECK_EQ_INT(am_clf_predict(c, q, prob), 0);
        CHECK(near(prob[0], 2.0 / 3, 1e-6) && near(prob[1], 1.0 / 3, 1e-6));
        CHECK_EQ_INT(am_clf_dims(c), 2);
        CHECK_EQ_INT(am_clf_classes(c), 2);
    }
    am_clf_destroy(c);
    /* Balanced: weights 6/(2*4) = 0.75 and 6/(2*2) = 1.5, so the votes are
     * 1.5 and 1.5: a tie, which goes to the lower class. */
    p.balanced = 1;
    c = train(AM_CLF_KNN, &p, six_x, 6, 2, six_y, 2);
    if (c) {
        CHECK_EQ_INT(am_clf_predict(c, q, prob), 0);
        CHECK(near(prob[0], 0.5, 1e-6) && near(prob[1], 0.5, 1e-6));
    }
    am_clf_destroy(c);
    /* k=1 at q=(3.25,1): euclidean p4 4.0625 < p3 5.0625 -> class 1;
     * manhattan p3 = p4 = 2.25 (exact in float) -> the earlier row p3. */
    p.balanced = 0;
    p.knn_k = 1;
    float q2[2] = {3.25f, 1.0f};
    c = train(AM_CLF_KNN, &p, six_x, 6, 2, six_y, 2);
    if (c)
        CHECK_EQ_INT(am_clf_predict(c, q2, NULL), 1);
    am_clf_destroy(c);
    p.knn_metric = 1;
    c = train(AM_CLF_KNN, &p, six_x, 6, 2, six_y, 2);
    if (c)
        CHECK_EQ_INT(am_clf_predict(c, q2, NULL), 0);
    am_clf_destroy(c);
    /* k larger than the data: every row votes, 4:2. */
    p.knn_metric = 0;
    p.knn_k = 64;
    c = train(AM_CLF_KNN, &p, six_x, 6, 2, six_y, 2);
    if (c) {
        CHECK_EQ_INT(am_clf_predict(c, q2, prob), 0);
        CHECK(near(prob[0], 2.0 / 3, 1e-6));
    }
    am_clf_destroy(c);
}

static void test_tree(void)
{
    /* 1-D, x = 1..6 with labels 0 0 1 0 1 1. Gini purity sum(t^2)/W per
     * side: split 1.5 -> 1 + 13/5 = 3.6, 2.5 -> 2 + 10/4 = 4.5,
     * 3.5 -> 5/3 + 5/3 = 3.33, 4.5 -> 10/4 + 2 = 4.5, 5.5 -> 3.6. The tie
     * between 2.5 and 4.5 keeps the first: root x <= 2.5, left leaf pure 0,
     * right leaf {0,1,1,1} shares 0.25/0.75. */
    const float x[] = {1, 2, 3, 4, 5, 6};
    const int y[] = {0, 0, 1, 0, 1, 1};
    am_clf_params p;
    am_clf_params_default(&p, AM_CLF_TREE);
    p.tree_depth = 1;
    p.tree_min_leaf = 1;
    am_clf *c = train(AM_CLF_TREE, &p, x, 6, 1, y, 2);
    if (c) {
        CHECK_EQ_INT(c->tree.nnodes, 3);
        CHECK_EQ_INT(c->tree.feature[0], 0);
        CHECK(c->tree.thr[0] == 2.5f);
        float prob[2], q = 4;
        CHECK_EQ_INT(am_clf_predict(c, &q, prob), 1);
        CHECK(near(prob[0], 0.25, 1e-7) && near(prob[1], 0.75, 1e-7));
        q = 2.5f; /* on the threshold: left */
        CHECK_EQ_INT(am_clf_predict(c, &q, prob), 0);
        CHECK(prob[0] == 1.0f);
    }
    am_clf_destroy(c);

    /* Two features; only feature 1 separates (0.3 | 0.7), feature 0 is
     * interleaved: one split at the midpoint 0.5 on feature 1, pure leaves. */
    const float x2[] = {0.5f, 0.1f, 0.1f, 0.2f, 0.9f, 0.3f, 0.2f, 0.7f, 0.6f, 0.8f, 0.4f, 0.9f};
    const int y2[] = {0, 0, 0, 1, 1, 1};
    p.tree_depth = 6;
    c = train(AM_CLF_TREE, &p, x2, 6, 2, y2, 2);
    if (c) {
        CHECK_EQ_INT(c->tree.nnodes, 3);
        CHECK_EQ_INT(c->tree.feature[0], 1);
        CHECK(near(c->tree.thr[0], 0.5, 1e-6));
        float q1[2] = {0.9f, 0.49f}, q2[2] = {0.1f, 0.51f};
        CHECK_EQ_INT(am_clf_predict(c, q1, NULL), 0);
        CHECK_EQ_INT(am_clf_predict(c, q2, NULL), 1);
    }
    am_clf_destroy(c);

    /* Two levels: x = 1..6, labels 0 0 1 1 0 0. Root candidates 2.5 and
     * 4.5 both score 2 + 8/4 = 4 (> parent 20/6); the first wins. Its right
     * side {1,1,0,0} then splits at 4.5 into pure leaves: nodes 0 (root),
     * 1 (leaf), 2 (x <= 4.5), 3 and 4 (leaves). Greedy CART cannot do XOR
     * (no first split lowers Gini), so that is not a case. */
    const float x3[] = {1, 2, 3, 4, 5, 6};
    const int y3[] = {0, 0, 1, 1, 0, 0};
    c = train(AM_CLF_TREE, &p, x3, 6, 1, y3, 2);
    if (c) {
        int ok = 1;
        for (int i = 0; i < 6; i++)
            ok &= am_clf_predict(c, x3 + i, NULL) == y3[i];
        CHECK(ok);
        CHECK_EQ_INT(c->tree.nnodes, 5);
        CHECK(c->tree.thr[0] == 2.5f && c->tree.feature[1] == -1 && c->tree.thr[2] == 4.5f);
    }
    am_clf_destroy(c);

    /* min_leaf 4 on 4 rows forbids any split: one leaf of shares 3/4, 1/4;
     * balanced (weights 2/3 and 2) makes it 1/2, 1/2 -> the lower class. */
    const float x4[] = {1, 2, 3, 4};
    const int y4[] = {0, 0, 0, 1};
    p.tree_min_leaf = 4;
    c = train(AM_CLF_TREE, &p, x4, 4, 1, y4, 2);
    float prob[2];
    if (c) {
        CHECK_EQ_INT(c->tree.nnodes, 1);
        CHECK_EQ_INT(am_clf_predict(c, x4 + 3, prob), 0);
        CHECK(near(prob[0], 0.75, 1e-7));
    }
    am_clf_destroy(c);
    p.balanced = 1;
    c = train(AM_CLF_TREE, &p, x4, 4, 1, y4, 2);
    if (c) {
        CHECK_EQ_INT(am_clf_predict(c, x4 + 3, prob), 0);
        CHECK(near(prob[0], 0.5, 1e-7) && near(prob[1], 0.5, 1e-7));
    }
    am_clf_destroy(c);
}

static void test_nb(void)
{
    /* Class 0: x = 0, 2 (mean 1, variance 1); class 1: x = 4, 6, 8 (mean 6,
     * variance 8/3); priors 2/5, 3/5; floor 1e-9 * 8 (variance of all x).
     * At x = 3:
     *   l0 = ln 0.4 - ln(2 pi)/2 - 4/2            = -3.835229253
     *   l1 = ln 0.6 - ln(2 pi 8/3)/2 - 9/(2*8/3)  = -3.607678780
     *   P(1|x) = 1/(1 + e^(l0-l1))                 =  0.556643416 */
    const float x[] = {0, 2, 4, 6, 8};
    const int y[] = {0, 0, 1, 1, 1};
    am_clf *c = train(AM_CLF_NB, NULL, x, 5, 1, y, 2);
    float prob[3], q = 3;
    if (c) {
        CHECK_EQ_INT(am_clf_predict(c, &q, prob), 1);
        CHECK(near(prob[1], 0.5566434163, 1e-5));
        CHECK(near(prob[0] + prob[1], 1, 1e-6));
        CHECK(near(c->nb.var[0], 1 + 8e-9, 1e-12));
        CHECK(near(c->nb.var[1], 8.0 / 3 + 8e-9, 1e-12));
    }
    am_clf_destroy(c);
    /* Balanced: priors 1/2 each, so l0 = -3.429764, l1 = -3.607679 and
     * P(1|x) = 1/(1 + e^0.177915) = 0.455637. */
    am_clf_params p;
    am_clf_params_default(&p, AM_CLF_NB);
    p.balanced = 1;
    c = train(AM_CLF_NB, &p, x, 5, 1, y, 2);
    if (c) {
        CHECK_EQ_INT(am_clf_predict(c, &q, prob), 0);
        CHECK(near(prob[1], 0.4556371, 1e-5));
    }
    am_clf_destroy(c);
    /* A feature constant within class 0 only gets the floor: still finite,
     * and x away from that constant goes to class 1. A class with no rows
     * (class 2) is never predicted. */
    const float x2[] = {1, 1, 2, 3};
    const int y2[] = {0, 0, 1, 1};
    c = train(AM_CLF_NB, NULL, x2, 4, 1, y2, 3);
    if (c) {
        q = 1;
        CHECK_EQ_INT(am_clf_predict(c, &q, prob), 0);
        CHECK(prob[0] > 0.999f && isfinite(prob[1]));
        q = 1.1f;
        CHECK_EQ_INT(am_clf_predict(c, &q, prob), 1);
        CHECK(prob[2] == 0);
        q = 100;
        CHECK_EQ_INT(am_clf_predict(c, &q, prob), 1);
    }
    am_clf_destroy(c);
}

/* Hand-made SVM: d = 1, gamma 1, SV 0 (label 0, coef +1), SV 1 (label 1,
 * coef -1), rho 0. At x = 0.2: dec = e^-0.04 - e^-0.64 = 0.433497 > 0 ->
 * class 0; scores +dec, -dec -> P(0) = 1/(1 + e^(-2 dec)) = 0.704120. */
static const char *svm_json =
    "{\"kind\":\"svm\",\"dims\":1,\"classes\":2,\"params\":{\"knn_k\":5,\"knn_metric\":0,"
    "\"tree_depth\":6,\"tree_min_leaf\":5,\"svm_c\":1,\"svm_gamma\":1,\"balanced\":0},"
    "\"model\":{\"gamma\":1,\"nsv\":2,\"labels\":[0,1],\"nsv_per_label\":[1,1],\"sv\":[0,1],"
    "\"coef\":[1,-1],\"rho\":[0]}}";

static void test_svm_hand(void)
{
    cJSON *j = cJSON_Parse(svm_json);
    am_clf *c = NULL;
    CHECK(j != NULL);
    CHECK_EQ_INT(am_clf_from_json(ctx, j, 1, 2, &c), AMSEL_OK);
    if (c) {
        float prob[2], q = 0.2f;
        CHECK_EQ_INT(am_clf_predict(c, &q, prob), 0);
        CHECK(near(prob[0], 0.7041198335, 1e-5));
        q = 0.8f;
        CHECK_EQ_INT(am_clf_predict(c, &q, prob), 1);
        CHECK(near(prob[1], 0.7041198335, 1e-5));
    }
    am_clf_destroy(c);
    cJSON_Delete(j);
    /* Label order is libsvm's (first seen), not ours: swapped labels swap
     * the answers. */
    j = cJSON_Parse(svm_json);
    cJSON *m = cJSON_GetObjectItem(j, "model");
    cJSON_ReplaceItemInObject(m, "labels", cJSON_CreateIntArray((const int[]){1, 0}, 2));
    CHECK_EQ_INT(am_clf_from_json(ctx, j, 1, 2, &c), AMSEL_OK);
    if (c) {
        float q = 0.2f;
        CHECK_EQ_INT(am_clf_predict(c, &q, NULL), 1);
    }
    am_clf_destroy(c);
    cJSON_Delete(j);
#ifndef AMSEL_HAVE_LIBSVM
    am_clf_params p;
    am_clf_params_default(&p, AM_CLF_SVM);
    CHECK_EQ_INT(am_clf_train(ctx, &p, six_x, 6, 2, six_y, 2, &c), AMSEL_ERR_UNSUPPORTED);
    CHECK(strstr(amsel_last_error(ctx), "libsvm") != NULL);
#endif
}

static unsigned rng_state = 12345;
static float rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / 16777216.0f;
}

/* Three overlapping blobs in d dimensions, centres at 0.3/0.5/0.7. */
static void blobs(float *x, int *y, int n, int d)
{
    for (int i = 0; i < n; i++) {
        y[i] = i % 3;
        for (int j = 0; j < d; j++)
            x[i * d + j] = 0.3f + 0.2f * (float)y[i] * (j % 2 ? 1 : 0.5f) + 0.4f * (rnd() - 0.5f);
    }
}

static am_clf *round_trip(const am_clf *c)
{
    cJSON *j = am_clf_to_json(c);
    CHECK(j != NULL);
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    cJSON *k = s ? cJSON_Parse(s) : NULL;
    free(s);
    am_clf *r = NULL;
    if (k && am_clf_from_json(ctx, k, am_clf_dims(c), am_clf_classes(c), &r))
        fprintf(stderr, "round trip: %s\n", amsel_last_error(ctx));
    cJSON_Delete(k);
    CHECK(r != NULL);
    return r;
}

enum { RN = 300, RD = 5 };
static float rx[RN * RD];
static int ry[RN];

static void test_round_trip(void)
{
    blobs(rx, ry, RN, RD);
    for (int kind = 0; kind < 4; kind++) {
#ifndef AMSEL_HAVE_LIBSVM
        if (kind == AM_CLF_SVM)
            continue;
#endif
        for (int bal = 0; bal < 2; bal++) {
            am_clf_params p;
            am_clf_params_default(&p, (am_clf_kind)kind);
            p.balanced = bal;
            /* nclass 4: class 3 has no rows and must get no share. */
            int n = RN;
            am_clf *c = train((am_clf_kind)kind, &p, rx, n, RD, ry, 4);
            am_clf *r = c ? round_trip(c) : NULL;
            int same = 1, spread[4] = {0};
            for (int t = 0; t < 1000 && r; t++) {
                float q[RD], pa[4], pb[4];
                for (int j = 0; j < RD; j++)
                    q[j] = 1.2f * rnd() - 0.1f;
                int a = am_clf_predict(c, q, pa), b = am_clf_predict(r, q, pb);
                same &= a == b && !memcmp(pa, pb, sizeof pa);
                spread[a]++;
                float s = pa[0] + pa[1] + pa[2] + pa[3];
                same &= fabsf(s - 1) < 1e-5f && pa[3] == 0;
            }
            if (!same)
                fprintf(stderr, "round trip differs: %s balanced %d\n",
                        am_clf_kind_name((am_clf_kind)kind), bal);
            CHECK(same);
            /* A real model over the blobs answers more than one class. */
            CHECK((spread[0] > 0) + (spread[1] > 0) + (spread[2] > 0) >= 2);
            am_clf_destroy(c);
            am_clf_destroy(r);
        }
    }
}

/* Parses text, applies edit to a copy, expects from_json to refuse it with
 * a message containing want. */
static void expect_refused(const char *text, int d, int nclass, void (*edit)(cJSON *),
                           const char *want)
{
    cJSON *j = cJSON_Parse(text);
    if (!j) {
        CHECK(j != NULL);
        return;
    }
    edit(j);
    am_clf *c = NULL;
    ctx->msg[0] = 0;
    amsel_status st = am_clf_from_json(ctx, j, d, nclass, &c);
    if (st == AMSEL_OK || !strstr(amsel_last_error(ctx), want)) {
        fprintf(stderr, "hostile JSON (want \"%s\"): status %d, \"%s\"\n", want, st,
                amsel_last_error(ctx));
        check_failures++;
    }
    CHECK(c == NULL);
    am_clf_destroy(c);
    cJSON_Delete(j);
}

static cJSON *model(cJSON *j) { return cJSON_GetObjectItem(j, "model"); }
static void set_at(cJSON *j, const char *arr, int i, double v)
{
    cJSON_ReplaceItemInArray(cJSON_GetObjectItem(model(j), arr), i, cJSON_CreateNumber(v));
}
static void e_no_kind(cJSON *j) { cJSON_DeleteItemFromObject(j, "kind"); }
static void e_kind_num(cJSON *j) { cJSON_ReplaceItemInObject(j, "kind", cJSON_CreateNumber(1)); }
static void e_kind_bad(cJSON *j) { cJSON_ReplaceItemInObject(j, "kind", cJSON_CreateString("rf")); }
static void e_no_k(cJSON *j)
{
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(j, "params"), "knn_k");
}
static void e_k_str(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "params"), "knn_k", cJSON_CreateString("5"));
}
static void e_k_frac(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "params"), "knn_k", cJSON_CreateNumber(2.5));
}
static void e_c_zero(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "params"), "svm_c", cJSON_CreateNumber(0));
}
static void e_no_model(cJSON *j) { cJSON_DeleteItemFromObject(j, "model"); }
static void e_leaf_kids(cJSON *j) { set_at(j, "left", 1, 0); }
static void e_cycle(cJSON *j) /* node 1 becomes inner, pointing back at 0 */
{
    set_at(j, "feature", 1, 0);
    set_at(j, "left", 1, 0);
    set_at(j, "right", 1, 2);
}
static void e_self(cJSON *j) { set_at(j, "right", 0, 0); }
static void e_child_range(cJSON *j) { set_at(j, "left", 0, 99); }
static void e_two_parents(cJSON *j) { set_at(j, "left", 0, 2); }
static void e_orphans(cJSON *j) /* the root becomes a leaf */
{
    set_at(j, "feature", 0, -1);
    set_at(j, "left", 0, -1);
    set_at(j, "right", 0, -1);
}
static void e_feature_range(cJSON *j) { set_at(j, "feature", 0, 2); }
static void e_thr_nan(cJSON *j) { set_at(j, "threshold", 0, NAN); }
static void e_thr_inf(cJSON *j) { set_at(j, "threshold", 0, INFINITY); }
static void e_value_neg(cJSON *j) { set_at(j, "value", 0, -1); }
static void e_short(cJSON *j)
{
    cJSON_DeleteItemFromArray(cJSON_GetObjectItem(model(j), "value"), 0);
}
static void e_value_str(cJSON *j)
{
    cJSON_ReplaceItemInArray(cJSON_GetObjectItem(model(j), "value"), 0, cJSON_CreateString("x"));
}
static void e_nodes_huge(cJSON *j)
{
    cJSON_ReplaceItemInObject(model(j), "nodes", cJSON_CreateNumber(1e12));
}
static void e_var_zero(cJSON *j) { set_at(j, "var", 0, 0); }
static void e_prior_sum(cJSON *j) { set_at(j, "prior", 0, 0.9); }
static void e_mean_nan(cJSON *j) { set_at(j, "mean", 1, NAN); }
static void e_y_range(cJSON *j) { set_at(j, "y", 3, 7); }
static void e_x_type(cJSON *j) { cJSON_ReplaceItemInObject(model(j), "x", cJSON_CreateObject()); }
static void e_lab_dup(cJSON *j) { set_at(j, "labels", 1, 0); }
static void e_lab_range(cJSON *j) { set_at(j, "labels", 1, 2); }
static void e_nsv_sum(cJSON *j) { set_at(j, "nsv_per_label", 1, 0); }
static void e_rho_len(cJSON *j)
{
    cJSON_AddItemToArray(cJSON_GetObjectItem(model(j), "rho"), cJSON_CreateNumber(0));
}
static void e_gamma0(cJSON *j)
{
    cJSON_ReplaceItemInObject(model(j), "gamma", cJSON_CreateNumber(0));
}
static void e_none(cJSON *j) { (void)j; }

static char *json_of(am_clf_kind kind, const float *x, int n, int d, const int *y, int nclass,
                     int min_leaf)
{
    am_clf_params p;
    am_clf_params_default(&p, kind);
    p.tree_min_leaf = min_leaf;
    am_clf *c = train(kind, &p, x, n, d, y, nclass);
    cJSON *j = c ? am_clf_to_json(c) : NULL;
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    am_clf_destroy(c);
    return s;
}

static void test_hostile(void)
{
    /* The 1-D tree of test_tree: nodes 0 (root), 1 and 2 (leaves). */
    const float x[] = {1, 2, 3, 4, 5, 6};
    const int y[] = {0, 0, 1, 0, 1, 1};
    char *tree = json_of(AM_CLF_TREE, x, 6, 1, y, 2, 1);
    char *nb = json_of(AM_CLF_NB, x, 6, 1, y, 2, 1);
    char *knn = json_of(AM_CLF_KNN, x, 6, 1, y, 2, 1);
    if (!tree || !nb || !knn) {
        CHECK(0);
        goto done;
    }
    expect_refused(tree, 1, 2, e_no_kind, "kind");
    expect_refused(tree, 1, 2, e_kind_num, "kind");
    expect_refused(tree, 1, 2, e_kind_bad, "\"rf\" unknown");
    expect_refused(tree, 2, 2, e_none, "expected 2 and 2");
    expect_refused(tree, 1, 3, e_none, "2 classes");
    expect_refused(tree, 1, 2, e_no_k, "missing field \"knn_k\"");
    expect_refused(tree, 1, 2, e_k_str, "\"knn_k\" is not a number");
    expect_refused(tree, 1, 2, e_k_frac, "\"knn_k\" is 2.5");
    expect_refused(tree, 1, 2, e_c_zero, "svm_c");
    expect_refused(tree, 1, 2, e_no_model, "\"model\"");
    expect_refused(tree, 1, 2, e_leaf_kids, "leaf with children");
    expect_refused(tree, 1, 2, e_cycle, "cycle");
    expect_refused(tree, 1, 2, e_self, "cycle");
    expect_refused(tree, 1, 2, e_child_range, "\"left\"[0] is 99");
    expect_refused(tree, 1, 2, e_two_parents, "distinct");
    expect_refused(tree, 1, 2, e_orphans, "node 1 is unreachable");
    expect_refused(tree, 1, 2, e_feature_range, "\"feature\"[0] is 2");
    expect_refused(tree, 1, 2, e_thr_nan, "\"threshold\"[0] is not");
    expect_refused(tree, 1, 2, e_thr_inf, "\"threshold\"[0] is not");
    expect_refused(tree, 1, 2, e_value_neg, "negative");
    expect_refused(tree, 1, 2, e_short, "\"value\" has 13 entries, expected 14");
    expect_refused(tree, 1, 2, e_value_str, "\"value\"[0] is not a number");
    expect_refused(tree, 1, 2, e_nodes_huge, "\"nodes\"");
    expect_refused(nb, 1, 2, e_var_zero, "variances must be > 0");
    expect_refused(nb, 1, 2, e_prior_sum, "\"prior\" sums to");
    expect_refused(nb, 1, 2, e_mean_nan, "\"mean\"[1] is not");
    expect_refused(knn, 1, 2, e_y_range, "\"y\"[3] is 7");
    expect_refused(knn, 1, 2, e_x_type, "\"x\" is not an array");
    expect_refused(svm_json, 1, 2, e_lab_dup, "repeats");
    expect_refused(svm_json, 1, 2, e_lab_range, "\"labels\"[1] is 2");
    expect_refused(svm_json, 1, 2, e_nsv_sum, "sums to 1");
    expect_refused(svm_json, 1, 2, e_rho_len, "\"rho\" has more than 1 entries");
    expect_refused(svm_json, 1, 2, e_gamma0, "gamma");
    /* Not an object at all. */
    cJSON *arr = cJSON_CreateArray();
    am_clf *c = NULL;
    CHECK(am_clf_from_json(ctx, arr, 1, 2, &c) == AMSEL_ERR_FORMAT && !c);
    cJSON_Delete(arr);
done:
    free(tree);
    free(nb);
    free(knn);
}

/* Random damage to valid models: each load either fails with a message or
 * gives a model whose answers stay in range (ASan watches the rest). */
static void test_mutations(void)
{
    static const double odd[] = {-1, 0, 1, 2, 3, 7, 0.5, -0.5, 1e9, -1e9, 1e300, NAN, INFINITY};
    const int nodd = (int)(sizeof odd / sizeof odd[0]);
    for (int kind = 0; kind < 4; kind++) {
        char *text = NULL;
        if (kind == AM_CLF_SVM) {
            text = strdup(svm_json);
        } else {
            am_clf_params p;
            am_clf_params_default(&p, (am_clf_kind)kind);
            p.tree_min_leaf = 2;
            am_clf *c = train((am_clf_kind)kind, &p, rx, 40, RD, ry, 3);
            cJSON *j = c ? am_clf_to_json(c) : NULL;
            text = j ? cJSON_PrintUnformatted(j) : NULL;
            cJSON_Delete(j);
            am_clf_destroy(c);
        }
        int d = kind == AM_CLF_SVM ? 1 : RD, nc = kind == AM_CLF_SVM ? 2 : 3;
        int loaded = 0, refused = 0, bad = 0;
        for (int t = 0; text && t < 400; t++) {
            cJSON *j = cJSON_Parse(text), *m = cJSON_GetObjectItem(j, "model");
            int nf = cJSON_GetArraySize(m);
            cJSON *f = cJSON_GetArrayItem(m, (int)(rnd() * (float)nf) % nf);
            double v = odd[(int)(rnd() * (float)nodd) % nodd];
            if (cJSON_IsArray(f)) {
                int len = cJSON_GetArraySize(f);
                if (len > 0)
                    cJSON_ReplaceItemInArray(f, (int)(rnd() * (float)len) % len,
                                             cJSON_CreateNumber(v));
            } else {
                cJSON_SetNumberValue(f, v);
            }
            am_clf *c = NULL;
            ctx->msg[0] = 0;
            if (am_clf_from_json(ctx, j, d, nc, &c) == AMSEL_OK) {
                loaded++;
                for (int q = 0; q < 10; q++) {
                    float x[RD], prob[3];
                    for (int k = 0; k < RD; k++)
                        x[k] = rnd();
                    int a = am_clf_predict(c, x, prob);
                    bad += a < 0 || a >= nc;
                }
            } else {
                refused++;
                bad += amsel_last_error(ctx)[0] == 0 || c != NULL;
            }
            am_clf_destroy(c);
            cJSON_Delete(j);
        }
        CHECK(text != NULL && refused > 0 && loaded > 0);
        CHECK_EQ_INT(bad, 0);
        free(text);
    }
}

static void test_bad_args(void)
{
    CHECK_EQ_INT(am_clf_kind_parse("knn"), AM_CLF_KNN);
    CHECK_EQ_INT(am_clf_kind_parse("tree"), AM_CLF_TREE);
    CHECK_EQ_INT(am_clf_kind_parse("nb"), AM_CLF_NB);
    CHECK_EQ_INT(am_clf_kind_parse("svm"), AM_CLF_SVM);
    CHECK_EQ_INT(am_clf_kind_parse("SVM"), -1);
    CHECK_EQ_INT(am_clf_kind_parse(NULL), -1);
    CHECK(!strcmp(am_clf_kind_name(AM_CLF_NB), "nb"));
    am_clf_params p;
    am_clf *c = NULL;
    am_clf_params_default(&p, AM_CLF_KNN);
    CHECK(p.knn_k == 5 && p.tree_depth == 6 && p.tree_min_leaf == 5 && p.svm_c == 1);
    p.knn_k = 0;
    CHECK_EQ_INT(am_clf_train(ctx, &p, six_x, 6, 2, six_y, 2, &c), AMSEL_ERR_INVALID_ARG);
    CHECK(strstr(amsel_last_error(ctx), "knn_k") != NULL);
    am_clf_params_default(&p, AM_CLF_TREE);
    p.tree_depth = 33;
    CHECK_EQ_INT(am_clf_train(ctx, &p, six_x, 6, 2, six_y, 2, &c), AMSEL_ERR_INVALID_ARG);
    am_clf_params_default(&p, AM_CLF_SVM);
    p.svm_c = NAN;
    CHECK_EQ_INT(am_clf_train(ctx, &p, six_x, 6, 2, six_y, 2, &c), AMSEL_ERR_INVALID_ARG);
    am_clf_params_default(&p, AM_CLF_NB);
    int bad_y[] = {0, 0, 0, 2, 1, 1};
    CHECK_EQ_INT(am_clf_train(ctx, &p, six_x, 6, 2, bad_y, 2, &c), AMSEL_ERR_INVALID_ARG);
    CHECK(strstr(amsel_last_error(ctx), "row 3 has label 2") != NULL);
    float bad_x[12];
    memcpy(bad_x, six_x, sizeof bad_x);
    bad_x[5] = NAN;
    CHECK_EQ_INT(am_clf_train(ctx, &p, bad_x, 6, 2, six_y, 2, &c), AMSEL_ERR_INVALID_ARG);
    CHECK(strstr(amsel_last_error(ctx), "row 2 feature 1") != NULL);
    CHECK_EQ_INT(am_clf_train(ctx, &p, six_x, 0, 2, six_y, 2, &c), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(am_clf_train(ctx, &p, six_x, 6, 0, six_y, 2, &c), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(am_clf_train(ctx, &p, six_x, 6, 2, six_y, 65, &c), AMSEL_ERR_INVALID_ARG);
    CHECK(c == NULL);
}

/* Allocator that fails after `budget` allocations. */
static long budget;
static void *failing_alloc(void *user, void *ptr, size_t size)
{
    (void)user;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    if (!ptr && budget-- <= 0)
        return NULL;
    return realloc(ptr, size);
}

static void test_alloc_failures(void)
{
    amsel_ctx *fctx = NULL;
    budget = 1 << 30;
    CHECK_EQ_INT(amsel_ctx_create_with_alloc(failing_alloc, NULL, &fctx), AMSEL_OK);
    for (int kind = 0; kind < 4; kind++) {
#ifndef AMSEL_HAVE_LIBSVM
        if (kind == AM_CLF_SVM)
            continue;
#endif
        am_clf_params p;
        am_clf_params_default(&p, (am_clf_kind)kind);
        int ok = 0, nomem = 0;
        for (long b = 0; b < 64 && !ok; b++) {
            am_clf *c = NULL;
            budget = b;
            amsel_status st = am_clf_train(fctx, &p, rx, 60, RD, ry, 3, &c);
            if (st == AMSEL_OK) {
                ok = 1;
                cJSON *j = am_clf_to_json(c);
                for (long b2 = 0; j && b2 < 64; b2++) {
                    am_clf *r = NULL;
                    budget = b2;
                    st = am_clf_from_json(fctx, j, RD, 3, &r);
                    am_clf_destroy(r);
                    if (st == AMSEL_OK)
                        break;
                    nomem += st == AMSEL_ERR_NOMEM;
                }
                cJSON_Delete(j);
            } else {
                nomem += st == AMSEL_ERR_NOMEM && c == NULL;
            }
            am_clf_destroy(c);
        }
        CHECK(ok && nomem > 0);
    }
    budget = 1 << 30;
    amsel_ctx_destroy(fctx);
}

/* Several threads predicting on one model see the sequential answers. */
typedef struct job { const am_clf *c; int wrong; } job;
static int seq_ans[RN];
static void *predict_all(void *arg)
{
    job *jb = arg;
    for (int r = 0; r < 20; r++)
        for (int i = 0; i < RN; i++)
            jb->wrong += am_clf_predict(jb->c, rx + i * RD, NULL) != seq_ans[i];
    return NULL;
}

static void test_threads(void)
{
    for (int kind = 0; kind < 3; kind++) {
        am_clf *c = train((am_clf_kind)kind, NULL, rx, RN, RD, ry, 3);
        if (!c)
            continue;
        for (int i = 0; i < RN; i++)
            seq_ans[i] = am_clf_predict(c, rx + i * RD, NULL);
        pthread_t t[4];
        job jobs[4] = {{c, 0}, {c, 0}, {c, 0}, {c, 0}};
        for (int i = 0; i < 4; i++)
            pthread_create(&t[i], NULL, predict_all, &jobs[i]);
        for (int i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            CHECK_EQ_INT(jobs[i].wrong, 0);
        }
        am_clf_destroy(c);
    }
}

int main(void)
{
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    test_knn();
    test_tree();
    test_nb();
    test_svm_hand();
    test_round_trip();
    test_hostile();
    test_mutations();
    test_bad_args();
    test_alloc_failures();
    test_threads();
    amsel_ctx_destroy(ctx);
    return check_exit();
}
