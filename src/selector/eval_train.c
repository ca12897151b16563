/* From an evaluation to a deployable selector: the chosen policy retrained
 * on every image, saved with its cross-validated figures. */
#include "amsel/feature_table.h"
#include "selector/eval_internal.h"
#include "selector/selector_file.h"

#include <cjson/cJSON.h>

static cJSON *figures(const amsel_policy_result *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "policy", r->name);
    cJSON_AddNumberToObject(o, "top1", r->top1);
    cJSON_AddNumberToObject(o, "top5", r->top5);
    cJSON_AddNumberToObject(o, "mean_ms", r->mean_ms);
    cJSON_AddNumberToObject(o, "p90_ms", r->p90_ms);
    cJSON_AddNumberToObject(o, "overhead_ms", r->overhead_ms);
    cJSON_AddNumberToObject(o, "top1_sd", r->top1_sd);
    cJSON_AddNumberToObject(o, "ms_sd", r->ms_sd);
    return o;
}

amsel_status amsel_eval_train(amsel_eval *e, int i, const amsel_feature_table *ft, float crop,
                              const char *models_dir, const char *path)
{
    amsel_ctx *ctx = e->ctx;
    if (i < 0 || i >= e->nspec || !e->res[i].deployable)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "policy %d cannot be deployed", i);
    if (!!ft != !!e->data.feat)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_eval_train: not the evaluated feature table");
    int N = e->p->nimages;
    int *all = am_malloc(ctx, (size_t)N * sizeof *all);
    if (!all)
        return AMSEL_ERR_NOMEM;
    for (int k = 0; k < N; k++)
        all[k] = k;
    am_fold_facts facts;
    am_policy pol = {0};
    cJSON *cv = NULL;
    amsel_status st = am_fold_facts_make(ctx, &e->data, all, N, e->opt.theta, &facts);
    if (!st && e->data.feat) { /* the selection amsel_eval_run made on every image */
        facts.nfeats = e->nkept;
        for (int k = 0; k < e->nkept; k++)
            facts.feats[k] = e->kept[k];
    }
    if (!st)
        st = am_policy_train(ctx, &e->data, &facts, &e->spec[i], all, N, &pol, NULL, 0);
    if (!st) {
        am_selector_meta meta = {.objective = e->opt.objective, .crop = crop};
        for (int s = 0; s < pol.stages.n; s++)
            meta.model_name[s] = e->p->model_name[pol.stages.model[s]];
        for (int j = 0; j < pol.pre.nfeat; j++)
            meta.feature_name[j] = amsel_feature_table_name(ft, pol.pre.feat[j]);
        cv = cJSON_CreateObject();
        if (!cv)
            st = AMSEL_ERR_NOMEM;
        else {
            cJSON_AddNumberToObject(cv, "folds", e->folds);
            cJSON_AddNumberToObject(cv, "seed", (double)e->opt.seed);
            cJSON_AddNumberToObject(cv, "images", N);
            cJSON_AddItemToObject(cv, "selected", figures(&e->res[i]));
            cJSON_AddItemToObject(cv, "reference", figures(&e->res[e->ref]));
            meta.cv = cv;
            st = am_selector_file_write(ctx, path, &pol, &meta, models_dir);
        }
    }
    cJSON_Delete(cv);
    am_policy_clear(&pol);
    am_free(ctx, all);
    return st;
}
