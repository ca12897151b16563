/* The live selector: a selector file's policy run on decoded images, with
 * the same decision functions as the offline evaluation (am_policy_entry,
 * am_combine, am_policy_stop), so live and offline choose identically.
 *
 * Concurrency: the policy and the file's facts are read-only after open.
 * Each model has a private context (its error buffer) and a mutex; each
 * feature workspace has a private context and is lent from a pool. The
 * caller's context is written only under err_lock. */
#include "amsel/deploy.h"
#include "amsel/features.h"
#include "core/ctx.h"
#include "core/sha256.h"
#include "selector/combine.h"
#include "selector/deploy_internal.h"
#include "selector/selector_file.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* A private context with the caller's allocator, limits, backend and
 * thread count. */
static amsel_status sub_ctx(amsel_ctx *parent, amsel_ctx **out)
{
    amsel_status st = amsel_ctx_create_with_alloc(parent->alloc, parent->alloc_user, out);
    if (st != AMSEL_OK)
        return am_fail(parent, st, "out of memory creating a context");
    (*out)->limits = parent->limits;
    (*out)->backend = parent->backend;
    (*out)->threads = parent->threads; /* each model context has its own pool of that size */
    return AMSEL_OK;
}

static amsel_status load_stage(amsel_selector *s, const char *path, const char *models_dir, int i)
{
    const am_selector_info *in = &s->info;
    char mpath[4096], hex[65];
    if ((size_t)snprintf(mpath, sizeof mpath, "%s/%s", models_dir, in->file[i]) >= sizeof mpath)
        return am_fail(s->ctx, AMSEL_ERR_INVALID_ARG, "%s: models folder path too long", path);
    amsel_status st = am_sha256_file(s->ctx, mpath, hex);
    if (st != AMSEL_OK) {
        char m[400];
        snprintf(m, sizeof m, "%s", amsel_last_error(s->ctx));
        return am_fail(s->ctx, st, "%s: model %s: %s", path, in->model_name[i], m);
    }
    if (strcmp(hex, in->sha256[i]))
        return am_fail(s->ctx, AMSEL_ERR_FORMAT,
                       "%s: model %s (%s) has sha256 %s, but the selector file expects %s "
                       "(a different model file than the one it was trained with)",
                       path, in->model_name[i], mpath, hex, in->sha256[i]);
    if ((st = sub_ctx(s->ctx, &s->model_ctx[i])) != AMSEL_OK)
        return st;
    if ((st = amsel_model_load(s->model_ctx[i], mpath, &s->model[i])) != AMSEL_OK)
        return am_fail(s->ctx, st, "%s: model %s: %s", path, in->model_name[i],
                       amsel_last_error(s->model_ctx[i]));
    return AMSEL_OK;
}

static workspace *ws_take(amsel_selector *s, amsel_status *st);
static void ws_give(amsel_selector *s, workspace *w);

static void describe(amsel_selector *s)
{
    const am_policy *p = &s->pol;
    char *d = s->describe;
    size_t cap = sizeof s->describe, len = 0;
#define PUT(...) (len += (size_t)snprintf(d + len, len < cap ? cap - len : 0, __VA_ARGS__))
    PUT("%s", am_policy_kind_name(p->kind));
    if (am_policy_uses_features(p)) {
        const am_clf *c = NULL;
        for (int i = 0; i < p->pre.nclf && !c; i++)
            c = p->pre.clf[i];
        PUT(" (%s premodel on %d features, fallback ",
            c ? am_clf_kind_name(am_clf_get_params(c)->kind) : "no", p->pre.nfeat);
        if (p->fallback == AM_UNSURE)
            PUT("unsure)");
        else
            PUT("%s)", s->info.model_name[p->fallback]);
    }
    PUT(":");
    int escalates = p->kind == AM_POL_CASCADE || p->kind == AM_POL_HYBRID;
    for (int i = 0; i < p->stages.n; i++) {
        PUT(" %s%s", i ? (escalates ? "-> " : "| ") : "", s->info.model_name[i]);
        if (escalates && i < p->stages.n - 1)
            PUT(" (stop at %s >= %g)", p->stages.confidence ? "margin" : "top1",
                p->stages.threshold[i]);
    }
    PUT("; %scrop %g", p->stages.combine ? "combine; " : "", s->info.crop);
#undef PUT
    if (len >= cap)
        memcpy(d + cap - 4, "...", 4);
}

amsel_status amsel_selector_open(amsel_ctx *ctx, const char *path, const char *models_dir,
                                 amsel_selector **out)
{
    if (!out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_selector_open: NULL out");
    *out = NULL;
    if (!ctx || !path || !models_dir)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_selector_open: NULL argument");
    amsel_selector *s = am_calloc(ctx, 1, sizeof *s);
    if (!s)
        return AMSEL_ERR_NOMEM;
    s->ctx = ctx;
    pthread_mutex_init(&s->err_lock, NULL);
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_cond_init(&s->pool_cond, NULL);
    amsel_status st = am_selector_file_read(ctx, path, &s->pol, &s->info);
    for (int i = 0; st == AMSEL_OK && i < s->pol.stages.n; i++) {
        st = load_stage(s, path, models_dir, i);
        pthread_mutex_init(&s->model_lock[i], NULL);
        s->nlocks = i + 1;
    }
    if (st == AMSEL_OK && am_policy_uses_features(&s->pol)) {
        /* One feature workspace now: its failure shows at open, and the
         * first classify does not pay for it. */
        workspace *w = ws_take(s, &st);
        if (w)
            ws_give(s, w);
    }
    if (st != AMSEL_OK) {
        amsel_selector_destroy(s);
        return st;
    }
    describe(s);
    *out = s;
    return AMSEL_OK;
}

void amsel_selector_destroy(amsel_selector *s)
{
    if (!s)
        return;
    for (int i = 0; i < AMSEL_CASCADE_MAX; i++) {
        amsel_model_destroy(s->model[i]);
        amsel_ctx_destroy(s->model_ctx[i]);
    }
    for (int i = 0; i < s->nlocks; i++)
        pthread_mutex_destroy(&s->model_lock[i]);
    for (int i = 0; i < s->nws; i++) {
        amsel_features_destroy(s->ws[i].f);
        amsel_ctx_destroy(s->ws[i].ctx);
    }
    am_policy_clear(&s->pol);
    am_selector_info_clear(&s->info);
    pthread_mutex_destroy(&s->err_lock);
    pthread_mutex_destroy(&s->pool_lock);
    pthread_cond_destroy(&s->pool_cond);
    am_free(s->ctx, s);
}

/* Reports a failure of one classify call into the shared context. */
static amsel_status report(amsel_selector *s, amsel_status st, const char *msg)
{
    pthread_mutex_lock(&s->err_lock);
    am_fail(s->ctx, st, "%s", msg);
    pthread_mutex_unlock(&s->err_lock);
    return st;
}

/* A free workspace, created when none is free and the pool is not full. */
static workspace *ws_take(amsel_selector *s, amsel_status *st)
{
    workspace *w = NULL;
    pthread_mutex_lock(&s->pool_lock);
    while (!w) {
        for (int i = 0; i < s->nws && !w; i++)
            if (!s->ws[i].busy)
                w = &s->ws[i];
        if (!w && s->nws < POOL_MAX) {
            workspace *n = &s->ws[s->nws];
            pthread_mutex_lock(&s->err_lock); /* sub_ctx reports into s->ctx */
            *st = sub_ctx(s->ctx, &n->ctx);
            if (*st == AMSEL_OK && (*st = amsel_features_create(n->ctx, &n->f)) != AMSEL_OK) {
                am_fail(s->ctx, *st, "feature workspace: %s", amsel_last_error(n->ctx));
                amsel_ctx_destroy(n->ctx);
                n->ctx = NULL;
            }
            pthread_mutex_unlock(&s->err_lock);
            if (*st != AMSEL_OK)
                break;
            w = &s->ws[s->nws++];
        } else if (!w) {
            pthread_cond_wait(&s->pool_cond, &s->pool_lock);
        }
    }
    if (w)
        w->busy = 1;
    pthread_mutex_unlock(&s->pool_lock);
    return w;
}

static void ws_give(amsel_selector *s, workspace *w)
{
    pthread_mutex_lock(&s->pool_lock);
    w->busy = 0;
    pthread_cond_signal(&s->pool_cond);
    pthread_mutex_unlock(&s->pool_lock);
}

/* The premodel's first stage (0 for policies without one), or AM_UNSURE. */
static amsel_status entry_stage(amsel_selector *s, const amsel_image *img, amsel_selection *out,
                                int *entry)
{
    *entry = 0;
    if (!am_policy_uses_features(&s->pol))
        return AMSEL_OK;
    double t0 = am_now_ms(), row[AMSEL_FEATURES_MAX];
    amsel_status st = AMSEL_OK;
    workspace *w = ws_take(s, &st);
    if (!w)
        return st;
    st = amsel_features_compute(w->f, img, row);
    char msg[512];
    if (st != AMSEL_OK)
        snprintf(msg, sizeof msg, "features: %s", amsel_last_error(w->ctx));
    ws_give(s, w);
    if (st != AMSEL_OK)
        return report(s, st, msg);
    double t1 = am_now_ms();
    *entry = am_policy_entry(&s->pol, row);
    out->features_ms = t1 - t0;
    out->premodel_ms = am_now_ms() - t1;
    if (*entry != AM_UNSURE && (*entry < 0 || *entry >= s->pol.stages.n))
        return report(s, AMSEL_ERR_FORMAT, "premodel chose a stage out of range");
    return AMSEL_OK;
}

amsel_status amsel_selector_classify(amsel_selector *s, const amsel_image *img,
                                     amsel_selection *out)
{
    if (!s || !img || !out)
        return s ? report(s, AMSEL_ERR_INVALID_ARG, "amsel_selector_classify: NULL argument")
                 : AMSEL_ERR_INVALID_ARG;
    double t0 = am_now_ms();
    memset(out, 0, sizeof *out);
    for (int r = 0; r < 5; r++)
        out->top[r].cls = -1;
    int entry;
    amsel_status st = entry_stage(s, img, out, &entry);
    if (st != AMSEL_OK)
        return st;
    if (entry == AM_UNSURE) {
        out->unsure = 1;
        out->total_ms = am_now_ms() - t0;
        return AMSEL_OK;
    }
    const am_policy *p = &s->pol;
    int cls[AMSEL_CASCADE_MAX][5], ocls[5];
    float score[AMSEL_CASCADE_MAX][5], oscore[5], conf;
    for (int stage = entry; stage < p->stages.n; stage++) {
        amsel_class_score top[5];
        double pre_ms = 0, infer_ms = 0;
        char msg[512];
        pthread_mutex_lock(&s->model_lock[stage]);
        st = amsel_model_classify(s->model[stage], img, s->info.crop, 5, top, &pre_ms, &infer_ms);
        if (st != AMSEL_OK)
            snprintf(msg, sizeof msg, "model %s: %s", s->info.model_name[stage],
                     amsel_last_error(s->model_ctx[stage]));
        pthread_mutex_unlock(&s->model_lock[stage]);
        if (st != AMSEL_OK)
            return report(s, st, msg);
        int k = out->nrun++;
        out->run[k] = stage;
        out->model_ms[k] = pre_ms + infer_ms;
        for (int r = 0; r < 5; r++)
            cls[k][r] = top[r].cls, score[k][r] = top[r].score;
        am_combine((const int(*)[5])cls, (const float(*)[5])score, out->nrun, p->stages.combine,
                   p->stages.confidence, ocls, oscore, &conf);
        if (am_policy_stop(p, stage, conf))
            break;
    }
    for (int r = 0; r < 5; r++)
        out->top[r].cls = ocls[r], out->top[r].score = oscore[r];
    out->total_ms = am_now_ms() - t0;
    return AMSEL_OK;
}

int amsel_selector_stages(const amsel_selector *s)
{
    return s ? s->pol.stages.n : 0;
}

const char *amsel_selector_model_name(const amsel_selector *s, int stage)
{
    return s && stage >= 0 && stage < s->pol.stages.n ? s->info.model_name[stage] : NULL;
}

float amsel_selector_crop(const amsel_selector *s) { return s->info.crop; }

const char *amsel_selector_describe(const amsel_selector *s)
{
    return s ? s->describe : "";
}
