/* Training policies on the training images of one fold (or on every
 * image, for a deployable selector): cascade thresholds and model subset,
 * the paper's chain and multi-class premodels over Algorithm 1's subset,
 * and the hybrid (premodel entry into a tuned cascade). */
#include "selector/policy_train.h"

#include <stdio.h>
#include <string.h>

amsel_status am_fold_facts_make(amsel_ctx *ctx, const am_train_data *d, const int *train,
                                int ntrain, double theta, am_fold_facts *f)
{
    const amsel_profile *p = d->p;
    int M = p->nmodels;
    double cost[AMSEL_PROFILE_MAX_MODELS];
    memset(f, 0, sizeof *f);
    for (int m = 0; m < M; m++) {
        cost[m] = amsel_profile_mean_cost(p, m, train, ntrain);
        f->order[m] = m;
    }
    for (int a = 1; a < M; a++)
        for (int b = a; b > 0 && cost[f->order[b]] < cost[f->order[b - 1]]; b--) {
            int t = f->order[b];
            f->order[b] = f->order[b - 1];
            f->order[b - 1] = t;
        }
    for (int m = 0; m < M; m++) {
        int hits = 0;
        for (int k = 0; k < ntrain; k++)
            hits += amsel_profile_correct(p, train[k], m, d->obj);
        if (100.0 * hits / ntrain > f->best_single) {
            f->best_single = 100.0 * hits / ntrain;
            f->best_model = m;
        }
    }
    int chosen[AMSEL_PROFILE_MAX_MODELS], nchosen, in[AMSEL_PROFILE_MAX_MODELS] = {0};
    amsel_status st = amsel_subset_select(ctx, p, train, ntrain, d->obj, theta, chosen, &nchosen,
                                          NULL, NULL);
    if (st)
        return st;
    for (int k = 0; k < nchosen; k++)
        in[chosen[k]] = 1;
    for (int r = 0; r < M && f->nsubset < AMSEL_CASCADE_MAX; r++)
        if (in[f->order[r]])
            f->subset[f->nsubset++] = f->order[r];
    return AMSEL_OK;
}

void am_stage_labels(const am_train_data *d, const int *stages, int nstages, const int *images,
                     int n, int *label)
{
    for (int k = 0; k < n; k++) {
        int s = 0;
        while (s < nstages && !amsel_profile_correct(d->p, images[k], stages[s], d->obj))
            s++;
        label[k] = s;
    }
}

/* The cheapest cascade over any subset of 1..max_stages models (each in
 * cost order) whose training accuracy reaches the target, else the most
 * accurate. */
static amsel_status train_cascade(amsel_ctx *ctx, const am_train_data *d, const am_fold_facts *f,
                                  const am_policy_spec *s, const int *train, int ntrain,
                                  amsel_cascade *best)
{
    const amsel_profile *p = d->p;
    int M = p->nmodels, maxs = s->max_stages < M ? s->max_stages : M;
    double target = f->best_single + s->margin, bacc = -1, bms = 0;
    int bmeets = 0;
    for (unsigned long mask = 1; mask < (1ul << M); mask++) {
        int models[AMSEL_CASCADE_MAX], n = 0;
        if (__builtin_popcountl(mask) > maxs)
            continue;
        if (s->end_best) { /* the best model must be in it, and the costliest */
            int last = -1;
            for (int r = 0; r < M; r++)
                if (mask >> f->order[r] & 1ul)
                    last = f->order[r];
            if (last != f->best_model)
                continue;
        }
        for (int r = 0; r < M; r++)
            if (mask >> f->order[r] & 1ul)
                models[n++] = f->order[r];
        amsel_cascade c;
        double acc, ms;
        amsel_status st =
            amsel_cascade_tune_conf(ctx, p, train, ntrain, models, n, s->combine, s->confidence,
                                    d->obj, target, s->grid, s->smooth, &c, &acc, &ms);
        if (st)
            return st;
        int meets = acc >= target - 1e-9;
        if (am_tune_better(acc, ms, meets, bacc, bms, bmeets)) {
            bacc = acc, bms = ms, bmeets = meets;
            *best = c;
        }
    }
    return AMSEL_OK;
}

/* Scaling fitted on the training rows, then the scaled matrix. */
static float *scaled_rows(amsel_ctx *ctx, const am_train_data *d, const am_fold_facts *f,
                          const int *train, int ntrain, am_premodel *pm)
{
    pm->nfeat = f->nfeats;
    for (int j = 0; j < f->nfeats; j++) {
        int c = f->feats[j];
        pm->feat[j] = c;
        pm->lo[j] = pm->hi[j] = d->feat[(size_t)train[0] * d->dfeat + c];
        for (int k = 1; k < ntrain; k++) {
            double v = d->feat[(size_t)train[k] * d->dfeat + c];
            pm->lo[j] = v < pm->lo[j] ? v : pm->lo[j];
            pm->hi[j] = v > pm->hi[j] ? v : pm->hi[j];
        }
    }
    float *x = am_malloc(ctx, (size_t)ntrain * (size_t)(f->nfeats ? f->nfeats : 1) * sizeof *x);
    if (!x)
        return NULL;
    for (int k = 0; k < ntrain; k++)
        for (int j = 0; j < f->nfeats; j++) {
            double span = pm->hi[j] - pm->lo[j];
            double v = span > 0 ? (d->feat[(size_t)train[k] * d->dfeat + pm->feat[j]] - pm->lo[j]) / span : 0;
            x[(size_t)k * f->nfeats + j] = (float)v;
        }
    return x;
}

/* The stage most often correct on the training images. */
static int most_accurate_stage(const am_train_data *d, const amsel_cascade *c, const int *train,
                               int ntrain)
{
    int best = c->n - 1, besthits = -1;
    for (int s = 0; s < c->n; s++) {
        int hits = 0;
        for (int k = 0; k < ntrain; k++)
            hits += amsel_profile_correct(d->p, train[k], c->model[s], d->obj);
        if (hits > besthits)
            best = s, besthits = hits;
    }
    return best;
}

/* Chain: classifier s decides "run stage s" among the images the earlier
 * stages passed on (label >= s); positives are those whose cheapest
 * correct stage is s. A stage with no positive gets no classifier (no). */
static amsel_status train_chain(amsel_ctx *ctx, const am_policy_spec *s, const float *x, int n,
                                int d, const int *label, am_policy *pol)
{
    int *rows = am_malloc(ctx, (size_t)n * sizeof *rows), *y = am_malloc(ctx, (size_t)n * sizeof *y);
    float *xs = am_malloc(ctx, (size_t)n * (size_t)(d ? d : 1) * sizeof *xs);
    amsel_status st = rows && y && xs ? AMSEL_OK : AMSEL_ERR_NOMEM;
    pol->pre.nclf = pol->stages.n;
    for (int stage = 0; !st && stage < pol->stages.n; stage++) {
        int m = 0, pos = 0;
        for (int k = 0; k < n; k++)
            if (label[k] >= stage) {
                memcpy(xs + (size_t)m * d, x + (size_t)k * d, (size_t)d * sizeof *xs);
                y[m] = label[k] == stage;
                pos += y[m++];
            }
        if (pos == 0)
            continue;
        st = am_clf_train(ctx, &s->clf, xs, m, d, y, 2, &pol->pre.clf[stage]);
    }
    am_free(ctx, rows), am_free(ctx, y), am_free(ctx, xs);
    return st;
}

amsel_status am_policy_train(amsel_ctx *ctx, const am_train_data *d, const am_fold_facts *f,
                             const am_policy_spec *s, const int *train, int ntrain,
                             am_policy *pol, char *choice, size_t choice_len)
{
    memset(pol, 0, sizeof *pol);
    pol->kind = s->kind;
    amsel_status st = AMSEL_OK;
    if (am_policy_uses_features(pol) && (!d->feat || f->nfeats < 1))
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "policy '%s' needs image features", s->name);
    switch (s->kind) {
    case AM_POL_SINGLE:
        pol->stages.n = 1;
        pol->stages.model[0] = s->model;
        break;
    case AM_POL_CASCADE:
    case AM_POL_HYBRID:
        st = train_cascade(ctx, d, f, s, train, ntrain, &pol->stages);
        break;
    case AM_POL_CHAIN:
    case AM_POL_MULTI:
        pol->stages.n = f->nsubset;
        memcpy(pol->stages.model, f->subset, sizeof f->subset[0] * (size_t)f->nsubset);
        break;
    default:
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "unknown policy kind %d", (int)s->kind);
    }
    if (st)
        return st;
    pol->fallback = s->unsure ? AM_UNSURE : most_accurate_stage(d, &pol->stages, train, ntrain);
    if (am_policy_uses_features(pol)) {
        int *label = am_malloc(ctx, (size_t)ntrain * sizeof *label);
        float *x = label ? scaled_rows(ctx, d, f, train, ntrain, &pol->pre) : NULL;
        if (!label || !x)
            st = AMSEL_ERR_NOMEM;
        else {
            am_stage_labels(d, pol->stages.model, pol->stages.n, train, ntrain, label);
            if (s->kind == AM_POL_CHAIN)
                st = train_chain(ctx, s, x, ntrain, f->nfeats, label, pol);
            else {
                /* Hybrid: an image no stage gets right enters at the cheapest. */
                int nclass = pol->stages.n + (s->kind == AM_POL_MULTI);
                if (s->kind == AM_POL_HYBRID)
                    for (int k = 0; k < ntrain; k++)
                        label[k] = label[k] == pol->stages.n ? 0 : label[k];
                pol->pre.nclf = 1;
                st = am_clf_train(ctx, &s->clf, x, ntrain, f->nfeats, label, nclass,
                                  &pol->pre.clf[0]);
            }
        }
        am_free(ctx, label);
        am_free(ctx, x);
    }
    if (st) {
        am_policy_clear(pol);
        return st;
    }
    if (choice)
        am_policy_describe(pol, d->p, choice, choice_len);
    return AMSEL_OK;
}

void am_policy_describe(const am_policy *pol, const amsel_profile *p, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = at < len ? snprintf(buf + at, len - at, __VA_ARGS__) : 0;                         \
        at += w_ > 0 ? (size_t)w_ : 0;                                                             \
    } while (0)
    int escalates = pol->kind == AM_POL_CASCADE || pol->kind == AM_POL_HYBRID;
    if (pol->kind == AM_POL_SINGLE && pol->stages.n > 1)
        PUT("any of: ");
    for (int s = 0; s < pol->stages.n; s++) {
        PUT("%s%s", s ? (escalates ? " > " : " | ") : "", p->model_name[pol->stages.model[s]]);
        if (escalates && s < pol->stages.n - 1)
            PUT("@%.3f", pol->stages.threshold[s]);
    }
    if (am_policy_uses_features(pol)) {
        PUT("; %d features", pol->pre.nfeat);
        if (pol->kind != AM_POL_HYBRID)
            PUT("; none -> %s", pol->fallback == AM_UNSURE ? "unsure"
                                : p->model_name[pol->stages.model[pol->fallback]]);
    }
#undef PUT
}
