/* The evaluation document (`amsel eval`'s JSON, version 1) checked and
 * copied into plain structs, so that the HTML writer never meets a missing
 * field or a wrong type. Optional numbers are NaN when absent (the JSON
 * cannot hold NaN: it is refused on input). */
#ifndef AMSEL_REPORT_DOC_H
#define AMSEL_REPORT_DOC_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define REP_MAX_POLICIES 512
#define REP_MAX_MODELS 64
#define REP_MAX_FOLDS 1000
#define REP_MAX_FEATURES 64
#define REP_MAX_STRING 1024

typedef struct rep_named {
    const char *name;
    double v;
} rep_named;

typedef struct rep_policy {
    const char *name, *kind;
    double top1, top5, mean_ms, models_run;                  /* required */
    double p90_ms, overhead_ms, speedup, top1_sd, ms_sd;     /* NaN: absent */
    double precision, recall, f1;                            /* NaN: absent */
    rep_named *usage; /* model -> fraction of the images it ran on */
    int nusage;
    double *fold_top1;
    int nfolds;
    int is_ref, on_front; /* computed */
} rep_policy;

typedef struct rep_model {
    const char *name;
    double mean_ms, top1, top5; /* top5 NaN: absent */
    int has_policy, on_front;   /* computed: a policy has this name; not dominated */
} rep_model;

typedef struct rep_features {
    int d;
    const char **names;
    double *corr;       /* d x d, or NULL */
    unsigned char *kept; /* d flags */
    rep_named *importance, *relevance;
    int nimportance, nrelevance;
} rep_features;

typedef struct rep_doc {
    const char *tool, *profile, *features_path, *objective, *reference; /* NULL: absent */
    double images, folds, seed;                                          /* NaN: absent */
    rep_policy *policies;
    int npolicies;
    rep_model *models;
    int nmodels;
    rep_features *features; /* NULL: absent */
} rep_doc;

/* Checks doc and fills d (strings point into doc, which must outlive d).
 * 0, or -1 with a message naming the field ("policies[2].top1: ...") in err. */
int rep_doc_load(const cJSON *doc, rep_doc *d, char *err, size_t errlen);
void rep_doc_free(rep_doc *d);

/* Marks the reference policy and the Pareto front: the points (policies
 * other than the oracle, and models no policy stands for) that no other
 * point matches or beats on both top-1 and mean latency while beating it
 * on one. The bounds (kinds "oracle" and "alg1", whose choice inside the
 * subset is the oracle's) are not deployable, so they are left out. */
void rep_doc_derive(rep_doc *d);

#endif
