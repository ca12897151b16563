/* libFuzzer target: the features CSV reader (amsel_feature_table_load on
 * a temporary file); an accepted table is read back through its getters. */
#include "amsel/feature_table.h"
#include "fuzz_util.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    const char *path = fuzz_tmpfile("features", data, size);
    amsel_ctx *ctx = NULL;
    if (!path || amsel_ctx_create(&ctx) != AMSEL_OK)
        return 0;
    amsel_feature_table *t = NULL;
    if (amsel_feature_table_load(ctx, path, &t) == AMSEL_OK) {
        int rows = amsel_feature_table_rows(t), dims = amsel_feature_table_dims(t);
        for (int j = 0; j < dims; j++) {
            const char *name = amsel_feature_table_name(t, j);
            if (!name || amsel_feature_table_find(t, name) < 0)
                __builtin_trap();
        }
        for (int i = 0; i < rows; i++) {
            const double *row = amsel_feature_table_row(t, i);
            if (!row || !amsel_feature_table_image(t, i))
                __builtin_trap();
            for (int j = 0; j < dims; j++)
                if (!isfinite(row[j])) /* the header promises finite values */
                    __builtin_trap();
            (void)amsel_feature_table_class(t, i);
            (void)amsel_feature_table_ms(t, i);
        }
        (void)amsel_feature_table_row(t, rows);
        amsel_feature_table_destroy(t);
    }
    amsel_ctx_destroy(ctx);
    return 0;
}
