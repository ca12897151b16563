/* From an evaluation to a deployable selector: the chosen policy retrained
 * on every image, saved with its cross-validated figures. */
#include "amsel/feature_table.h"
#include "selector/eval_figures.h"
#include "selector/eval_internal.h"
#include "selector/selector_file.h"

#include <cjson/cJSON.h>

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
            double ref_ms = e->res[e->ref].mean_ms;
            /* "policy" names the row (amsel validate reads it). */
            cJSON *sel = am_policy_figures_json(&e->res[i], ref_ms);
            cJSON *ref = am_policy_figures_json(&e->res[e->ref], ref_ms);
            cJSON_AddStringToObject(sel, "policy", e->res[i].name);
            cJSON_AddStringToObject(ref, "policy", e->res[e->ref].name);
            cJSON_AddItemToObject(cv, "selected", sel);
            cJSON_AddItemToObject(cv, "reference", ref);
            meta.cv = cv;
            st = am_selector_file_write(ctx, path, &pol, &meta, models_dir);
        }
    }
    cJSON_Delete(cv);
    am_policy_clear(&pol);
    am_free(ctx, all);
    return st;
}
