/* The selector file: a trained policy (src/selector/policy.h) saved as
 * JSON for deployment, with each model pinned by name and SHA-256 so that
 * the runtime (amsel_selector_open) never runs models the policy was not
 * trained on. Format (docs/selector.md):
 *
 *   {"format": "amsel-selector", "version": 1, "objective": "top1", "crop": 0.875,
 *    "policy": {"kind": "cascade", "combine": false, "confidence": "top1",
 *               "fallback": 0 | "unsure",
 *               "stages": [{"model": "m", "file": "m.tflite", "sha256": "...",
 *                           "threshold": 0.5}, ...],
 *               "premodel": {"features": [{"name": "n_keypoints", "lo": 0, "hi": 1}, ...],
 *                            "classifiers": [<am_clf_to_json> | null, ...]}},
 *    "cv": {...}}
 *
 * "premodel" is present exactly for chain, multi and hybrid policies. */
#ifndef AMSEL_SELECTOR_SELECTOR_FILE_H
#define AMSEL_SELECTOR_SELECTOR_FILE_H

#include "selector/policy.h"

#include <cjson/cJSON.h>

#define AM_SELECTOR_FORMAT "amsel-selector"
#define AM_SELECTOR_VERSION 1
/* Largest selector file read (KNN premodels keep their training rows). */
#define AM_SELECTOR_MAX_BYTES ((size_t)64 << 20)
/* Longest model or file name, NUL included. */
#define AM_SELECTOR_NAME_MAX 128

typedef struct am_selector_meta {
    const char *model_name[AMSEL_CASCADE_MAX]; /* per stage: the profile's model name = file stem */
    const char *feature_name[AMSEL_FEATURES_MAX]; /* per premodel feature j (pre.feat[j]'s name) */
    amsel_objective objective;
    float crop;      /* central crop used by the profile */
    const cJSON *cv; /* cross-validated figures to embed (object or NULL) */
} am_selector_meta;

/* Writes pol to path atomically (a temporary beside it, then rename), so
 * that a reader never sees half a file. Each stage's sha256 is computed
 * from models_dir/<model_name[s]>.tflite. pol->stages.model[] (profile
 * indices) is not saved: stages are identified by name. */
amsel_status am_selector_file_write(amsel_ctx *ctx, const char *path, const am_policy *pol,
                                    const am_selector_meta *meta, const char *models_dir);

/* What a selector file holds besides the policy. */
typedef struct am_selector_info {
    int nstages;
    char model_name[AMSEL_CASCADE_MAX][AM_SELECTOR_NAME_MAX];
    char file[AMSEL_CASCADE_MAX][AM_SELECTOR_NAME_MAX]; /* a plain file name, no folder */
    char sha256[AMSEL_CASCADE_MAX][65];                 /* lowercase hex */
    amsel_objective objective;
    float crop;
    cJSON *cv; /* owned; NULL when absent */
} am_selector_info;

/* Reads and checks the whole file (hostile input: every field's type and
 * range, the classifier counts and shapes the kind needs). On success
 * *pol holds the policy, with stages.model[s] = s (stage s is
 * info->model_name[s]) and pre.feat[j] an index in amsel_features order;
 * free it with am_policy_clear and info with am_selector_info_clear. On
 * failure both are left empty and the message names the file. */
amsel_status am_selector_file_read(amsel_ctx *ctx, const char *path, am_policy *pol,
                                   am_selector_info *info);

/* The same on bytes already in memory; name is for messages. */
amsel_status am_selector_parse(amsel_ctx *ctx, const char *name, const char *text, size_t len,
                               am_policy *pol, am_selector_info *info);

void am_selector_info_clear(am_selector_info *info);

#endif
