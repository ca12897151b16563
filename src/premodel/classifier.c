/* Premodel dispatch: parameters, argument checks, the JSON envelope
 * (kind, dims, classes, params) and the per-kind calls. */
#include "premodel/clf_internal.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[] = {"knn", "tree", "nb", "svm"};

void am_clf_params_default(am_clf_params *p, am_clf_kind kind)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->knn_k = 5;
    p->knn_metric = 0;
    p->tree_depth = 6;
    p->tree_min_leaf = 5;
    p->svm_c = 1.0;
    p->svm_gamma = 0.0;
    p->balanced = 0;
}

const char *am_clf_kind_name(am_clf_kind k)
{
    return (unsigned)k < 4 ? kind_names[k] : "unknown";
}

int am_clf_kind_parse(const char *s)
{
    for (int k = 0; s && k < 4; k++)
        if (!strcmp(s, kind_names[k]))
            return k;
    return -1;
}

amsel_status am_clf_params_check(amsel_ctx *ctx, const am_clf_params *p)
{
    if ((unsigned)p->kind > AM_CLF_SVM)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: unknown kind %d", (int)p->kind);
    if (p->knn_k < 1 || p->knn_k > 64)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: knn_k %d not in 1..64", p->knn_k);
    if (p->knn_metric != 0 && p->knn_metric != 1)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                       "premodel: knn_metric %d (0 euclidean, 1 manhattan)", p->knn_metric);
    if (p->tree_depth < 1 || p->tree_depth > 32)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: tree_depth %d not in 1..32",
                       p->tree_depth);
    if (p->tree_min_leaf < 1 || p->tree_min_leaf > AM_CLF_MAX_ROWS)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: tree_min_leaf %d not >= 1",
                       p->tree_min_leaf);
    if (!(p->svm_c > 0) || !isfinite(p->svm_c))
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: svm_c %g not > 0", p->svm_c);
    if (!(p->svm_gamma >= 0) || !isfinite(p->svm_gamma))
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: svm_gamma %g not >= 0",
                       p->svm_gamma);
    if (p->balanced != 0 && p->balanced != 1)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: balanced %d not 0 or 1",
                       p->balanced);
    return AMSEL_OK;
}

void am_clf_class_weights(const int *y, int n, int nclass, int balanced, double *w)
{
    int present = 0;
    for (int c = 0; c < nclass; c++)
        w[c] = 0;
    for (int i = 0; i < n; i++)
        w[y[i]] += 1;
    for (int c = 0; c < nclass; c++)
        present += w[c] > 0;
    for (int c = 0; c < nclass; c++)
        w[c] = !balanced ? 1.0 : w[c] > 0 ? (double)n / ((double)present * w[c]) : 0.0;
}

int am_clf_argmax(const double *s, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (s[i] > s[best])
            best = i;
    return best;
}

static void clf_free_parts(am_clf *c)
{
    am_knn_free(c);
    am_tree_free(c);
    am_nb_free(c);
    am_svm_free(c);
}

void am_clf_destroy(am_clf *c)
{
    if (!c)
        return;
    clf_free_parts(c);
    am_free(c->ctx, c);
}

static amsel_status check_shape(amsel_ctx *ctx, int d, int nclass)
{
    if (d < 1 || d > AM_CLF_MAX_DIMS)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: %d features, expected 1..%d", d,
                       AM_CLF_MAX_DIMS);
    if (nclass < 1 || nclass > AM_CLF_MAX_CLASSES)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: %d classes, expected 1..%d",
                       nclass, AM_CLF_MAX_CLASSES);
    return AMSEL_OK;
}

amsel_status am_clf_train(amsel_ctx *ctx, const am_clf_params *p, const float *x, int n, int d,
                          const int *y, int nclass, am_clf **out)
{
    if (!out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "am_clf_train: NULL argument");
    *out = NULL;
    if (!ctx || !p || !x || !y)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "am_clf_train: NULL argument");
    amsel_status st = am_clf_params_check(ctx, p);
    if (st || (st = check_shape(ctx, d, nclass)))
        return st;
    if (n < 1 || n > AM_CLF_MAX_ROWS)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "premodel: %d training rows, expected 1..%d",
                       n, AM_CLF_MAX_ROWS);
    for (int i = 0; i < n; i++) {
        if (y[i] < 0 || y[i] >= nclass)
            return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                           "premodel: row %d has label %d, expected 0..%d", i, y[i], nclass - 1);
        for (int j = 0; j < d; j++)
            if (!isfinite(x[(size_t)i * d + j]))
                return am_fail(ctx, AMSEL_ERR_INVALID_ARG,
                               "premodel: row %d feature %d is not finite", i, j);
    }
    am_clf *c = am_calloc(ctx, 1, sizeof *c);
    if (!c)
        return AMSEL_ERR_NOMEM;
    c->ctx = ctx;
    c->p = *p;
    c->d = d;
    c->nclass = nclass;
    switch (p->kind) {
    case AM_CLF_KNN: st = am_knn_train(c, x, n, y); break;
    case AM_CLF_TREE: st = am_tree_train(c, x, n, y); break;
    case AM_CLF_NB: st = am_nb_train(c, x, n, y); break;
    case AM_CLF_SVM: st = am_svm_train(c, x, n, y); break;
    }
    if (st) {
        am_clf_destroy(c);
        return st;
    }
    *out = c;
    return AMSEL_OK;
}

int am_clf_predict(const am_clf *c, const float *x, float *prob)
{
    switch (c->p.kind) {
    case AM_CLF_KNN: return am_knn_predict(c, x, prob);
    case AM_CLF_TREE: return am_tree_predict(c, x, prob);
    case AM_CLF_NB: return am_nb_predict(c, x, prob);
    case AM_CLF_SVM: return am_svm_predict(c, x, prob);
    }
    return 0;
}

int am_clf_dims(const am_clf *c) { return c->d; }
int am_clf_classes(const am_clf *c) { return c->nclass; }
const am_clf_params *am_clf_get_params(const am_clf *c) { return &c->p; }

static int params_to_json(const am_clf_params *p, cJSON *o)
{
    return cJSON_AddNumberToObject(o, "knn_k", p->knn_k) &&
           cJSON_AddNumberToObject(o, "knn_metric", p->knn_metric) &&
           cJSON_AddNumberToObject(o, "tree_depth", p->tree_depth) &&
           cJSON_AddNumberToObject(o, "tree_min_leaf", p->tree_min_leaf) &&
           cJSON_AddNumberToObject(o, "svm_c", p->svm_c) &&
           cJSON_AddNumberToObject(o, "svm_gamma", p->svm_gamma) &&
           cJSON_AddNumberToObject(o, "balanced", p->balanced);
}

cJSON *am_clf_to_json(const am_clf *c)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON *params = NULL, *m = NULL;
    int ok = cJSON_AddStringToObject(j, "kind", am_clf_kind_name(c->p.kind)) &&
             cJSON_AddNumberToObject(j, "dims", c->d) &&
             cJSON_AddNumberToObject(j, "classes", c->nclass) &&
             (params = cJSON_AddObjectToObject(j, "params")) && params_to_json(&c->p, params) &&
             (m = cJSON_AddObjectToObject(j, "model"));
    if (ok) {
        switch (c->p.kind) {
        case AM_CLF_KNN: ok = am_knn_to_json(c, m); break;
        case AM_CLF_TREE: ok = am_tree_to_json(c, m); break;
        case AM_CLF_NB: ok = am_nb_to_json(c, m); break;
        case AM_CLF_SVM: ok = am_svm_to_json(c, m); break;
        }
    }
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static amsel_status params_from_json(amsel_ctx *ctx, const cJSON *o, am_clf_params *p)
{
    amsel_status st;
    int a, b, c, e, bal;
    double C, g;
    if (!cJSON_IsObject(o))
        return am_fail(ctx, AMSEL_ERR_FORMAT, "premodel \"params\" is missing or not an object");
    if ((st = am_json_get_int(ctx, o, "knn_k", 1, 64, &a)) ||
        (st = am_json_get_int(ctx, o, "knn_metric", 0, 1, &b)) ||
        (st = am_json_get_int(ctx, o, "tree_depth", 1, 32, &c)) ||
        (st = am_json_get_int(ctx, o, "tree_min_leaf", 1, AM_CLF_MAX_ROWS, &e)) ||
        (st = am_json_get_double(ctx, o, "svm_c", 0, HUGE_VAL, &C)) ||
        (st = am_json_get_double(ctx, o, "svm_gamma", 0, HUGE_VAL, &g)) ||
        (st = am_json_get_int(ctx, o, "balanced", 0, 1, &bal)))
        return st;
    p->knn_k = a;
    p->knn_metric = b;
    p->tree_depth = c;
    p->tree_min_leaf = e;
    p->svm_c = C;
    p->svm_gamma = g;
    p->balanced = bal;
    /* The remaining rule (svm_c > 0) is the trainer's; its message names the field. */
    return am_clf_params_check(ctx, p) ? AMSEL_ERR_FORMAT : AMSEL_OK;
}

amsel_status am_clf_from_json(amsel_ctx *ctx, const cJSON *j, int d, int nclass, am_clf **out)
{
    if (!out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "am_clf_from_json: NULL argument");
    *out = NULL;
    if (!ctx)
        return AMSEL_ERR_INVALID_ARG;
    amsel_status st = check_shape(ctx, d, nclass);
    if (st)
        return st;
    if (!cJSON_IsObject(j))
        return am_fail(ctx, AMSEL_ERR_FORMAT, "premodel is not a JSON object");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
    if (!cJSON_IsString(kind))
        return am_fail(ctx, AMSEL_ERR_FORMAT, "premodel \"kind\" is missing or not a string");
    int k = am_clf_kind_parse(kind->valuestring);
    if (k < 0)
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       "premodel kind \"%.40s\" unknown (expected knn, tree, nb or svm)",
                       kind->valuestring);
    int jd, jc;
    if ((st = am_json_get_int(ctx, j, "dims", 1, AM_CLF_MAX_DIMS, &jd)) ||
        (st = am_json_get_int(ctx, j, "classes", 1, AM_CLF_MAX_CLASSES, &jc)))
        return st;
    if (jd != d || jc != nclass)
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       "premodel is for %d features and %d classes, expected %d and %d", jd, jc,
                       d, nclass);
    am_clf_params p;
    am_clf_params_default(&p, (am_clf_kind)k);
    if ((st = params_from_json(ctx, cJSON_GetObjectItemCaseSensitive(j, "params"), &p)))
        return st;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "model");
    if (!cJSON_IsObject(m))
        return am_fail(ctx, AMSEL_ERR_FORMAT, "premodel \"model\" is missing or not an object");
    am_clf *c = am_calloc(ctx, 1, sizeof *c);
    if (!c)
        return AMSEL_ERR_NOMEM;
    c->ctx = ctx;
    c->p = p;
    c->d = d;
    c->nclass = nclass;
    switch (p.kind) {
    case AM_CLF_KNN: st = am_knn_from_json(c, m); break;
    case AM_CLF_TREE: st = am_tree_from_json(c, m); break;
    case AM_CLF_NB: st = am_nb_from_json(c, m); break;
    case AM_CLF_SVM: st = am_svm_from_json(c, m); break;
    }
    if (st) {
        am_clf_destroy(c);
        return st;
    }
    *out = c;
    return AMSEL_OK;
}
