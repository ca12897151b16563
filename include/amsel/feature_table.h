/* amsel/feature_table.h — the features CSV written by `amsel features`,
 * loaded as an images x features matrix, and its join with a profile.
 *
 * The file: a header `image,class,<feature names...>[,features_ms]` and
 * one row per image. Feature columns are whatever the header names (at
 * least one, unique), so a file from an older or newer feature table
 * still loads; the selector picks columns by name. `features_ms`, when
 * present, is the last column: what computing that image's features cost
 * (resample + features, ms), charged to the image by evaluation.
 *
 * The file is hostile input: every failure names the file and line, and
 * for a bad number the column. Exact rules: docs/features.md. */
#ifndef AMSEL_FEATURE_TABLE_H
#define AMSEL_FEATURE_TABLE_H

#include "amsel/selector.h"
#include "amsel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* At most this many feature columns. */
#define AMSEL_FEATURE_TABLE_MAX_DIMS 1024

typedef struct amsel_feature_table amsel_feature_table;

/* Reads and checks the whole file. On failure *out is NULL and
 * amsel_last_error(ctx) names the file, line and column at fault. The
 * table keeps a pointer to ctx (destroy the table first). */
amsel_status amsel_feature_table_load(amsel_ctx *ctx, const char *path,
                                      amsel_feature_table **out);
void amsel_feature_table_destroy(amsel_feature_table *t); /* NULL is harmless */

int amsel_feature_table_rows(const amsel_feature_table *t);  /* images */
int amsel_feature_table_dims(const amsel_feature_table *t);  /* feature columns */
/* Feature column j's name (features_ms is not a feature column); NULL out
 * of range. Strings are owned by t. */
const char *amsel_feature_table_name(const amsel_feature_table *t, int j);
/* Row i's image name and class (NULL / -1 out of range). Rows are in file
 * order. */
const char *amsel_feature_table_image(const amsel_feature_table *t, int i);
int amsel_feature_table_class(const amsel_feature_table *t, int i);
/* Row i's dims() values (finite), NULL out of range. */
const double *amsel_feature_table_row(const amsel_feature_table *t, int i);
/* Row i's features_ms, or -1 when the file has no such column. */
double amsel_feature_table_ms(const amsel_feature_table *t, int i);
/* Index of the feature column called name, or -1. */
int amsel_feature_table_find(const amsel_feature_table *t, const char *name);

/* row_of[i] (amsel_profile_images(p) entries) = the table row of profile
 * image i. Fails, naming both files, when the image sets differ (which
 * image is missing from which file) or an image's class disagrees. */
amsel_status amsel_feature_table_join(amsel_ctx *ctx, const amsel_feature_table *t,
                                      const amsel_profile *p, int *row_of);

#ifdef __cplusplus
}
#endif
#endif
