/* Threads: the context's pool (every part of every job runs exactly once,
 * also with more parts than threads and with two submitters at once) and
 * models on several threads: outputs bit-identical for 1, 2 and 3
 * threads, for changes of the thread count after loading, and when two
 * threads run one model each of the same context at the same time (the
 * documented rule, amsel/status.h). */
#include "amsel/amsel.h"
#include "check.h"
#include "core/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

enum { MAXP = 16 };

typedef struct counts {
    _Atomic int hits[MAXP];
    _Atomic int bad;
    int max_threads;
} counts;

static void count_part(void *arg, int part, int nparts, int thread)
{
    counts *c = arg;
    if (part < 0 || part >= nparts || nparts > MAXP || thread < 0 || thread >= c->max_threads)
        atomic_fetch_add(&c->bad, 1);
    else
        atomic_fetch_add(&c->hits[part], 1);
}

static int quick(void)
{
    const char *q = getenv("AMSEL_TEST_QUICK");
    return q && *q && *q != '0';
}

typedef struct submitter {
    am_pool *pool;
    int jobs, ok;
} submitter;

/* Many jobs of 1..MAXP parts: each part exactly once per job. */
static void *submit_jobs(void *arg)
{
    submitter *s = arg;
    s->ok = 1;
    for (int j = 0; j < s->jobs; j++) {
        counts c;
        memset(&c, 0, sizeof c);
        const int np = 1 + j % MAXP;
        c.max_threads = 1 + j % 3;
        am_pool_run(s->pool, count_part, &c, np, c.max_threads);
        for (int i = 0; i < np; i++)
            if (atomic_load(&c.hits[i]) != 1)
                s->ok = 0;
        if (atomic_load(&c.bad))
            s->ok = 0;
    }
    return NULL;
}

static void test_pool(amsel_ctx *ctx)
{
    const int jobs = quick() ? 300 : 3000;
    for (int nt = 2; nt <= 3; nt++) {
        am_pool *p = am_pool_create(ctx, nt);
        CHECK(p != NULL);
        if (!p)
            continue;
        CHECK_EQ_INT(am_pool_threads(p), nt);
        submitter a = {p, jobs, 0}, b = {p, jobs, 0};
        submit_jobs(&a);
        CHECK(a.ok);
        /* two submitters: one of them runs its parts inline while the
         * other holds the pool */
        pthread_t th;
        CHECK(pthread_create(&th, NULL, submit_jobs, &b) == 0);
        a.ok = 0;
        submit_jobs(&a);
        pthread_join(th, NULL);
        CHECK(a.ok && b.ok);
        am_pool_destroy(ctx, p);
    }
    CHECK(am_pool_create(ctx, 1) == NULL); /* one thread needs no pool */
    counts c;
    memset(&c, 0, sizeof c);
    c.max_threads = 1;
    am_pool_run(NULL, count_part, &c, 3, 2); /* no pool: all inline, as thread 0 */
    CHECK(atomic_load(&c.hits[0]) == 1 && atomic_load(&c.hits[2]) == 1);
}

static void fill_input(amsel_model *m, uint32_t seed)
{
    amsel_model_info in;
    amsel_model_get_info(m, &in);
    uint8_t *x = amsel_model_input(m);
    for (int i = 0; i < in.input_height * in.input_width * in.input_channels; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (uint8_t)(seed >> 24);
    }
}

typedef struct runner {
    amsel_model *m;
    const uint8_t *expect;
    int nout, runs, ok;
} runner;

static void *run_model(void *arg)
{
    runner *r = arg;
    r->ok = 1;
    for (int i = 0; i < r->runs; i++)
        if (amsel_model_run(r->m) != AMSEL_OK || memcmp(amsel_model_output(r->m), r->expect, (size_t)r->nout))
            r->ok = 0;
    return NULL;
}

static const char *const names[2] = {"mobilenet_v1_0.25_128_quant.tflite",
                                     "mobilenet_edgetpu_0.75_224_post_training_quant.tflite"};

static void test_models(const char *data)
{
    char path[2][1024];
    uint8_t expect[2][1001];
    int nout[2] = {0, 0};
    amsel_ctx *one;
    CHECK(amsel_ctx_create(&one) == AMSEL_OK);
    CHECK(amsel_ctx_set_threads(one, 1) == AMSEL_OK);
    for (int k = 0; k < 2; k++) {
        snprintf(path[k], sizeof path[k], "%s/models/imagenet/%s", data, names[k]);
        amsel_model *m;
        CHECK(amsel_model_load(one, path[k], &m) == AMSEL_OK);
        amsel_model_info in;
        amsel_model_get_info(m, &in);
        nout[k] = in.num_outputs;
        fill_input(m, 7u + (uint32_t)k);
        CHECK(amsel_model_run(m) == AMSEL_OK);
        memcpy(expect[k], amsel_model_output(m), (size_t)nout[k]);
        amsel_model_destroy(m);
    }
    amsel_ctx_destroy(one);

    amsel_ctx *ctx;
    CHECK(amsel_ctx_create(&ctx) == AMSEL_OK);
    CHECK(amsel_ctx_set_threads(ctx, 2) == AMSEL_OK);
    amsel_model *m[2];
    for (int k = 0; k < 2; k++) {
        CHECK(amsel_model_load(ctx, path[k], &m[k]) == AMSEL_OK);
        fill_input(m[k], 7u + (uint32_t)k);
    }
    /* one model per thread, both models of one context, at once */
    runner r[2];
    for (int k = 0; k < 2; k++)
        r[k] = (runner){m[k], expect[k], nout[k], quick() ? 5 : 30, 0};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, run_model, &r[1]) == 0);
    run_model(&r[0]);
    pthread_join(th, NULL);
    CHECK(r[0].ok);
    CHECK(r[1].ok);
    /* thread count changed after loading: 1, then 3 (capped at 2 parts) */
    for (int t = 1; t <= 3; t += 2) {
        CHECK(amsel_ctx_set_threads(ctx, t) == AMSEL_OK);
        for (int k = 0; k < 2; k++) {
            r[k].runs = 2;
            run_model(&r[k]);
            CHECK(r[k].ok);
        }
    }
    for (int k = 0; k < 2; k++)
        amsel_model_destroy(m[k]);
    amsel_ctx_destroy(ctx);
}

int main(void)
{
    amsel_ctx *ctx;
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    CHECK(amsel_ctx_get_threads(ctx) >= 1); /* default: every core */
    CHECK(amsel_ctx_set_threads(ctx, -1) == AMSEL_ERR_INVALID_ARG);
    CHECK(amsel_ctx_set_threads(ctx, 3) == AMSEL_OK);
    CHECK_EQ_INT(amsel_ctx_get_threads(ctx), 3);
    test_pool(ctx);
    const char *data = check_data_dir();
    if (data)
        test_models(data);
    else
        printf("AMSEL_DATA not set: model threads skipped\n");
    amsel_ctx_destroy(ctx);
    printf("threads: pool and models checked\n");
    return check_exit();
}
