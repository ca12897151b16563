/* String -> index hash; see name_index.h. */
#include "selector/name_index.h"

#include <string.h>

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

amsel_status am_name_index_init(amsel_ctx *ctx, am_name_index *x, int n)
{
    x->cap = 16;
    while (x->cap < (size_t)(n > 0 ? n : 0) * 2)
        x->cap *= 2;
    x->slot = am_calloc(ctx, x->cap, sizeof *x->slot);
    return x->slot ? AMSEL_OK : AMSEL_ERR_NOMEM;
}

void am_name_index_free(amsel_ctx *ctx, am_name_index *x)
{
    am_free(ctx, x->slot);
    x->slot = NULL;
    x->cap = 0;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t probe(const am_name_index *x, char *const *names, const char *s)
{
    size_t h = hash_str(s) & (x->cap - 1);
    while (x->slot[h] && strcmp(names[x->slot[h] - 1], s))
        h = (h + 1) & (x->cap - 1);
    return h;
}

int am_name_index_find(const am_name_index *x, char *const *names, const char *s)
{
    return x->slot[probe(x, names, s)] - 1;
}

int am_name_index_add(am_name_index *x, char *const *names, int i)
{
    size_t h = probe(x, names, names[i]);
    if (x->slot[h])
        return x->slot[h] - 1;
    x->slot[h] = i + 1;
    return -1;
}
