/* Reading the selector file. Everything in it is hostile: each field's
 * type and range is checked, and the premodel must have the classifier
 * count and shapes its kind needs, before the runtime trusts any of it.
 * Every message starts with the file name. */
#include "selector/selector_file.h"
#include "core/ctx.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct reader {
    amsel_ctx *ctx;
    const char *name;
} reader;

static amsel_status bad(const reader *r, amsel_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static amsel_status bad(const reader *r, amsel_status s, const char *fmt, ...)
{
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return am_fail(r->ctx, s, "%s: %s", r->name, m);
}

/* Model and file names end up in paths: letters, digits, . _ + - only,
 * not starting with a dot (so never "..", never a folder). */
static int safe_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= AM_SELECTOR_NAME_MAX || s[0] == '.')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._+-", *s))
            return 0;
    return 1;
}

static amsel_status get_string(const reader *r, const cJSON *o, const char *where, const char *key,
                               const char **out)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!f)
        return bad(r, AMSEL_ERR_FORMAT, "%s: missing \"%s\"", where, key);
    if (!cJSON_IsString(f) || !f->valuestring)
        return bad(r, AMSEL_ERR_FORMAT, "%s: \"%s\" is not a string", where, key);
    *out = f->valuestring;
    return AMSEL_OK;
}

static amsel_status get_number(const reader *r, const cJSON *o, const char *where, const char *key,
                               double lo, double hi, double *out)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!f)
        return bad(r, AMSEL_ERR_FORMAT, "%s: missing \"%s\"", where, key);
    if (!cJSON_IsNumber(f) || !isfinite(f->valuedouble))
        return bad(r, AMSEL_ERR_FORMAT, "%s: \"%s\" is not a finite number", where, key);
    if (!(f->valuedouble >= lo && f->valuedouble <= hi))
        return bad(r, AMSEL_ERR_FORMAT, "%s: \"%s\" is %g, expected %g..%g", where, key,
                   f->valuedouble, lo, hi);
    *out = f->valuedouble;
    return AMSEL_OK;
}

static amsel_status get_array(const reader *r, const cJSON *o, const char *where, const char *key,
                              int lo, int hi, const cJSON **out, int *n)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!f)
        return bad(r, AMSEL_ERR_FORMAT, "%s: missing \"%s\"", where, key);
    if (!cJSON_IsArray(f))
        return bad(r, AMSEL_ERR_FORMAT, "%s: \"%s\" is not an array", where, key);
    int c = cJSON_GetArraySize(f);
    if (c < lo || c > hi)
        return bad(r, AMSEL_ERR_FORMAT, "%s: \"%s\" has %d entries, expected %d..%d", where, key, c,
                   lo, hi);
    *out = f;
    *n = c;
    return AMSEL_OK;
}

static amsel_status read_header(const reader *r, const cJSON *root, am_selector_info *info)
{
    const char *s = NULL;
    double v = 0;
    amsel_status st;
    if (!cJSON_IsObject(root))
        return bad(r, AMSEL_ERR_FORMAT, "not an amsel selector file (not a JSON object)");
    if ((st = get_string(r, root, "top level", "format", &s)) != AMSEL_OK)
        return st;
    if (strcmp(s, AM_SELECTOR_FORMAT))
        return bad(r, AMSEL_ERR_FORMAT,
                   "not an amsel selector file (format \"%.40s\", expected \"%s\")", s,
                   AM_SELECTOR_FORMAT);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(ver))
        return bad(r, AMSEL_ERR_FORMAT, "missing or non-numeric \"version\"");
    if (ver->valuedouble != AM_SELECTOR_VERSION)
        return bad(r, AMSEL_ERR_UNSUPPORTED,
                   "selector file version %g is not supported (this build reads version %d)",
                   ver->valuedouble, AM_SELECTOR_VERSION);
    if ((st = get_string(r, root, "top level", "objective", &s)) != AMSEL_OK)
        return st;
    if (strcmp(s, "top1") && strcmp(s, "top5"))
        return bad(r, AMSEL_ERR_FORMAT, "\"objective\" is \"%.40s\", expected top1 or top5", s);
    info->objective = strcmp(s, "top5") ? AMSEL_OBJECTIVE_TOP1 : AMSEL_OBJECTIVE_TOP5;
    if ((st = get_number(r, root, "top level", "crop", 1e-3, 1.0, &v)) != AMSEL_OK)
        return st;
    info->crop = (float)v;
    return AMSEL_OK;
}

static amsel_status read_stage(const reader *r, const cJSON *o, int s, am_policy *pol,
                               am_selector_info *info)
{
    char where[48];
    snprintf(where, sizeof where, "stage %d", s);
    if (!cJSON_IsObject(o))
        return bad(r, AMSEL_ERR_FORMAT, "%s is not an object", where);
    const char *model = NULL, *file = NULL, *hash = NULL;
    double thr = 0;
    amsel_status st;
    if ((st = get_string(r, o, where, "model", &model)) != AMSEL_OK ||
        (st = get_string(r, o, where, "file", &file)) != AMSEL_OK ||
        (st = get_string(r, o, where, "sha256", &hash)) != AMSEL_OK ||
        (st = get_number(r, o, where, "threshold", -FLT_MAX, FLT_MAX, &thr)) != AMSEL_OK)
        return st;
    if (!safe_name(model))
        return bad(r, AMSEL_ERR_FORMAT, "%s: model name \"%.60s\" is not a plain name", where,
                   model);
    if (!safe_name(file))
        return bad(r, AMSEL_ERR_FORMAT, "%s: file \"%.60s\" is not a plain file name", where, file);
    size_t hl = strlen(hash);
    for (size_t i = 0; i < hl; i++)
        if (!isxdigit((unsigned char)hash[i]))
            hl = 0;
    if (hl != 64)
        return bad(r, AMSEL_ERR_FORMAT, "%s: \"sha256\" is not 64 hex digits", where);
    for (size_t i = 0; i <= 64; i++)
        info->sha256[s][i] = (char)tolower((unsigned char)hash[i]);
    snprintf(info->model_name[s], AM_SELECTOR_NAME_MAX, "%s", model);
    snprintf(info->file[s], AM_SELECTOR_NAME_MAX, "%s", file);
    pol->stages.model[s] = s;
    pol->stages.threshold[s] = (float)thr;
    return AMSEL_OK;
}

static amsel_status read_policy(const reader *r, const cJSON *root, am_policy *pol,
                                am_selector_info *info)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "policy");
    if (!cJSON_IsObject(p))
        return bad(r, AMSEL_ERR_FORMAT, "missing \"policy\" object");
    const char *s = NULL;
    amsel_status st;
    if ((st = get_string(r, p, "policy", "kind", &s)) != AMSEL_OK)
        return st;
    int kind = am_policy_kind_parse(s);
    if (kind < 0)
        return bad(
            r, AMSEL_ERR_FORMAT,
            "policy: unknown kind \"%.40s\" (expected single, cascade, chain, multi or hybrid)", s);
    pol->kind = (am_pol_kind)kind;
    const cJSON *comb = cJSON_GetObjectItemCaseSensitive(p, "combine");
    if (!cJSON_IsBool(comb))
        return bad(r, AMSEL_ERR_FORMAT, "policy: \"combine\" is missing or not true/false");
    pol->stages.combine = cJSON_IsTrue(comb);
    if ((st = get_string(r, p, "policy", "confidence", &s)) != AMSEL_OK)
        return st;
    if (strcmp(s, "top1") && strcmp(s, "margin"))
        return bad(r, AMSEL_ERR_FORMAT,
                   "policy: \"confidence\" is \"%.40s\", expected top1 or margin", s);
    pol->stages.confidence = !strcmp(s, "margin");
    const cJSON *stages;
    int n;
    if ((st = get_array(r, p, "policy", "stages", 1, AMSEL_CASCADE_MAX, &stages, &n)) != AMSEL_OK)
        return st;
    if (pol->kind == AM_POL_SINGLE && n != 1)
        return bad(r, AMSEL_ERR_FORMAT, "policy: kind single has %d stages, expected 1", n);
    pol->stages.n = info->nstages = n;
    for (int i = 0; i < n; i++)
        if ((st = read_stage(r, cJSON_GetArrayItem(stages, i), i, pol, info)) != AMSEL_OK)
            return st;
    const cJSON *fb = cJSON_GetObjectItemCaseSensitive(p, "fallback");
    if (cJSON_IsString(fb) && !strcmp(fb->valuestring, "unsure"))
        pol->fallback = AM_UNSURE;
    else if (cJSON_IsNumber(fb) && fb->valuedouble >= 0 && fb->valuedouble < n &&
             fb->valuedouble == (int)fb->valuedouble)
        pol->fallback = (int)fb->valuedouble;
    else
        return bad(r, AMSEL_ERR_FORMAT, "policy: \"fallback\" must be a stage 0..%d or \"unsure\"",
                   n - 1);
    return AMSEL_OK;
}

static amsel_status read_features(const reader *r, const cJSON *pre, am_premodel *pm)
{
    const cJSON *feats;
    int n;
    amsel_status st = get_array(r, pre, "premodel", "features", 1, AMSEL_FEATURES_MAX, &feats, &n);
    if (st != AMSEL_OK)
        return st;
    for (int j = 0; j < n; j++) {
        const cJSON *f = cJSON_GetArrayItem(feats, j);
        char where[48];
        snprintf(where, sizeof where, "premodel feature %d", j);
        if (!cJSON_IsObject(f))
            return bad(r, AMSEL_ERR_FORMAT, "%s is not an object", where);
        const char *name = NULL;
        if ((st = get_string(r, f, where, "name", &name)) != AMSEL_OK ||
            (st = get_number(r, f, where, "lo", -DBL_MAX, DBL_MAX, &pm->lo[j])) != AMSEL_OK ||
            (st = get_number(r, f, where, "hi", pm->lo[j], DBL_MAX, &pm->hi[j])) != AMSEL_OK)
            return st;
        int col = -1;
        for (int c = 0; c < amsel_features_count(); c++)
            if (!strcmp(amsel_features_name(c), name))
                col = c;
        if (col < 0)
            return bad(r, AMSEL_ERR_FORMAT, "%s: unknown feature \"%.60s\"", where, name);
        for (int k = 0; k < j; k++)
            if (pm->feat[k] == col)
                return bad(r, AMSEL_ERR_FORMAT, "%s: feature \"%s\" appears twice", where, name);
        pm->feat[j] = col;
    }
    pm->nfeat = n;
    return AMSEL_OK;
}

static amsel_status read_premodel(const reader *r, const cJSON *root, am_policy *pol)
{
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "policy"), "premodel");
    if (!am_policy_uses_features(pol)) {
        if (pre && !cJSON_IsNull(pre))
            return bad(r, AMSEL_ERR_FORMAT, "policy kind %s has no premodel, but one is given",
                       am_policy_kind_name(pol->kind));
        return AMSEL_OK;
    }
    if (!cJSON_IsObject(pre))
        return bad(r, AMSEL_ERR_FORMAT, "policy kind %s needs a \"premodel\" object",
                   am_policy_kind_name(pol->kind));
    am_premodel *pm = &pol->pre;
    amsel_status st = read_features(r, pre, pm);
    if (st != AMSEL_OK)
        return st;
    int n = pol->stages.n, chain = pol->kind == AM_POL_CHAIN;
    int want = chain ? n : 1;
    int nclass = chain ? 2 : pol->kind == AM_POL_MULTI ? n + 1 : n;
    const cJSON *clfs;
    int nc;
    if ((st = get_array(r, pre, "premodel", "classifiers", want, want, &clfs, &nc)) != AMSEL_OK)
        return st;
    for (int c = 0; c < nc; c++) {
        const cJSON *j = cJSON_GetArrayItem(clfs, c);
        if (cJSON_IsNull(j) && chain) {
            pm->clf[pm->nclf++] = NULL; /* this stage is never chosen by the chain */
            continue;
        }
        am_clf *clf = NULL;
        if (!cJSON_IsObject(j))
            return bad(r, AMSEL_ERR_FORMAT, "premodel classifier %d is not an object", c);
        if ((st = am_clf_from_json(r->ctx, j, pm->nfeat, nclass, &clf)) != AMSEL_OK) {
            char m[400];
            snprintf(m, sizeof m, "%s", amsel_last_error(r->ctx));
            return bad(r, st, "premodel classifier %d: %s", c, m);
        }
        pm->clf[pm->nclf++] = clf;
    }
    return AMSEL_OK;
}

amsel_status am_selector_parse(amsel_ctx *ctx, const char *name, const char *text, size_t len,
                               am_policy *pol, am_selector_info *info)
{
    memset(pol, 0, sizeof *pol);
    memset(info, 0, sizeof *info);
    reader r = {ctx, name};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        int line = 1;
        for (size_t i = 0; i < off; i++)
            line += text[i] == '\n';
        return bad(&r, AMSEL_ERR_FORMAT, "not valid JSON (line %d, byte %zu)%s", line, off,
                   off + 1 >= len ? ": the file ends early" : "");
    }
    for (const char *p = end; p && p < text + len; p++)
        if (!isspace((unsigned char)*p)) {
            cJSON_Delete(root);
            return bad(&r, AMSEL_ERR_FORMAT, "not valid JSON: text after the end (byte %zu)",
                       (size_t)(p - text));
        }
    amsel_status st;
    if ((st = read_header(&r, root, info)) == AMSEL_OK &&
        (st = read_policy(&r, root, pol, info)) == AMSEL_OK)
        st = read_premodel(&r, root, pol);
    if (st == AMSEL_OK) {
        cJSON *cv = cJSON_DetachItemFromObjectCaseSensitive(root, "cv");
        if (cv && !cJSON_IsObject(cv) && !cJSON_IsNull(cv))
            st = bad(&r, AMSEL_ERR_FORMAT, "\"cv\" is not an object");
        if (st == AMSEL_OK && cJSON_IsObject(cv))
            info->cv = cv, cv = NULL;
        cJSON_Delete(cv);
    }
    cJSON_Delete(root);
    if (st != AMSEL_OK) {
        am_policy_clear(pol);
        am_selector_info_clear(info);
    }
    return st;
}

amsel_status am_selector_file_read(amsel_ctx *ctx, const char *path, am_policy *pol,
                                   am_selector_info *info)
{
    memset(pol, 0, sizeof *pol);
    memset(info, 0, sizeof *info);
    size_t limit = ctx->limits.max_file_bytes < AM_SELECTOR_MAX_BYTES ? ctx->limits.max_file_bytes
                                                                      : AM_SELECTOR_MAX_BYTES;
    uint8_t *data;
    size_t size;
    amsel_status st = am_read_file(ctx, path, limit, &data, &size);
    if (st != AMSEL_OK)
        return st;
    st = am_selector_parse(ctx, path, (const char *)data, size, pol, info);
    am_free(ctx, data);
    return st;
}

void am_selector_info_clear(am_selector_info *info)
{
    if (!info)
        return;
    cJSON_Delete(info->cv);
    memset(info, 0, sizeof *info);
}
