/* Running the graph: nodes in file order, each large one split into
 * PARTS_PER_THREAD parts per thread of the pool (threads capped by the
 * scratch the backend allocated at load, g->max_parts). More parts than
 * threads: on a shared machine a preempted thread holds up less. */
#include "core/pool.h"
#include "graph/graph.h"

typedef struct node_job {
    const am_node *n;
    void *const *t;
} node_job;

enum { PARTS_PER_THREAD = 4 };

static void node_task(void *arg, int part, int nparts, int thread)
{
    const node_job *j = arg;
    j->n->run_part(j->n, j->t, part, nparts, thread);
}

static void run_node(const am_graph *g, const am_node *n, am_pool *pool, int nthreads)
{
    if (nthreads > 1 && n->run_part) {
        node_job j = {n, g->tptr};
        am_pool_run(pool, node_task, &j, nthreads * PARTS_PER_THREAD, nthreads);
    } else {
        n->run(n, g->tptr);
    }
}

static int parts_of(const am_graph *g, const am_pool *pool)
{
    const int n = am_pool_threads(pool);
    return n < g->max_parts ? n : g->max_parts;
}

void am_graph_run(const am_graph *g, am_pool *pool)
{
    const int nparts = parts_of(g, pool);
    for (int i = 0; i < g->nnodes; i++)
        run_node(g, &g->nodes[i], pool, nparts);
}

void am_graph_run_timed(const am_graph *g, am_pool *pool, double *op_ms)
{
    const int nparts = parts_of(g, pool);
    for (int i = 0; i < g->nnodes; i++) {
        const double t0 = am_now_ms();
        run_node(g, &g->nodes[i], pool, nparts);
        op_ms[i] += am_now_ms() - t0;
    }
}
