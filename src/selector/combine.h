/* The answer after running some models of a cascade: alone, or the
 * average of their top-5 score vectors. One function for the offline
 * evaluation (scores from the profile) and the live selector (scores from
 * the models), so that both decide identically. */
#ifndef AMSEL_SELECTOR_COMBINE_H
#define AMSEL_SELECTOR_COMBINE_H

#include "amsel/selector.h"

/* Confidence of an answer: its top-1 score, or the margin top-1 - top-2. */
enum { AM_CONF_TOP1 = 0, AM_CONF_MARGIN = 1 };

/* cls[k][0..4], score[k][0..4]: the top-5 of the k-th model run (k <
 * n, n <= AMSEL_CASCADE_MAX), best first. Without combine (or n == 1)
 * the answer is the last model's top-5; with it, the classes ranked by
 * the sum of their scores over the n models (a class outside a model's
 * top 5 counts 0 for it; ties: lower class first), divided by n.
 * out_cls/out_score receive the answer's top 5. */
void am_combine(const int (*cls)[5], const float (*score)[5], int n, int combine, int conf_kind,
                int out_cls[5], float out_score[5], float *conf);

#endif
