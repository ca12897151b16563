/* Statistics for feature selection: min-max scaling, Pearson correlation,
 * correlation ratio; see featsel.h. Sums are over centred values (two
 * passes), so large offsets (brightness ~ 100, counts ~ 1000) cost no
 * precision. */
#include "selector/featsel.h"

#include <math.h>

#define ROW(k) ((size_t)(rows ? rows[k] : (k)))

void am_scale_fit(const double *x, int d, const int *rows, int nrows, double *lo, double *hi)
{
    for (int j = 0; j < d; j++)
        lo[j] = hi[j] = nrows > 0 ? x[ROW(0) * (size_t)d + (size_t)j] : 0;
    for (int k = 1; k < nrows; k++) {
        const double *xr = x + ROW(k) * (size_t)d;
        for (int j = 0; j < d; j++) {
            if (xr[j] < lo[j])
                lo[j] = xr[j];
            if (xr[j] > hi[j])
                hi[j] = xr[j];
        }
    }
}

void am_scale_apply(const double *xrow, int d, const double *lo, const double *hi,
                    const int *feats, int nfeat, float *out)
{
    if (!feats)
        nfeat = d;
    for (int k = 0; k < nfeat; k++) {
        int j = feats ? feats[k] : k;
        double v = 0;
        if (hi[j] > lo[j]) {
            v = (xrow[j] - lo[j]) / (hi[j] - lo[j]);
            v = v < 0 ? 0 : v > 1 ? 1 : v;
        }
        out[k] = (float)v;
    }
}

static double column_mean(const double *x, int d, int j, const int *rows, int nrows)
{
    double s = 0;
    for (int k = 0; k < nrows; k++)
        s += x[ROW(k) * (size_t)d + (size_t)j];
    return nrows > 0 ? s / nrows : 0;
}

/* Whether column j takes one value on the rows: its mean may then differ
 * from that value by rounding, and the centred sums would be noise. */
static int is_constant(const double *x, int d, int j, const int *rows, int nrows)
{
    for (int k = 1; k < nrows; k++)
        if (x[ROW(k) * (size_t)d + (size_t)j] != x[ROW(0) * (size_t)d + (size_t)j])
            return 0;
    return 1;
}

double am_pearson(const double *x, int d, int a, int b, const int *rows, int nrows)
{
    if (nrows < 2 || is_constant(x, d, a, rows, nrows) || is_constant(x, d, b, rows, nrows))
        return 0;
    double ma = column_mean(x, d, a, rows, nrows), mb = column_mean(x, d, b, rows, nrows);
    double sab = 0, saa = 0, sbb = 0;
    for (int k = 0; k < nrows; k++) {
        const double *xr = x + ROW(k) * (size_t)d;
        double u = xr[a] - ma, v = xr[b] - mb;
        sab += u * v;
        saa += u * u;
        sbb += v * v;
    }
    if (saa <= 0 || sbb <= 0)
        return 0;
    double r = sab / sqrt(saa * sbb);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

void am_correlation_matrix(const double *x, int d, const int *rows, int nrows, double *r)
{
    for (int a = 0; a < d; a++) {
        r[(size_t)a * (size_t)d + (size_t)a] = 1;
        for (int b = a + 1; b < d; b++)
            r[(size_t)a * (size_t)d + (size_t)b] = r[(size_t)b * (size_t)d + (size_t)a] =
                am_pearson(x, d, a, b, rows, nrows);
    }
}

/* Labels are summed in blocks of this many, on the stack: no allocation,
 * one pass over the rows per block (labels are usually models, <= 64). */
#define LABEL_BLOCK 64

void am_relevance(const double *x, int d, const int *rows, int nrows, const int *label,
                  int nlabel, double *eta)
{
    for (int j = 0; j < d; j++) {
        double s = 0, first = 0;
        int n = 0, varies = 0;
        for (int k = 0; k < nrows; k++) {
            size_t i = ROW(k);
            if (label[i] >= 0 && label[i] < nlabel) {
                double v = x[i * (size_t)d + (size_t)j];
                if (!n)
                    first = v;
                varies |= v != first;
                s += v;
                n++;
            }
        }
        if (!varies) {
            eta[j] = 0;
            continue;
        }
        double mean = n ? s / n : 0, total = 0, between = 0;
        for (int g0 = 0; g0 < nlabel; g0 += LABEL_BLOCK) {
            double gs[LABEL_BLOCK] = {0};
            int gn[LABEL_BLOCK] = {0};
            for (int k = 0; k < nrows; k++) {
                size_t i = ROW(k);
                int g = label[i] - g0;
                if (label[i] < 0 || label[i] >= nlabel || g < 0 || g >= LABEL_BLOCK)
                    continue;
                double u = x[i * (size_t)d + (size_t)j] - mean;
                gs[g] += u;
                gn[g]++;
                total += u * u;
            }
            for (int g = 0; g < LABEL_BLOCK; g++)
                if (gn[g])
                    between += gs[g] * gs[g] / gn[g];
        }
        double e = total > 0 ? sqrt(between / total) : 0;
        eta[j] = e > 1 ? 1 : e;
    }
}
