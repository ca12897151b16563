/* libFuzzer target: the dataset and labels text readers. The first byte
 * picks the reader; the rest is the file. */
#include "amsel/dataset.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    const char *path = fuzz_tmpfile("data", data + 1, size - 1);
    amsel_ctx *ctx = NULL;
    if (!path || amsel_ctx_create(&ctx) != AMSEL_OK)
        return 0;
    if (data[0] & 1) {
        amsel_labels *l = NULL;
        if (amsel_labels_load(ctx, path, &l) == AMSEL_OK) {
            amsel_labels_name(l, 0);
            amsel_labels_name(l, 999);
            amsel_labels_destroy(l);
        }
    } else {
        amsel_dataset *d = NULL;
        if (amsel_dataset_load(ctx, path, NULL, &d) == AMSEL_OK) {
            for (int i = 0; i < amsel_dataset_count(d); i++)
                (void)amsel_dataset_file(d, i);
            amsel_dataset_destroy(d);
        }
    }
    amsel_ctx_destroy(ctx);
    return 0;
}
