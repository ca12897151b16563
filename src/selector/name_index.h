/* A string -> index hash (open addressing, FNV-1a), for looking names up
 * in tables of up to millions of rows: the index stores only indices, the
 * names stay in the caller's array. */
#ifndef AMSEL_SELECTOR_NAME_INDEX_H
#define AMSEL_SELECTOR_NAME_INDEX_H

#include "core/ctx.h"

typedef struct am_name_index {
    int *slot;   /* [cap] index + 1, 0 = empty */
    size_t cap;  /* a power of two, at least twice the names */
} am_name_index;

/* Room for up to n names. */
amsel_status am_name_index_init(amsel_ctx *ctx, am_name_index *x, int n);
void am_name_index_free(amsel_ctx *ctx, am_name_index *x);

/* The index of name s, or -1. names[] is the array the indices refer to. */
int am_name_index_find(const am_name_index *x, char *const *names, const char *s);

/* Adds index i (named names[i]); returns -1, or the index already holding
 * that name (then nothing is added). At most the n of init. */
int am_name_index_add(am_name_index *x, char *const *names, int i);

#endif
