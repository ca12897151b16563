/* Accessors of a loaded features CSV, and its join with a profile. */
#include "selector/feature_table_internal.h"
#include "selector/profile.h"

#include <string.h>

int amsel_feature_table_rows(const amsel_feature_table *t) { return t ? t->n : 0; }
int amsel_feature_table_dims(const amsel_feature_table *t) { return t ? t->d : 0; }

const char *amsel_feature_table_name(const amsel_feature_table *t, int j)
{
    return t && j >= 0 && j < t->d ? t->name[j] : NULL;
}

const char *amsel_feature_table_image(const amsel_feature_table *t, int i)
{
    return t && i >= 0 && i < t->n ? t->image[i] : NULL;
}

int amsel_feature_table_class(const amsel_feature_table *t, int i)
{
    return t && i >= 0 && i < t->n ? t->cls[i] : -1;
}

const double *amsel_feature_table_row(const amsel_feature_table *t, int i)
{
    return t && i >= 0 && i < t->n ? t->x + (size_t)i * (size_t)t->d : NULL;
}

double amsel_feature_table_ms(const amsel_feature_table *t, int i)
{
    return t && t->ms && i >= 0 && i < t->n ? t->ms[i] : -1;
}

int amsel_feature_table_find(const amsel_feature_table *t, const char *name)
{
    if (!t || !name)
        return -1;
    for (int j = 0; j < t->d; j++)
        if (!strcmp(t->name[j], name))
            return j;
    return -1;
}

/* The first line of image i in the profile (its rows for every model). */
static int profile_line(const amsel_profile *p, int i)
{
    int ln = 0;
    for (int m = 0; m < p->nmodels; m++) {
        int l = am_cell(p, i, m)->line;
        if (l && (!ln || l < ln))
            ln = l;
    }
    return ln;
}

amsel_status amsel_feature_table_join(amsel_ctx *ctx, const amsel_feature_table *t,
                                      const amsel_profile *p, int *row_of)
{
    if (!ctx || !t || !p || !row_of)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_feature_table_join: NULL argument");
    const char *pp = p->path ? p->path : "the profile";
    /* Each table row is used at most once: both files have unique images. */
    int *used = am_calloc(ctx, (size_t)(t->n > 0 ? t->n : 1), sizeof *used);
    if (!used)
        return AMSEL_ERR_NOMEM;
    amsel_status st = AMSEL_OK;
    for (int i = 0; i < p->nimages && !st; i++) {
        int r = am_name_index_find(&t->index, t->image, p->image_name[i]);
        if (r < 0)
            st = am_fail(ctx, AMSEL_ERR_FORMAT,
                         "%s:%d: image '%s' is not in the features file %s (the image sets "
                         "differ)",
                         pp, profile_line(p, i), p->image_name[i], t->path);
        else if (t->cls[r] != p->image_class[i])
            st = am_fail(ctx, AMSEL_ERR_FORMAT,
                         "%s:%d: image '%s' has class %d, but class %d in %s:%d", t->path,
                         t->line[r], t->image[r], t->cls[r], p->image_class[i], pp,
                         profile_line(p, i));
        else {
            row_of[i] = r;
            used[r] = 1;
        }
    }
    for (int r = 0; r < t->n && !st; r++)
        if (!used[r])
            st = am_fail(ctx, AMSEL_ERR_FORMAT,
                         "%s:%d: image '%s' is not in the profile %s (the image sets differ)",
                         t->path, t->line[r], t->image[r], pp);
    am_free(ctx, used);
    return st;
}
