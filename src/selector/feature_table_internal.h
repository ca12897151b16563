/* Internal layout of a loaded features CSV: the file's lines are kept,
 * split in place, and names point into them. */
#ifndef AMSEL_SELECTOR_FEATURE_TABLE_INTERNAL_H
#define AMSEL_SELECTOR_FEATURE_TABLE_INTERNAL_H

#include "amsel/feature_table.h"
#include "data/textfile.h"
#include "selector/name_index.h"

struct amsel_feature_table {
    amsel_ctx *ctx;
    char *path;          /* owned, for the join's messages */
    am_lines lines;      /* the file; names below point into it */
    int n, d;
    int has_ms;          /* the last column is features_ms */
    char **header;       /* the header's fields, owned */
    char **name;         /* [d]: header + 2 */
    char **image;        /* [n] */
    int *cls;            /* [n] */
    int *line;           /* [n] 1-based line of each row */
    double *x;           /* [n * d], row-major */
    double *ms;          /* [n], or NULL without a features_ms column */
    am_name_index index; /* image name -> row */
};

#endif
