/* Activation memory planning, backend assignment and freeing.
 *
 * Planning is TFLite's "greedy by size": tensors sorted by size, largest
 * first, each placed at the lowest offset that does not overlap a tensor
 * alive at the same time. */
#include "graph/backend.h"
#include "graph/graph.h"

#include <string.h>

#define ARENA_ALIGN 64

/* Backends in priority order; each claims only under the context's
 * backend choices it serves (ctx->backend), the reference backend comes
 * last and takes every node the others decline. */
static const am_backend *const backends[] = {&am_backend_onednn, &am_backend_fast,
                                             &am_backend_xnnpack, &am_backend_reference};
#define NBACKENDS (sizeof backends / sizeof backends[0])

static size_t align_up(size_t x) { return (x + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1); }

/* Insertion sort of tensor indices, largest first (ties: lower index):
 * a few hundred tensors, and no global state as qsort would need. */
static void sort_by_size_desc(const am_tensor_info *t, int *order, int n)
{
    for (int i = 1; i < n; i++) {
        int v = order[i], j = i;
        while (j > 0 && (t[order[j - 1]].bytes < t[v].bytes ||
                         (t[order[j - 1]].bytes == t[v].bytes && order[j - 1] > v))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

static int lifetimes_overlap(const am_tensor_info *a, const am_tensor_info *b)
{
    return a->first <= b->last && b->first <= a->last;
}

amsel_status am_graph_plan(amsel_ctx *ctx, am_graph *g)
{
    int nt = g->tfl.ntensors, nact = 0;
    int *order = am_malloc(ctx, (size_t)nt * sizeof *order);
    int *placed = am_malloc(ctx, (size_t)nt * sizeof *placed);
    if (!order || !placed) {
        am_free(ctx, order);
        am_free(ctx, placed);
        return AMSEL_ERR_NOMEM;
    }
    for (int i = 0; i < nt; i++)
        if (!g->tensors[i].is_const && g->tensors[i].first != -2)
            order[nact++] = i;
    sort_by_size_desc(g->tensors, order, nact);
    size_t total = 0;
    int nplaced = 0;
    for (int k = 0; k < nact; k++) {
        am_tensor_info *t = &g->tensors[order[k]];
        size_t offset = 0;
        /* Lowest gap among live placed tensors: retry until no conflict. */
        for (int changed = 1; changed;) {
            changed = 0;
            for (int j = 0; j < nplaced; j++) {
                const am_tensor_info *o = &g->tensors[placed[j]];
                if (!lifetimes_overlap(t, o))
                    continue;
                if (offset < o->offset + align_up(o->bytes) && o->offset < offset + t->bytes) {
                    offset = o->offset + align_up(o->bytes);
                    changed = 1;
                }
            }
        }
        t->offset = offset;
        placed[nplaced++] = order[k];
        if (offset + align_up(t->bytes) > total)
            total = offset + align_up(t->bytes);
    }
    am_free(ctx, order);
    am_free(ctx, placed);

    g->arena_bytes = total;
    /* ARENA_ALIGN for aligning the base, ARENA_ALIGN more after the last
     * tensor: XNNPACK's kernels read up to 16 bytes past their inputs */
    g->arena = am_malloc(ctx, total + 2 * ARENA_ALIGN);
    g->tptr = am_calloc(ctx, (size_t)nt, sizeof *g->tptr);
    if (!g->arena || !g->tptr)
        return AMSEL_ERR_NOMEM;
    uint8_t *base = (uint8_t *)(((uintptr_t)g->arena + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1));
    for (int i = 0; i < nt; i++) {
        am_tensor_info *t = &g->tensors[i];
        if (t->is_const)
            g->tptr[i] = (void *)g->tfl.tensors[i].data;
        else if (t->first != -2)
            g->tptr[i] = base + t->offset;
    }
    g->max_parts = am_ctx_threads(ctx);
    for (size_t k = 0; k < NBACKENDS; k++)
        if (backends[k]->prepare && backends[k]->prepare(ctx, g) < 0)
            return AMSEL_ERR_NOMEM; /* message in ctx */
    for (int i = 0; i < g->nnodes; i++) {
        am_node *n = &g->nodes[i];
        for (size_t k = 0; k < NBACKENDS && !n->run; k++) {
            int r = backends[k]->claim(ctx, g, n);
            if (r < 0) /* message in ctx; a claim fails only for memory */
                return AMSEL_ERR_NOMEM;
            if (r > 0)
                n->backend = backends[k]->name;
        }
        if (!n->run)
            return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "operator %d: no backend runs it", i);
    }
    return AMSEL_OK;
}

void am_graph_free(amsel_ctx *ctx, am_graph *g)
{
    if (g->nodes)
        for (int i = 0; i < g->nnodes; i++) {
            am_node *n = &g->nodes[i];
            for (size_t k = 0; k < NBACKENDS; k++)
                if (n->backend == backends[k]->name && backends[k]->release)
                    backends[k]->release(ctx, n);
            am_free(ctx, n->bias);
            am_free(ctx, n->mult);
            am_free(ctx, n->shift);
            am_free(ctx, n->softmax);
            am_free(ctx, n->lut);
        }
    for (size_t k = 0; k < NBACKENDS; k++)
        if (backends[k]->finish)
            backends[k]->finish(ctx, g);
    am_free(ctx, g->nodes);
    am_free(ctx, g->tensors);
    am_free(ctx, g->arena);
    am_free(ctx, g->tptr);
    am_tfl_free(ctx, &g->tfl);
    memset(g, 0, sizeof *g);
}
