/* The decisions of a trained policy that do not depend on where the
 * scores come from: the premodel's choice of the first stage. */
#include "selector/policy.h"

#include <string.h>

static const char *const kind_names[AM_POL_KINDS] = {"single", "cascade", "chain", "multi",
                                                     "hybrid"};

const char *am_policy_kind_name(am_pol_kind k)
{
    return k >= 0 && k < AM_POL_KINDS ? kind_names[k] : "?";
}

int am_policy_kind_parse(const char *s)
{
    for (int k = 0; k < AM_POL_KINDS; k++)
        if (!strcmp(s, kind_names[k]))
            return k;
    return -1;
}

int am_policy_uses_features(const am_policy *p)
{
    return p->kind == AM_POL_CHAIN || p->kind == AM_POL_MULTI || p->kind == AM_POL_HYBRID;
}

/* Scaled features of the premodel, clipped to [0,1] as in training. */
static void scale(const am_premodel *pm, const double *row, float *x)
{
    for (int j = 0; j < pm->nfeat; j++) {
        double span = pm->hi[j] - pm->lo[j], v = span > 0 ? (row[pm->feat[j]] - pm->lo[j]) / span : 0;
        x[j] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
    }
}

int am_policy_entry(const am_policy *p, const double *row)
{
    float x[AMSEL_FEATURES_MAX];
    const am_premodel *pm = &p->pre;
    switch (p->kind) {
    case AM_POL_CHAIN:
        scale(pm, row, x);
        for (int s = 0; s < pm->nclf; s++)
            if (pm->clf[s] && am_clf_predict(pm->clf[s], x, NULL) == 1)
                return s;
        return p->fallback;
    case AM_POL_MULTI:
    case AM_POL_HYBRID: {
        scale(pm, row, x);
        int c = am_clf_predict(pm->clf[0], x, NULL);
        return c < p->stages.n ? c : p->fallback;
    }
    default:
        return 0;
    }
}

void am_policy_clear(am_policy *p)
{
    for (int s = 0; s < p->pre.nclf; s++)
        am_clf_destroy(p->pre.clf[s]);
    memset(p, 0, sizeof *p);
}
