/* libFuzzer target: JPEG/PNG/BMP decoding from memory, then preprocessing. */
#include "amsel/image.h"
#include <stdint.h>
#include <stddef.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[224 * 224 * 3];
    amsel_ctx *ctx = NULL;
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 0;
    amsel_limits lim = {0};
    lim.max_image_pixels = 4u << 20; /* 4 Mpixel: keeps the fuzzer's memory small */
    lim.max_file_bytes = 4u << 20;
    amsel_ctx_set_limits(ctx, &lim);
    amsel_image *img = NULL;
    if (amsel_image_decode(ctx, data, size, "fuzz", &img) == AMSEL_OK) {
        amsel_preprocess p = {224, 224, 0.875f, 0.0078125f, 128, 0};
        amsel_image_preprocess(ctx, img, &p, out);
        amsel_image_destroy(img);
    }
    amsel_ctx_destroy(ctx);
    return 0;
}
