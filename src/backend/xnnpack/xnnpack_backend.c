/* The xnnpack backend. Without AMSEL_HAVE_XNNPACK (library not found at
 * configure time) it is present but declines every node. */
#include "backend/xnnpack/xnnpack_backend.h"
#include "graph/backend.h"

#if !defined(AMSEL_HAVE_XNNPACK)

int am_xnnpack_available(void) { return 0; }

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    (void)ctx, (void)g, (void)n;
    return 0;
}

static void release(amsel_ctx *ctx, am_node *n) { (void)ctx, (void)n; }

const am_backend am_backend_xnnpack = {"xnnpack", claim, release};

#endif
