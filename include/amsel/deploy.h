/* amsel/deploy.h — running a trained selector on live images.
 *
 * A selector file (written by `amsel train`, format in docs/selector.md)
 * holds a policy: which models to run, in which order, when to stop, and
 * for premodel policies the classifier that picks the models from cheap
 * image features. amsel_selector_open loads it and its models;
 * amsel_selector_classify runs it on one decoded image. Its decisions are
 * those of the offline evaluation (same decision functions). */
#ifndef AMSEL_DEPLOY_H
#define AMSEL_DEPLOY_H

#include "amsel/image.h"
#include "amsel/model.h"
#include "amsel/selector.h"
#include "amsel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct amsel_selector amsel_selector;

/* Loads the selector file at path and each model it names from
 * models_dir. Every model's SHA-256 must match the one in the file, else
 * AMSEL_ERR_FORMAT with a message naming the model and both hashes.
 * Models are loaded with ctx's backend and limits. The selector keeps a
 * pointer to ctx (destroy the selector first): failures of
 * amsel_selector_classify are reported there. On failure *out is NULL. */
amsel_status amsel_selector_open(amsel_ctx *ctx, const char *path, const char *models_dir,
                                 amsel_selector **out);
void amsel_selector_destroy(amsel_selector *s); /* NULL is harmless */

/* One image's answer. Times are wall-clock milliseconds. */
typedef struct amsel_selection {
    amsel_class_score top[5]; /* the answer (combined when the policy combines); cls -1 if unsure */
    int unsure;               /* the premodel chose no model and the policy reports unsure */
    int nrun;                 /* models run, 0..stages */
    int run[AMSEL_CASCADE_MAX];         /* their stages, in run order */
    double features_ms;                 /* feature extraction (0 without a premodel) */
    double premodel_ms;                 /* the premodel's decision */
    double model_ms[AMSEL_CASCADE_MAX]; /* per run[k]: crop, resize, quantize and inference */
    double total_ms;                    /* decoded image to answer, everything included */
} amsel_selection;

/* Runs the selector on img: features (only when the policy has a
 * premodel), the premodel's choice of the first stage, then the models
 * (each amsel_model_classify with the selector's crop, top 5), stopping
 * as the policy says after each.
 *
 * Thread safety: any number of threads may call this at once on one
 * selector. Each model has a mutex (a model runs on one thread at a time,
 * so threads that need the same model take turns) and feature
 * workspaces come from a small pool (created on demand, at most 8; a
 * ninth concurrent caller waits for one). On failure the message goes to
 * the selector's context under a lock; when several threads fail at once
 * it may be another thread's message. */
amsel_status amsel_selector_classify(amsel_selector *s, const amsel_image *img,
                                     amsel_selection *out);

int amsel_selector_stages(const amsel_selector *s);
/* The model of stage i (its file stem), or NULL when out of range. */
const char *amsel_selector_model_name(const amsel_selector *s, int stage);
/* What the selector decides for image i of a profile (amsel/selector.h)
 * from the answers the profile recorded, without running any model: the
 * stages it runs and its answer (model_ms from the profile, total_ms their
 * sum). Premodel policies take the image's features from ft (by image and
 * feature name). The decision functions are classify's, so a live run on
 * the same image must decide the same: `amsel validate --profile` checks. */
typedef struct amsel_profile amsel_profile;
typedef struct amsel_feature_table amsel_feature_table;
amsel_status amsel_selector_replay(amsel_selector *s, const amsel_profile *p,
                                   const amsel_feature_table *ft, int i, amsel_selection *out);

/* The central crop its models are run with (from the file). */
float amsel_selector_crop(const amsel_selector *s);
/* One line: kind, stages with thresholds, premodel, crop. Owned by s. */
const char *amsel_selector_describe(const amsel_selector *s);

#ifdef __cplusplus
}
#endif
#endif
