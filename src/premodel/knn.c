/* K nearest neighbours: the training rows are the model. Neighbours are
 * ordered by distance, then by row index, so equal distances resolve the
 * same way on every run; each neighbour votes with its class weight. */
#include "premodel/clf_internal.h"

#include <math.h>

amsel_status am_knn_train(am_clf *c, const float *x, int n, const int *y)
{
    amsel_ctx *ctx = c->ctx;
    am_knn *k = &c->knn;
    double w[AM_CLF_MAX_CLASSES];
    size_t nx = (size_t)n * (size_t)c->d;
    k->x = am_malloc(ctx, nx * sizeof *k->x);
    k->y = am_malloc(ctx, (size_t)n * sizeof *k->y);
    k->w = am_malloc(ctx, (size_t)c->nclass * sizeof *k->w);
    if (!k->x || !k->y || !k->w)
        return AMSEL_ERR_NOMEM;
    k->n = n;
    for (size_t i = 0; i < nx; i++)
        k->x[i] = x[i];
    for (int i = 0; i < n; i++)
        k->y[i] = y[i];
    am_clf_class_weights(y, n, c->nclass, c->p.balanced, w);
    for (int i = 0; i < c->nclass; i++)
        k->w[i] = (float)w[i];
    return AMSEL_OK;
}

int am_knn_predict(const am_clf *c, const float *x, float *prob)
{
    const am_knn *k = &c->knn;
    const int d = c->d, kk = c->p.knn_k < k->n ? c->p.knn_k : k->n;
    float best_d[64];
    int best_i[64], m = 0;
    for (int i = 0; i < k->n; i++) {
        const float *r = k->x + (size_t)i * d;
        float s = 0;
        if (c->p.knn_metric == 0) {
            for (int j = 0; j < d; j++) {
                float t = r[j] - x[j];
                s += t * t;
            }
        } else {
            for (int j = 0; j < d; j++)
                s += fabsf(r[j] - x[j]);
        }
        /* Rows come in index order, so a strict < keeps the earlier row on
         * equal distance; !(s < worst) also drops NaN distances. */
        if (m == kk && !(s < best_d[m - 1]))
            continue;
        int p = m < kk ? m++ : m - 1;
        while (p > 0 && s < best_d[p - 1]) {
            best_d[p] = best_d[p - 1];
            best_i[p] = best_i[p - 1];
            p--;
        }
        best_d[p] = s;
        best_i[p] = i;
    }
    double votes[AM_CLF_MAX_CLASSES] = {0}, total = 0;
    for (int i = 0; i < m; i++) {
        votes[k->y[best_i[i]]] += k->w[k->y[best_i[i]]];
        total += k->w[k->y[best_i[i]]];
    }
    int cls = am_clf_argmax(votes, c->nclass);
    if (prob)
        for (int i = 0; i < c->nclass; i++)
            prob[i] = total > 0 ? (float)(votes[i] / total) : (i == cls ? 1.0f : 0.0f);
    return cls;
}

int am_knn_to_json(const am_clf *c, cJSON *m)
{
    const am_knn *k = &c->knn;
    return cJSON_AddNumberToObject(m, "rows", k->n) &&
           am_json_add_floats(m, "x", k->x, (size_t)k->n * c->d) &&
           am_json_add_ints(m, "y", k->y, (size_t)k->n) &&
           am_json_add_floats(m, "weight", k->w, (size_t)c->nclass);
}

amsel_status am_knn_from_json(am_clf *c, const cJSON *m)
{
    amsel_ctx *ctx = c->ctx;
    am_knn *k = &c->knn;
    amsel_status st;
    int n;
    if ((st = am_json_get_int(ctx, m, "rows", 1, AM_CLF_MAX_ROWS, &n)) ||
        (st = am_json_get_floats(ctx, m, "x", (long)n * c->d, &k->x, NULL)) ||
        (st = am_json_get_ints(ctx, m, "y", n, 0, c->nclass - 1, &k->y, NULL)) ||
        (st = am_json_get_floats(ctx, m, "weight", c->nclass, &k->w, NULL)))
        return st;
    k->n = n;
    for (int i = 0; i < c->nclass; i++)
        if (!(k->w[i] >= 0))
            return am_fail(ctx, AMSEL_ERR_FORMAT, "\"weight\"[%d] is negative", i);
    return AMSEL_OK;
}

void am_knn_free(am_clf *c)
{
    am_free(c->ctx, c->knn.x);
    am_free(c->ctx, c->knn.y);
    am_free(c->ctx, c->knn.w);
    c->knn.x = NULL;
    c->knn.y = NULL;
    c->knn.w = NULL;
}
