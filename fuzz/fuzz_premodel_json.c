/* libFuzzer target: a premodel classifier from JSON (am_clf_from_json),
 * as the selector file holds one. The dims and classes the caller expects
 * are taken from the object itself so that the model's own checks are
 * reached; an accepted model then predicts a few points. */
#include "amsel/amsel.h"
#include "premodel/classifier.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int int_field(const cJSON *j, const char *name, int lo, int hi)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
        return lo;
    return (int)v->valuedouble;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    cJSON *j = cJSON_Parse(text);
    free(text);
    amsel_ctx *ctx = NULL;
    if (!j || amsel_ctx_create(&ctx) != AMSEL_OK) {
        cJSON_Delete(j);
        return 0;
    }
    int d = int_field(j, "dims", 1, AM_CLF_MAX_DIMS);
    int nc = int_field(j, "classes", 1, AM_CLF_MAX_CLASSES);
    am_clf *c = NULL;
    if (am_clf_from_json(ctx, j, d, nc, &c) == AMSEL_OK) {
        if (am_clf_dims(c) != d || am_clf_classes(c) != nc)
            __builtin_trap();
        float x[AM_CLF_MAX_DIMS], prob[AM_CLF_MAX_CLASSES];
        for (int r = 0; r < 4; r++) {
            for (int k = 0; k < d; k++)
                x[k] = r == 0 ? 0.f : r == 1 ? 1.f : r == 2 ? 0.5f : (float)((k * 7 + 3) % 11) / 10.f;
            int cls = am_clf_predict(c, x, prob);
            if (cls < 0 || cls >= nc)
                __builtin_trap(); /* a class the model does not have */
        }
        /* Saving it again must work too. */
        cJSON *back = am_clf_to_json(c);
        cJSON_Delete(back);
        am_clf_destroy(c);
    }
    cJSON_Delete(j);
    amsel_ctx_destroy(ctx);
    return 0;
}
