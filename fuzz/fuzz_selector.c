/* libFuzzer target: the selector file's JSON reader (am_selector_parse on
 * the bytes). A file it accepts must also be usable: the premodel's
 * decision is taken on a few feature rows before the policy is freed. */
#include "amsel/amsel.h"
#include "selector/policy.h"
#include "selector/selector_file.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    amsel_ctx *ctx = NULL;
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 0;
    am_policy pol;
    am_selector_info info;
    if (am_selector_parse(ctx, "fuzz.json", (const char *)data, size, &pol, &info) == AMSEL_OK) {
        /* Rows: zeros, ones, large values, and bytes of the input. */
        double row[AMSEL_FEATURES_MAX];
        int nf = amsel_features_count();
        for (int r = 0; r < 4; r++) {
            for (int j = 0; j < nf && j < AMSEL_FEATURES_MAX; j++)
                row[j] = r == 0   ? 0
                         : r == 1 ? 1
                         : r == 2 ? 1e6 * (j % 2 ? -1 : 1)
                                  : (size ? data[(size_t)j % size] : 0) / 16.0;
            int e = am_policy_entry(&pol, row);
            if (e != AM_UNSURE && (e < 0 || e >= pol.stages.n))
                __builtin_trap(); /* the entry stage must exist */
        }
        am_policy_clear(&pol);
        am_selector_info_clear(&info);
    }
    amsel_ctx_destroy(ctx);
    return 0;
}
