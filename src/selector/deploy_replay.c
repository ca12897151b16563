/* What a selector decides for an image of a profile, from the answers the
 * profile recorded instead of running the models: the same decision
 * functions as amsel_selector_classify, so a live run and its replay must
 * agree image for image (amsel validate --profile checks it). */
#include "amsel/feature_table.h"
#include "selector/combine.h"
#include "selector/deploy_internal.h"
#include "selector/profile.h"

#include <string.h>

amsel_status amsel_selector_replay(amsel_selector *s, const amsel_profile *p,
                                   const amsel_feature_table *ft, int image,
                                   amsel_selection *out)
{
    if (!s || !p || !out || image < 0 || image >= p->nimages)
        return AMSEL_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    for (int r = 0; r < 5; r++)
        out->top[r].cls = -1;
    const am_policy *pol = &s->pol;
    int col[AMSEL_CASCADE_MAX], entry = 0;
    for (int st = 0; st < pol->stages.n; st++) {
        col[st] = -1;
        for (int m = 0; m < p->nmodels; m++)
            if (!strcmp(p->model_name[m], s->info.model_name[st]))
                col[st] = m;
        if (col[st] < 0)
            return am_fail(s->ctx, AMSEL_ERR_INVALID_ARG, "%s: the profile has no model '%s'",
                           p->path ? p->path : "profile", s->info.model_name[st]);
    }
    if (am_policy_uses_features(pol)) {
        /* The table's row, moved into amsel_features order by name. */
        double row[AMSEL_FEATURES_MAX] = {0};
        int fr = -1;
        for (int i = 0; ft && i < amsel_feature_table_rows(ft) && fr < 0; i++)
            if (!strcmp(amsel_feature_table_image(ft, i), p->image_name[image]))
                fr = i;
        if (fr < 0)
            return am_fail(s->ctx, AMSEL_ERR_INVALID_ARG, "no features for image %s",
                           p->image_name[image]);
        for (int j = 0; j < pol->pre.nfeat; j++) {
            int c = amsel_feature_table_find(ft, amsel_features_name(pol->pre.feat[j]));
            if (c < 0)
                return am_fail(s->ctx, AMSEL_ERR_INVALID_ARG, "the feature table has no '%s'",
                               amsel_features_name(pol->pre.feat[j]));
            row[pol->pre.feat[j]] = amsel_feature_table_row(ft, fr)[c];
        }
        entry = am_policy_entry(pol, row);
        if (entry == AM_UNSURE) {
            out->unsure = 1;
            return AMSEL_OK;
        }
    }
    int cls[AMSEL_CASCADE_MAX][5], ocls[5];
    float score[AMSEL_CASCADE_MAX][5], oscore[5], conf = 0;
    for (int st = entry; st < pol->stages.n; st++) {
        const amsel_profile_cell *c = am_cell(p, image, col[st]);
        int k = out->nrun++;
        out->run[k] = st;
        out->model_ms[k] = c->pre_ms + c->infer_ms;
        out->total_ms += out->model_ms[k];
        memcpy(cls[k], c->top5, sizeof cls[k]);
        memcpy(score[k], c->score5, sizeof score[k]);
        am_combine((const int(*)[5])cls, (const float(*)[5])score, out->nrun, pol->stages.combine,
                   pol->stages.confidence, ocls, oscore, &conf);
        if (am_policy_stop(pol, st, conf))
            break;
    }
    for (int r = 0; r < 5; r++)
        out->top[r].cls = ocls[r], out->top[r].score = oscore[r];
    return AMSEL_OK;
}
