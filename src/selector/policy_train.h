/* Training one policy on a set of training images. */
#ifndef AMSEL_SELECTOR_POLICY_TRAIN_H
#define AMSEL_SELECTOR_POLICY_TRAIN_H

#include "selector/policy.h"
#include "selector/profile.h"

#include <stddef.h>

/* What training may look at: the profile and, for premodels, one full
 * feature row per profile image (nimages x dfeat). */
typedef struct am_train_data {
    const amsel_profile *p;
    const double *feat;           /* NULL: no features, premodel kinds refused */
    int dfeat;
    amsel_objective obj;
} am_train_data;

/* How to train one policy. */
typedef struct am_policy_spec {
    am_pol_kind kind;
    char name[64];
    int model;                    /* single: the profile model */
    int max_stages;               /* cascade, hybrid: subsets of 1..max_stages models */
    int end_best;                 /* cascade, hybrid: only subsets ending with the best model */
    int combine, confidence;      /* cascade, hybrid */
    double margin;                /* cascade target = best single's training accuracy + margin */
    int grid;                     /* threshold quantiles */
    int smooth;                   /* amsel_cascade_tune_conf's smoothing radius */
    double theta;                 /* chain, multi: Algorithm 1's stop (points) */
    am_clf_params clf;            /* chain, multi, hybrid */
    int unsure;                   /* chain, multi: "none" answers unsure instead of the best stage */
} am_policy_spec;

/* Per-fold facts shared by every policy trained on the same images. */
typedef struct am_fold_facts {
    int order[AMSEL_PROFILE_MAX_MODELS];   /* models by mean cost on the training images */
    double best_single;                    /* best single model's training accuracy, % */
    int best_model;                        /* that model */
    int subset[AMSEL_PROFILE_MAX_MODELS];  /* Algorithm 1's choice, in cost order */
    int nsubset;
    int feats[AMSEL_FEATURES_MAX];         /* feature columns the premodels use */
    int nfeats;
} am_fold_facts;

/* Fills order, best_single and the Algorithm 1 subset (feats is the
 * caller's business). */
amsel_status am_fold_facts_make(amsel_ctx *ctx, const am_train_data *d, const int *train,
                                int ntrain, double theta, am_fold_facts *f);

/* Label of each training image for a premodel over stages (models in
 * cost order): the first stage whose model is correct, else nstages. */
void am_stage_labels(const am_train_data *d, const int *stages, int nstages, const int *images,
                     int n, int *label);

/* Trains spec on images train[0..ntrain-1]; out must be released with
 * am_policy_clear. choice (may be NULL) receives a one-line description. */
amsel_status am_policy_train(amsel_ctx *ctx, const am_train_data *d, const am_fold_facts *f,
                             const am_policy_spec *spec, const int *train, int ntrain,
                             am_policy *out, char *choice, size_t choice_len);

/* One line describing a trained policy: stages, thresholds, premodel. */
void am_policy_describe(const am_policy *pol, const amsel_profile *p, char *buf, size_t len);

#endif
