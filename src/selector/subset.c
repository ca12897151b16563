/* The paper's Algorithm 1: choosing the models a premodel may pick from.
 * Optimal model of an image = the cheapest correct one, "cheapest" by
 * mean cost over the given images (per-image timings are noise). */
#include "selector/profile.h"

#include <string.h>

amsel_status amsel_subset_select(amsel_ctx *ctx, const amsel_profile *p, const int *images, int n,
                                 amsel_objective obj, double theta, int *models, int *nmodels,
                                 amsel_subset_step *steps, int *nsteps)
{
    if (!p || !images || n < 1 || !models || !nmodels)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_subset_select: bad argument");
    int M = p->nmodels, order[AMSEL_PROFILE_MAX_MODELS], selected[AMSEL_PROFILE_MAX_MODELS] = {0};
    double cost[AMSEL_PROFILE_MAX_MODELS];
    for (int m = 0; m < M; m++) {
        cost[m] = amsel_profile_mean_cost(p, m, images, n);
        order[m] = m;
    }
    for (int a = 1; a < M; a++) /* insertion sort by cost, ties by index */
        for (int b = a; b > 0 && cost[order[b]] < cost[order[b - 1]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    unsigned char *covered = am_calloc(ctx, (size_t)n, 1);
    if (!covered)
        return AMSEL_ERR_NOMEM;
    int count[AMSEL_PROFILE_MAX_MODELS] = {0}, ncov = 0, ns = 0;
    *nmodels = 0;
    for (int k = 0; k < n; k++)
        for (int r = 0; r < M; r++)
            if (amsel_profile_correct(p, images[k], order[r], obj)) {
                count[order[r]]++;
                break;
            }
    for (;;) {
        int best = -1, best_fix = -1;
        for (int m = 0; m < M; m++) {
            if (selected[m])
                continue;
            int fix = 0;
            if (*nmodels == 0)
                fix = count[m];
            else
                for (int k = 0; k < n; k++)
                    fix += !covered[k] && amsel_profile_correct(p, images[k], m, obj);
            if (fix > best_fix || (fix == best_fix && cost[m] < cost[best])) {
                best = m;
                best_fix = fix;
            }
        }
        if (best < 0)
            break;
        int fixed_now = 0;
        for (int k = 0; k < n; k++)
            fixed_now += !covered[k] && amsel_profile_correct(p, images[k], best, obj);
        double gain = 100.0 * best_fix / n;
        int accept = *nmodels == 0 || gain >= theta;
        if (steps)
            steps[ns] = (amsel_subset_step){best, best_fix, gain,
                                            100.0 * (ncov + (accept ? fixed_now : 0)) / n, accept};
        ns++;
        if (!accept)
            break;
        selected[best] = 1;
        models[(*nmodels)++] = best;
        for (int k = 0; k < n; k++)
            if (!covered[k] && amsel_profile_correct(p, images[k], best, obj)) {
                covered[k] = 1;
                ncov++;
            }
    }
    if (nsteps)
        *nsteps = ns;
    am_free(ctx, covered);
    return AMSEL_OK;
}
