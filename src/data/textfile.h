/* Splitting a text file into lines, for the small line-based formats
 * (datasets, labels, synsets). The file is read once; lines are
 * NUL-terminated in place, with CR/LF removed. */
#ifndef AMSEL_DATA_TEXTFILE_H
#define AMSEL_DATA_TEXTFILE_H

#include "core/ctx.h"

typedef struct am_lines {
    uint8_t *data;   /* the file, owned */
    char **line;     /* [n] pointers into data, owned */
    int n;
} am_lines;

/* Fails on a file over the context's byte limit, or one with a NUL byte
 * (not a text file). */
amsel_status am_lines_read(amsel_ctx *ctx, const char *path, am_lines *out);
void am_lines_free(amsel_ctx *ctx, am_lines *l);

#endif
