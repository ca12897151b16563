/* amsel/selector.h — choosing which model(s) to run per image, evaluated
 * offline from a profile.
 *
 * A profile is the CSV written by `amsel profile`: one row per (image,
 * model) with that model's top-5 answer, its scores and its measured
 * times. Loaded, it is an images x models matrix. On it this module runs
 * k-fold cross-validation of selection policies: every single model, the
 * oracle, the paper's Algorithm 1 model subset (Marco et al., ACM TECS
 * 2019) and confidence cascades. Exact definitions: docs/selector.md.
 *
 * Cost everywhere is the profile's measured pre_ms + infer_ms of each
 * model run on that image (decoding is common to every policy and left
 * out). Nothing here runs a model. */
#ifndef AMSEL_SELECTOR_H
#define AMSEL_SELECTOR_H

#include "amsel/status.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The profile ---------------------------------------------------- */

#define AMSEL_PROFILE_MAX_MODELS 64

typedef struct amsel_profile amsel_profile;

/* One (image, model) row. */
typedef struct amsel_profile_cell {
    int top5[5];         /* classes 0..999, best first */
    float score5[5];     /* their scores, in [0,1] */
    int correct1;        /* top5[0] is the image's class */
    int correct5;        /* the class is among top5 */
    float score_true;    /* the model's score of the true class */
    double pre_ms;       /* crop, resize, quantize for this model */
    double infer_ms;     /* the model's run */
    int line;            /* line of the row in the file, for messages */
} amsel_profile_cell;

/* Reads and checks the whole file: the exact header, 12 fields per row,
 * every number finite and in range, correct1/correct5 consistent with
 * class and top5, one class per image, no duplicate (image, model) row,
 * and every image having a row for every model. On failure *out is NULL
 * and amsel_last_error(ctx) names the file and line. */
amsel_status amsel_profile_load(amsel_ctx *ctx, const char *path, amsel_profile **out);
void amsel_profile_destroy(amsel_profile *p); /* NULL is harmless */

/* Images and models in order of first appearance in the file. Names are
 * owned by p. */
int amsel_profile_images(const amsel_profile *p);
int amsel_profile_models(const amsel_profile *p);
const char *amsel_profile_image_name(const amsel_profile *p, int i);
const char *amsel_profile_model_name(const amsel_profile *p, int m);
int amsel_profile_class(const amsel_profile *p, int i);
const amsel_profile_cell *amsel_profile_cell_at(const amsel_profile *p, int i, int m);
/* Mean pre_ms + infer_ms of model m over images[0..n-1] (all when NULL). */
double amsel_profile_mean_cost(const amsel_profile *p, int m, const int *images, int n);

/* ---- Folds ---------------------------------------------------------- */

/* Assigns each of n images a fold 0..k-1 (2 <= k <= n): a Fisher-Yates
 * shuffle seeded by seed (same seed, same folds), then position mod k, so
 * fold sizes differ by at most one. fold_of has n entries. */
amsel_status amsel_folds_make(amsel_ctx *ctx, int n, int k, uint64_t seed, int *fold_of);

/* The same, stratified: images are grouped by stratum[i] (0..nstrata-1)
 * after the shuffle, so that each fold holds its share of every group. */
amsel_status amsel_folds_make_stratified(amsel_ctx *ctx, int n, int k, uint64_t seed,
                                         const int *stratum, int nstrata, int *fold_of);

/* Splits 0..n-1 by fold f: test = images of fold f, train = the rest,
 * each in increasing order. train and test have room for n entries. */
void amsel_folds_split(const int *fold_of, int n, int f, int *train, int *ntrain, int *test,
                       int *ntest);

/* ---- Objectives and Algorithm 1 ------------------------------------- */

typedef enum amsel_objective { AMSEL_OBJECTIVE_TOP1 = 0, AMSEL_OBJECTIVE_TOP5 = 1 } amsel_objective;

/* Whether model m answers image i correctly under obj. */
int amsel_profile_correct(const amsel_profile *p, int i, int m, amsel_objective obj);

/* One step of Algorithm 1: the candidate with the largest gain; when
 * accepted is 0 the gain was below theta and the selection stopped. */
typedef struct amsel_subset_step {
    int model;
    int fixed;          /* images it newly makes correct (the first step: optimal count) */
    double gain;        /* fixed, in points (% of the images) */
    double coverage;    /* % of images some selected model gets right, after the step */
    int accepted;
} amsel_subset_step;

/* The paper's Algorithm 1 on images[0..n-1]. The optimal model of an
 * image is the cheapest (lowest mean cost over these images) model that
 * is correct on it. Start with the model optimal for most images; then
 * repeatedly add the model that fixes most images no selected model gets
 * right, while its gain >= theta points. models receives the chosen
 * models in selection order (room for amsel_profile_models entries),
 * steps one entry per step tried (same room + 1; may be NULL). */
amsel_status amsel_subset_select(amsel_ctx *ctx, const amsel_profile *p, const int *images, int n,
                                 amsel_objective obj, double theta, int *models, int *nmodels,
                                 amsel_subset_step *steps, int *nsteps);

/* ---- Cascades ------------------------------------------------------- */

#define AMSEL_CASCADE_MAX 8

/* Run model[0]; stop if its confidence >= threshold[0], else run
 * model[1], ...; model[n-1] always answers. With combine, the answer and
 * the confidence after stage s are those of the average of the top-5
 * score vectors of models 0..s (a class outside a model's top 5 counts
 * 0 for it). The confidence is the answer's top-1 score, or with
 * confidence = 1 the margin between its top-1 and top-2 scores. */
typedef struct amsel_cascade {
    int n;
    int model[AMSEL_CASCADE_MAX];
    float threshold[AMSEL_CASCADE_MAX];   /* [0..n-2] used */
    int combine;
    int confidence;                       /* 0 top-1 score, 1 margin */
} amsel_cascade;

/* What a policy did on one image. */
typedef struct amsel_outcome {
    int correct1, correct5;
    double cost_ms;     /* sum of pre_ms + infer_ms of the models run */
    int models_run;
} amsel_outcome;

void amsel_cascade_apply(const amsel_profile *p, const amsel_cascade *c, int image,
                         amsel_outcome *out);

/* Tunes the thresholds of a cascade over models[0..nmodels-1] (in the
 * given order, 1 <= nmodels <= AMSEL_CASCADE_MAX) on images[0..n-1]: each
 * threshold ranges over the grid+1 quantiles 0, 1/grid, ..., 1 of that
 * stage's confidence on these images, plus "never stop"; the choice is
 * the lowest mean cost whose accuracy under obj (%) is >= target, else
 * the highest accuracy (ties: lower cost). Exhaustive: grid^(nmodels-1)
 * combinations, so keep nmodels small. Reports the training accuracy
 * and mean cost of the choice. */
amsel_status amsel_cascade_tune(amsel_ctx *ctx, const amsel_profile *p, const int *images, int n,
                                const int *models, int nmodels, int combine, amsel_objective obj,
                                double target, int grid, amsel_cascade *out, double *train_acc,
                                double *train_ms);
/* The same with the margin as confidence when confidence = 1, and with
 * smooth > 0 (grid steps, <= grid) each combination judged by the mean
 * training accuracy of the combinations within smooth steps of it along
 * every threshold (reported as train_acc): a choice that does not rest on
 * one lucky grid point. */
amsel_status amsel_cascade_tune_conf(amsel_ctx *ctx, const amsel_profile *p, const int *images,
                                     int n, const int *models, int nmodels, int combine,
                                     int confidence, amsel_objective obj, double target, int grid,
                                     int smooth, amsel_cascade *out, double *train_acc,
                                     double *train_ms);

/* ---- Cross-validated evaluation ------------------------------------- */

typedef struct amsel_eval_options {
    int folds;              /* default 10 */
    uint64_t seed;          /* default 1 */
    int stratify;           /* folds stratified by optimal model; default 1 */
    double theta;           /* Algorithm 1's stop, points; default 0.5 */
    amsel_objective objective;
    double margin;          /* cascade target = best single model's training accuracy + margin (points, may be < 0) */
    int max_stages;         /* cascades over every subset of 1..max_stages models; default 3 */
    int grid;               /* threshold quantile grid; default 50 */
    int smooth;             /* cascade tuning: accuracy averaged over +-smooth grid steps; default 0 */
    /* Premodels (need a feature table): */
    char premodels[64];     /* comma-separated classifier kinds: default "knn,tree,nb,svm" */
    int knn_k;              /* default 5 */
    int tree_depth;         /* default 6 */
    double svm_c, svm_gamma;/* default 1, 0 (= 1/features) */
    int unsure;             /* a premodel saying "none" answers unsure (else the best model) */
    double corr_limit;      /* drop one of each pair with |r| above; default 0.75 */
    int backward;           /* greedy backward elimination after the filter; default 1 */
    int min_features;       /* backward elimination keeps at least; default 1 */
    double featsel_tol;     /* ... and removes a feature costing up to this many points; 0.5 */
    /* Called after each fold (may be NULL): for progress on long runs. */
    void (*progress)(void *user, int folds_done, int folds);
    void *progress_user;
} amsel_eval_options;

void amsel_eval_options_default(amsel_eval_options *o);

typedef struct amsel_eval amsel_eval;
typedef struct amsel_feature_table amsel_feature_table; /* amsel/feature_table.h */

/* One policy's figures over the test folds. Fold figures are over that
 * fold's test images; the pooled ones over every image once. Latency
 * per image = the measured pre_ms + infer_ms of every model run, plus
 * for premodel policies the image's features_ms (from the feature table)
 * and the premodel's own time, measured while evaluating. */
typedef struct amsel_policy_result {
    char name[96];
    char kind[16];                       /* oracle, alg1, single, cascade, chain, multi, hybrid */
    int deployable;                      /* 0 for the oracles (they look at the answer) */
    double top1, top5, mean_ms;          /* pooled: %, %, ms per image */
    double p90_ms;                       /* pooled 90th percentile of the per-image latency */
    double overhead_ms;                  /* mean features + premodel time per image */
    double top1_sd, top5_sd, ms_sd;      /* sd of the per-fold values */
    double top1_fold_mean, ms_fold_mean;
    double models_run;                   /* mean models run per image */
    double unsure;                       /* % of images answered "unsure" */
    /* The model choice against the cheapest correct model among the
     * policy's models ("none" when none is): macro precision, recall, F1. */
    double precision, recall, f1;
    double usage[AMSEL_PROFILE_MAX_MODELS]; /* fraction of images each model ran on */
    /* Paired with the reference (most accurate single model) on the same
     * test images, under the objective: images only this policy got right,
     * images only the reference got right, and the exact McNemar p of
     * that split (amsel_paired_p). */
    double only_policy, only_ref, paired_p;
} amsel_policy_result;

/* Exact two-sided McNemar test of a paired comparison on the same images:
 * b images only the first got right, c only the second; the probability
 * of a split of the b + c at least this uneven if both were equally
 * accurate (1 when b + c == 0). */
double amsel_paired_p(int b, int c);

/* Runs every policy on every fold. Training (Algorithm 1, thresholds,
 * subsets, feature selection, premodels) sees only the fold's training
 * images. ft (may be NULL: no premodel policies) must cover exactly the
 * profile's images. */
amsel_status amsel_eval_run(amsel_ctx *ctx, const amsel_profile *p,
                            const amsel_feature_table *ft, const amsel_eval_options *o,
                            amsel_eval **out);
void amsel_eval_destroy(amsel_eval *e); /* NULL is harmless */

int amsel_eval_policy_count(const amsel_eval *e);
const amsel_policy_result *amsel_eval_policy(const amsel_eval *e, int i);
/* Fold f's figures of policy i (test images of fold f). */
void amsel_eval_fold(const amsel_eval *e, int i, int f, double *top1, double *top5,
                     double *mean_ms);
/* The most accurate single model (pooled, under the objective): the
 * policy index that speed-ups are measured against. */
int amsel_eval_reference(const amsel_eval *e);
/* What policy i chose on fold f ("" for untrained policies): a string
 * owned by e. */
const char *amsel_eval_choice(const amsel_eval *e, int i, int f);
int amsel_eval_folds(const amsel_eval *e);
/* The fold whose test set holds profile image i. */
int amsel_eval_fold_of(const amsel_eval *e, int i);

/* The operating point among the deployable policies: with min_accuracy
 * >= 0 the cheapest reaching it (under the objective); else with max_ms
 * > 0 the most accurate within it; else the cheapest policy at least as
 * accurate as the reference. Falls back to the most accurate policy;
 * returns its index. */
int amsel_eval_pick(const amsel_eval *e, double min_accuracy, double max_ms);

/* Feature selection on every image (what a selector trained on all of
 * them would use), for reports: kept features (indices into the feature
 * table's columns), each one's importance (points lost when removed) and
 * relevance (correlation ratio with the label); NULL tables when eval ran
 * without features. corr: d x d Pearson matrix over all columns. */
int amsel_eval_features(const amsel_eval *e, const int **kept, const double **importance,
                        const double **relevance, const double **corr, int *dims);

/* Trains policy i of e (deployable policies only) on every image of the
 * evaluated profile (feature selection included, as in each fold) and
 * writes the selector file for `amsel classify --selector` and
 * amsel_selector_open (amsel/deploy.h): its models are looked up in
 * models_dir as <profile model name>.tflite for their sha256; crop is the
 * central crop the profile was made with. The file also records policy
 * i's cross-validated figures and the reference model's. ft must be the
 * table e was run with (NULL if none). Atomic: a failed write leaves no
 * file. */
amsel_status amsel_eval_train(amsel_eval *e, int i, const amsel_feature_table *ft, float crop,
                              const char *models_dir, const char *path);

#ifdef __cplusplus
}
#endif
#endif
