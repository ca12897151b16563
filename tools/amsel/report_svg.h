/* Small helpers for the report's inline SVG: escaping, axes with "nice"
 * ticks, and colours. */
#ifndef AMSEL_REPORT_SVG_H
#define AMSEL_REPORT_SVG_H

#include "report_doc.h"

#include <stdio.h>

/* Text for HTML/SVG: & < > " ' escaped, control bytes replaced by '?'. At
 * most max bytes (0: all), cut on a UTF-8 character boundary with "...". */
void rep_esc(FILE *f, const char *s, size_t max);

/* A linear axis from value range [lo, hi] to pixels [p0, p1], widened to
 * multiples of a 1/2/5 x 10^k step giving about `want` intervals. */
typedef struct rep_axis {
    double lo, hi, step, p0, p1;
} rep_axis;

void rep_axis_init(rep_axis *a, double lo, double hi, double p0, double p1, int want);
double rep_px(const rep_axis *a, double v);

/* Tick labels and grid lines: horizontal axis at pixel row y with grid up to
 * top; vertical axis at pixel column x with grid across to right. */
void rep_axis_x(FILE *f, const rep_axis *a, double y, double top, const char *label);
void rep_axis_y(FILE *f, const rep_axis *a, double x, double right, const char *label);

/* Fill colour of a policy kind, and of the i-th model. */
const char *rep_kind_colour(const char *kind);
const char *rep_model_colour(int i);

/* Diverging blue-white-red for v in [-1, 1] into buf ("#rrggbb"). */
void rep_diverging(double v, char buf[8]);

#endif
