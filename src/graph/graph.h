/* The executable graph: operators lowered to nodes with every parameter
 * precomputed, activation tensors placed in one arena, each node bound to
 * a backend's run function.
 *
 * Lowering (graph_build.c) is backend-independent: it validates the
 * model and fills the nodes' quantization parameters. Backends
 * (backend.h) then claim nodes one by one; the reference backend takes
 * every node, so a faster one only needs to claim what it does well. */
#ifndef AMSEL_GRAPH_GRAPH_H
#define AMSEL_GRAPH_GRAPH_H

#include "backend/reference/ref_kernels.h"
#include "core/ctx.h"
#include "tflite/tflite.h"

typedef struct am_node am_node;

/* t[i] is the memory of tensor i (activations in the arena, constants in
 * the file). */
typedef void (*am_run_fn)(const am_node *n, void *const *t);
/* Part part of nparts of the node's work (disjoint outputs; together the
 * same bytes as run), on thread thread (< g->max_parts: its scratch). */
typedef void (*am_part_fn)(const am_node *n, void *const *t, int part, int nparts, int thread);

typedef struct am_tensor_info {
    am_shape shape;       /* the last four dimensions, leading ones padded with 1 */
    size_t bytes;
    am_qtype qtype;
    float scale;          /* per-tensor quantization (first scale) */
    int32_t zp;
    int is_const;
    int first, last;      /* activations: defining and last using node (-1 = graph input) */
    size_t offset;        /* activations: offset in the arena */
} am_tensor_info;

struct am_node {
    int opcode;           /* TFL_* builtin code */
    int op_index;         /* position in the file */
    const char *backend;  /* name of the backend that runs it */
    am_run_fn run;
    am_part_fn run_part;  /* set where splitting pays (large operators), else NULL */
    int ninputs;
    int in[2];            /* activation or constant inputs (tensor indices) */
    int out;
    am_shape in_shape[2], out_shape;
    uint64_t macs;
    /* CONV_2D / DEPTHWISE_CONV_2D */
    int kh, kw;
    const void *weights;  /* in the file */
    int32_t *bias;        /* [out.c], aligned copy (owned) or NULL */
    int32_t *mult, *shift;/* [out.c] (owned) */
    union {
        am_conv_params conv;
        am_pool_params pool;
        am_mean_params mean;
        am_add_params add;
        am_mul_params mul;
    } p;
    am_softmax_params *softmax; /* owned */
    uint8_t *lut;               /* [256] for QUANTIZE, HARD_SWISH (owned) */
    void *backend_state;        /* owned by the backend */
};

typedef struct am_graph {
    am_tfl_model tfl;
    am_tensor_info *tensors;   /* [tfl.ntensors] */
    am_node *nodes;
    int nnodes;
    size_t arena_bytes;
    uint8_t *arena;
    void **tptr;               /* [tfl.ntensors] resolved tensor memory */
    int max_parts;             /* threads of the context at load: scratch for this many */
    struct am_xnn_scratch *xnn_scratch; /* the xnnpack backend's float scratch, or NULL */
} am_graph;

/* Validates tfl (taken over by the graph) and lowers it to nodes. */
amsel_status am_graph_build(amsel_ctx *ctx, const char *name, am_graph *g);
/* Plans activation memory and allocates the arena. */
amsel_status am_graph_plan(amsel_ctx *ctx, am_graph *g);
/* Runs every node, splitting the large ones among the pool's threads
 * (pool NULL: this thread only). */
struct am_pool;
void am_graph_run(const am_graph *g, struct am_pool *pool);
/* The same, adding each node's wall time in ms to op_ms[node]. */
void am_graph_run_timed(const am_graph *g, struct am_pool *pool, double *op_ms);
void am_graph_free(amsel_ctx *ctx, am_graph *g);

#endif
