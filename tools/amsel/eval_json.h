/* The evaluation as a JSON document (the input of the HTML report and of
 * `amsel report`; format in docs/report.md). */
#ifndef AMSEL_CLI_EVAL_JSON_H
#define AMSEL_CLI_EVAL_JSON_H

#include "amsel/amsel.h"

#include <cjson/cJSON.h>

/* NULL on out of memory. ft and features_path may be NULL. */
cJSON *eval_to_json(const amsel_eval *e, const amsel_profile *p, const amsel_feature_table *ft,
                    const amsel_eval_options *o, const char *profile_path,
                    const char *features_path);

/* Writes doc to path atomically (pretty-printed); 0 on failure (message printed). */
int eval_json_save(const cJSON *doc, const char *path);

#endif
