/* Shared between the premodel files: the model struct, each kind's entry
 * points and the JSON readers that check hostile input. */
#ifndef AMSEL_PREMODEL_CLF_INTERNAL_H
#define AMSEL_PREMODEL_CLF_INTERNAL_H

#include "core/ctx.h"
#include "premodel/classifier.h"

typedef struct am_knn {
    int n;
    float *x;   /* n*d training rows */
    int *y;     /* n labels */
    float *w;   /* nclass vote weights (1, or balanced) */
} am_knn;

typedef struct am_tree {
    int nnodes;      /* node 0 is the root; children have larger indices */
    int *feature;    /* -1 for a leaf */
    float *thr;      /* go left when x[feature] <= thr */
    int *left, *right;
    float *value;    /* nnodes*nclass class shares (each row sums to 1) */
} am_tree;

typedef struct am_nb {
    double *mean, *var; /* nclass*d */
    double *prior;      /* nclass; 0 for a class never seen */
    double *lognorm;    /* derived: log prior - 0.5*sum log(2 pi var) */
} am_nb;

typedef struct am_svm {
    double gamma;       /* effective (never 0) */
    int nlab, nsv;
    int *label;         /* nlab classes, libsvm's order */
    int *nsv_per;       /* nlab: support vectors of each label, in order */
    int *sv_class;      /* derived: nsv label positions */
    float *sv;          /* nsv*d */
    double *coef;       /* (nlab-1)*nsv, libsvm's sv_coef */
    double *rho;        /* nlab*(nlab-1)/2 */
} am_svm;

struct am_clf {
    amsel_ctx *ctx;
    am_clf_params p;
    int d, nclass;
    am_knn knn;
    am_tree tree;
    am_nb nb;
    am_svm svm;
};

/* Class weights for `balanced`: n / (present classes * count), 0 for an
 * absent class; all 1 otherwise. w has nclass entries. */
void am_clf_class_weights(const int *y, int n, int nclass, int balanced, double *w);

/* Index of the largest score, the lower index on ties. */
int am_clf_argmax(const double *s, int n);

/* Each kind: train fills its part of c (c->p, d, nclass already set), json
 * writes/reads the "model" object, free releases it. */
amsel_status am_knn_train(am_clf *c, const float *x, int n, const int *y);
int am_knn_predict(const am_clf *c, const float *x, float *prob);
int am_knn_to_json(const am_clf *c, cJSON *m);
amsel_status am_knn_from_json(am_clf *c, const cJSON *m);
void am_knn_free(am_clf *c);

amsel_status am_tree_train(am_clf *c, const float *x, int n, const int *y);
int am_tree_predict(const am_clf *c, const float *x, float *prob);
int am_tree_to_json(const am_clf *c, cJSON *m);
amsel_status am_tree_from_json(am_clf *c, const cJSON *m);
void am_tree_free(am_clf *c);

amsel_status am_nb_train(am_clf *c, const float *x, int n, const int *y);
int am_nb_predict(const am_clf *c, const float *x, float *prob);
int am_nb_to_json(const am_clf *c, cJSON *m);
amsel_status am_nb_from_json(am_clf *c, const cJSON *m);
void am_nb_free(am_clf *c);

amsel_status am_svm_train(am_clf *c, const float *x, int n, const int *y);
int am_svm_predict(const am_clf *c, const float *x, float *prob);
int am_svm_to_json(const am_clf *c, cJSON *m);
amsel_status am_svm_from_json(am_clf *c, const cJSON *m);
void am_svm_free(am_clf *c);

/* JSON helpers (clf_json.c). Writers return 0 on out of memory. Readers
 * fail with a message naming the field: missing, wrong type, not finite,
 * not an integer, out of range or of the wrong length. */
int am_json_add_floats(cJSON *o, const char *name, const float *v, size_t n);
int am_json_add_doubles(cJSON *o, const char *name, const double *v, size_t n);
int am_json_add_ints(cJSON *o, const char *name, const int *v, size_t n);
amsel_status am_json_get_int(amsel_ctx *ctx, const cJSON *o, const char *name, long lo, long hi,
                             int *out);
amsel_status am_json_get_double(amsel_ctx *ctx, const cJSON *o, const char *name, double lo,
                                double hi, double *out);
/* Array `name` of exactly n entries (n < 0: any length, returned in *len).
 * The array is allocated from ctx; float entries must be finite and
 * representable as float, int entries integers in [lo, hi]. */
amsel_status am_json_get_floats(amsel_ctx *ctx, const cJSON *o, const char *name, long n,
                                float **out, int *len);
amsel_status am_json_get_doubles(amsel_ctx *ctx, const cJSON *o, const char *name, long n,
                                 double **out);
amsel_status am_json_get_ints(amsel_ctx *ctx, const cJSON *o, const char *name, long n, long lo,
                              long hi, int **out, int *len);

#endif
