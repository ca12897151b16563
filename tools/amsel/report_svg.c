/* SVG helpers of the HTML report. */
#include "report_svg.h"

#include <math.h>
#include <string.h>

void rep_esc(FILE *f, const char *s, size_t max)
{
    size_t n = strlen(s), cut = n;
    if (max && n > max) {
        cut = max;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--; /* not inside a multi-byte character */
    }
    for (size_t i = 0; i < cut; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(c < 0x20 || c == 0x7F ? '?' : c, f);
        }
    }
    if (cut < n)
        fputs("...", f);
}

void rep_axis_init(rep_axis *a, double lo, double hi, double p0, double p1, int want)
{
    if (!(hi > lo)) { /* one value (or none): give it some room */
        double pad = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
        lo -= pad;
        hi += pad;
    }
    double raw = (hi - lo) / (want > 0 ? want : 5), mag = pow(10, floor(log10(raw)));
    double r = raw / mag, step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
    a->step = step;
    a->lo = floor(lo / step) * step;
    a->hi = ceil(hi / step) * step;
    if (a->hi <= a->lo)
        a->hi = a->lo + step;
    a->p0 = p0;
    a->p1 = p1;
}

double rep_px(const rep_axis *a, double v)
{
    return a->p0 + (v - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

/* Decimals enough to tell ticks apart: 0 for steps >= 1, else more. */
static int decimals(double step)
{
    int d = 0;
    while (d < 6 && step * pow(10, d) < 0.999)
        d++;
    return d;
}

void rep_axis_x(FILE *f, const rep_axis *a, double y, double top, const char *label)
{
    int d = decimals(a->step), n = (int)lround((a->hi - a->lo) / a->step);
    for (int i = 0; i <= n && i <= 100; i++) {
        double v = a->lo + i * a->step, x = rep_px(a, v);
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, top,
                x, y);
        fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n",
                x, y + 14, d, v);
    }
    fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", a->p0, y,
            a->p1, y);
    fprintf(f, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
            (a->p0 + a->p1) / 2, y + 32, label);
}

void rep_axis_y(FILE *f, const rep_axis *a, double x, double right, const char *label)
{
    int d = decimals(a->step), n = (int)lround((a->hi - a->lo) / a->step);
    for (int i = 0; i <= n && i <= 100; i++) {
        double v = a->lo + i * a->step, y = rep_px(a, v);
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, y,
                right, y);
        fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n",
                x - 5, y + 4, d, v);
    }
    fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, a->p0,
            x, a->p1);
    fprintf(f,
            "<text class=\"label\" transform=\"translate(%.1f %.1f) rotate(-90)\" "
            "text-anchor=\"middle\">%s</text>\n",
            x - 40, (a->p0 + a->p1) / 2, label);
}

const char *rep_kind_colour(const char *kind)
{
    static const struct {
        const char *kind, *colour;
    } k[] = {{"single", "#9e9e9e"}, {"oracle", "#212121"},   {"alg1", "#8e24aa"},
             {"chain", "#00897b"},  {"multiclass", "#ef6c00"}, {"cascade", "#1e88e5"},
             {"hybrid", "#e53935"}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(kind, k[i].kind))
            return k[i].colour;
    return "#6d4c41";
}

const char *rep_model_colour(int i)
{
    static const char *pal[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                                "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1b9e77", "#d95f02"};
    return pal[(unsigned)i % (sizeof pal / sizeof pal[0])];
}

void rep_diverging(double v, char buf[8])
{
    v = v < -1 ? -1 : v > 1 ? 1 : v;
    /* white at 0, towards #2166ac (negative) or #b2182b (positive) */
    int r0 = v < 0 ? 0x21 : 0xb2, g0 = v < 0 ? 0x66 : 0x18, b0 = v < 0 ? 0xac : 0x2b;
    double t = fabs(v);
    snprintf(buf, 8, "#%02x%02x%02x", (int)lround(255 + (r0 - 255) * t),
             (int)lround(255 + (g0 - 255) * t), (int)lround(255 + (b0 - 255) * t));
}
