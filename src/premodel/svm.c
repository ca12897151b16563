/* RBF C-SVC. Training is libsvm's svm_train (svm-train -s 0 -t 2 with its
 * defaults: eps 1e-3, shrinking, no probability model); the trained model
 * is copied into our own arrays and prediction is done here, in libsvm's
 * summation order, so it needs no libsvm, allocates nothing and is safe
 * from several threads. One-vs-one: pair (i,j) of libsvm's label order
 * votes for i when its decision value is > 0; the class with the most votes
 * wins, ties to the lower class (libsvm: the earlier label). Scores:
 * softmax over classes of the sum of the decision values of the pairs a
 * class is in, oriented towards it (libsvm's Platt-scaled probabilities are
 * not used: they need an internal cross-validation driven by rand()). */
#include "premodel/clf_internal.h"

#include <math.h>

#ifdef AMSEL_HAVE_LIBSVM
#include <svm.h>
#endif

static amsel_status derive(am_clf *c)
{
    am_svm *s = &c->svm;
    s->sv_class = am_malloc(c->ctx, (size_t)s->nsv * sizeof *s->sv_class);
    if (!s->sv_class)
        return AMSEL_ERR_NOMEM;
    for (int k = 0, i = 0; k < s->nlab; k++)
        for (int m = 0; m < s->nsv_per[k]; m++)
            s->sv_class[i++] = k;
    return AMSEL_OK;
}

#ifdef AMSEL_HAVE_LIBSVM
static void quiet(const char *s) { (void)s; } /* the library never prints */

static amsel_status alloc_svm(am_clf *c)
{
    am_svm *s = &c->svm;
    size_t np = (size_t)s->nlab * (s->nlab - 1) / 2;
    s->label = am_malloc(c->ctx, (size_t)s->nlab * sizeof *s->label);
    s->nsv_per = am_malloc(c->ctx, (size_t)s->nlab * sizeof *s->nsv_per);
    s->sv = am_malloc(c->ctx, (size_t)s->nsv * c->d * sizeof *s->sv);
    s->coef = am_malloc(c->ctx, (size_t)(s->nlab - 1) * s->nsv * sizeof *s->coef);
    s->rho = am_malloc(c->ctx, np * sizeof *s->rho);
    return s->label && s->nsv_per && s->sv && s->coef && s->rho ? AMSEL_OK : AMSEL_ERR_NOMEM;
}

/* Copies libsvm's model; SVs point at rows of our problem's nodes. */
static amsel_status copy_model(am_clf *c, const struct svm_model *m)
{
    am_svm *s = &c->svm;
    s->nlab = m->nr_class;
    s->nsv = m->l;
    amsel_status st = alloc_svm(c);
    if (st)
        return st;
    for (int k = 0; k < s->nlab; k++) {
        s->label[k] = m->label[k];
        s->nsv_per[k] = m->nSV ? m->nSV[k] : 0;
    }
    for (int i = 0; i < s->nsv; i++) {
        float *r = s->sv + (size_t)i * c->d;
        for (int j = 0; j < c->d; j++)
            r[j] = 0;
        for (const struct svm_node *e = m->SV[i]; e->index != -1; e++)
            r[e->index - 1] = (float)e->value;
        for (int k = 0; k + 1 < s->nlab; k++)
            s->coef[(size_t)k * s->nsv + i] = m->sv_coef[k][i];
    }
    for (int p = 0; p < s->nlab * (s->nlab - 1) / 2; p++)
        s->rho[p] = m->rho[p];
    return derive(c);
}

amsel_status am_svm_train(am_clf *c, const float *x, int n, const int *y)
{
    amsel_ctx *ctx = c->ctx;
    const int d = c->d;
    double w[AM_CLF_MAX_CLASSES];
    int wlab[AM_CLF_MAX_CLASSES], nw = 0;
    am_clf_class_weights(y, n, c->nclass, c->p.balanced, w);
    struct svm_parameter par = {0};
    par.svm_type = C_SVC;
    par.kernel_type = RBF;
    par.gamma = c->p.svm_gamma > 0 ? c->p.svm_gamma : 1.0 / d;
    par.cache_size = 100;
    par.eps = 1e-3;
    par.C = c->p.svm_c;
    par.shrinking = 1;
    if (c->p.balanced) {
        for (int k = 0; k < c->nclass; k++)
            if (w[k] > 0) {
                wlab[nw] = k;
                w[nw++] = w[k];
            }
        par.nr_weight = nw;
        par.weight_label = wlab;
        par.weight = w;
    }
    c->svm.gamma = par.gamma;
    struct svm_problem prob = {n, am_malloc(ctx, (size_t)n * sizeof(double)),
                               am_malloc(ctx, (size_t)n * sizeof(struct svm_node *))};
    struct svm_node *nodes = am_malloc(ctx, (size_t)n * (d + 1) * sizeof *nodes);
    amsel_status st = AMSEL_OK;
    if (!prob.y || !prob.x || !nodes) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        struct svm_node *r = nodes + (size_t)i * (d + 1);
        for (int j = 0; j < d; j++)
            r[j] = (struct svm_node){j + 1, x[(size_t)i * d + j]};
        r[d].index = -1;
        prob.x[i] = r;
        prob.y[i] = y[i];
    }
    const char *err = svm_check_parameter(&prob, &par);
    if (err) {
        st = am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel svm: libsvm refuses: %s", err);
        goto done;
    }
    svm_set_print_string_function(quiet);
    struct svm_model *m = svm_train(&prob, &par);
    if (!m) {
        st = am_fail(ctx, AMSEL_ERR_NOMEM, "premodel svm: libsvm training failed");
        goto done;
    }
    st = copy_model(c, m);
    svm_free_and_destroy_model(&m);
done:
    am_free(ctx, prob.y);
    am_free(ctx, prob.x);
    am_free(ctx, nodes);
    return st;
}
#else
amsel_status am_svm_train(am_clf *c, const float *x, int n, const int *y)
{
    (void)x, (void)n, (void)y;
    return am_fail(c->ctx, AMSEL_ERR_UNSUPPORTED,
                   "premodel svm: this build has no libsvm (install libsvm-dev and rebuild "
                   "with AMSEL_WITH_LIBSVM=ON), so an SVM cannot be trained");
}
#endif

int am_svm_predict(const am_clf *c, const float *x, float *prob)
{
    const am_svm *s = &c->svm;
    const int d = c->d, nl = s->nlab;
    double dec[AM_CLF_MAX_CLASSES * (AM_CLF_MAX_CLASSES - 1) / 2] = {0};
    /* pair (i,j), i<j, sits at pos[i] + j - i - 1 in libsvm's order. */
    int pos[AM_CLF_MAX_CLASSES];
    for (int i = 0, p = 0; i < nl; i++) {
        pos[i] = p;
        p += nl - i - 1;
    }
    /* SVs are grouped by label, so each pair sums its first class's terms
     * before its second's, as libsvm does. */
    for (int v = 0; v < s->nsv; v++) {
        const float *r = s->sv + (size_t)v * d;
        double q = 0;
        for (int j = 0; j < d; j++) {
            double t = (double)x[j] - (double)r[j];
            q += t * t;
        }
        double kv = exp(-s->gamma * q);
        int ci = s->sv_class[v];
        for (int cj = 0; cj < nl; cj++) {
            if (cj < ci)
                dec[pos[cj] + ci - cj - 1] += s->coef[(size_t)cj * s->nsv + v] * kv;
            else if (cj > ci)
                dec[pos[ci] + cj - ci - 1] += s->coef[(size_t)(cj - 1) * s->nsv + v] * kv;
        }
    }
    double votes[AM_CLF_MAX_CLASSES] = {0}, score[AM_CLF_MAX_CLASSES] = {0};
    for (int i = 0; i < nl; i++)
        for (int j = i + 1; j < nl; j++) {
            double v = dec[pos[i] + j - i - 1] - s->rho[pos[i] + j - i - 1];
            votes[s->label[v > 0 ? i : j]] += 1;
            score[s->label[i]] += v;
            score[s->label[j]] -= v;
        }
    if (nl == 1)
        votes[s->label[0]] = 1;
    int best = am_clf_argmax(votes, c->nclass);
    if (prob) {
        double mx = -HUGE_VAL, e[AM_CLF_MAX_CLASSES], tot = 0;
        for (int k = 0; k < nl; k++)
            if (score[s->label[k]] > mx)
                mx = score[s->label[k]];
        for (int k = 0; k < c->nclass; k++)
            e[k] = 0;
        for (int k = 0; k < nl; k++)
            tot += e[s->label[k]] = exp(score[s->label[k]] - mx);
        for (int k = 0; k < c->nclass; k++)
            prob[k] = isfinite(mx) ? (float)(e[k] / tot) : (float)(k == best);
    }
    return best;
}

int am_svm_to_json(const am_clf *c, cJSON *m)
{
    const am_svm *s = &c->svm;
    return cJSON_AddNumberToObject(m, "gamma", s->gamma) &&
           cJSON_AddNumberToObject(m, "nsv", s->nsv) &&
           am_json_add_ints(m, "labels", s->label, (size_t)s->nlab) &&
           am_json_add_ints(m, "nsv_per_label", s->nsv_per, (size_t)s->nlab) &&
           am_json_add_floats(m, "sv", s->sv, (size_t)s->nsv * c->d) &&
           am_json_add_doubles(m, "coef", s->coef, (size_t)(s->nlab - 1) * s->nsv) &&
           am_json_add_doubles(m, "rho", s->rho, (size_t)s->nlab * (s->nlab - 1) / 2);
}

amsel_status am_svm_from_json(am_clf *c, const cJSON *m)
{
    amsel_ctx *ctx = c->ctx;
    am_svm *s = &c->svm;
    amsel_status st;
    int nsv, nl;
    if ((st = am_json_get_double(ctx, m, "gamma", 0, HUGE_VAL, &s->gamma)) ||
        (st = am_json_get_int(ctx, m, "nsv", 0, AM_CLF_MAX_ROWS, &nsv)) ||
        (st = am_json_get_ints(ctx, m, "labels", -1, 0, c->nclass - 1, &s->label, &nl)))
        return st;
    if (nl < 1 || nl > c->nclass)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "\"labels\" has %d entries, expected 1..%d", nl,
                       c->nclass);
    if (!(s->gamma > 0))
        return am_fail(ctx, AMSEL_ERR_FORMAT, "\"gamma\" must be > 0");
    int seen[AM_CLF_MAX_CLASSES] = {0};
    for (int k = 0; k < nl; k++)
        if (seen[s->label[k]]++)
            return am_fail(ctx, AMSEL_ERR_FORMAT, "\"labels\" repeats class %d", s->label[k]);
    s->nlab = nl;
    long np = (long)nl * (nl - 1) / 2;
    if ((st = am_json_get_ints(ctx, m, "nsv_per_label", nl, 0, nsv, &s->nsv_per, NULL)) ||
        (st = am_json_get_floats(ctx, m, "sv", (long)nsv * c->d, &s->sv, NULL)) ||
        (st = am_json_get_doubles(ctx, m, "coef", (long)(nl - 1) * nsv, &s->coef)) ||
        (st = am_json_get_doubles(ctx, m, "rho", np, &s->rho)))
        return st;
    long tot = 0;
    for (int k = 0; k < nl; k++)
        tot += s->nsv_per[k];
    if (tot != nsv)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "\"nsv_per_label\" sums to %ld, not nsv %d", tot,
                       nsv);
    s->nsv = nsv;
    return derive(c);
}

void am_svm_free(am_clf *c)
{
    am_svm *s = &c->svm;
    am_free(c->ctx, s->label);
    am_free(c->ctx, s->nsv_per);
    am_free(c->ctx, s->sv_class);
    am_free(c->ctx, s->sv);
    am_free(c->ctx, s->coef);
    am_free(c->ctx, s->rho);
    *s = (am_svm){0};
}
