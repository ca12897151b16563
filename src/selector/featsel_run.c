/* Feature selection driver: labels, relevance, correlation filter and
 * backward elimination with an inner-CV KNN score. */
#include "selector/featsel_run.h"
#include "selector/featsel.h"

#include <string.h>

typedef struct score_ctx {
    amsel_ctx *ctx;
    const am_train_data *d;
    const int *train, *label, *inner_fold;
    int ntrain, nlabel, folds;
    const double *lo, *hi;
    float *x, *xt;            /* scratch: ntrain x nfeat */
    int *y;
    amsel_status st;
} score_ctx;

/* Inner k-fold CV accuracy (%) of a 5-NN multi-class premodel on feats. */
static double cv_score(const int *feats, int nfeat, void *user)
{
    score_ctx *s = user;
    int hits = 0;
    if (nfeat == 0) { /* no features: the majority label */
        int count[AMSEL_CASCADE_MAX + 1] = {0}, best = 0;
        for (int k = 0; k < s->ntrain; k++)
            best = ++count[s->label[k]] > best ? count[s->label[k]] : best;
        return 100.0 * best / s->ntrain;
    }
    for (int f = 0; f < s->folds && !s->st; f++) {
        int m = 0;
        for (int k = 0; k < s->ntrain; k++)
            if (s->inner_fold[k] != f) {
                am_scale_apply(s->d->feat + (size_t)s->train[k] * s->d->dfeat, s->d->dfeat, s->lo,
                               s->hi, feats, nfeat, s->x + (size_t)m * nfeat);
                s->y[m++] = s->label[k];
            }
        am_clf_params p;
        am_clf_params_default(&p, AM_CLF_KNN);
        am_clf *c = NULL;
        if ((s->st = am_clf_train(s->ctx, &p, s->x, m, nfeat, s->y, s->nlabel, &c)))
            break;
        for (int k = 0; k < s->ntrain; k++)
            if (s->inner_fold[k] == f) {
                float xt[AMSEL_FEATURES_MAX];
                am_scale_apply(s->d->feat + (size_t)s->train[k] * s->d->dfeat, s->d->dfeat, s->lo,
                               s->hi, feats, nfeat, xt);
                hits += am_clf_predict(c, xt, NULL) == s->label[k];
            }
        am_clf_destroy(c);
    }
    return 100.0 * hits / s->ntrain;
}

amsel_status am_select_features(amsel_ctx *ctx, const am_train_data *d, const int *train,
                                int ntrain, const am_featsel_options *o, am_fold_facts *f,
                                double *importance, double *relevance, double *corr)
{
    int D = d->dfeat;
    if (D > AMSEL_FEATURES_MAX)
        return am_fail(ctx, AMSEL_ERR_LIMIT, "%d features, at most %d", D, AMSEL_FEATURES_MAX);
    int *label_row = am_malloc(ctx, (size_t)d->p->nimages * sizeof *label_row);
    int *label = am_malloc(ctx, (size_t)ntrain * sizeof *label);
    int *inner = am_malloc(ctx, (size_t)ntrain * sizeof *inner);
    double *r = am_malloc(ctx, (size_t)D * D * sizeof *r);
    float *x = am_malloc(ctx, (size_t)ntrain * D * sizeof *x);
    int *y = am_malloc(ctx, (size_t)ntrain * sizeof *y);
    amsel_status st = AMSEL_OK;
    if (!label_row || !label || !inner || !r || !x || !y) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    /* Labels indexed by profile row for am_relevance; others stay out (-1). */
    am_stage_labels(d, f->subset, f->nsubset, train, ntrain, label);
    for (int i = 0; i < d->p->nimages; i++)
        label_row[i] = -1;
    for (int k = 0; k < ntrain; k++)
        label_row[train[k]] = label[k];
    am_relevance(d->feat, D, train, ntrain, label_row, f->nsubset + 1, relevance);
    am_correlation_matrix(d->feat, D, train, ntrain, r);
    if (corr)
        memcpy(corr, r, (size_t)D * D * sizeof *r);
    int keep[AMSEL_FEATURES_MAX], start[AMSEL_FEATURES_MAX], nstart = 0;
    am_featsel_correlation(r, D, relevance, o->corr_limit, keep);
    for (int j = 0; j < D; j++)
        if (keep[j])
            start[nstart++] = j;
    if (!o->backward) {
        memcpy(f->feats, start, sizeof start[0] * (size_t)nstart);
        f->nfeats = nstart;
        for (int k = 0; k < nstart; k++)
            importance[k] = 0;
        goto done;
    }
    double lo[AMSEL_FEATURES_MAX], hi[AMSEL_FEATURES_MAX];
    am_scale_fit(d->feat, D, train, ntrain, lo, hi);
    /* Inner folds: position mod k of a seeded shuffle of the training list. */
    if ((st = amsel_folds_make(ctx, ntrain, o->inner_folds, o->seed, inner)))
        goto done;
    score_ctx s = {ctx, d, train, label, inner, ntrain, f->nsubset + 1, o->inner_folds, lo, hi,
                   x, NULL, y, AMSEL_OK};
    st = am_featsel_backward(ctx, start, nstart, cv_score, &s, o->tol,
                             o->min_keep < nstart ? o->min_keep : nstart, f->feats, &f->nfeats,
                             importance, NULL, NULL);
    if (!st)
        st = s.st;
done:
    am_free(ctx, label_row), am_free(ctx, label), am_free(ctx, inner), am_free(ctx, r);
    am_free(ctx, x), am_free(ctx, y);
    return st;
}
