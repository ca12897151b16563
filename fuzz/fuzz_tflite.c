/* libFuzzer target: the TFLite reader, graph preparation and one run. */
#include "amsel/model.h"
#include "fuzz_util.h"

#define MAX_INPUT (2u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    const char *path = fuzz_tmpfile("model", data, size);
    amsel_ctx *ctx = NULL;
    if (!path || amsel_ctx_create(&ctx) != AMSEL_OK)
        return 0;
    amsel_ctx_set_backend(ctx, "ref");
    amsel_limits lim = {0};
    lim.max_model_bytes = MAX_INPUT;
    amsel_ctx_set_limits(ctx, &lim);
    amsel_model *m = NULL;
    if (amsel_model_load(ctx, path, &m) == AMSEL_OK) {
        amsel_model_info info;
        amsel_model_get_info(m, &info);
        memset(amsel_model_input(m), 0x5a,
               (size_t)info.input_height * info.input_width * info.input_channels);
        amsel_model_run(m);
        amsel_model_destroy(m);
    }
    amsel_ctx_destroy(ctx);
    return 0;
}
