/* Feature selection for the premodel (Marco et al., ACM TECS 2019, 4.3):
 * scale every feature to [0,1], drop one of each pair of features
 * correlated above a limit (keeping the one more related to the label),
 * then greedy backward elimination by cross-validated accuracy.
 *
 * Data is an n x d row-major matrix x of doubles; every statistic runs
 * over the rows listed in rows[0..nrows-1] (rows NULL: rows 0..nrows-1),
 * so training folds never see their test rows. */
#ifndef AMSEL_SELECTOR_FEATSEL_H
#define AMSEL_SELECTOR_FEATSEL_H

#include "core/ctx.h"

/* ---- Statistics (featsel_stats.c) ----------------------------------- */

/* Min-max scaling fitted on the rows: lo[j], hi[j] = column j's min, max
 * (both 0 when nrows is 0). */
void am_scale_fit(const double *x, int d, const int *rows, int nrows, double *lo, double *hi);

/* out[k] = (xrow[feats[k]] - lo) / (hi - lo) clipped to [0,1] (values
 * outside the training range clip); a constant column (hi <= lo) gives 0.
 * feats NULL: every column, nfeat = d. */
void am_scale_apply(const double *xrow, int d, const double *lo, const double *hi,
                    const int *feats, int nfeat, float *out);

/* Pearson correlation of columns a and b over the rows, in [-1,1]; 0 when
 * either is constant (or nrows < 2). */
double am_pearson(const double *x, int d, int a, int b, const int *rows, int nrows);

/* r[a*d + b] = am_pearson of columns a, b for every pair (diagonal 1,
 * even for a constant column). */
void am_correlation_matrix(const double *x, int d, const int *rows, int nrows, double *r);

/* Correlation ratio of each column to a label: eta[j] = sqrt(between-group
 * sum of squares / total sum of squares), groups by label[i] (indexed by
 * row, like x) in 0..nlabel-1; rows with a label outside are left out. 0
 * for a constant column; 1 when the label determines the value. */
void am_relevance(const double *x, int d, const int *rows, int nrows, const int *label,
                  int nlabel, double *eta);

/* ---- Selection (featsel.c) ------------------------------------------ */

/* Correlation filter: visiting features by decreasing relevance (ties: the
 * lower index first), keep[j] = 1 unless |r| with an already kept feature
 * exceeds limit. So no kept pair is correlated above limit, and each
 * dropped feature has a kept, more relevant partner. */
void am_featsel_correlation(const double *r, int d, const double *relevance, double limit,
                            int *keep);

/* One step of backward elimination. Step 0 is the start set (removed -1);
 * the last step may be a removal that was not made (accepted 0). */
typedef struct am_featsel_step {
    int removed;       /* feature removed (or tried), -1 for the start */
    int nfeat;         /* features in the set after the step */
    double score;      /* score after the step (of the start set at step 0) */
    double loss;       /* points lost by this step: previous score - score */
    int accepted;
} am_featsel_step;

/* Greedy backward elimination from start[0..nstart-1] (distinct feature
 * indices >= 0). score(feats, nfeat, user) returns an accuracy in %
 * (e.g. cross-validated); it must be finite. Each step removes the
 * feature whose removal leaves the highest score (ties: the first in the
 * current order); it stops when that removal would lose more than tol
 * points against the current set, or at min_keep (>= 1) features.
 *
 * Writes kept[0..*nkept-1] in start order, importance[k] = points lost
 * when kept[k] alone is removed from the final set (score may then be
 * called with nfeat 0: "no features", e.g. the majority answer), and
 * log[0..*nlog-1] (room for nstart + 1; log and nlog may be NULL). Every
 * output has room for nstart entries. */
amsel_status am_featsel_backward(amsel_ctx *ctx, const int *start, int nstart,
                                 double (*score)(const int *feats, int nfeat, void *user),
                                 void *user, double tol, int min_keep, int *kept, int *nkept,
                                 double *importance, am_featsel_step *log, int *nlog);

#endif
