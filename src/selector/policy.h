/* A trained model-selection policy: which models it may run, in which
 * order, when it stops, and (premodel policies) the classifier that
 * chooses from image features. The same struct is evaluated offline on a
 * profile (eval), saved in a selector file (train) and run live
 * (amsel_selector_classify); the decision functions here are shared by
 * all three so that they decide identically. */
#ifndef AMSEL_SELECTOR_POLICY_H
#define AMSEL_SELECTOR_POLICY_H

#include "amsel/features.h"
#include "amsel/selector.h"
#include "premodel/classifier.h"

typedef enum am_pol_kind {
    AM_POL_SINGLE,     /* always stage 0 */
    AM_POL_CASCADE,    /* stage 0, escalate while unsure */
    AM_POL_CHAIN,      /* the paper: "run stage 0?" else "run stage 1?" ... one model */
    AM_POL_MULTI,      /* one multi-class premodel picks the stage, one model */
    AM_POL_HYBRID,     /* the premodel picks where to enter the cascade */
    AM_POL_KINDS
} am_pol_kind;

/* When every classifier of a chain says no (or a multi-class premodel
 * says "none"): run the fallback stage, or answer "unsure". */
#define AM_UNSURE (-1)

typedef struct am_premodel {
    int nfeat;
    int feat[AMSEL_FEATURES_MAX];      /* columns of the caller's full feature row */
    double lo[AMSEL_FEATURES_MAX];     /* min-max scaling of feat[j] */
    double hi[AMSEL_FEATURES_MAX];
    int nclf;                          /* chain: one per stage; multi/hybrid: 1 */
    am_clf *clf[AMSEL_CASCADE_MAX];
} am_premodel;

typedef struct am_policy {
    am_pol_kind kind;
    /* Stages in cost order. Chain and multi never escalate (thresholds
     * 0); single has one stage. */
    amsel_cascade stages;
    am_premodel pre;                   /* chain, multi, hybrid */
    int fallback;                      /* stage, or AM_UNSURE */
} am_policy;

const char *am_policy_kind_name(am_pol_kind k);   /* "single", "cascade", "chain", ... */
int am_policy_kind_parse(const char *s);          /* -1 if unknown */
int am_policy_uses_features(const am_policy *p);

/* The stage to start from for an image whose full feature row is row
 * (ignored by single and cascade: 0), or AM_UNSURE. Thread-safe, no
 * allocation (except inside libsvm). */
int am_policy_entry(const am_policy *p, const double *row);

/* Whether to stop after stage s given the confidence of the answer so far. */
static inline int am_policy_stop(const am_policy *p, int s, float conf)
{
    return s >= p->stages.n - 1 || p->kind == AM_POL_CHAIN || p->kind == AM_POL_MULTI ||
           p->kind == AM_POL_SINGLE || conf >= p->stages.threshold[s];
}

/* Frees the classifiers; the struct itself is the caller's. */
void am_policy_clear(am_policy *p);

#endif
