/* The live selector's state, shared by deploy.c (open, classify) and
 * deploy_replay.c (the same decisions from a profile). */
#ifndef AMSEL_SELECTOR_DEPLOY_INTERNAL_H
#define AMSEL_SELECTOR_DEPLOY_INTERNAL_H

#include "amsel/deploy.h"
#include "selector/policy.h"
#include "selector/selector_file.h"

#include <pthread.h>

#define POOL_MAX 8

typedef struct workspace {
    amsel_ctx *ctx;
    amsel_features *f;
    int busy;
} workspace;

struct amsel_selector {
    amsel_ctx *ctx; /* the caller's: failures of classify */
    pthread_mutex_t err_lock;
    am_policy pol;
    am_selector_info info;
    amsel_ctx *model_ctx[AMSEL_CASCADE_MAX];
    amsel_model *model[AMSEL_CASCADE_MAX];
    pthread_mutex_t model_lock[AMSEL_CASCADE_MAX];
    int nlocks; /* model locks initialised */
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cond;
    int nws; /* workspaces created, <= POOL_MAX */
    workspace ws[POOL_MAX];
    char describe[1024];
};

#endif
