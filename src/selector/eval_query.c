/* Reading the results of a cross-validated evaluation. */
#include "selector/eval_internal.h"

void amsel_eval_destroy(amsel_eval *e)
{
    if (!e)
        return;
    amsel_ctx *ctx = e->ctx;
    am_free(ctx, e->feat), am_free(ctx, e->feat_ms), am_free(ctx, e->res);
    am_free(ctx, e->choice), am_free(ctx, e->acc), am_free(ctx, e->cost), am_free(ctx, e->right);
    am_free(ctx, e->usage), am_free(ctx, e->confusion), am_free(ctx, e->unsure);
    am_free(ctx, e->corr), am_free(ctx, e->fold_of);
    am_free(ctx, e);
}

int amsel_eval_policy_count(const amsel_eval *e) { return e->nspec; }
int amsel_eval_reference(const amsel_eval *e) { return e->ref; }
int amsel_eval_folds(const amsel_eval *e) { return e->folds; }
int amsel_eval_fold_of(const amsel_eval *e, int i)
{
    return i >= 0 && i < e->p->nimages ? e->fold_of[i] : -1;
}

const amsel_policy_result *amsel_eval_policy(const amsel_eval *e, int i)
{
    return i >= 0 && i < e->nspec ? &e->res[i] : NULL;
}

const char *amsel_eval_choice(const amsel_eval *e, int i, int f)
{
    if (i < 0 || i >= e->nspec || f < 0 || f >= e->folds)
        return "";
    return e->choice + ((size_t)i * e->folds + f) * EVAL_CHOICE_LEN;
}

void amsel_eval_fold(const amsel_eval *e, int i, int f, double *top1, double *top5,
                     double *mean_ms)
{
    *top1 = *top5 = *mean_ms = 0;
    if (i < 0 || i >= e->nspec || f < 0 || f >= e->folds)
        return;
    const eval_acc *a = &e->acc[(size_t)i * e->folds + f];
    if (a->n > 0) {
        *top1 = 100.0 * a->hit1 / a->n;
        *top5 = 100.0 * a->hit5 / a->n;
        *mean_ms = a->ms / a->n;
    }
}

static double accuracy(const amsel_eval *e, const amsel_policy_result *r)
{
    return e->opt.objective == AMSEL_OBJECTIVE_TOP5 ? r->top5 : r->top1;
}

int amsel_eval_pick(const amsel_eval *e, double min_accuracy, double max_ms)
{
    int best = -1, most = -1;
    double floor = min_accuracy >= 0 ? min_accuracy : accuracy(e, &e->res[e->ref]);
    for (int q = 0; q < e->nspec; q++) {
        const amsel_policy_result *r = &e->res[q];
        if (!r->deployable)
            continue;
        if (most < 0 || accuracy(e, r) > accuracy(e, &e->res[most]) ||
            (accuracy(e, r) == accuracy(e, &e->res[most]) && r->mean_ms < e->res[most].mean_ms))
            most = q;
        if (min_accuracy < 0 && max_ms > 0) {
            if (r->mean_ms <= max_ms &&
                (best < 0 || accuracy(e, r) > accuracy(e, &e->res[best]) ||
                 (accuracy(e, r) == accuracy(e, &e->res[best]) && r->mean_ms < e->res[best].mean_ms)))
                best = q;
        } else if (accuracy(e, r) >= floor - 1e-9 && (best < 0 || r->mean_ms < e->res[best].mean_ms))
            best = q;
    }
    return best >= 0 ? best : most;
}

int amsel_eval_features(const amsel_eval *e, const int **kept, const double **importance,
                        const double **relevance, const double **corr, int *dims)
{
    *kept = e->corr ? e->kept : NULL;
    *importance = e->corr ? e->importance : NULL;
    *relevance = e->corr ? e->relevance : NULL;
    *corr = e->corr;
    *dims = e->corr ? e->data.dfeat : 0;
    return e->corr ? e->nkept : 0;
}
