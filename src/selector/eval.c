/* Cross-validated comparison of selection policies on a profile (and a
 * feature table for the premodels). Each fold trains on its training
 * images only (the index lists from amsel_folds_split) and is scored on
 * its test images. */
#include "amsel/feature_table.h"
#include "selector/eval_internal.h"
#include "selector/featsel_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void amsel_eval_options_default(amsel_eval_options *o)
{
    memset(o, 0, sizeof *o);
    o->folds = 10;
    o->seed = 1;
    o->stratify = 1;
    o->theta = 0.5;
    o->objective = AMSEL_OBJECTIVE_TOP1;
    o->max_stages = 3;
    o->grid = 50;
    o->margin = 0.5; /* cross-validated over seeds 1-6: docs/selector.md */
    snprintf(o->premodels, sizeof o->premodels, "knn,tree,nb,svm");
    o->knn_k = 5;
    o->tree_depth = 6;
    o->svm_c = 1;
    o->corr_limit = 0.75;
    o->backward = 1;
    o->min_features = 1;
    o->featsel_tol = 0.5;
}

static int add_spec(amsel_eval *e, am_pol_kind kind, const char *name)
{
    if (e->nspec == EVAL_MAX_POLICIES)
        return -1;
    am_policy_spec *s = &e->spec[e->nspec];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->max_stages = e->opt.max_stages;
    s->margin = e->opt.margin;
    s->grid = e->opt.grid;
    s->smooth = e->opt.smooth;
    s->theta = e->opt.theta;
    s->unsure = e->opt.unsure;
    return e->nspec++;
}

/* The policy list: oracles, cascades, premodels (one per classifier kind
 * and shape), hybrids, then every single model. */
static amsel_status make_specs(amsel_ctx *ctx, amsel_eval *e, int have_features)
{
    const amsel_eval_options *o = &e->opt;
    char name[64];
    e->spec_oracle = add_spec(e, AM_POL_SINGLE, "oracle");
    e->spec_alg1 = add_spec(e, AM_POL_SINGLE, "alg1 subset + oracle choice");
    static const struct { int combine, confidence, end_best; const char *suffix; } casc[] = {
        {0, 0, 0, ""}, {1, 0, 0, " avg"}, {1, 1, 0, " avg margin"}, {1, 1, 1, " avg margin to best"}};
    for (size_t c = 0; c < sizeof casc / sizeof casc[0]; c++)
        for (int big = 0; big < 2; big++) {
            int maxs = big ? o->max_stages : (o->max_stages < 2 ? o->max_stages : 2);
            if (big && maxs <= 2)
                continue;
            snprintf(name, sizeof name, "cascade <=%d%s", maxs, casc[c].suffix);
            int q = add_spec(e, AM_POL_CASCADE, name);
            e->spec[q].max_stages = maxs;
            e->spec[q].combine = casc[c].combine;
            e->spec[q].confidence = casc[c].confidence;
            e->spec[q].end_best = casc[c].end_best;
        }
    if (have_features) {
        char list[sizeof o->premodels], *save = NULL;
        snprintf(list, sizeof list, "%s", o->premodels);
        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int kind = am_clf_kind_parse(tok);
            if (kind < 0)
                return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "unknown premodel '%s' (knn, tree, nb, svm)",
                               tok);
#ifndef AMSEL_HAVE_LIBSVM
            if (kind == AM_CLF_SVM)
                continue; /* said by `amsel eval` */
#endif
            am_clf_params cp;
            am_clf_params_default(&cp, (am_clf_kind)kind);
            cp.knn_k = o->knn_k;
            cp.tree_depth = o->tree_depth;
            cp.svm_c = o->svm_c;
            cp.svm_gamma = o->svm_gamma;
            static const struct { am_pol_kind kind; const char *label; } shapes[] = {
                {AM_POL_CHAIN, "chain"}, {AM_POL_MULTI, "multi"}, {AM_POL_HYBRID, "hybrid"}};
            for (size_t h = 0; h < sizeof shapes / sizeof shapes[0]; h++) {
                snprintf(name, sizeof name, "%s %s", shapes[h].label, tok);
                int q = add_spec(e, shapes[h].kind, name);
                e->spec[q].clf = cp;
                if (shapes[h].kind == AM_POL_HYBRID) /* enters a "<=max avg margin" cascade */
                    e->spec[q].combine = e->spec[q].confidence = 1;
            }
        }
    }
    e->spec_single0 = e->nspec;
    for (int m = 0; m < e->p->nmodels; m++) {
        int q = add_spec(e, AM_POL_SINGLE, e->p->model_name[m]);
        if (q < 0)
            return am_fail(ctx, AMSEL_ERR_LIMIT, "too many policies");
        e->spec[q].model = m;
    }
    return AMSEL_OK;
}

/* Oracle over the allowed models (in cost order): the cheapest correct
 * one, else the cheapest. */
static int oracle_pick(const amsel_profile *p, const int *order, const int *allowed, int image,
                       amsel_objective obj)
{
    int pick = -1;
    for (int r = 0; r < p->nmodels && pick < 0; r++)
        if (allowed[order[r]] && amsel_profile_correct(p, image, order[r], obj))
            pick = order[r];
    for (int r = 0; r < p->nmodels && pick < 0; r++)
        if (allowed[order[r]])
            pick = order[r];
    return pick;
}

/* Records what policy q did on image i. */
static void record(amsel_eval *e, int q, int f, int i, const amsel_outcome *o, double overhead,
                   const int *ran, int nran, int chosen, int optimal)
{
    eval_acc *a = &e->acc[(size_t)q * e->folds + f];
    a->hit1 += o->correct1;
    a->hit5 += o->correct5;
    a->ms += o->cost_ms + overhead;
    a->run += o->models_run;
    a->overhead += overhead;
    a->n++;
    e->cost[(size_t)q * e->p->nimages + i] = o->cost_ms + overhead;
    e->right[(size_t)q * e->p->nimages + i] =
        (unsigned char)(e->opt.objective == AMSEL_OBJECTIVE_TOP5 ? o->correct5 : o->correct1);
    for (int k = 0; k < nran; k++)
        e->usage[(size_t)q * AMSEL_PROFILE_MAX_MODELS + ran[k]]++;
    int C = AMSEL_PROFILE_MAX_MODELS + 1; /* classes: models, then "none" */
    e->confusion[(size_t)q * C * C + (size_t)optimal * C + chosen]++;
    if (chosen == AMSEL_PROFILE_MAX_MODELS)
        e->unsure[q]++;
}

/* The cheapest correct model among stages (cost order), or "none". */
static int optimal_of(const amsel_eval *e, const amsel_cascade *c, int i)
{
    for (int s = 0; s < c->n; s++)
        if (amsel_profile_correct(e->p, i, c->model[s], e->opt.objective))
            return c->model[s];
    return AMSEL_PROFILE_MAX_MODELS;
}

static amsel_status run_fold(amsel_eval *e, int f, const int *train, int ntrain, const int *test,
                             int ntest)
{
    amsel_ctx *ctx = e->ctx;
    const amsel_profile *p = e->p;
    int M = p->nmodels, all[AMSEL_PROFILE_MAX_MODELS], sub[AMSEL_PROFILE_MAX_MODELS] = {0};
    am_fold_facts facts;
    amsel_status st = am_fold_facts_make(ctx, &e->data, train, ntrain, e->opt.theta, &facts);
    if (st)
        return st;
    for (int m = 0; m < M; m++)
        all[m] = 1;
    for (int k = 0; k < facts.nsubset; k++)
        sub[facts.subset[k]] = 1;
    if (e->data.feat) {
        double imp[AMSEL_FEATURES_MAX], rel[AMSEL_FEATURES_MAX];
        am_featsel_options fo = {e->opt.corr_limit, e->opt.backward, e->opt.min_features,
                                 e->opt.featsel_tol, 5,
                                 e->opt.seed + 1000 + (uint64_t)f};
        if ((st = am_select_features(ctx, &e->data, train, ntrain, &fo, &facts, imp, rel, NULL)))
            return st;
    }
    for (int q = 0; q < e->nspec; q++) {
        char *choice = e->choice + ((size_t)q * e->folds + f) * EVAL_CHOICE_LEN;
        if (q == e->spec_oracle || q == e->spec_alg1) {
            const int *allowed = q == e->spec_oracle ? all : sub;
            amsel_cascade c = {0};
            for (int r = 0; r < M; r++)
                if (allowed[facts.order[r]])
                    c.model[c.n++] = facts.order[r];
            if (q == e->spec_alg1)
                am_policy_describe(&(am_policy){.kind = AM_POL_SINGLE, .stages = c}, p, choice,
                                   EVAL_CHOICE_LEN);
            for (int k = 0; k < ntest; k++) {
                int i = test[k], m = oracle_pick(p, facts.order, allowed, i, e->opt.objective);
                const amsel_profile_cell *cell = am_cell(p, i, m);
                amsel_outcome o = {cell->correct1, cell->correct5, cell->pre_ms + cell->infer_ms, 1};
                record(e, q, f, i, &o, 0, &m, 1, m, optimal_of(e, &c, i));
            }
            continue;
        }
        am_policy pol;
        if ((st = am_policy_train(ctx, &e->data, &facts, &e->spec[q], train, ntrain, &pol, choice,
                                  EVAL_CHOICE_LEN)))
            return st;
        int feats = am_policy_uses_features(&pol);
        for (int k = 0; k < ntest; k++) {
            int i = test[k], entry = 0, last = 0;
            double overhead = 0;
            if (feats) {
                const double *row = e->data.feat + (size_t)i * e->data.dfeat;
                double t0 = am_now_ms();
                entry = am_policy_entry(&pol, row);
                overhead = am_now_ms() - t0 + e->feat_ms[i];
            }
            amsel_outcome o = {0};
            int ran[AMSEL_CASCADE_MAX], nran = 0, chosen = AMSEL_PROFILE_MAX_MODELS;
            if (entry != AM_UNSURE) {
                am_cascade_run(p, &pol.stages, entry, i, &o, &last);
                for (int s = entry; s <= last; s++)
                    ran[nran++] = pol.stages.model[s];
                chosen = pol.stages.model[last];
            }
            record(e, q, f, i, &o, overhead, ran, nran, chosen, optimal_of(e, &pol.stages, i));
        }
        am_policy_clear(&pol);
    }
    return AMSEL_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void summarise(amsel_eval *e, int q, double *scratch)
{
    amsel_policy_result *r = &e->res[q];
    const eval_acc *fa = e->acc + (size_t)q * e->folds;
    int K = e->folds, N = e->p->nimages;
    double h1 = 0, h5 = 0, ms = 0, run = 0, n = 0, ov = 0, s1 = 0, s5 = 0, sms = 0, q1 = 0,
           q5 = 0, qms = 0;
    for (int f = 0; f < K; f++) {
        const eval_acc *a = &fa[f];
        double t1 = 100.0 * a->hit1 / a->n, t5 = 100.0 * a->hit5 / a->n, m = a->ms / a->n;
        h1 += a->hit1, h5 += a->hit5, ms += a->ms, run += a->run, n += a->n, ov += a->overhead;
        s1 += t1, s5 += t5, sms += m, q1 += t1 * t1, q5 += t5 * t5, qms += m * m;
    }
    r->top1 = 100.0 * h1 / n;
    r->top5 = 100.0 * h5 / n;
    r->mean_ms = ms / n;
    r->overhead_ms = ov / n;
    r->models_run = run / n;
    r->unsure = 100.0 * e->unsure[q] / n;
    r->top1_fold_mean = s1 / K;
    r->ms_fold_mean = sms / K;
    /* Sample sd over folds. */
    r->top1_sd = sqrt(fmax(0, (q1 - s1 * s1 / K) / (K - 1)));
    r->top5_sd = sqrt(fmax(0, (q5 - s5 * s5 / K) / (K - 1)));
    r->ms_sd = sqrt(fmax(0, (qms - sms * sms / K) / (K - 1)));
    memcpy(scratch, e->cost + (size_t)q * N, (size_t)N * sizeof *scratch);
    qsort(scratch, (size_t)N, sizeof *scratch, cmp_double);
    r->p90_ms = scratch[(size_t)ceil(0.9 * N) - 1];
    for (int m = 0; m < e->p->nmodels; m++)
        r->usage[m] = e->usage[(size_t)q * AMSEL_PROFILE_MAX_MODELS + m] / n;
    /* Macro precision/recall/F1 over the classes that occur. */
    int C = AMSEL_PROFILE_MAX_MODELS + 1, classes = 0;
    const double *cm = e->confusion + (size_t)q * C * C;
    double P = 0, R = 0, F = 0;
    for (int c = 0; c < C; c++) {
        double tp = cm[(size_t)c * C + c], truth = 0, pred = 0;
        for (int j = 0; j < C; j++)
            truth += cm[(size_t)c * C + j], pred += cm[(size_t)j * C + c];
        if (truth == 0 && pred == 0)
            continue;
        double pc = pred > 0 ? tp / pred : 0, rc = truth > 0 ? tp / truth : 0;
        P += pc, R += rc, F += pc + rc > 0 ? 2 * pc * rc / (pc + rc) : 0;
        classes++;
    }
    r->precision = classes ? P / classes : 0;
    r->recall = classes ? R / classes : 0;
    r->f1 = classes ? F / classes : 0;
}

double amsel_paired_p(int b, int c)
{
    const int n = b + c, k = b < c ? b : c;
    if (n <= 0 || b < 0 || c < 0)
        return 1;
    double tail = 0; /* P(X <= k), X ~ Binomial(n, 1/2), term by term in logs */
    for (int i = 0; i <= k; i++)
        tail += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
    return 2 * tail < 1 ? 2 * tail : 1;
}

/* Policy q against the reference, image by image (each image is tested
 * once, in its fold). */
static void pair_with_reference(amsel_eval *e, int q)
{
    const int N = e->p->nimages;
    const unsigned char *a = e->right + (size_t)q * N, *r = e->right + (size_t)e->ref * N;
    int b = 0, c = 0;
    for (int i = 0; i < N; i++)
        b += a[i] && !r[i], c += !a[i] && r[i];
    e->res[q].only_policy = b;
    e->res[q].only_ref = c;
    e->res[q].paired_p = amsel_paired_p(b, c);
}

/* Feature selection on every image, for the report and the selector. */
static amsel_status select_all_features(amsel_eval *e, const int *all)
{
    int N = e->p->nimages, D = e->data.dfeat;
    am_fold_facts facts;
    amsel_status st = am_fold_facts_make(e->ctx, &e->data, all, N, e->opt.theta, &facts);
    if (st)
        return st;
    e->corr = am_malloc(e->ctx, (size_t)D * D * sizeof *e->corr);
    if (!e->corr)
        return AMSEL_ERR_NOMEM;
    am_featsel_options fo = {e->opt.corr_limit, e->opt.backward, e->opt.min_features,
                                 e->opt.featsel_tol, 5,
                             e->opt.seed + 999};
    if ((st = am_select_features(e->ctx, &e->data, all, N, &fo, &facts, e->importance,
                                 e->relevance, e->corr)))
        return st;
    memcpy(e->kept, facts.feats, sizeof facts.feats);
    e->nkept = facts.nfeats;
    return AMSEL_OK;
}

amsel_status amsel_eval_run(amsel_ctx *ctx, const amsel_profile *p,
                            const amsel_feature_table *ft, const amsel_eval_options *o,
                            amsel_eval **out)
{
    if (!ctx || !p || !o || !out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_eval_run: NULL argument");
    *out = NULL;
    if (o->max_stages < 1 || o->max_stages > AMSEL_CASCADE_MAX || o->grid < 1 || o->grid > 1000 ||
        o->smooth < 0 || o->smooth > o->grid ||
        !(o->theta >= 0) || !(fabs(o->margin) <= 100) || o->knn_k < 1 || o->tree_depth < 1 ||
        !(o->svm_c > 0) || !(o->svm_gamma >= 0) || !(o->corr_limit > 0) || o->min_features < 1)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_eval_run: bad options");
    if (p->nmodels > 20)
        return am_fail(ctx, AMSEL_ERR_LIMIT, "amsel_eval_run: %d models, at most 20 supported "
                                             "(cascade subsets are enumerated)", p->nmodels);
    int N = p->nimages, K = o->folds;
    if (K < 2 || K > N)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_eval_run: %d folds for %d images", K, N);
    amsel_status st = AMSEL_OK;
    amsel_eval *e = am_calloc(ctx, 1, sizeof *e);
    int *fold_of = e ? e->fold_of = am_malloc(ctx, (size_t)N * sizeof(int)) : NULL;
    int *train = am_malloc(ctx, (size_t)N * sizeof(int));
    int *test = am_malloc(ctx, (size_t)N * sizeof(int));
    int *row_of = ft ? am_malloc(ctx, (size_t)N * sizeof(int)) : NULL;
    double *scratch = am_malloc(ctx, (size_t)N * sizeof(double));
    if (!e || !fold_of || !train || !test || (ft && !row_of) || !scratch) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    e->ctx = ctx, e->p = p, e->opt = *o, e->folds = K;
    e->data = (am_train_data){p, NULL, 0, o->objective};
    if (ft) {
        int D = amsel_feature_table_dims(ft);
        if ((st = amsel_feature_table_join(ctx, ft, p, row_of)))
            goto done;
        e->feat = am_malloc(ctx, (size_t)N * D * sizeof *e->feat);
        e->feat_ms = am_calloc(ctx, (size_t)N, sizeof *e->feat_ms);
        if (!e->feat || !e->feat_ms) {
            st = AMSEL_ERR_NOMEM;
            goto done;
        }
        for (int i = 0; i < N; i++) {
            memcpy(e->feat + (size_t)i * D, amsel_feature_table_row(ft, row_of[i]),
                   (size_t)D * sizeof *e->feat);
            double ms = amsel_feature_table_ms(ft, row_of[i]);
            e->feat_ms[i] = ms > 0 ? ms : 0;
        }
        e->data.feat = e->feat;
        e->data.dfeat = D;
    }
    if ((st = make_specs(ctx, e, ft != NULL)))
        goto done;
    int Q = e->nspec, C = AMSEL_PROFILE_MAX_MODELS + 1;
    e->res = am_calloc(ctx, (size_t)Q, sizeof *e->res);
    e->choice = am_calloc(ctx, (size_t)Q * K, EVAL_CHOICE_LEN);
    e->acc = am_calloc(ctx, (size_t)Q * K, sizeof *e->acc);
    e->cost = am_calloc(ctx, (size_t)Q * N, sizeof *e->cost);
    e->right = am_calloc(ctx, (size_t)Q * N, 1);
    e->usage = am_calloc(ctx, (size_t)Q * AMSEL_PROFILE_MAX_MODELS, sizeof *e->usage);
    e->confusion = am_calloc(ctx, (size_t)Q * C * C, sizeof *e->confusion);
    e->unsure = am_calloc(ctx, (size_t)Q, sizeof *e->unsure);
    if (!e->res || !e->choice || !e->acc || !e->cost || !e->right || !e->usage || !e->confusion || !e->unsure) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    /* Folds stratified by each image's optimal model (the cheapest correct
     * by mean cost over all images, or none): a split, not training. */
    {
        am_fold_facts all_facts;
        for (int i = 0; i < N; i++)
            train[i] = i;
        if ((st = am_fold_facts_make(ctx, &e->data, train, N, o->theta, &all_facts)))
            goto done;
        am_stage_labels(&e->data, all_facts.order, p->nmodels, train, N, test);
        if ((st = amsel_folds_make_stratified(ctx, N, K, o->seed, o->stratify ? test : NULL,
                                              p->nmodels + 1, fold_of)))
            goto done;
    }
    for (int f = 0; f < K; f++) {
        int ntrain, ntest;
        amsel_folds_split(fold_of, N, f, train, &ntrain, test, &ntest);
        if ((st = run_fold(e, f, train, ntrain, test, ntest)))
            goto done;
        if (o->progress)
            o->progress(o->progress_user, f + 1, K);
    }
    for (int q = 0; q < Q; q++) {
        summarise(e, q, scratch);
        amsel_policy_result *r = &e->res[q];
        snprintf(r->name, sizeof r->name, "%s", e->spec[q].name);
        snprintf(r->kind, sizeof r->kind, "%s",
                 q == e->spec_oracle ? "oracle" : q == e->spec_alg1 ? "alg1"
                                                : am_policy_kind_name(e->spec[q].kind));
        r->deployable = q != e->spec_oracle && q != e->spec_alg1;
    }
    e->ref = e->spec_single0;
    for (int m = 1; m < p->nmodels; m++) {
        const amsel_policy_result *a = &e->res[e->spec_single0 + m], *b = &e->res[e->ref];
        double va = o->objective == AMSEL_OBJECTIVE_TOP5 ? a->top5 : a->top1;
        double vb = o->objective == AMSEL_OBJECTIVE_TOP5 ? b->top5 : b->top1;
        if (va > vb)
            e->ref = e->spec_single0 + m;
    }
    for (int q = 0; q < e->nspec; q++)
        pair_with_reference(e, q);
    if (ft) {
        for (int i = 0; i < N; i++)
            train[i] = i;
        st = select_all_features(e, train);
    }
done:
    am_free(ctx, train);
    am_free(ctx, test);
    am_free(ctx, row_of);
    am_free(ctx, scratch);
    if (st)
        amsel_eval_destroy(e);
    else
        *out = e;
    return st;
}
