/* The state of one cross-validated evaluation (eval.c runs it,
 * eval_query.c answers questions about it). */
#ifndef AMSEL_SELECTOR_EVAL_INTERNAL_H
#define AMSEL_SELECTOR_EVAL_INTERNAL_H

#include "selector/policy_train.h"

#define EVAL_CHOICE_LEN 320
#define EVAL_MAX_POLICIES 96

typedef struct eval_acc {
    double hit1, hit5, ms, run, overhead;
    int n;
} eval_acc;

struct amsel_eval {
    amsel_ctx *ctx;
    const amsel_profile *p;
    amsel_eval_options opt;
    am_train_data data;
    double *feat, *feat_ms;        /* [nimages x dfeat], [nimages]: rows in profile order */
    am_policy_spec spec[EVAL_MAX_POLICIES];
    int nspec, spec_oracle, spec_alg1, spec_single0;
    int folds, ref;
    int *fold_of;                  /* [nimages] */
    amsel_policy_result *res;      /* [nspec] */
    char *choice;                  /* [nspec][folds][EVAL_CHOICE_LEN] */
    eval_acc *acc;                 /* [nspec][folds] */
    double *cost;                  /* [nspec][nimages]: latency of each image */
    unsigned char *right;          /* [nspec][nimages]: correct under the objective */
    double *usage;                 /* [nspec][AMSEL_PROFILE_MAX_MODELS]: runs per model */
    double *confusion;             /* [nspec][C][C], C = models + "none": optimal x chosen */
    double *unsure;                /* [nspec] */
    /* Feature selection on every image. */
    int kept[AMSEL_FEATURES_MAX], nkept;
    double importance[AMSEL_FEATURES_MAX], relevance[AMSEL_FEATURES_MAX];
    double *corr;                  /* [dfeat x dfeat] */
};

#endif
