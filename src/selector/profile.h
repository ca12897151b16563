/* Internal layout of a loaded profile: an images x models matrix of
 * cells, row-major by image. */
#ifndef AMSEL_SELECTOR_PROFILE_H
#define AMSEL_SELECTOR_PROFILE_H

#include "amsel/selector.h"
#include "core/ctx.h"

struct amsel_profile {
    amsel_ctx *ctx;
    char *path;                 /* owned, for messages that join other files */
    int nimages, nmodels;
    char **image_name;          /* [nimages], owned */
    int *image_class;           /* [nimages] */
    char *model_name[AMSEL_PROFILE_MAX_MODELS]; /* [nmodels], owned */
    amsel_profile_cell *cell;   /* [nimages * nmodels] */
};

static inline const amsel_profile_cell *am_cell(const amsel_profile *p, int i, int m)
{
    return &p->cell[(size_t)i * (size_t)p->nmodels + (size_t)m];
}

/* The cascade tuners' choice rule: a candidate with training accuracy
 * acc (meets: reaches the target) and mean cost ms beats the best so far
 * (bacc < 0: none yet) when it meets the target and the best does not,
 * both meet and it is cheaper, or neither meets and it is more accurate
 * (cheaper on a tie). */
static inline int am_tune_better(double acc, double ms, int meets, double bacc, double bms,
                                 int bmeets)
{
    return bacc < 0 || (meets && !bmeets) || (meets && bmeets && ms < bms) ||
           (!meets && !bmeets && (acc > bacc || (acc == bacc && ms < bms)));
}

/* The cascade c entered at stage entry (0 = its first model): what it
 * does on image; *last (may be NULL) receives the stage that answered. */
void am_cascade_run(const amsel_profile *p, const amsel_cascade *c, int entry, int image,
                    amsel_outcome *out, int *last);

#endif
