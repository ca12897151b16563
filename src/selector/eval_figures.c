/* A policy's figures as JSON (see eval_figures.h). */
#include "selector/eval_figures.h"

#include <stddef.h>

cJSON *am_policy_figures_json(const amsel_policy_result *r, double ref_ms)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    static const struct { const char *key; size_t off; } nums[] = {
        {"top1", offsetof(amsel_policy_result, top1)},
        {"top5", offsetof(amsel_policy_result, top5)},
        {"mean_ms", offsetof(amsel_policy_result, mean_ms)},
        {"p90_ms", offsetof(amsel_policy_result, p90_ms)},
        {"overhead_ms", offsetof(amsel_policy_result, overhead_ms)},
        {"models_run", offsetof(amsel_policy_result, models_run)},
        {"top1_sd", offsetof(amsel_policy_result, top1_sd)},
        {"ms_sd", offsetof(amsel_policy_result, ms_sd)},
        {"unsure", offsetof(amsel_policy_result, unsure)},
        {"precision", offsetof(amsel_policy_result, precision)},
        {"recall", offsetof(amsel_policy_result, recall)},
        {"f1", offsetof(amsel_policy_result, f1)},
        {"only_policy", offsetof(amsel_policy_result, only_policy)},
        {"only_ref", offsetof(amsel_policy_result, only_ref)},
        {"paired_p", offsetof(amsel_policy_result, paired_p)}};
    int ok = cJSON_AddStringToObject(o, "name", r->name) && cJSON_AddStringToObject(o, "kind", r->kind);
    for (size_t k = 0; ok && k < sizeof nums / sizeof nums[0]; k++)
        ok = cJSON_AddNumberToObject(o, nums[k].key,
                                     *(const double *)((const char *)r + nums[k].off)) != NULL;
    ok = ok && cJSON_AddNumberToObject(o, "speedup", r->mean_ms > 0 ? ref_ms / r->mean_ms : 0);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
