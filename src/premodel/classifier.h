/* Premodel classifiers of the adaptive selector (issue 5): KNN, CART
 * tree, Gaussian naive Bayes and RBF SVM over a few image features, as in
 * Marco et al. (ACM TECS 2019). Training, prediction and serialisation
 * into the selector's JSON file. Internal API (am_ prefix); see
 * docs/premodel.md for the exact rules (ties, variance floor, scores). */
#ifndef AMSEL_PREMODEL_CLASSIFIER_H
#define AMSEL_PREMODEL_CLASSIFIER_H

#include "amsel/status.h"

#include <cjson/cJSON.h>

/* Bounds on hostile or careless input (the paper needs d <= 29, 9 classes);
 * they also let predict keep its scratch space on the stack. */
#define AM_CLF_MAX_DIMS 256
#define AM_CLF_MAX_CLASSES 64
#define AM_CLF_MAX_ROWS (1 << 22)

typedef enum am_clf_kind { AM_CLF_KNN, AM_CLF_TREE, AM_CLF_NB, AM_CLF_SVM } am_clf_kind;

typedef struct am_clf_params {
    am_clf_kind kind;
    int knn_k;            /* default 5 (1..64) */
    int knn_metric;       /* 0 euclidean (default), 1 manhattan */
    int tree_depth;       /* CART, Gini; default 6 (1..32) */
    int tree_min_leaf;    /* default 5 (>= 1): rows each child must keep */
    double svm_c;         /* RBF C-SVC; default 1 (> 0) */
    double svm_gamma;     /* default 0 = 1/d (>= 0) */
    int balanced;         /* weight classes inversely to their frequency (all kinds) */
} am_clf_params;

void am_clf_params_default(am_clf_params *p, am_clf_kind kind);
const char *am_clf_kind_name(am_clf_kind k);          /* "knn","tree","nb","svm" */
int am_clf_kind_parse(const char *s);                  /* -1 if unknown */

/* Checks every field's range; the message names the field. */
amsel_status am_clf_params_check(amsel_ctx *ctx, const am_clf_params *p);

typedef struct am_clf am_clf;

/* x: n rows of d floats (row-major), y: n labels in 0..nclass-1. Copies what
 * it keeps; the model keeps ctx (for its allocator) and must be destroyed
 * before it. Non-finite features are refused. SVM without libsvm in the
 * build: AMSEL_ERR_UNSUPPORTED. */
amsel_status am_clf_train(amsel_ctx *ctx, const am_clf_params *p, const float *x, int n, int d,
                          const int *y, int nclass, am_clf **out);

/* Predicted class; prob (may be NULL) gets nclass scores summing to 1:
 * KNN: (class-weighted) vote shares of the k nearest rows; tree: leaf
 * class shares; NB: posterior; SVM: softmax of each class's summed
 * one-vs-one decision values (the class itself is libsvm's vote). Safe from
 * several threads at once on one model; deterministic; ties go to the
 * lower class. */
int am_clf_predict(const am_clf *c, const float *x, float *prob);
int am_clf_dims(const am_clf *c);
int am_clf_classes(const am_clf *c);
const am_clf_params *am_clf_get_params(const am_clf *c);
void am_clf_destroy(am_clf *c); /* NULL is harmless */

/* {"kind", "dims", "classes", "params": {...}, "model": {...}}; see
 * docs/premodel.md. NULL on out of memory. */
cJSON *am_clf_to_json(const am_clf *c);

/* Hostile input: checks every field, array length, index (tree children in
 * range and acyclic), no NaN/inf, variances > 0, ...; dims/classes must equal
 * d and nclass. The message says what is wrong; the caller prefixes the file
 * name. */
amsel_status am_clf_from_json(amsel_ctx *ctx, const cJSON *j, int d, int nclass, am_clf **out);

#endif
