/* The onednn backend. Without AMSEL_HAVE_ONEDNN (library not found at
 * configure time) it is present but declines every node. */
#include "backend/onednn/onednn_backend.h"
#include "graph/backend.h"

#if !defined(AMSEL_HAVE_ONEDNN)

int am_onednn_available(void) { return 0; }

static int claim(amsel_ctx *ctx, const am_graph *g, am_node *n)
{
    (void)ctx, (void)g, (void)n;
    return 0;
}

static void release(amsel_ctx *ctx, am_node *n) { (void)ctx, (void)n; }

const am_backend am_backend_onednn = {"onednn", claim, release};

#endif
