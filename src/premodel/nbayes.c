/* Gaussian naive Bayes. Per class: feature means, variances (the
 * population variance, i.e. divided by the class count) and the prior.
 * Variance floor, as scikit-learn's var_smoothing: 1e-9 times the largest
 * feature variance of the whole training set (1e-9 when every feature is
 * constant) is added to every variance, so a feature that is constant in a
 * class cannot divide by zero. `balanced` makes the priors uniform over the
 * classes present (the class weights are constant within a class, so means
 * and variances do not change). A class with no rows has prior 0 and is
 * never predicted. */
#include "premodel/clf_internal.h"

#include <math.h>

static const double two_pi = 6.283185307179586476925;

/* log prior - 0.5 * sum log(2 pi var), -inf for a class of prior 0. */
static amsel_status derive(am_clf *c)
{
    am_nb *b = &c->nb;
    const int d = c->d;
    b->lognorm = am_malloc(c->ctx, (size_t)c->nclass * sizeof *b->lognorm);
    if (!b->lognorm)
        return AMSEL_ERR_NOMEM;
    for (int k = 0; k < c->nclass; k++) {
        double s = b->prior[k] > 0 ? log(b->prior[k]) : -HUGE_VAL;
        for (int j = 0; j < d; j++)
            s -= 0.5 * log(two_pi * b->var[(size_t)k * d + j]);
        b->lognorm[k] = s;
    }
    return AMSEL_OK;
}

static amsel_status alloc_nb(am_clf *c)
{
    am_nb *b = &c->nb;
    size_t m = (size_t)c->nclass * c->d;
    b->mean = am_calloc(c->ctx, m, sizeof *b->mean);
    b->var = am_calloc(c->ctx, m, sizeof *b->var);
    b->prior = am_calloc(c->ctx, (size_t)c->nclass, sizeof *b->prior);
    return b->mean && b->var && b->prior ? AMSEL_OK : AMSEL_ERR_NOMEM;
}

amsel_status am_nb_train(am_clf *c, const float *x, int n, const int *y)
{
    am_nb *b = &c->nb;
    const int d = c->d, nc = c->nclass;
    double cnt[AM_CLF_MAX_CLASSES] = {0}, all_mean[AM_CLF_MAX_DIMS] = {0}, maxvar = 0;
    amsel_status st = alloc_nb(c);
    if (st)
        return st;
    for (int i = 0; i < n; i++) {
        cnt[y[i]] += 1;
        for (int j = 0; j < d; j++) {
            b->mean[(size_t)y[i] * d + j] += x[(size_t)i * d + j];
            all_mean[j] += x[(size_t)i * d + j];
        }
    }
    for (int j = 0; j < d; j++) {
        double v = 0;
        all_mean[j] /= n;
        for (int i = 0; i < n; i++) {
            double t = x[(size_t)i * d + j] - all_mean[j];
            v += t * t;
        }
        if (v / n > maxvar)
            maxvar = v / n;
    }
    double eps = maxvar > 0 ? 1e-9 * maxvar : 1e-9;
    for (int k = 0; k < nc; k++)
        for (int j = 0; j < d; j++)
            b->mean[(size_t)k * d + j] = cnt[k] > 0 ? b->mean[(size_t)k * d + j] / cnt[k] : 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++) {
            double t = x[(size_t)i * d + j] - b->mean[(size_t)y[i] * d + j];
            b->var[(size_t)y[i] * d + j] += t * t;
        }
    int present = 0;
    for (int k = 0; k < nc; k++)
        present += cnt[k] > 0;
    for (int k = 0; k < nc; k++) {
        for (int j = 0; j < d; j++) {
            double *v = &b->var[(size_t)k * d + j];
            *v = (cnt[k] > 0 ? *v / cnt[k] : 1.0) + eps;
        }
        b->prior[k] = cnt[k] == 0 ? 0 : c->p.balanced ? 1.0 / present : cnt[k] / n;
    }
    return derive(c);
}

int am_nb_predict(const am_clf *c, const float *x, float *prob)
{
    const am_nb *b = &c->nb;
    const int d = c->d, nc = c->nclass;
    double s[AM_CLF_MAX_CLASSES] = {0};
    for (int k = 0; k < nc; k++) {
        double q = 0;
        for (int j = 0; j < d; j++) {
            double t = x[j] - b->mean[(size_t)k * d + j];
            q += t * t / b->var[(size_t)k * d + j];
        }
        s[k] = b->lognorm[k] - 0.5 * q;
    }
    int best = am_clf_argmax(s, nc);
    if (prob) {
        double tot = 0, e[AM_CLF_MAX_CLASSES];
        for (int k = 0; k < nc; k++)
            tot += e[k] = s[k] == -HUGE_VAL ? 0 : exp(s[k] - s[best]);
        /* Every likelihood underflowed (or x was NaN): all mass on the pick. */
        for (int k = 0; k < nc; k++)
            prob[k] = isfinite(s[best]) ? (float)(e[k] / tot) : (float)(k == best);
    }
    return best;
}

int am_nb_to_json(const am_clf *c, cJSON *m)
{
    const am_nb *b = &c->nb;
    size_t nm = (size_t)c->nclass * c->d;
    return am_json_add_doubles(m, "mean", b->mean, nm) &&
           am_json_add_doubles(m, "var", b->var, nm) &&
           am_json_add_doubles(m, "prior", b->prior, (size_t)c->nclass);
}

amsel_status am_nb_from_json(am_clf *c, const cJSON *m)
{
    amsel_ctx *ctx = c->ctx;
    am_nb *b = &c->nb;
    amsel_status st;
    long nm = (long)c->nclass * c->d;
    if ((st = am_json_get_doubles(ctx, m, "mean", nm, &b->mean)) ||
        (st = am_json_get_doubles(ctx, m, "var", nm, &b->var)) ||
        (st = am_json_get_doubles(ctx, m, "prior", c->nclass, &b->prior)))
        return st;
    for (long i = 0; i < nm; i++)
        if (!(b->var[i] > 0))
            return am_fail(ctx, AMSEL_ERR_FORMAT, "\"var\"[%ld] is %g: variances must be > 0", i,
                           b->var[i]);
    double sum = 0;
    for (int k = 0; k < c->nclass; k++) {
        if (!(b->prior[k] >= 0 && b->prior[k] <= 1))
            return am_fail(ctx, AMSEL_ERR_FORMAT, "\"prior\"[%d] is %g: not in 0..1", k,
                           b->prior[k]);
        sum += b->prior[k];
    }
    if (fabs(sum - 1) > 1e-6)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "\"prior\" sums to %g, not 1", sum);
    return derive(c);
}

void am_nb_free(am_clf *c)
{
    am_nb *b = &c->nb;
    am_free(c->ctx, b->mean);
    am_free(c->ctx, b->var);
    am_free(c->ctx, b->prior);
    am_free(c->ctx, b->lognorm);
    *b = (am_nb){0};
}
