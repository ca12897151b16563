/* libFuzzer target: the selector's profile CSV reader. */
#include "amsel/selector.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    const char *path = fuzz_tmpfile("profile", data, size);
    amsel_ctx *ctx = NULL;
    if (!path || amsel_ctx_create(&ctx) != AMSEL_OK)
        return 0;
    amsel_profile *p = NULL;
    if (amsel_profile_load(ctx, path, &p) == AMSEL_OK) {
        int n = amsel_profile_images(p), m = amsel_profile_models(p);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                (void)amsel_profile_cell_at(p, i, j);
        amsel_profile_destroy(p);
    }
    amsel_ctx_destroy(ctx);
    return 0;
}
