/* Feature selection: the correlation filter and greedy backward
 * elimination; see featsel.h. */
#include "selector/featsel.h"

#include <math.h>
#include <string.h>

void am_featsel_correlation(const double *r, int d, const double *relevance, double limit,
                            int *keep)
{
    for (int j = 0; j < d; j++)
        keep[j] = -1; /* not visited yet */
    for (int step = 0; step < d; step++) {
        int best = -1;
        for (int j = 0; j < d; j++)
            if (keep[j] < 0 && (best < 0 || relevance[j] > relevance[best]))
                best = j;
        keep[best] = 1;
        const double *rb = r + (size_t)best * (size_t)d;
        for (int k = 0; k < d; k++)
            if (k != best && keep[k] == 1 && fabs(rb[k]) > limit) {
                keep[best] = 0;
                break;
            }
    }
}

typedef struct scorer {
    amsel_ctx *ctx;
    double (*fn)(const int *feats, int nfeat, void *user);
    void *user;
    int *trial; /* [nstart] */
} scorer;

/* without[k] = the score of cur[0..n-1] less cur[k], for every k. */
static amsel_status score_removals(scorer *s, const int *cur, int n, double *without)
{
    for (int k = 0; k < n; k++) {
        memcpy(s->trial, cur, (size_t)k * sizeof *cur);
        memcpy(s->trial + k, cur + k + 1, (size_t)(n - k - 1) * sizeof *cur);
        without[k] = s->fn(s->trial, n - 1, s->user);
        if (!isfinite(without[k]))
            return am_fail(s->ctx, AMSEL_ERR_INVALID_ARG,
                           "feature selection: the score of %d features is not finite", n - 1);
    }
    return AMSEL_OK;
}

static amsel_status check_start(amsel_ctx *ctx, const int *start, int nstart, int min_keep)
{
    if (nstart < 1 || min_keep < 1)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                       "feature selection: %d start features, min_keep %d (both must be >= 1)",
                       nstart, min_keep);
    for (int a = 0; a < nstart; a++) {
        if (start[a] < 0)
            return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "feature selection: feature index %d",
                           start[a]);
        for (int b = 0; b < a; b++)
            if (start[a] == start[b])
                return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                               "feature selection: feature %d listed twice", start[a]);
    }
    return AMSEL_OK;
}

amsel_status am_featsel_backward(amsel_ctx *ctx, const int *start, int nstart,
                                 double (*score)(const int *feats, int nfeat, void *user),
                                 void *user, double tol, int min_keep, int *kept, int *nkept,
                                 double *importance, am_featsel_step *log, int *nlog)
{
    if (!start || !score || !kept || !nkept || !importance || !(tol >= 0))
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "am_featsel_backward: bad argument");
    amsel_status st = check_start(ctx, start, nstart, min_keep);
    if (st)
        return st;
    int nl = 0;
    scorer s = {ctx, score, user, am_malloc(ctx, (size_t)nstart * sizeof(int))};
    double *without = am_malloc(ctx, (size_t)nstart * sizeof *without);
    if (!s.trial || !without) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    int n = nstart;
    memcpy(kept, start, (size_t)n * sizeof *kept);
    double base = score(kept, n, user);
    if (!isfinite(base)) {
        st = am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                     "feature selection: the score of %d features is not finite", n);
        goto done;
    }
    if (log)
        log[nl] = (am_featsel_step){-1, n, base, 0, 1};
    nl++;
    int fresh = 0; /* without[] holds the removals from the current set */
    while (n > min_keep) {
        if ((st = score_removals(&s, kept, n, without)))
            goto done;
        fresh = 1;
        int best = 0;
        for (int k = 1; k < n; k++)
            if (without[k] > without[best])
                best = k;
        double loss = base - without[best];
        int accept = !(loss > tol);
        if (log)
            log[nl] = (am_featsel_step){kept[best], accept ? n - 1 : n, without[best], loss,
                                        accept};
        nl++;
        if (!accept)
            break;
        memmove(kept + best, kept + best + 1, (size_t)(n - best - 1) * sizeof *kept);
        n--;
        base = without[best];
        fresh = 0;
    }
    if (!fresh && (st = score_removals(&s, kept, n, without)))
        goto done;
    for (int k = 0; k < n; k++)
        importance[k] = base - without[k];
    *nkept = n;
done:
    if (nlog)
        *nlog = st ? 0 : nl;
    am_free(ctx, s.trial);
    am_free(ctx, without);
    return st;
}
