/* Checks the evaluation document field by field and copies it into the
 * rep_* structs. Every message names the field, e.g. "policies[2].top1:
 * expected a number in [0, 100]". */
#include "report_doc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct chk {
    char *err;
    size_t len;
} chk;

__attribute__((format(printf, 2, 3))) static int fail(chk *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->len)
        vsnprintf(c->err, c->len, fmt, ap);
    va_end(ap);
    return -1;
}

/* A number field: absent -> NaN (or an error when required); present ->
 * finite and inside [lo, hi]. cJSON turns 1e999 into inf: refused here. */
static int num_val(chk *c, const cJSON *j, const char *key, const char *where, double lo,
                   double hi, double *out);

static int num(chk *c, const cJSON *o, const char *key, const char *where, int required,
               double lo, double hi, double *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NAN;
    if (!j || cJSON_IsNull(j)) {
        if (required)
            return fail(c, "%s%s: missing", where, key);
        return 0;
    }
    return num_val(c, j, key, where, lo, hi, out);
}

static int num_val(chk *c, const cJSON *j, const char *key, const char *where, double lo,
                   double hi, double *out)
{
    if (!cJSON_IsNumber(j))
        return fail(c, "%s%s: expected a number", where, key);
    if (!isfinite(j->valuedouble))
        return fail(c, "%s%s: not a finite number", where, key);
    if (j->valuedouble < lo || j->valuedouble > hi)
        return fail(c, "%s%s: %g outside [%g, %g]", where, key, j->valuedouble, lo, hi);
    *out = j->valuedouble;
    return 0;
}

static int str_ok(chk *c, const cJSON *j, const char *where, const char *key)
{
    if (!cJSON_IsString(j) || !j->valuestring)
        return fail(c, "%s%s: expected a string", where, key);
    if (strlen(j->valuestring) > REP_MAX_STRING)
        return fail(c, "%s%s: longer than %d bytes", where, key, REP_MAX_STRING);
    return 0;
}

/* A string field; absent or null -> NULL unless required. */
static int str(chk *c, const cJSON *o, const char *key, const char *where, int required,
               const char **out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!j || cJSON_IsNull(j))
        return required ? fail(c, "%s%s: missing", where, key) : 0;
    if (str_ok(c, j, where, key))
        return -1;
    *out = j->valuestring;
    return 0;
}

/* An array field with at most max items; absent -> *n = 0 unless required. */
static int arr(chk *c, const cJSON *o, const char *key, const char *where, int required, int max,
               const cJSON **out, int *n)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return required ? fail(c, "%s%s: missing", where, key) : 0;
    if (!cJSON_IsArray(j))
        return fail(c, "%s%s: expected an array", where, key);
    int len = cJSON_GetArraySize(j);
    if (len > max)
        return fail(c, "%s%s: %d items, at most %d", where, key, len, max);
    *out = j;
    *n = len;
    return 0;
}

/* An object of name -> number, e.g. usage or importance. */
static int named(chk *c, const cJSON *o, const char *key, const char *where, double lo, double hi,
                 rep_named **out, int *n)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key), *it;
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return 0;
    if (!cJSON_IsObject(j))
        return fail(c, "%s%s: expected an object", where, key);
    int len = cJSON_GetArraySize(j);
    if (len > REP_MAX_MODELS + REP_MAX_FEATURES)
        return fail(c, "%s%s: %d entries, too many", where, key, len);
    if (len == 0)
        return 0;
    if (!(*out = calloc((size_t)len, sizeof **out)))
        return fail(c, "out of memory");
    char sub[64];
    snprintf(sub, sizeof sub, "%s%s.", where, key);
    cJSON_ArrayForEach(it, j)
    {
        if (!it->string || strlen(it->string) > REP_MAX_STRING)
            return fail(c, "%s%s: a name is longer than %d bytes", where, key, REP_MAX_STRING);
        if (num_val(c, it, it->string, sub, lo, hi, &(*out)[*n].v))
            return -1;
        (*out)[(*n)++].name = it->string;
    }
    return 0;
}

static int load_policy(chk *c, const cJSON *p, int i, rep_policy *r)
{
    char w[48];
    snprintf(w, sizeof w, "policies[%d].", i);
    if (!cJSON_IsObject(p))
        return fail(c, "policies[%d]: expected an object", i);
    const cJSON *folds;
    int nf;
    if (str(c, p, "name", w, 1, &r->name) || str(c, p, "kind", w, 1, &r->kind) ||
        num(c, p, "top1", w, 1, 0, 100, &r->top1) || num(c, p, "top5", w, 1, 0, 100, &r->top5) ||
        num(c, p, "mean_ms", w, 1, 0, 1e7, &r->mean_ms) ||
        num(c, p, "models_run", w, 1, 0, REP_MAX_MODELS, &r->models_run) ||
        num(c, p, "p90_ms", w, 0, 0, 1e7, &r->p90_ms) ||
        num(c, p, "overhead_ms", w, 0, 0, 1e7, &r->overhead_ms) ||
        num(c, p, "speedup", w, 0, 0, 1e7, &r->speedup) ||
        num(c, p, "top1_sd", w, 0, 0, 100, &r->top1_sd) ||
        num(c, p, "ms_sd", w, 0, 0, 1e7, &r->ms_sd) ||
        num(c, p, "precision", w, 0, 0, 1, &r->precision) ||
        num(c, p, "recall", w, 0, 0, 1, &r->recall) || num(c, p, "f1", w, 0, 0, 1, &r->f1) ||
        named(c, p, "usage", w, 0, 1, &r->usage, &r->nusage) ||
        arr(c, p, "folds", w, 0, REP_MAX_FOLDS, &folds, &nf))
        return -1;
    if (nf && !(r->fold_top1 = calloc((size_t)nf, sizeof *r->fold_top1)))
        return fail(c, "out of memory");
    const cJSON *f;
    cJSON_ArrayForEach(f, folds)
    {
        char fw[64];
        double ignore;
        snprintf(fw, sizeof fw, "%sfolds[%d].", w, r->nfolds);
        if (!cJSON_IsObject(f))
            return fail(c, "%sfolds[%d]: expected an object", w, r->nfolds);
        if (num(c, f, "top1", fw, 1, 0, 100, &r->fold_top1[r->nfolds]) ||
            num(c, f, "top5", fw, 0, 0, 100, &ignore) || num(c, f, "mean_ms", fw, 0, 0, 1e7, &ignore))
            return -1;
        r->nfolds++;
    }
    /* Checked for type only: the page does not show the choices. */
    const cJSON *choice, *s;
    int nc;
    if (arr(c, p, "choice", w, 0, REP_MAX_FOLDS, &choice, &nc))
        return -1;
    cJSON_ArrayForEach(s, choice)
    {
        if (str_ok(c, s, w, "choice[]"))
            return -1;
    }
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(p, "pareto");
    if (pf && !cJSON_IsBool(pf) && !cJSON_IsNull(pf))
        return fail(c, "%spareto: expected true or false", w);
    return 0;
}

static int load_model(chk *c, const cJSON *m, int i, rep_model *r)
{
    char w[48];
    snprintf(w, sizeof w, "models[%d].", i);
    if (!cJSON_IsObject(m))
        return fail(c, "models[%d]: expected an object", i);
    return str(c, m, "name", w, 1, &r->name) || num(c, m, "mean_ms", w, 1, 0, 1e7, &r->mean_ms) ||
                   num(c, m, "top1", w, 1, 0, 100, &r->top1) ||
                   num(c, m, "top5", w, 0, 0, 100, &r->top5)
               ? -1
               : 0;
}

static int feature_index(const rep_features *f, const char *name)
{
    for (int i = 0; i < f->d; i++)
        if (!strcmp(f->names[i], name))
            return i;
    return -1;
}

static int load_features(chk *c, const cJSON *j, rep_features *f)
{
    const char *w = "features.";
    const cJSON *names, *corr, *kept, *it;
    int n;
    if (arr(c, j, "names", w, 1, REP_MAX_FEATURES, &names, &f->d))
        return -1;
    if (!(f->names = calloc((size_t)f->d + 1, sizeof *f->names)) ||
        !(f->kept = calloc((size_t)f->d + 1, 1)))
        return fail(c, "out of memory");
    n = 0;
    cJSON_ArrayForEach(it, names)
    {
        if (str_ok(c, it, w, "names[]"))
            return -1;
        f->names[n++] = it->valuestring;
    }
    if (arr(c, j, "correlation", w, 0, REP_MAX_FEATURES, &corr, &n))
        return -1;
    if (corr) {
        if (n != f->d)
            return fail(c, "features.correlation: %d rows for %d names", n, f->d);
        if (!(f->corr = calloc((size_t)f->d * (size_t)f->d + 1, sizeof *f->corr)))
            return fail(c, "out of memory");
        int r = 0;
        cJSON_ArrayForEach(it, corr)
        {
            const cJSON *v;
            int k = 0;
            if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != f->d)
                return fail(c, "features.correlation[%d]: expected %d numbers", r, f->d);
            cJSON_ArrayForEach(v, it)
            {
                /* A little slack: correlations are rounded when written. */
                if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || fabs(v->valuedouble) > 1.001)
                    return fail(c, "features.correlation[%d][%d]: expected a number in [-1, 1]", r, k);
                f->corr[r * f->d + k++] = v->valuedouble;
            }
            r++;
        }
    }
    if (arr(c, j, "kept", w, 0, REP_MAX_FEATURES, &kept, &n))
        return -1;
    cJSON_ArrayForEach(it, kept)
    {
        if (str_ok(c, it, w, "kept[]"))
            return -1;
        int k = feature_index(f, it->valuestring);
        if (k < 0)
            return fail(c, "features.kept: '%.64s' is not in features.names", it->valuestring);
        f->kept[k] = 1;
    }
    return named(c, j, "importance", w, -100, 100, &f->importance, &f->nimportance) ||
                   named(c, j, "relevance", w, -1e6, 1e6, &f->relevance, &f->nrelevance)
               ? -1
               : 0;
}

/* "features" is the features file (a string or null) in the document's
 * header; the analysis section may sit under "features" (an object) or
 * "feature_analysis". */
static int load_feature_keys(chk *c, const cJSON *doc, rep_doc *d)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(doc, "features");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, "feature_analysis");
    if (f && !cJSON_IsObject(f) && str(c, doc, "features", "", 0, &d->features_path))
        return -1;
    if (!a || cJSON_IsNull(a))
        a = cJSON_IsObject(f) ? f : NULL;
    else if (!cJSON_IsObject(a))
        return fail(c, "feature_analysis: expected an object");
    if (!a)
        return 0;
    if (!(d->features = calloc(1, sizeof *d->features)))
        return fail(c, "out of memory");
    return load_features(c, a, d->features);
}

int rep_doc_load(const cJSON *doc, rep_doc *d, char *err, size_t errlen)
{
    chk c = {err, errlen};
    double version;
    const cJSON *pol, *mod, *it;
    memset(d, 0, sizeof *d);
    if (!cJSON_IsObject(doc))
        return fail(&c, "expected a JSON object");
    if (num(&c, doc, "version", "", 1, -1e9, 1e9, &version))
        goto bad;
    if (version != 1) {
        fail(&c, "version: %g is not supported (expected 1)", version);
        goto bad;
    }
    if (str(&c, doc, "tool", "", 0, &d->tool) || str(&c, doc, "profile", "", 0, &d->profile) ||
        str(&c, doc, "objective", "", 0, &d->objective) ||
        str(&c, doc, "reference", "", 0, &d->reference) ||
        num(&c, doc, "images", "", 0, 0, 1e9, &d->images) ||
        num(&c, doc, "folds", "", 0, 0, 1e6, &d->folds) ||
        num(&c, doc, "seed", "", 0, 0, 1e19, &d->seed) || load_feature_keys(&c, doc, d) ||
        arr(&c, doc, "policies", "", 1, REP_MAX_POLICIES, &pol, &d->npolicies) ||
        arr(&c, doc, "models", "", 0, REP_MAX_MODELS, &mod, &d->nmodels))
        goto bad;
    if (d->npolicies == 0) {
        fail(&c, "policies: empty");
        goto bad;
    }
    d->policies = calloc((size_t)d->npolicies, sizeof *d->policies);
    d->models = calloc((size_t)d->nmodels + 1, sizeof *d->models);
    if (!d->policies || !d->models) {
        fail(&c, "out of memory");
        goto bad;
    }
    int i = 0;
    cJSON_ArrayForEach(it, pol)
    {
        if (load_policy(&c, it, i, &d->policies[i]))
            goto bad;
        i++;
    }
    i = 0;
    cJSON_ArrayForEach(it, mod)
    {
        if (load_model(&c, it, i, &d->models[i]))
            goto bad;
        i++;
    }
    return 0;
bad:
    rep_doc_free(d);
    return -1;
}

void rep_doc_free(rep_doc *d)
{
    for (int i = 0; d->policies && i < d->npolicies; i++) {
        free(d->policies[i].usage);
        free(d->policies[i].fold_top1);
    }
    free(d->policies);
    free(d->models);
    if (d->features) {
        free(d->features->names);
        free(d->features->corr);
        free(d->features->kept);
        free(d->features->importance);
        free(d->features->relevance);
        free(d->features);
    }
    memset(d, 0, sizeof *d);
}

/* Does (t1, ms) dominate (u1, ums)? */
static int dominates(double t1, double ms, double u1, double ums)
{
    return t1 >= u1 && ms <= ums && (t1 > u1 || ms < ums);
}

/* The oracle and Algorithm 1's subset with an oracle choice inside it are
 * bounds, not policies one can deploy. */
static int is_bound(const rep_policy *p)
{
    return !strcmp(p->kind, "oracle") || !strcmp(p->kind, "alg1");
}

static int dominated(const rep_doc *d, double t1, double ms)
{
    for (int i = 0; i < d->npolicies; i++)
        if (!is_bound(&d->policies[i]) &&
            dominates(d->policies[i].top1, d->policies[i].mean_ms, t1, ms))
            return 1;
    for (int i = 0; i < d->nmodels; i++)
        if (!d->models[i].has_policy && dominates(d->models[i].top1, d->models[i].mean_ms, t1, ms))
            return 1;
    return 0;
}

void rep_doc_derive(rep_doc *d)
{
    for (int i = 0; i < d->nmodels; i++)
        for (int q = 0; q < d->npolicies; q++)
            if (!strcmp(d->models[i].name, d->policies[q].name))
                d->models[i].has_policy = 1;
    for (int q = 0; q < d->npolicies; q++) {
        rep_policy *p = &d->policies[q];
        p->is_ref = d->reference && !strcmp(d->reference, p->name);
        p->on_front = !is_bound(p) && !dominated(d, p->top1, p->mean_ms);
    }
    for (int i = 0; i < d->nmodels; i++)
        d->models[i].on_front =
            !d->models[i].has_policy && !dominated(d, d->models[i].top1, d->models[i].mean_ms);
}
