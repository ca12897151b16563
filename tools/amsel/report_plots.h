/* The report's plots, one inline <svg> each (report_html.c places them). */
#ifndef AMSEL_REPORT_PLOTS_H
#define AMSEL_REPORT_PLOTS_H

#include "report_doc.h"

#include <stdio.h>

/* Top-1 (y) against mean latency (x): single models, the oracle and the
 * policies as circles (class "pt"), each labelled, and the Pareto front as a
 * step line. Needs rep_doc_derive. */
void rep_plot_scatter(FILE *f, const rep_doc *d);

/* Per policy with usage: stacked horizontal bars, one segment per model =
 * the fraction of images it ran on; the bar's length is models per image. */
void rep_plot_usage(FILE *f, const rep_doc *d);

/* Per policy with folds: each fold's top-1 as a dot (class "fold") on a
 * min-max whisker, with the mean marked. */
void rep_plot_folds(FILE *f, const rep_doc *d);

/* Feature correlation heat map (d x d) with a colour scale; kept features'
 * names in bold. */
void rep_plot_heatmap(FILE *f, const rep_features *ft);

/* Horizontal bars of name -> value, largest first, from a zero line. */
void rep_plot_bars(FILE *f, const rep_named *v, int n, const char *axis_label);

/* How many policies have usage / folds (0: the plot is left out). */
int rep_count_usage(const rep_doc *d);
int rep_count_folds(const rep_doc *d);

#endif
