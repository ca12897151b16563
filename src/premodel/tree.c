/* CART decision tree with Gini impurity and class weights. At each node
 * every feature's rows are sorted by (value, row index); a split between
 * two distinct neighbouring values uses their midpoint and must leave
 * tree_min_leaf rows on each side. The best split maximises the Gini
 * decrease; equal candidates keep the first found (lowest feature, then
 * lowest threshold), so training is deterministic. Nodes are numbered so
 * that children come after their parent, which the loader enforces: a
 * walk can only move forward and ends. */
#include "premodel/clf_internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct vi { float v; int i; } vi;

static int cmp_vi(const void *a, const void *b)
{
    const vi *p = a, *q = b;
    if (p->v != q->v)
        return p->v < q->v ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

typedef struct builder {
    am_clf *c;
    const float *x;
    const int *y;
    const double *w;   /* class weights */
    vi *buf;           /* n scratch pairs */
    int *tmp;          /* n scratch rows for partitioning */
    double *wl;        /* nclass scratch counts */
} builder;

/* Weighted class counts of rows[0..cnt) into t; returns their sum and the
 * Gini "purity" sum(t^2)/W (larger is purer). */
static double counts(const builder *b, const int *rows, int cnt, double *t, double *purity)
{
    double W = 0, s = 0;
    for (int k = 0; k < b->c->nclass; k++)
        t[k] = 0;
    for (int r = 0; r < cnt; r++)
        t[b->y[rows[r]]] += b->w[b->y[rows[r]]];
    for (int k = 0; k < b->c->nclass; k++) {
        W += t[k];
        s += t[k] * t[k];
    }
    *purity = W > 0 ? s / W : 0;
    return W;
}

/* Best split of rows[0..cnt) by feature f: sets *score and *thr, returns
 * the left count (0 if no valid split). */
static int best_on_feature(builder *b, const int *rows, int cnt, int f, const double *tot,
                           double W, double *score, float *thr)
{
    const int d = b->c->d, nc = b->c->nclass, ml = b->c->p.tree_min_leaf;
    for (int r = 0; r < cnt; r++) {
        b->buf[r].v = b->x[(size_t)rows[r] * d + f];
        b->buf[r].i = rows[r];
    }
    qsort(b->buf, (size_t)cnt, sizeof *b->buf, cmp_vi);
    for (int k = 0; k < nc; k++)
        b->wl[k] = 0;
    double WL = 0, best = -1;
    int best_nl = 0;
    for (int r = 0; r + 1 < cnt; r++) {
        double wy = b->w[b->y[b->buf[r].i]];
        b->wl[b->y[b->buf[r].i]] += wy;
        WL += wy;
        int nl = r + 1;
        if (b->buf[r].v == b->buf[r + 1].v || nl < ml || cnt - nl < ml)
            continue;
        double sl = 0, sr = 0, WR = W - WL;
        for (int k = 0; k < nc; k++) {
            sl += b->wl[k] * b->wl[k];
            sr += (tot[k] - b->wl[k]) * (tot[k] - b->wl[k]);
        }
        double s = (WL > 0 ? sl / WL : 0) + (WR > 0 ? sr / WR : 0);
        if (s > best) {
            best = s;
            best_nl = nl;
            float lo = b->buf[r].v, hi = b->buf[r + 1].v;
            float mid = (float)((double)lo + ((double)hi - (double)lo) / 2);
            *thr = mid < hi ? mid : lo; /* x <= thr must keep lo left, hi right */
        }
    }
    *score = best;
    return best_nl;
}

static void set_leaf(am_tree *t, int node, const double *tot, double W, int nc)
{
    t->feature[node] = -1;
    t->thr[node] = 0;
    t->left[node] = t->right[node] = -1;
    for (int k = 0; k < nc; k++)
        t->value[(size_t)node * nc + k] = W > 0 ? (float)(tot[k] / W) : 0;
}

static void grow(builder *b, int node, int *rows, int cnt, int depth)
{
    am_tree *t = &b->c->tree;
    const int nc = b->c->nclass;
    double tot[AM_CLF_MAX_CLASSES], purity;
    double W = counts(b, rows, cnt, tot, &purity);
    set_leaf(t, node, tot, W, nc);
    if (depth >= b->c->p.tree_depth || cnt < 2 * b->c->p.tree_min_leaf)
        return;
    int bf = -1;
    float bthr = 0;
    double bscore = purity * (1 + 1e-12); /* a split must reduce impurity */
    for (int f = 0; f < b->c->d; f++) {
        double s;
        float thr = 0;
        int nl = best_on_feature(b, rows, cnt, f, tot, W, &s, &thr);
        if (nl > 0 && s > bscore) {
            bscore = s;
            bf = f;
            bthr = thr;
        }
    }
    if (bf < 0)
        return;
    /* Stable partition: left rows keep their order, then right rows. */
    int nl = 0, nr = 0;
    for (int r = 0; r < cnt; r++) {
        if (b->x[(size_t)rows[r] * b->c->d + bf] <= bthr)
            rows[nl++] = rows[r];
        else
            b->tmp[nr++] = rows[r];
    }
    for (int r = 0; r < nr; r++)
        rows[nl + r] = b->tmp[r];
    t->feature[node] = bf;
    t->thr[node] = bthr;
    t->left[node] = t->nnodes++;
    t->right[node] = t->nnodes++;
    grow(b, t->left[node], rows, nl, depth + 1);
    grow(b, t->right[node], rows + nl, nr, depth + 1);
}

static amsel_status alloc_nodes(am_clf *c, int cap)
{
    am_tree *t = &c->tree;
    t->feature = am_malloc(c->ctx, (size_t)cap * sizeof *t->feature);
    t->thr = am_malloc(c->ctx, (size_t)cap * sizeof *t->thr);
    t->left = am_malloc(c->ctx, (size_t)cap * sizeof *t->left);
    t->right = am_malloc(c->ctx, (size_t)cap * sizeof *t->right);
    t->value = am_malloc(c->ctx, (size_t)cap * c->nclass * sizeof *t->value);
    return t->feature && t->thr && t->left && t->right && t->value ? AMSEL_OK
                                                                   : AMSEL_ERR_NOMEM;
}

amsel_status am_tree_train(am_clf *c, const float *x, int n, const int *y)
{
    amsel_ctx *ctx = c->ctx;
    double w[AM_CLF_MAX_CLASSES], wl[AM_CLF_MAX_CLASSES];
    am_clf_class_weights(y, n, c->nclass, c->p.balanced, w);
    /* Every leaf holds a row, so a binary tree has at most 2n-1 nodes. */
    amsel_status st = alloc_nodes(c, 2 * n - 1);
    builder b = {c, x, y, w, am_malloc(ctx, (size_t)n * sizeof(vi)),
                 am_malloc(ctx, (size_t)n * sizeof(int)), wl};
    int *rows = am_malloc(ctx, (size_t)n * sizeof *rows);
    if (!st && b.buf && b.tmp && rows) {
        for (int i = 0; i < n; i++)
            rows[i] = i;
        c->tree.nnodes = 1;
        grow(&b, 0, rows, n, 0);
    } else {
        st = AMSEL_ERR_NOMEM;
    }
    am_free(ctx, b.buf);
    am_free(ctx, b.tmp);
    am_free(ctx, rows);
    return st;
}

int am_tree_predict(const am_clf *c, const float *x, float *prob)
{
    const am_tree *t = &c->tree;
    int node = 0;
    while (t->feature[node] >= 0)
        node = x[t->feature[node]] <= t->thr[node] ? t->left[node] : t->right[node];
    const float *v = t->value + (size_t)node * c->nclass;
    int best = 0;
    for (int k = 0; k < c->nclass; k++) {
        if (v[k] > v[best])
            best = k;
        if (prob)
            prob[k] = v[k];
    }
    return best;
}

int am_tree_to_json(const am_clf *c, cJSON *m)
{
    const am_tree *t = &c->tree;
    size_t nn = (size_t)t->nnodes;
    return cJSON_AddNumberToObject(m, "nodes", t->nnodes) &&
           am_json_add_ints(m, "feature", t->feature, nn) &&
           am_json_add_floats(m, "threshold", t->thr, nn) &&
           am_json_add_ints(m, "left", t->left, nn) && am_json_add_ints(m, "right", t->right, nn) &&
           am_json_add_floats(m, "value", t->value, nn * c->nclass);
}

/* Structure: leaves have no children; an inner node's children lie after
 * it, and every node but the root is the child of exactly one node. */
static amsel_status check_tree(am_clf *c)
{
    am_tree *t = &c->tree;
    amsel_ctx *ctx = c->ctx;
    int *parents = am_calloc(ctx, (size_t)t->nnodes, sizeof *parents);
    if (!parents)
        return AMSEL_ERR_NOMEM;
    amsel_status st = AMSEL_OK;
    for (int i = 0; i < t->nnodes && !st; i++) {
        int l = t->left[i], r = t->right[i];
        if (t->feature[i] < 0) {
            if (l != -1 || r != -1)
                st = am_fail(ctx, AMSEL_ERR_FORMAT, "tree node %d is a leaf with children", i);
            continue;
        }
        if (l <= i || r <= i || l >= t->nnodes || r >= t->nnodes || l == r)
            st = am_fail(ctx, AMSEL_ERR_FORMAT,
                         "tree node %d: children %d and %d must be distinct nodes after it "
                         "(cycle or index out of range)", i, l, r);
        else if (++parents[l] > 1 || ++parents[r] > 1)
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "tree node %d: a child has two parents", i);
    }
    for (int i = 1; i < t->nnodes && !st; i++)
        if (parents[i] != 1)
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "tree node %d is unreachable", i);
    for (int i = 0; i < t->nnodes && !st; i++) {
        double s = 0;
        for (int k = 0; k < c->nclass; k++) {
            float v = t->value[(size_t)i * c->nclass + k];
            if (!(v >= 0)) {
                st = am_fail(ctx, AMSEL_ERR_FORMAT, "tree node %d: negative class share", i);
                break;
            }
            s += v;
        }
        if (!st && fabs(s - 1) > 1e-3)
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "tree node %d: class shares sum to %g, not 1",
                         i, s);
    }
    am_free(ctx, parents);
    return st;
}

amsel_status am_tree_from_json(am_clf *c, const cJSON *m)
{
    amsel_ctx *ctx = c->ctx;
    am_tree *t = &c->tree;
    amsel_status st;
    int nn;
    if ((st = am_json_get_int(ctx, m, "nodes", 1, 2 * AM_CLF_MAX_ROWS - 1, &nn)) ||
        (st = am_json_get_ints(ctx, m, "feature", nn, -1, c->d - 1, &t->feature, NULL)) ||
        (st = am_json_get_floats(ctx, m, "threshold", nn, &t->thr, NULL)) ||
        (st = am_json_get_ints(ctx, m, "left", nn, -1, nn - 1, &t->left, NULL)) ||
        (st = am_json_get_ints(ctx, m, "right", nn, -1, nn - 1, &t->right, NULL)) ||
        (st = am_json_get_floats(ctx, m, "value", (long)nn * c->nclass, &t->value, NULL)))
        return st;
    t->nnodes = nn;
    return check_tree(c);
}

void am_tree_free(am_clf *c)
{
    am_tree *t = &c->tree;
    am_free(c->ctx, t->feature);
    am_free(c->ctx, t->thr);
    am_free(c->ctx, t->left);
    am_free(c->ctx, t->right);
    am_free(c->ctx, t->value);
    *t = (am_tree){0};
}
