/* One policy's cross-validated figures as a JSON object: shared by the
 * selector file's "cv" record and `amsel eval --json`. */
#ifndef AMSEL_SELECTOR_EVAL_FIGURES_H
#define AMSEL_SELECTOR_EVAL_FIGURES_H

#include "amsel/selector.h"

#include <cjson/cJSON.h>

/* name, kind, top1, top5, mean_ms, p90_ms, overhead_ms, speedup (against
 * ref_ms), models_run, top1_sd, ms_sd, unsure, precision, recall, f1.
 * NULL on out of memory. */
cJSON *am_policy_figures_json(const amsel_policy_result *r, double ref_ms);

#endif
