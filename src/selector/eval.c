/* Cross-validated comparison of selection policies on a profile. Each
 * fold trains on its training images only (the image index lists from
 * amsel_folds_split) and is scored on its test images. */
#include "selector/profile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHOICE_LEN 256

enum { POL_ORACLE, POL_ALG1, POL_CASC2, POL_CASC3, POL_CASC2_AVG, POL_CASC3_AVG, POL_FIXED };

struct amsel_eval {
    amsel_ctx *ctx;
    int npol, folds, ref;
    amsel_policy_result *res;  /* [npol] */
    char *choice;              /* [npol][folds][CHOICE_LEN] */
};

typedef struct fold_acc {
    double hit1, hit5, ms, run;
    int n;
} fold_acc;

void amsel_eval_options_default(amsel_eval_options *o)
{
    memset(o, 0, sizeof *o);
    o->folds = 10;
    o->seed = 1;
    o->theta = 0.5;
    o->objective = AMSEL_OBJECTIVE_TOP1;
    o->max_stages = 3;
    o->grid = 20;
}

static void add(fold_acc *a, const amsel_outcome *o)
{
    a->hit1 += o->correct1;
    a->hit5 += o->correct5;
    a->ms += o->cost_ms;
    a->run += o->models_run;
    a->n++;
}

/* Models sorted by mean cost over the training images. */
static void cost_order(const amsel_profile *p, const int *train, int ntrain, int *order)
{
    double cost[AMSEL_PROFILE_MAX_MODELS];
    for (int m = 0; m < p->nmodels; m++) {
        cost[m] = amsel_profile_mean_cost(p, m, train, ntrain);
        order[m] = m;
    }
    for (int a = 1; a < p->nmodels; a++)
        for (int b = a; b > 0 && cost[order[b]] < cost[order[b - 1]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
}

/* Oracle over the allowed models (in cost order): the cheapest correct
 * one, else the cheapest. */
static void oracle(const amsel_profile *p, const int *order, const int *allowed, int image,
                   amsel_objective obj, amsel_outcome *o)
{
    int pick = -1;
    for (int r = 0; r < p->nmodels && pick < 0; r++)
        if (allowed[order[r]] && amsel_profile_correct(p, image, order[r], obj))
            pick = order[r];
    for (int r = 0; r < p->nmodels && pick < 0; r++)
        if (allowed[order[r]])
            pick = order[r];
    const amsel_profile_cell *c = am_cell(p, image, pick);
    *o = (amsel_outcome){c->correct1, c->correct5, c->pre_ms + c->infer_ms, 1};
}

static void describe(const amsel_profile *p, const amsel_cascade *c, char *buf)
{
    size_t at = 0;
    buf[0] = 0;
    for (int s = 0; s < c->n && at < CHOICE_LEN; s++) {
        int w = s < c->n - 1 ? snprintf(buf + at, CHOICE_LEN - at, "%s@%.3f > ",
                                        p->model_name[c->model[s]], c->threshold[s])
                             : snprintf(buf + at, CHOICE_LEN - at, "%s",
                                        p->model_name[c->model[s]]);
        at += w > 0 ? (size_t)w : 0;
    }
}

/* Best cascades over every subset of 1..max_stages models (each in cost
 * order): best[0] among subsets of <= 2 models, best[1] among <= max. */
static amsel_status tune_subsets(amsel_ctx *ctx, const amsel_profile *p, const int *train,
                                 int ntrain, const int *order, int combine,
                                 const amsel_eval_options *o, double target, amsel_cascade *best)
{
    int M = p->nmodels, maxs = o->max_stages < M ? o->max_stages : M;
    double bacc[2] = {-1, -1}, bms[2] = {0, 0};
    int bmeets[2] = {0, 0};
    for (unsigned long mask = 1; mask < (1ul << M); mask++) {
        int models[AMSEL_CASCADE_MAX], n = 0;
        if (__builtin_popcountl(mask) > maxs)
            continue;
        for (int r = 0; r < M; r++)
            if (mask >> order[r] & 1ul)
                models[n++] = order[r];
        amsel_cascade c;
        double acc, ms;
        amsel_status st = amsel_cascade_tune(ctx, p, train, ntrain, models, n, combine,
                                             o->objective, target, o->grid, &c, &acc, &ms);
        if (st)
            return st;
        int meets = acc >= target - 1e-9;
        for (int b = 0; b < 2; b++) {
            if (b == 0 && n > 2)
                continue;
            int better = bacc[b] < 0 || (meets && !bmeets[b]) ||
                         (meets && bmeets[b] && ms < bms[b]) ||
                         (!meets && !bmeets[b] && (acc > bacc[b] || (acc == bacc[b] && ms < bms[b])));
            if (better) {
                bacc[b] = acc, bms[b] = ms, bmeets[b] = meets;
                best[b] = c;
            }
        }
    }
    return AMSEL_OK;
}

static amsel_status run_fold(amsel_eval *e, const amsel_profile *p, const amsel_eval_options *o,
                             int f, const int *train, int ntrain, const int *test, int ntest,
                             fold_acc *acc /* [npol] for this fold */)
{
    amsel_ctx *ctx = e->ctx;
    int M = p->nmodels, order[AMSEL_PROFILE_MAX_MODELS], all[AMSEL_PROFILE_MAX_MODELS];
    int sub[AMSEL_PROFILE_MAX_MODELS] = {0}, chosen[AMSEL_PROFILE_MAX_MODELS], nchosen;
    cost_order(p, train, ntrain, order);
    for (int m = 0; m < M; m++)
        all[m] = 1;
    amsel_status st = amsel_subset_select(ctx, p, train, ntrain, o->objective, o->theta, chosen,
                                          &nchosen, NULL, NULL);
    if (st)
        return st;
    char *alg1 = e->choice + ((size_t)POL_ALG1 * e->folds + f) * CHOICE_LEN;
    for (int k = 0; k < nchosen; k++) {
        sub[chosen[k]] = 1;
        size_t at = strlen(alg1);
        snprintf(alg1 + at, CHOICE_LEN - at, "%s%s", k ? "+" : "", p->model_name[chosen[k]]);
    }
    /* Cascade target: the most accurate single model on the training images. */
    double best_single = 0;
    for (int m = 0; m < M; m++) {
        int hits = 0;
        for (int k = 0; k < ntrain; k++)
            hits += amsel_profile_correct(p, train[k], m, o->objective);
        if (100.0 * hits / ntrain > best_single)
            best_single = 100.0 * hits / ntrain;
    }
    amsel_cascade casc[4];
    if ((st = tune_subsets(ctx, p, train, ntrain, order, 0, o, best_single - o->margin, casc)) ||
        (st = tune_subsets(ctx, p, train, ntrain, order, 1, o, best_single - o->margin, casc + 2)))
        return st;
    for (int c = 0; c < 4; c++)
        describe(p, &casc[c], e->choice + ((size_t)(POL_CASC2 + c) * e->folds + f) * CHOICE_LEN);
    for (int k = 0; k < ntest; k++) {
        int i = test[k];
        amsel_outcome out;
        oracle(p, order, all, i, o->objective, &out);
        add(&acc[POL_ORACLE], &out);
        oracle(p, order, sub, i, o->objective, &out);
        add(&acc[POL_ALG1], &out);
        for (int c = 0; c < 4; c++) {
            amsel_cascade_apply(p, &casc[c], i, &out);
            add(&acc[POL_CASC2 + c], &out);
        }
        for (int m = 0; m < M; m++) {
            const amsel_profile_cell *cell = am_cell(p, i, m);
            out = (amsel_outcome){cell->correct1, cell->correct5, cell->pre_ms + cell->infer_ms, 1};
            add(&acc[POL_FIXED + m], &out);
        }
    }
    return AMSEL_OK;
}

static void summarise(amsel_policy_result *r, const fold_acc *fa, int K)
{
    double h1 = 0, h5 = 0, ms = 0, run = 0, n = 0, s1 = 0, s5 = 0, sms = 0, q1 = 0, q5 = 0, qms = 0;
    for (int f = 0; f < K; f++) {
        const fold_acc *a = &fa[f];
        double t1 = 100.0 * a->hit1 / a->n, t5 = 100.0 * a->hit5 / a->n, m = a->ms / a->n;
        h1 += a->hit1, h5 += a->hit5, ms += a->ms, run += a->run, n += a->n;
        s1 += t1, s5 += t5, sms += m, q1 += t1 * t1, q5 += t5 * t5, qms += m * m;
    }
    r->top1 = 100.0 * h1 / n;
    r->top5 = 100.0 * h5 / n;
    r->mean_ms = ms / n;
    r->models_run = run / n;
    r->top1_fold_mean = s1 / K;
    r->ms_fold_mean = sms / K;
    /* Sample sd over folds. */
    r->top1_sd = sqrt(fmax(0, (q1 - s1 * s1 / K) / (K - 1)));
    r->top5_sd = sqrt(fmax(0, (q5 - s5 * s5 / K) / (K - 1)));
    r->ms_sd = sqrt(fmax(0, (qms - sms * sms / K) / (K - 1)));
}

amsel_status amsel_eval_run(amsel_ctx *ctx, const amsel_profile *p, const amsel_eval_options *o,
                            amsel_eval **out)
{
    if (!ctx || !p || !o || !out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_eval_run: NULL argument");
    *out = NULL;
    if (o->max_stages < 1 || o->max_stages > AMSEL_CASCADE_MAX || o->grid < 1 || o->grid > 1000 ||
        !(o->theta >= 0) || !(o->margin >= 0))
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_eval_run: bad options");
    if (p->nmodels > 20)
        return am_fail(ctx, AMSEL_ERR_LIMIT, "amsel_eval_run: %d models, at most 20 supported "
                                             "(cascade subsets are enumerated)", p->nmodels);
    int N = p->nimages, K = o->folds, npol = POL_FIXED + p->nmodels;
    amsel_status st = AMSEL_OK;
    amsel_eval *e = am_calloc(ctx, 1, sizeof *e);
    int *fold_of = am_malloc(ctx, (size_t)N * sizeof(int));
    int *train = am_malloc(ctx, (size_t)N * sizeof(int));
    int *test = am_malloc(ctx, (size_t)N * sizeof(int));
    fold_acc *acc = K > 0 ? am_calloc(ctx, (size_t)npol * (size_t)K, sizeof *acc) : NULL;
    fold_acc *col = K > 0 ? am_calloc(ctx, (size_t)npol * (size_t)K, sizeof *col) : NULL;
    if (!e || !fold_of || !train || !test || (K > 0 && (!acc || !col))) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    e->ctx = ctx, e->npol = npol, e->folds = K;
    if ((st = amsel_folds_make(ctx, N, K, o->seed, fold_of)))
        goto done;
    e->res = am_calloc(ctx, (size_t)npol, sizeof *e->res);
    e->choice = am_calloc(ctx, (size_t)npol * (size_t)K, CHOICE_LEN);
    if (!e->res || !e->choice) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    for (int f = 0; f < K; f++) {
        int ntrain, ntest;
        amsel_folds_split(fold_of, N, f, train, &ntrain, test, &ntest);
        fold_acc *fa = acc + (size_t)f * npol;
        if ((st = run_fold(e, p, o, f, train, ntrain, test, ntest, fa)))
            goto done;
        for (int q = 0; q < npol; q++)
            col[(size_t)q * K + f] = fa[q];
    }
    static const char *const names[POL_FIXED] = {
        "oracle", "alg1 subset + oracle choice", "cascade <=2 models", "cascade <=3 models",
        "cascade <=2 models avg", "cascade <=3 models avg"};
    for (int q = 0; q < npol; q++) {
        summarise(&e->res[q], col + (size_t)q * K, K);
        snprintf(e->res[q].name, sizeof e->res[q].name, "%s",
                 q < POL_FIXED ? names[q] : p->model_name[q - POL_FIXED]);
    }
    if (o->max_stages < 3) { /* the <=3 rows would repeat the <=max ones */
        snprintf(e->res[POL_CASC3].name, sizeof e->res[0].name, "cascade <=%d models",
                 o->max_stages);
        snprintf(e->res[POL_CASC3_AVG].name, sizeof e->res[0].name, "cascade <=%d models avg",
                 o->max_stages);
    } else if (o->max_stages > 3) {
        snprintf(e->res[POL_CASC3].name, sizeof e->res[0].name, "cascade <=%d models",
                 o->max_stages);
        snprintf(e->res[POL_CASC3_AVG].name, sizeof e->res[0].name, "cascade <=%d models avg",
                 o->max_stages);
    }
    e->ref = POL_FIXED;
    for (int m = 1; m < p->nmodels; m++) {
        const amsel_policy_result *a = &e->res[POL_FIXED + m], *b = &e->res[e->ref];
        double va = o->objective == AMSEL_OBJECTIVE_TOP5 ? a->top5 : a->top1;
        double vb = o->objective == AMSEL_OBJECTIVE_TOP5 ? b->top5 : b->top1;
        if (va > vb)
            e->ref = POL_FIXED + m;
    }
done:
    am_free(ctx, fold_of);
    am_free(ctx, train);
    am_free(ctx, test);
    am_free(ctx, acc);
    am_free(ctx, col);
    if (st)
        amsel_eval_destroy(e);
    else
        *out = e;
    return st;
}

void amsel_eval_destroy(amsel_eval *e)
{
    if (!e)
        return;
    am_free(e->ctx, e->res);
    am_free(e->ctx, e->choice);
    am_free(e->ctx, e);
}

int amsel_eval_policy_count(const amsel_eval *e) { return e->npol; }
int amsel_eval_reference(const amsel_eval *e) { return e->ref; }
int amsel_eval_folds(const amsel_eval *e) { return e->folds; }

const amsel_policy_result *amsel_eval_policy(const amsel_eval *e, int i)
{
    return i >= 0 && i < e->npol ? &e->res[i] : NULL;
}

const char *amsel_eval_choice(const amsel_eval *e, int i, int f)
{
    if (i < 0 || i >= e->npol || f < 0 || f >= e->folds)
        return "";
    return e->choice + ((size_t)i * e->folds + f) * CHOICE_LEN;
}
