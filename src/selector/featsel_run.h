/* Feature selection for the premodels of one fold (or of a deployable
 * selector): the paper's correlation filter, then greedy backward
 * elimination scored by an inner cross-validation of a KNN premodel. */
#ifndef AMSEL_SELECTOR_FEATSEL_RUN_H
#define AMSEL_SELECTOR_FEATSEL_RUN_H

#include "selector/policy_train.h"

typedef struct am_featsel_options {
    double corr_limit;    /* |r| above which one of a pair goes */
    int backward;         /* run backward elimination */
    int min_keep;
    double tol;           /* points a removal may lose */
    int inner_folds;
    uint64_t seed;
} am_featsel_options;

/* Selects f->feats on the training images, labelling each with the first
 * stage of f->subset that is correct (or "none"). importance[k] is for
 * f->feats[k]; relevance[j] (all d->dfeat columns) the correlation ratio
 * with the label; corr (d x d, may be NULL) the Pearson matrix. */
amsel_status am_select_features(amsel_ctx *ctx, const am_train_data *d, const int *train,
                                int ntrain, const am_featsel_options *o, am_fold_facts *f,
                                double *importance, double *relevance, double *corr);

#endif
