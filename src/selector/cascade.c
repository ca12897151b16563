/* Confidence cascades: applying one to an image, and tuning its
 * thresholds on training images by exhaustive search over a grid of
 * score quantiles. */
#include "selector/combine.h"
#include "selector/profile.h"

#include <stdlib.h>
#include <string.h>

/* The answer after stage s of the cascade over models[from..s]: alone,
 * or (combine) the average of their top-5 score vectors. */
typedef struct stage_answer {
    float conf;
    int correct1, correct5;
} stage_answer;

static void stage(const amsel_profile *p, const int *models, int from, int s, int combine,
                  int conf_kind, int image, stage_answer *a)
{
    int cls = p->image_class[image], top[AMSEL_CASCADE_MAX][5], out[5];
    float sc[AMSEL_CASCADE_MAX][5], osc[5];
    int n = 0;
    for (int k = combine ? from : s; k <= s; k++, n++) {
        const amsel_profile_cell *c = am_cell(p, image, models[k]);
        memcpy(top[n], c->top5, sizeof top[n]);
        memcpy(sc[n], c->score5, sizeof sc[n]);
    }
    am_combine((const int(*)[5])top, (const float(*)[5])sc, n, combine, conf_kind, out, osc,
               &a->conf);
    a->correct1 = out[0] == cls;
    a->correct5 = 0;
    for (int r = 0; r < 5; r++)
        a->correct5 |= out[r] == cls;
}

void am_cascade_run(const amsel_profile *p, const amsel_cascade *c, int entry, int image,
                    amsel_outcome *out, int *last)
{
    memset(out, 0, sizeof *out);
    int s = entry < 0 ? 0 : entry < c->n ? entry : c->n - 1;
    for (; s < c->n; s++) {
        const amsel_profile_cell *cell = am_cell(p, image, c->model[s]);
        stage_answer a;
        stage(p, c->model, entry < 0 ? 0 : entry, s, c->combine, c->confidence, image, &a);
        out->cost_ms += cell->pre_ms + cell->infer_ms;
        out->models_run++;
        out->correct1 = a.correct1;
        out->correct5 = a.correct5;
        if (s == c->n - 1 || a.conf >= c->threshold[s])
            break;
    }
    if (last)
        *last = s < c->n ? s : c->n - 1;
}

void amsel_cascade_apply(const amsel_profile *p, const amsel_cascade *c, int image,
                         amsel_outcome *out)
{
    am_cascade_run(p, c, 0, image, out, NULL);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The mean of acc over the combinations within smooth grid steps of
 * combination at along each of the dims thresholds (levels each, the
 * never-stop level included; dimension 0 varies fastest): judged by it,
 * a lucky dip in the training curve is not taken for a cheap operating
 * point. */
static double smoothed(const double *acc, size_t at, int dims, int levels, int smooth)
{
    int lo[AMSEL_CASCADE_MAX], hi[AMSEL_CASCADE_MAX], nb[AMSEL_CASCADE_MAX];
    for (int s = 0; s < dims; s++, at /= (size_t)levels) {
        const int i = (int)(at % (size_t)levels);
        lo[s] = i - smooth < 0 ? 0 : i - smooth;
        hi[s] = i + smooth > levels - 1 ? levels - 1 : i + smooth;
        nb[s] = lo[s];
    }
    double sum = 0;
    long cnt = 0;
    for (int s = 0; s < dims;) { /* odometer over the box */
        size_t q = 0;
        for (int d = dims - 1; d >= 0; d--)
            q = q * (size_t)levels + (size_t)nb[d];
        sum += acc[q];
        cnt++;
        for (s = 0; s < dims && ++nb[s] > hi[s]; s++)
            nb[s] = lo[s];
    }
    return dims > 0 ? sum / (double)cnt : acc[0];
}

amsel_status amsel_cascade_tune(amsel_ctx *ctx, const amsel_profile *p, const int *images, int n,
                                const int *models, int nmodels, int combine, amsel_objective obj,
                                double target, int grid, amsel_cascade *out, double *train_acc,
                                double *train_ms)
{
    return amsel_cascade_tune_conf(ctx, p, images, n, models, nmodels, combine, AM_CONF_TOP1, obj,
                                   target, grid, 0, out, train_acc, train_ms);
}

amsel_status amsel_cascade_tune_conf(amsel_ctx *ctx, const amsel_profile *p, const int *images,
                                     int n, const int *models, int nmodels, int combine,
                                     int confidence, amsel_objective obj, double target, int grid,
                                     int smooth, amsel_cascade *out, double *train_acc,
                                     double *train_ms)
{
    if (!p || !images || n < 1 || !models || nmodels < 1 || nmodels > AMSEL_CASCADE_MAX ||
        grid < 1 || grid > 1000 || smooth < 0 || smooth > grid || !out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_cascade_tune: bad argument");
    int S = nmodels, levels = grid + 2;
    size_t cells = (size_t)S * (size_t)n, combos = 1; /* combinations of the S-1 thresholds */
    for (int s = 0; s < S - 1; s++)
        combos *= (size_t)levels;
    float *conf = am_malloc(ctx, cells * sizeof *conf);          /* [S][n] */
    unsigned char *ok = am_malloc(ctx, cells);                   /* [S][n] */
    double *cum = am_malloc(ctx, cells * sizeof *cum);           /* [S][n] cost so far */
    float *grid_t = am_malloc(ctx, (size_t)S * (size_t)levels * sizeof *grid_t); /* [S][levels] */
    float *sorted = am_malloc(ctx, (size_t)n * sizeof *sorted);
    double *acc = am_malloc(ctx, combos * sizeof *acc);   /* [combos] training accuracy */
    double *cost = am_malloc(ctx, combos * sizeof *cost); /* [combos] mean cost */
    if (!conf || !ok || !cum || !grid_t || !sorted || !acc || !cost) {
        am_free(ctx, conf), am_free(ctx, ok), am_free(ctx, cum), am_free(ctx, grid_t);
        am_free(ctx, sorted), am_free(ctx, acc), am_free(ctx, cost);
        return AMSEL_ERR_NOMEM;
    }
    for (int s = 0; s < S; s++) {
        for (int k = 0; k < n; k++) {
            stage_answer a;
            stage(p, models, 0, s, combine, confidence, images[k], &a);
            const amsel_profile_cell *c = am_cell(p, images[k], models[s]);
            size_t at = (size_t)s * (size_t)n + (size_t)k;
            conf[at] = a.conf;
            ok[at] = (unsigned char)(obj == AMSEL_OBJECTIVE_TOP5 ? a.correct5 : a.correct1);
            cum[at] = (s ? cum[at - (size_t)n] : 0) + c->pre_ms + c->infer_ms;
            sorted[k] = a.conf;
        }
        qsort(sorted, (size_t)n, sizeof *sorted, cmp_float);
        for (int g = 0; g <= grid; g++)
            grid_t[s * levels + g] = sorted[(size_t)((double)g / grid * (n - 1) + 0.5)];
        grid_t[s * levels + grid + 1] = 2.0f; /* never stop: scores are <= 1 */
    }
    /* every combination of thresholds (odometer, stage 0 fastest) */
    int idx[AMSEL_CASCADE_MAX] = {0};
    for (size_t at = 0; at < combos; at++) {
        long hits = 0;
        double ms = 0;
        for (int k = 0; k < n; k++) {
            int s = 0;
            while (s < S - 1 && conf[(size_t)s * n + k] < grid_t[s * levels + idx[s]])
                s++;
            hits += ok[(size_t)s * n + k];
            ms += cum[(size_t)s * n + k];
        }
        acc[at] = 100.0 * (double)hits / n;
        cost[at] = ms / n;
        int s = 0;
        while (s < S - 1 && ++idx[s] == levels)
            idx[s++] = 0;
    }
    double best_acc = -1, best_ms = 0;
    int best_meets = 0;
    size_t best_at = 0;
    for (size_t at = 0; at < combos; at++) {
        const double a = smooth > 0 ? smoothed(acc, at, S - 1, levels, smooth) : acc[at];
        const double ms = cost[at];
        const int meets = a >= target - 1e-9;
        if (am_tune_better(a, ms, meets, best_acc, best_ms, best_meets)) {
            best_acc = a;
            best_ms = ms;
            best_meets = meets;
            best_at = at;
        }
    }
    int best_idx[AMSEL_CASCADE_MAX] = {0};
    for (int s = 0; s < S - 1; s++, best_at /= (size_t)levels)
        best_idx[s] = (int)(best_at % (size_t)levels);
    memset(out, 0, sizeof *out);
    out->n = S;
    out->combine = combine;
    out->confidence = confidence;
    for (int s = 0; s < S; s++) {
        out->model[s] = models[s];
        out->threshold[s] = s < S - 1 ? grid_t[s * levels + best_idx[s]] : 0;
    }
    if (train_acc)
        *train_acc = best_acc;
    if (train_ms)
        *train_ms = best_ms;
    am_free(ctx, conf), am_free(ctx, ok), am_free(ctx, cum), am_free(ctx, grid_t);
    am_free(ctx, sorted), am_free(ctx, acc), am_free(ctx, cost);
    return AMSEL_OK;
}
