/* The feature plots: correlation heat map and importance bars. */
#include "report_plots.h"
#include "report_svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NAME_CHARS 28

void rep_plot_heatmap(FILE *f, const rep_features *ft)
{
    int d = ft->d;
    size_t longest = 1;
    for (int i = 0; i < d; i++)
        longest = strlen(ft->names[i]) > longest ? strlen(ft->names[i]) : longest;
    if (longest > NAME_CHARS)
        longest = NAME_CHARS + 3;
    /* Room for the names: along the rows, and rotated by 60 degrees on top. */
    double cell = d > 0 ? fmin(32, 640.0 / d) : 32, L = 20 + 6.5 * (double)longest;
    double T = 20 + 5.6 * (double)longest;
    double W = L + d * cell + 120, H = T + d * cell + 20;
    fprintf(f, "<svg class=\"plot\" id=\"heatmap\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
               "height=\"%.0f\" role=\"img\" aria-label=\"feature correlation\">\n",
            W, H, W, H);
    for (int i = 0; i < d; i++) {
        const char *cls = ft->kept[i] ? "rowname kept" : "rowname";
        fprintf(f, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", cls, L - 6,
                T + (i + 0.5) * cell + 4);
        rep_esc(f, ft->names[i], NAME_CHARS);
        fprintf(f, "</text><text class=\"%s\" transform=\"translate(%.1f %.1f) rotate(-60)\">", cls,
                L + (i + 0.5) * cell + 4, T - 6);
        rep_esc(f, ft->names[i], NAME_CHARS);
        fputs("</text>\n", f);
    }
    for (int i = 0; i < d; i++)
        for (int k = 0; k < d; k++) {
            double v = ft->corr[i * d + k];
            char col[8];
            rep_diverging(v, col);
            fprintf(f, "<rect class=\"cell\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                       "fill=\"%s\"><title>",
                    L + k * cell, T + i * cell, cell, cell, col);
            rep_esc(f, ft->names[i], 0);
            fputs(" / ", f);
            rep_esc(f, ft->names[k], 0);
            fprintf(f, ": %.2f</title></rect>", v);
            if (cell >= 26)
                fprintf(f, "<text class=\"cellv\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\"%s>"
                           "%.2f</text>",
                        L + (k + 0.5) * cell, T + (i + 0.5) * cell + 3,
                        fabs(v) > 0.6 ? " fill=\"#ffffff\"" : "", v);
        }
    /* Colour scale: -1 (bottom) to 1 (top) in 21 steps. */
    double sx = L + d * cell + 30, sh = fmax(d * cell, 105) / 21;
    for (int s = 0; s < 21; s++) {
        char col[8];
        rep_diverging(1 - s / 10.0, col);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"%.2f\" fill=\"%s\"/>", sx,
                T + s * sh, sh + 0.5, col);
    }
    fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">+1</text>", sx + 20, T + 8);
    fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">0</text>", sx + 20, T + 10.5 * sh + 4);
    fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">-1</text>\n", sx + 20, T + 21 * sh);
    fputs("</svg>\n", f);
}

static int by_value_desc(const void *a, const void *b)
{
    const rep_named *p = a, *q = b;
    return (p->v < q->v) - (p->v > q->v);
}

void rep_plot_bars(FILE *f, const rep_named *v, int n, const char *axis_label)
{
    rep_named *s = malloc((size_t)(n > 0 ? n : 1) * sizeof *s);
    if (!s)
        return;
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, by_value_desc);
    double lo = 0, hi = 0;
    for (int i = 0; i < n; i++) {
        lo = fmin(lo, s[i].v);
        hi = fmax(hi, s[i].v);
    }
    const double W = 760, L = 210, R = W - 30, T = 10, RH = 20;
    double B = T + n * RH, H = B + 45;
    rep_axis ax;
    rep_axis_init(&ax, lo, hi, L, R, 6);
    double zero = rep_px(&ax, 0);
    fprintf(f, "<svg class=\"plot bars\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
               "role=\"img\" aria-label=\"%s\">\n",
            W, H, W, H, axis_label);
    rep_axis_x(f, &ax, B, T, axis_label);
    for (int i = 0; i < n; i++) {
        double y = T + i * RH, x = rep_px(&ax, s[i].v);
        fprintf(f, "<text class=\"rowname\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", L - 6,
                y + RH / 2 + 4);
        rep_esc(f, s[i].name, NAME_CHARS);
        fprintf(f, "</text><rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                   "height=\"%.1f\"><title>%.4g</title></rect>\n",
                fmin(x, zero), y + 3, fabs(x - zero), RH - 6, s[i].v);
    }
    fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", zero, T,
            zero, B);
    fputs("</svg>\n", f);
    free(s);
}
