/* A backend claims the graph nodes it can run. Backends are tried in
 * priority order; the reference backend claims everything, so every node
 * always has a run function. */
#ifndef AMSEL_GRAPH_BACKEND_H
#define AMSEL_GRAPH_BACKEND_H

#include "graph/graph.h"

typedef struct am_backend {
    const char *name;
    /* Returns 1 and sets n->run (and n->backend_state) if it takes the
     * node, 0 to decline, -1 with an error in ctx on failure. */
    int (*claim)(amsel_ctx *ctx, const am_graph *g, am_node *n);
    void (*release)(amsel_ctx *ctx, am_node *n);
    /* Optional (NULL): graph-wide state made before the first claim
     * (0 on success, -1 with an error in ctx) and freed after the last
     * release. */
    int (*prepare)(amsel_ctx *ctx, am_graph *g);
    void (*finish)(amsel_ctx *ctx, am_graph *g);
} am_backend;

extern const am_backend am_backend_reference;
/* AVX-512 VNNI convolutions (src/backend/fast/); declines everything on
 * other CPUs and when the context asks for the reference backend. */
extern const am_backend am_backend_fast;
/* oneDNN convolutions (src/backend/onednn/), when built with libdnnl. */
extern const am_backend am_backend_onednn;
/* XNNPACK operators (src/backend/xnnpack/), when built with libXNNPACK:
 * the fast path on CPUs without AVX-512 VNNI (Arm). */
extern const am_backend am_backend_xnnpack;

#endif
