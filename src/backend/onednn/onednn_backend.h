/* The onednn backend's entry points outside the graph (ctx.c, the dense
 * ceiling, tests). */
#ifndef AMSEL_BACKEND_ONEDNN_H
#define AMSEL_BACKEND_ONEDNN_H

#include "backend/reference/ref_kernels.h"
#include "core/ctx.h"

/* 1 when amsel was built with onednn (AMSEL_HAVE_ONEDNN) and it runs on this
 * CPU, else 0. */
int am_onednn_available(void);

/* A CONV_2D prepared for oneDNN (onednn_internal.h), bit-exact with
 * am_ref_conv2d (same arguments). create returns NULL with *nomem = 0
 * when the backend declines the problem or is not built, with *nomem = 1
 * (message in ctx) when memory runs out. nthreads: the threads that may
 * run parts at the same time (scratch for each). */
typedef struct am_dnnl_conv am_dnnl_conv;
am_dnnl_conv *am_onednn_conv_create(amsel_ctx *ctx, const am_conv_params *p, am_shape in,
                                    int kh, int kw, const void *weights, const int32_t *bias,
                                    am_shape out, int nthreads, int *nomem);
/* The whole output on the calling thread (thread 0's scratch). */
void am_onednn_conv_run(am_dnnl_conv *s, const void *input, void *output);
/* Part part of nparts (any count; disjoint output rows, together the same
 * bytes as run) with the scratch of thread (< nthreads). */
void am_onednn_conv_run_part(am_dnnl_conv *s, const void *input, void *output, int part,
                             int nparts, int thread);
void am_onednn_conv_destroy(amsel_ctx *ctx, am_dnnl_conv *s); /* NULL is harmless */
/* oneDNN's name for the implementation it picked ("" when unknown). */
const char *am_onednn_conv_impl(const am_dnnl_conv *s);

#endif
