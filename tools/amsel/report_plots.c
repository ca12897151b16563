/* The evaluation plots: accuracy vs latency, model usage, fold spread. */
#include "report_plots.h"
#include "report_svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_CHARS 40  /* longer names are cut (the full name is in the tooltip) */
#define CHAR_W 6.2      /* approximate width of an 11px sans-serif character */

typedef struct point {
    double ms, top1, px, py;
    const char *name, *kind; /* kind NULL: a model without a policy */
    int front;
} point;

static int by_ms(const void *a, const void *b)
{
    const point *p = a, *q = b;
    int c = (p->ms > q->ms) - (p->ms < q->ms);
    return c ? c : (p->top1 > q->top1) - (p->top1 < q->top1);
}

static int by_py(const void *a, const void *b)
{
    const point *p = a, *q = b;
    return (p->py > q->py) - (p->py < q->py);
}

static int collect_points(const rep_doc *d, point *pt)
{
    int n = 0;
    for (int q = 0; q < d->npolicies; q++) {
        const rep_policy *p = &d->policies[q];
        pt[n++] = (point){p->mean_ms, p->top1, 0, 0, p->name, p->kind, p->on_front};
    }
    for (int i = 0; i < d->nmodels; i++)
        if (!d->models[i].has_policy)
            pt[n++] = (point){d->models[i].mean_ms, d->models[i].top1, 0, 0, d->models[i].name,
                              NULL, d->models[i].on_front};
    return n;
}

static void marker(FILE *f, const point *p, const char *cls, double x, double y)
{
    int single = !p->kind || !strcmp(p->kind, "single"), oracle = p->kind && !strcmp(p->kind, "oracle");
    const char *col = p->kind ? rep_kind_colour(p->kind) : rep_kind_colour("single");
    fprintf(f, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" stroke=\"%s\" "
               "stroke-width=\"%s\">",
            cls, x, y, oracle ? 7 : single ? 4 : 5, single ? "#ffffff" : col,
            single ? col : p->front ? "#000000" : "#ffffff", p->front ? "2" : "1.5");
}

/* Labels right of their point (left near the edge), pushed down while they
 * overlap one already placed; a leader line when moved. */
static void labels(FILE *f, point *pt, int n, double right)
{
    double *bx = malloc((size_t)n * 4 * sizeof *bx);
    if (!bx)
        return;
    qsort(pt, (size_t)n, sizeof *pt, by_py);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(pt[i].name);
        double w = CHAR_W * (double)(len > LABEL_CHARS ? LABEL_CHARS + 3 : len);
        int left = pt[i].px + 8 + w > right;
        /* Above the point's centre: the front's horizontal steps run through it. */
        double x0 = left ? pt[i].px - 8 - w : pt[i].px + 6, y = pt[i].py - 5;
        for (int tries = 0; tries < 40; tries++) {
            int clash = 0;
            for (int k = 0; k < i && !clash; k++)
                clash = x0 < bx[4 * k + 1] && bx[4 * k] < x0 + w && y - 10 < bx[4 * k + 3] &&
                        bx[4 * k + 2] < y + 1;
            if (!clash)
                break;
            y += 11;
        }
        bx[4 * i] = x0, bx[4 * i + 1] = x0 + w, bx[4 * i + 2] = y - 10, bx[4 * i + 3] = y + 1;
        if (y - pt[i].py > 4)
            fprintf(f, "<line class=\"leader\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                    pt[i].px, pt[i].py, left ? x0 + w : x0, y - 4);
        fprintf(f, "<text class=\"ptlabel\" x=\"%.1f\" y=\"%.1f\">", x0, y);
        rep_esc(f, pt[i].name, LABEL_CHARS);
        fputs("</text>\n", f);
    }
    free(bx);
}

static void legend_scatter(FILE *f, double x, double y)
{
    static const char *kinds[] = {"single", "oracle", "alg1", "chain", "multiclass", "cascade", "hybrid"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++, x += 95) {
        point p = {0, 0, 0, 0, kinds[i], kinds[i], 0};
        marker(f, &p, "key", x, y);
        fprintf(f, "</circle><text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%s</text>", x + 9, y + 4,
                kinds[i]);
    }
    fprintf(f, "<path class=\"front\" d=\"M%.1f %.1fh12v-6h12\"/><text class=\"tick\" x=\"%.1f\" "
               "y=\"%.1f\">Pareto front (bold ring)</text>\n",
            x, y + 3, x + 30, y + 4);
}

void rep_plot_scatter(FILE *f, const rep_doc *d)
{
    const double W = 960, H = 560, L = 70, R = W - 30, T = 20, B = H - 80;
    point *pt = malloc(((size_t)d->npolicies + (size_t)d->nmodels) * sizeof *pt);
    if (!pt)
        return;
    int n = collect_points(d, pt);
    double xmin = 0, xmax = 0, ymin = 100, ymax = 0;
    for (int i = 0; i < n; i++) {
        xmax = fmax(xmax, pt[i].ms);
        ymin = fmin(ymin, pt[i].top1);
        ymax = fmax(ymax, pt[i].top1);
    }
    rep_axis ax, ay;
    rep_axis_init(&ax, xmin, xmax * 1.05, L, R, 8);
    rep_axis_init(&ay, ymin - 1, fmin(100, ymax + 1), B, T, 6);
    fprintf(f, "<svg class=\"plot\" id=\"scatter\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
               "height=\"%.0f\" role=\"img\" aria-label=\"top-1 against mean latency\">\n",
            W, H, W, H);
    rep_axis_x(f, &ax, B, T, "mean latency per image (ms)");
    rep_axis_y(f, &ay, L, R, "top-1 accuracy (%)");
    for (int i = 0; i < n; i++) {
        pt[i].px = rep_px(&ax, pt[i].ms);
        pt[i].py = rep_px(&ay, pt[i].top1);
    }
    /* The front as a step line: the best accuracy reachable within a budget. */
    qsort(pt, (size_t)n, sizeof *pt, by_ms);
    int first = 1;
    for (int i = 0; i < n; i++) {
        if (!pt[i].front)
            continue;
        if (first)
            fprintf(f, "<path class=\"front\" d=\"M%.1f %.1f", pt[i].px, pt[i].py);
        else
            fprintf(f, "H%.1fV%.1f", pt[i].px, pt[i].py);
        first = 0;
    }
    if (!first)
        fprintf(f, "H%.1f\"/>\n", R);
    for (int i = 0; i < n; i++) {
        marker(f, &pt[i], "pt", pt[i].px, pt[i].py);
        fputs("<title>", f);
        rep_esc(f, pt[i].name, 0);
        fprintf(f, " (%s): top-1 %.2f%%, %.3f ms%s</title></circle>\n",
                pt[i].kind ? pt[i].kind : "model", pt[i].top1, pt[i].ms,
                pt[i].front ? ", on the Pareto front" : "");
    }
    labels(f, pt, n, R);
    legend_scatter(f, L, H - 18);
    fputs("</svg>\n", f);
    free(pt);
}

int rep_count_usage(const rep_doc *d)
{
    int n = 0;
    for (int q = 0; q < d->npolicies; q++)
        n += d->policies[q].nusage > 0;
    return n;
}

int rep_count_folds(const rep_doc *d)
{
    int n = 0;
    for (int q = 0; q < d->npolicies; q++)
        n += d->policies[q].nfolds > 0;
    return n;
}

/* Colour index of a model name: its place in models[], else in the order
 * first met in the usage objects (names: the list so far). */
static int model_slot(const char **names, int *n, int cap, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(names[i], name))
            return i;
    if (*n < cap)
        names[(*n)++] = name;
    return *n - 1;
}

static void row_name(FILE *f, const char *name, double x, double y)
{
    fprintf(f, "<text class=\"rowname\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x, y);
    rep_esc(f, name, LABEL_CHARS);
    fputs("</text>", f);
}

void rep_plot_usage(FILE *f, const rep_doc *d)
{
    enum { CAP = 256 };
    const char *names[CAP];
    int nn = 0, rows = rep_count_usage(d);
    for (int i = 0; i < d->nmodels; i++)
        model_slot(names, &nn, CAP, d->models[i].name);
    double total = 1;
    for (int q = 0; q < d->npolicies; q++) {
        double s = 0;
        for (int u = 0; u < d->policies[q].nusage; u++) {
            s += d->policies[q].usage[u].v;
            model_slot(names, &nn, CAP, d->policies[q].usage[u].name);
        }
        total = fmax(total, s);
    }
    const double W = 960, L = 270, R = W - 30, T = 10, RH = 20;
    int legend_rows = (nn + 3) / 4;
    double B = T + rows * RH, H = B + 50 + legend_rows * 18;
    rep_axis ax;
    rep_axis_init(&ax, 0, total, L, R, 8);
    fprintf(f, "<svg class=\"plot\" id=\"usage\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
               "height=\"%.0f\" role=\"img\" aria-label=\"model usage per policy\">\n",
            W, H, W, H);
    rep_axis_x(f, &ax, B, T, "models run per image (segment: fraction of images a model ran on)");
    int r = 0;
    for (int q = 0; q < d->npolicies; q++) {
        const rep_policy *p = &d->policies[q];
        if (!p->nusage)
            continue;
        double y = T + r++ * RH, x = L;
        row_name(f, p->name, L - 6, y + RH / 2 + 4);
        for (int u = 0; u < p->nusage; u++) {
            double w = rep_px(&ax, p->usage[u].v) - L;
            int k = model_slot(names, &nn, CAP, p->usage[u].name);
            fprintf(f, "<rect class=\"seg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                       "fill=\"%s\"><title>",
                    x, y + 3, w, RH - 6, rep_model_colour(k));
            rep_esc(f, p->usage[u].name, 0);
            fprintf(f, ": %.1f%% of images</title></rect>", 100 * p->usage[u].v);
            x += w;
        }
        fputs("\n", f);
    }
    for (int i = 0; i < nn; i++) {
        double x = L + (i % 4) * 170 - 200, y = B + 50 + (i / 4) * 18;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>", x,
                y - 10, rep_model_colour(i));
        fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">", x + 16, y);
        rep_esc(f, names[i], 24);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
}

void rep_plot_folds(FILE *f, const rep_doc *d)
{
    const double W = 960, L = 270, R = W - 30, T = 10, RH = 20;
    int rows = rep_count_folds(d);
    double lo = 100, hi = 0, B = T + rows * RH, H = B + 45;
    for (int q = 0; q < d->npolicies; q++)
        for (int k = 0; k < d->policies[q].nfolds; k++) {
            lo = fmin(lo, d->policies[q].fold_top1[k]);
            hi = fmax(hi, d->policies[q].fold_top1[k]);
        }
    rep_axis ax;
    rep_axis_init(&ax, lo, hi, L, R, 8);
    fprintf(f, "<svg class=\"plot\" id=\"folds\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
               "height=\"%.0f\" role=\"img\" aria-label=\"top-1 of each fold\">\n",
            W, H, W, H);
    rep_axis_x(f, &ax, B, T, "top-1 accuracy of each test fold (%); bar: mean");
    int r = 0;
    for (int q = 0; q < d->npolicies; q++) {
        const rep_policy *p = &d->policies[q];
        if (!p->nfolds)
            continue;
        double y = T + r++ * RH + RH / 2, mn = 100, mx = 0, sum = 0;
        for (int k = 0; k < p->nfolds; k++) {
            mn = fmin(mn, p->fold_top1[k]);
            mx = fmax(mx, p->fold_top1[k]);
            sum += p->fold_top1[k];
        }
        const char *col = rep_kind_colour(p->kind);
        row_name(f, p->name, L - 6, y + 4);
        fprintf(f, "<line class=\"whisker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"%s\"/>",
                rep_px(&ax, mn), y, rep_px(&ax, mx), y, col);
        for (int k = 0; k < p->nfolds; k++)
            fprintf(f, "<circle class=\"fold\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
                       "<title>fold %d: %.2f%%</title></circle>",
                    rep_px(&ax, p->fold_top1[k]), y, col, k + 1, p->fold_top1[k]);
        double m = rep_px(&ax, sum / p->nfolds);
        fprintf(f, "<line class=\"mean\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", m,
                y - 7, m, y + 7);
    }
    fputs("</svg>\n", f);
}
