/* Feature selection tests, against values worked out by hand: min-max
 * scaling and clipping, Pearson correlation, the correlation ratio, the
 * correlation filter's choices, and backward elimination driven by score
 * functions whose removal order is known in advance. */
#include "amsel/amsel.h"
#include "selector/featsel.h"
#include "check.h"

#include <math.h>
#include <string.h>

static amsel_ctx *ctx;

#define NEAR(a, b) CHECK(fabs((double)(a) - (double)(b)) < 1e-9)

static void test_scale(void)
{
    const double x[] = {1, 5, 3, 5, 2, 5};  /* 3 rows x 2 columns; column 1 constant */
    double lo[2], hi[2];
    am_scale_fit(x, 2, NULL, 3, lo, hi);
    CHECK(lo[0] == 1 && hi[0] == 3 && lo[1] == 5 && hi[1] == 5);
    float out[2];
    am_scale_apply((const double[]){2.5, 7}, 2, lo, hi, NULL, 0, out);
    NEAR(out[0], 0.75);
    CHECK(out[1] == 0); /* constant column */
    am_scale_apply((const double[]){0, 5}, 2, lo, hi, NULL, 0, out);
    CHECK(out[0] == 0);  /* below the training range: clipped */
    am_scale_apply((const double[]){4, 5}, 2, lo, hi, NULL, 0, out);
    CHECK(out[0] == 1);
    /* feats picks columns in the given order. */
    am_scale_apply((const double[]){2, 5}, 2, lo, hi, (const int[]){1, 0}, 2, out);
    CHECK(out[0] == 0);
    NEAR(out[1], 0.5);
    /* Fitted on rows 0 and 2 only: row 1's 3 is unseen. */
    am_scale_fit(x, 2, (const int[]){0, 2}, 2, lo, hi);
    CHECK(lo[0] == 1 && hi[0] == 2);
    am_scale_apply(x + 2, 2, lo, hi, (const int[]){0}, 1, out);
    CHECK(out[0] == 1);
}

static void test_pearson(void)
{
    /* columns: a, 2a, reversed, alternating, constant, a + 1e8 */
    double x[4 * 6];
    for (int i = 0; i < 4; i++) {
        double a = i + 1;
        double row[6] = {a, 2 * a, 5 - a, (i + 1) % 2, 7, a + 1e8};
        memcpy(x + i * 6, row, sizeof row);
    }
    NEAR(am_pearson(x, 6, 0, 1, NULL, 4), 1);
    NEAR(am_pearson(x, 6, 0, 2, NULL, 4), -1);
    NEAR(am_pearson(x, 6, 0, 3, NULL, 4), -1 / sqrt(5)); /* sab -1, saa 5, sbb 1 */
    CHECK(am_pearson(x, 6, 0, 4, NULL, 4) == 0);
    NEAR(am_pearson(x, 6, 0, 5, NULL, 4), 1);
    CHECK(am_pearson(x, 6, 0, 1, NULL, 1) == 0);
    /* Rows 0 and 2: a = 1, 3 and alternating = 1, 1 (constant there). */
    CHECK(am_pearson(x, 6, 0, 3, (const int[]){0, 2}, 2) == 0);
    double r[36];
    am_correlation_matrix(x, 6, NULL, 4, r);
    CHECK(r[0] == 1 && r[4 * 6 + 4] == 1);
    NEAR(r[0 * 6 + 3], -1 / sqrt(5));
    CHECK(r[3 * 6 + 0] == r[0 * 6 + 3]);
    CHECK(r[2 * 6 + 4] == 0);
}

static void test_relevance(void)
{
    /* columns: 1..6; determined by the label; label-independent; constant */
    const double x[] = {1, 1, 1, 9, 2, 1, 2, 9, 3, 1, 3, 9,
                        4, 5, 3, 9, 5, 5, 2, 9, 6, 5, 1, 9, 1000, 0, 0, 9};
    int label[7] = {0, 0, 0, 1, 1, 1, -1}; /* row 6 has no label: left out */
    double eta[4];
    am_relevance(x, 4, NULL, 7, label, 2, eta);
    NEAR(eta[0], sqrt(13.5 / 17.5)); /* between 2 * 3 * 1.5^2, total 17.5 */
    NEAR(eta[1], 1);
    CHECK(eta[2] < 1e-12); /* 1,2,3 and 3,2,1: equal group means */
    CHECK(eta[3] == 0);
    /* Labels beyond one block of 64 and a subset of rows give the same. */
    int far[7] = {3, 3, 3, 70, 70, 70, 99};
    double eta2[4];
    am_relevance(x, 4, (const int[]){0, 1, 2, 3, 4, 5}, 6, far, 100, eta2);
    NEAR(eta2[0], eta[0]);
    NEAR(eta2[1], 1);
}

static void test_correlation_filter(void)
{
    double r[16] = {1, 0.8, 0.1, 0.9, 0.8, 1, 0.3, 0.5, 0.1, 0.3, 1, -0.76, 0.9, 0.5, -0.76, 1};
    const double rel[4] = {0.5, 0.9, 0.2, 0.7};
    int keep[4];
    /* By relevance: 1 kept; 3 (r 0.5 with 1) kept; 0 (0.8 with 1) dropped;
     * 2 (|-0.76| with 3) dropped. */
    am_featsel_correlation(r, 4, rel, 0.75, keep);
    CHECK(keep[0] == 0 && keep[1] == 1 && keep[2] == 0 && keep[3] == 1);
    /* At limit 0.76 the pair 2-3 is not above it. */
    am_featsel_correlation(r, 4, rel, 0.76, keep);
    CHECK(keep[0] == 0 && keep[1] == 1 && keep[2] == 1 && keep[3] == 1);
    /* Equal relevance: the lower index stays. */
    double r2[4] = {1, 0.9, 0.9, 1};
    am_featsel_correlation(r2, 2, (const double[]){0.5, 0.5}, 0.75, keep);
    CHECK(keep[0] == 1 && keep[1] == 0);
}

/* Additive score: the sum of the present features' weights. */
static const double W[5] = {5, 0.1, 3, 0.2, 1};
static int calls;
static double additive(const int *f, int n, void *user)
{
    (void)user;
    calls++;
    double s = 0;
    for (int k = 0; k < n; k++)
        s += W[f[k]];
    return s;
}

/* Features 0 and 1 are redundant (either gives 10), 2 is worth 2, 3 0.5. */
static double redundant(const int *f, int n, void *user)
{
    int has[4] = {0};
    for (int k = 0; k < n; k++)
        has[f[k]] = 1;
    return 10 * (has[0] || has[1]) + 2 * has[2] + 0.5 * has[3];
}

static double broken(const int *f, int n, void *user) { return n > 2 ? 50 : NAN; }

static void test_backward(void)
{
    const int all[5] = {0, 1, 2, 3, 4};
    int kept[5], nkept = -1, nlog = -1;
    double imp[5];
    am_featsel_step log[6];
    /* Removes 1 (loses 0.1), then 3 (0.2); removing 4 would lose 1 > 0.5. */
    CHECK(am_featsel_backward(ctx, all, 5, additive, NULL, 0.5, 1, kept, &nkept, imp, log,
                              &nlog) == AMSEL_OK);
    CHECK_EQ_INT(nkept, 3);
    CHECK(kept[0] == 0 && kept[1] == 2 && kept[2] == 4);
    NEAR(imp[0], 5);
    NEAR(imp[1], 3);
    NEAR(imp[2], 1);
    CHECK_EQ_INT(nlog, 4);
    CHECK(log[0].removed == -1 && log[0].nfeat == 5 && log[0].accepted);
    NEAR(log[0].score, 9.3);
    CHECK(log[1].removed == 1 && log[1].nfeat == 4 && log[1].accepted);
    NEAR(log[1].loss, 0.1);
    CHECK(log[2].removed == 3 && log[2].nfeat == 3 && log[2].accepted);
    NEAR(log[2].score, 9.0);
    CHECK(log[3].removed == 4 && log[3].nfeat == 3 && !log[3].accepted);
    NEAR(log[3].loss, 1);

    /* Stopped by min_keep 2 instead: one more removal, then a fresh round
     * for the importances. 1 + 5 + 4 + 3 + 2 score calls. */
    calls = 0;
    CHECK(am_featsel_backward(ctx, all, 5, additive, NULL, 100, 2, kept, &nkept, imp, log,
                              &nlog) == AMSEL_OK);
    CHECK_EQ_INT(nkept, 2);
    CHECK(kept[0] == 0 && kept[1] == 2);
    NEAR(imp[0], 5);
    NEAR(imp[1], 3);
    CHECK_EQ_INT(nlog, 4);
    CHECK(log[3].removed == 4 && log[3].accepted && log[3].nfeat == 2);
    CHECK_EQ_INT(calls, 15);

    /* One feature: its importance is against the empty set (score 0). */
    CHECK(am_featsel_backward(ctx, (const int[]){2}, 1, additive, NULL, 0.5, 1, kept, &nkept,
                              imp, NULL, NULL) == AMSEL_OK);
    CHECK(nkept == 1 && kept[0] == 2);
    NEAR(imp[0], 3);

    /* Redundant pair: removing 0 or 1 costs nothing; the tie goes to the
     * first (0), after which 1 is essential. Then 3 (0.5 <= 0.6). */
    CHECK(am_featsel_backward(ctx, all, 4, redundant, NULL, 0.6, 1, kept, &nkept, imp, log,
                              &nlog) == AMSEL_OK);
    CHECK_EQ_INT(nkept, 2);
    CHECK(kept[0] == 1 && kept[1] == 2);
    NEAR(imp[0], 10);
    NEAR(imp[1], 2);
    CHECK(log[1].removed == 0 && log[2].removed == 3 && !log[3].accepted);

    /* Bad arguments and a non-finite score. */
    CHECK(am_featsel_backward(ctx, (const int[]){1, 1}, 2, additive, NULL, 0.5, 1, kept, &nkept,
                              imp, NULL, NULL) == AMSEL_ERR_INVALID_ARG);
    CHECK(strstr(amsel_last_error(ctx), "listed twice") != NULL);
    CHECK(am_featsel_backward(ctx, (const int[]){-1}, 1, additive, NULL, 0.5, 1, kept, &nkept,
                              imp, NULL, NULL) == AMSEL_ERR_INVALID_ARG);
    CHECK(am_featsel_backward(ctx, all, 0, additive, NULL, 0.5, 1, kept, &nkept, imp, NULL,
                              NULL) == AMSEL_ERR_INVALID_ARG);
    CHECK(am_featsel_backward(ctx, all, 3, additive, NULL, 0.5, 0, kept, &nkept, imp, NULL,
                              NULL) == AMSEL_ERR_INVALID_ARG);
    CHECK(am_featsel_backward(ctx, all, 3, additive, NULL, NAN, 1, kept, &nkept, imp, NULL,
                              NULL) == AMSEL_ERR_INVALID_ARG);
    CHECK(am_featsel_backward(ctx, all, 3, broken, NULL, 0.5, 1, kept, &nkept, imp, log,
                              &nlog) == AMSEL_ERR_INVALID_ARG);
    CHECK(strstr(amsel_last_error(ctx), "not finite") != NULL);
    CHECK_EQ_INT(nlog, 0);
}

int main(void)
{
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    test_scale();
    test_pearson();
    test_relevance();
    test_correlation_filter();
    test_backward();
    amsel_ctx_destroy(ctx);
    return check_exit();
}
