/* Shared by the backend parity tests (test_backend_parity.c,
 * test_onednn_parity.c, test_xnnpack_parity.c): their random generator
 * (xorshift32; each test defines PARITY_SEED before including this, so
 * its cases stay its own), the eight shared models, loading with the
 * error on stderr, how many operators a backend runs, and one context per
 * thread count on a backend. Header-only, like check.h. */
#ifndef AMSEL_TESTS_PARITY_H
#define AMSEL_TESTS_PARITY_H

#include "amsel/amsel.h"
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef PARITY_SEED
#error "define PARITY_SEED before including parity.h"
#endif

static uint32_t rng = PARITY_SEED;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static int rnd_in(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }
/* n random bytes. */
static inline void rnd_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static const char *const parity_models[] = {
    "mobilenet_v1_0.25_128_quant.tflite",
    "mobilenet_v1_0.5_160_quant.tflite",
    "v3-small_224_1.0_uint8.tflite",
    "mobilenet_v1_0.75_192_quant.tflite",
    "mobilenet_v2_1.0_224_quant.tflite",
    "tf2_mobilenet_v2_1.0_224_ptq.tflite",
    "mobilenet_v1_0.75_224_quant.tflite",
    "mobilenet_edgetpu_0.75_224_post_training_quant.tflite",
};
#define PARITY_NMODELS ((int)(sizeof parity_models / sizeof parity_models[0]))

static inline amsel_model *parity_load(amsel_ctx *ctx, const char *path)
{
    amsel_model *m = NULL;
    if (amsel_model_load(ctx, path, &m) != AMSEL_OK)
        fprintf(stderr, "%s: %s\n", path, amsel_last_error(ctx));
    return m;
}

/* Operators of m's plan on backend ("fast", "onednn", ...). */
static inline int parity_count(const amsel_model *m, const char *backend)
{
    char word[32];
    snprintf(word, sizeof word, " %s ", backend);
    int n = 0;
    for (const char *s = amsel_model_plan(m); (s = strstr(s, word)) != NULL; s++)
        n++;
    return n;
}

/* n contexts on backend, context f on f + 1 threads. 0: cannot create. */
static inline int parity_contexts(const char *backend, amsel_ctx **ctxs, int n)
{
    for (int f = 0; f < n; f++) {
        if (amsel_ctx_create(&ctxs[f]) != AMSEL_OK)
            return 0;
        CHECK(amsel_ctx_set_backend(ctxs[f], backend) == AMSEL_OK);
        CHECK(!strcmp(amsel_ctx_get_backend(ctxs[f]), backend));
        CHECK(amsel_ctx_set_threads(ctxs[f], f + 1) == AMSEL_OK);
        CHECK_EQ_INT(amsel_ctx_get_threads(ctxs[f]), f + 1);
    }
    return 1;
}

#endif
