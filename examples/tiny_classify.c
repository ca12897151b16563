/* The smallest useful program on libamsel, built by -DAMSEL_MINIMAL=ON to
 * measure what a device pays for the library (docs/embedded.md):
 *   tiny_classify MODEL.tflite IMAGE      prints "class score" (top 1)
 *   tiny_classify --selector SEL.json MODELS_DIR IMAGE
 * It uses only the public API. */
#include "amsel/amsel.h"

#include <stdio.h>
#include <string.h>

static int fail(amsel_ctx *ctx, const char *what)
{
    fprintf(stderr, "tiny_classify: %s: %s\n", what, amsel_last_error(ctx));
    return 1;
}

int main(int argc, char **argv)
{
    const int sel = argc == 5 && !strcmp(argv[1], "--selector");
    if (!sel && argc != 3) {
        fprintf(stderr, "usage: tiny_classify MODEL IMAGE | --selector FILE MODELS_DIR IMAGE\n");
        return 2;
    }
    amsel_ctx *ctx;
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    int rc = 0;
    amsel_image *img = NULL;
    if (amsel_image_load(ctx, argv[argc - 1], &img) != AMSEL_OK) {
        rc = fail(ctx, "image");
    } else if (sel) {
        amsel_selector *s = NULL;
        amsel_selection out;
        if (amsel_selector_open(ctx, argv[2], argv[3], &s) != AMSEL_OK)
            rc = fail(ctx, "selector");
        else if (amsel_selector_classify(s, img, &out) != AMSEL_OK)
            rc = fail(ctx, "classify");
        else
            printf("%d %.6f %d\n", out.top[0].cls, out.top[0].score, out.nrun);
        amsel_selector_destroy(s);
    } else {
        amsel_model *m;
        amsel_class_score top;
        if (amsel_model_load(ctx, argv[1], &m) != AMSEL_OK) {
            rc = fail(ctx, "model");
        } else {
            if (amsel_model_classify(m, img, 0.875f, 1, &top, NULL, NULL) != AMSEL_OK)
                rc = fail(ctx, "classify");
            else
                printf("%d %.6f\n", top.cls, top.score);
            amsel_model_destroy(m);
        }
    }
    amsel_image_destroy(img);
    amsel_ctx_destroy(ctx);
    return rc;
}
