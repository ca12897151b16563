/* k-fold assignment by image: a seeded Fisher-Yates shuffle (splitmix64,
 * so the folds are the same on every platform), optionally grouped by
 * stratum (stable, so the shuffle orders each group), then position mod
 * k: every fold gets its share of each stratum, sizes within one. */
#include "core/ctx.h"
#include "amsel/selector.h"

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

amsel_status amsel_folds_make(amsel_ctx *ctx, int n, int k, uint64_t seed, int *fold_of)
{
    return amsel_folds_make_stratified(ctx, n, k, seed, NULL, 0, fold_of);
}

amsel_status amsel_folds_make_stratified(amsel_ctx *ctx, int n, int k, uint64_t seed,
                                         const int *stratum, int nstrata, int *fold_of)
{
    if (stratum)
        for (int i = 0; i < n; i++)
            if (stratum[i] < 0 || stratum[i] >= nstrata)
                return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "stratum %d of image %d out of range",
                               stratum[i], i);
    if (!fold_of || n < 2 || k < 2 || k > n)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                       "cannot make %d folds of %d images (need 2 <= folds <= images)", k, n);
    int *order = am_malloc(ctx, (size_t)n * sizeof *order);
    if (!order)
        return AMSEL_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        order[i] = i;
    uint64_t s = seed;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(splitmix64(&s) % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    if (stratum) { /* counting sort by stratum, stable */
        int *start = am_calloc(ctx, (size_t)nstrata + 1, sizeof *start);
        int *sorted = am_malloc(ctx, (size_t)n * sizeof *sorted);
        if (!start || !sorted) {
            am_free(ctx, start), am_free(ctx, sorted), am_free(ctx, order);
            return AMSEL_ERR_NOMEM;
        }
        for (int i = 0; i < n; i++)
            start[stratum[i] + 1]++;
        for (int g = 0; g < nstrata; g++)
            start[g + 1] += start[g];
        for (int pos = 0; pos < n; pos++)
            sorted[start[stratum[order[pos]]]++] = order[pos];
        am_free(ctx, start);
        am_free(ctx, order);
        order = sorted;
    }
    for (int pos = 0; pos < n; pos++)
        fold_of[order[pos]] = pos % k;
    am_free(ctx, order);
    return AMSEL_OK;
}

void amsel_folds_split(const int *fold_of, int n, int f, int *train, int *ntrain, int *test,
                       int *ntest)
{
    *ntrain = *ntest = 0;
    for (int i = 0; i < n; i++) {
        if (fold_of[i] == f)
            test[(*ntest)++] = i;
        else
            train[(*ntrain)++] = i;
    }
}
