/* Building the evaluation document: run parameters, one object per
 * policy (figures, fold spread, usage, choices), single models, and the
 * feature-selection results when features were given. */
#include "eval_json.h"
#include "cli.h"
#include "selector/eval_figures.h"

#include <stdlib.h>
#include <string.h>

static cJSON *num_array(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static void add_policy(cJSON *arr, const amsel_eval *e, const amsel_profile *p, int q,
                       double ref_ms, int on_front)
{
    const amsel_policy_result *r = amsel_eval_policy(e, q);
    cJSON *o = am_policy_figures_json(r, ref_ms);
    if (!o)
        return;
    cJSON *usage = cJSON_AddObjectToObject(o, "usage");
    for (int m = 0; usage && m < amsel_profile_models(p); m++)
        if (r->usage[m] > 0)
            cJSON_AddNumberToObject(usage, amsel_profile_model_name(p, m), r->usage[m]);
    cJSON *folds = cJSON_AddArrayToObject(o, "folds");
    cJSON *choice = cJSON_AddArrayToObject(o, "choice");
    for (int f = 0; f < amsel_eval_folds(e); f++) {
        double t1, t5, ms;
        amsel_eval_fold(e, q, f, &t1, &t5, &ms);
        cJSON *fo = cJSON_CreateObject();
        if (fo) {
            cJSON_AddNumberToObject(fo, "top1", t1);
            cJSON_AddNumberToObject(fo, "top5", t5);
            cJSON_AddNumberToObject(fo, "mean_ms", ms);
            cJSON_AddItemToArray(folds, fo);
        }
        cJSON_AddItemToArray(choice, cJSON_CreateString(amsel_eval_choice(e, q, f)));
    }
    cJSON_AddBoolToObject(o, "pareto", on_front);
    cJSON_AddItemToArray(arr, o);
}

/* Not dominated: no other point at least as accurate and as fast, and
 * strictly better in one. */
static int on_pareto_front(const amsel_eval *e, int q)
{
    const amsel_policy_result *a = amsel_eval_policy(e, q);
    for (int j = 0; j < amsel_eval_policy_count(e); j++) {
        const amsel_policy_result *b = amsel_eval_policy(e, j);
        if (j != q && b->top1 >= a->top1 && b->mean_ms <= a->mean_ms &&
            (b->top1 > a->top1 || b->mean_ms < a->mean_ms))
            return 0;
    }
    return 1;
}

static void add_features(cJSON *doc, const amsel_eval *e, const amsel_feature_table *ft)
{
    const int *kept;
    const double *imp, *rel, *corr;
    int d, nkept = amsel_eval_features(e, &kept, &imp, &rel, &corr, &d);
    if (!corr)
        return;
    cJSON *fo = cJSON_AddObjectToObject(doc, "feature_analysis");
    cJSON *names = cJSON_AddArrayToObject(fo, "names");
    cJSON *matrix = cJSON_AddArrayToObject(fo, "correlation");
    cJSON *k = cJSON_AddArrayToObject(fo, "kept");
    cJSON *im = cJSON_AddObjectToObject(fo, "importance");
    cJSON *re = cJSON_AddObjectToObject(fo, "relevance");
    for (int j = 0; j < d; j++) {
        const char *name = amsel_feature_table_name(ft, j);
        cJSON_AddItemToArray(names, cJSON_CreateString(name));
        cJSON_AddItemToArray(matrix, num_array(corr + (size_t)j * d, d));
        cJSON_AddNumberToObject(re, name, rel[j]);
    }
    for (int j = 0; j < nkept; j++) {
        cJSON_AddItemToArray(k, cJSON_CreateString(amsel_feature_table_name(ft, kept[j])));
        cJSON_AddNumberToObject(im, amsel_feature_table_name(ft, kept[j]), imp[j]);
    }
}

cJSON *eval_to_json(const amsel_eval *e, const amsel_profile *p, const amsel_feature_table *ft,
                    const amsel_eval_options *o, const char *profile_path,
                    const char *features_path)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    int ref = amsel_eval_reference(e);
    double ref_ms = amsel_eval_policy(e, ref)->mean_ms;
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON_AddStringToObject(doc, "tool", "amsel " AMSEL_VERSION);
    cJSON_AddStringToObject(doc, "profile", profile_path);
    if (features_path)
        cJSON_AddStringToObject(doc, "features", features_path);
    else
        cJSON_AddNullToObject(doc, "features");
    cJSON_AddNumberToObject(doc, "images", amsel_profile_images(p));
    cJSON_AddNumberToObject(doc, "folds", o->folds);
    cJSON_AddNumberToObject(doc, "seed", (double)o->seed);
    cJSON_AddStringToObject(doc, "objective", o->objective == AMSEL_OBJECTIVE_TOP5 ? "top5" : "top1");
    cJSON_AddStringToObject(doc, "reference", amsel_eval_policy(e, ref)->name);
    cJSON *pol = cJSON_AddArrayToObject(doc, "policies");
    for (int q = 0; q < amsel_eval_policy_count(e); q++)
        add_policy(pol, e, p, q, ref_ms, on_pareto_front(e, q));
    cJSON *models = cJSON_AddArrayToObject(doc, "models");
    for (int q = 0; q < amsel_eval_policy_count(e); q++) {
        const amsel_policy_result *r = amsel_eval_policy(e, q);
        if (strcmp(r->kind, "single"))
            continue;
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "name", r->name);
        cJSON_AddNumberToObject(m, "mean_ms", r->mean_ms);
        cJSON_AddNumberToObject(m, "top1", r->top1);
        cJSON_AddNumberToObject(m, "top5", r->top5);
        cJSON_AddItemToArray(models, m);
    }
    if (ft)
        add_features(doc, e, ft);
    return doc;
}

int eval_json_save(const cJSON *doc, const char *path)
{
    char *text = cJSON_Print(doc);
    cli_outfile out = {0};
    if (!text)
        return cli_error("out of memory"), 0;
    int ok = cli_out_open(&out, path);
    if (ok) {
        fputs(text, out.f);
        fputc('\n', out.f);
        ok = cli_out_commit(&out);
        if (!ok)
            cli_out_abort(&out);
    }
    free(text);
    return ok;
}
