/* XNNPACK operators with amsel's arguments (built with AMSEL_HAVE_XNNPACK;
 * without it every create returns NULL). One am_xnn_op wraps one
 * xnn_operator_t: created once (XNNPACK packs the weights then: the
 * caller's weights, bias and scales may be freed afterwards), set up
 * for a set of tensor pointers (again only when they change) and run on
 * a pthreadpool of `threads` threads shared by the operators of a
 * context with that many threads.
 *
 * XNNPACK requantizes in fp32 (round to nearest even) where TFLite and
 * the reference kernels use fixed-point multipliers, and its ADD and
 * pooling round their own way: outputs may differ from am_ref_* by 1
 * (tests/test_xnnpack_parity.c counts how often).
 *
 * Every create returns NULL when XNNPACK does not handle the parameters
 * (*nomem stays 0: the reference runs the node) or when memory runs out
 * (*nomem = 1, message in ctx). */
#ifndef AMSEL_BACKEND_XNNPACK_XNN_OPS_H
#define AMSEL_BACKEND_XNNPACK_XNN_OPS_H

#include "backend/reference/ref_kernels.h"
#include "core/ctx.h"

typedef struct am_xnn_op am_xnn_op;

/* A tensor's per-tensor quantization. */
typedef struct am_xnn_quant {
    float scale;
    int32_t zp;
} am_xnn_quant;

/* 1 when XNNPACK initialized on this CPU (xnn_initialize, run once). */
int am_xnn_init(void);

/* CONV_2D (depthwise 0) or DEPTHWISE_CONV_2D (1) with the reference
 * kernel's geometry, clamp and zero points from p; XNNPACK takes the
 * scales (p->out_shift only tells where TFLite rounds twice, for the
 * bias nudge of xnn_conv.c). w_scales: nscales filter scales,
 * 1 (per tensor) or out.c (per channel, int8). uint8 activations need
 * uint8 weights (qu8), int8 activations int8 weights with zero point 0
 * (qc8). */
am_xnn_op *am_xnn_conv_create(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                              am_shape in, int kh, int kw, const void *weights,
                              const int32_t *bias, am_shape out, float in_scale,
                              const float *w_scales, int nscales, float out_scale, int threads,
                              int *nomem);

/* ADD (mul 0) or MUL (mul 1) of a and b broadcast to out. */
am_xnn_op *am_xnn_binary_create(amsel_ctx *ctx, int mul, am_qtype t, am_shape a,
                                am_xnn_quant qa, am_shape b, am_xnn_quant qb, am_shape out,
                                am_xnn_quant qo, int32_t act_min, int32_t act_max, int threads,
                                int *nomem);

/* The mean over H and W, [n][h][w][c] -> [n][1][1][c] (MEAN, and an
 * AVERAGE_POOL_2D whose window is the whole unpadded image). */
am_xnn_op *am_xnn_mean_create(amsel_ctx *ctx, am_qtype t, am_shape in, am_xnn_quant qi,
                              am_xnn_quant qo, int32_t act_min, int32_t act_max, int threads,
                              int *nomem);

/* AVERAGE_POOL_2D: a whole-image window becomes am_xnn_mean_create;
 * otherwise uint8 without padding only (q: the input's and output's
 * quantization, equal). */
am_xnn_op *am_xnn_avg_pool_create(amsel_ctx *ctx, const am_pool_params *p, am_shape in,
                                  am_xnn_quant q, am_shape out, int threads, int *nomem);

/* Sets the operator up for these tensors (in1: second input of ADD/MUL,
 * else NULL): AMSEL_OK, or AMSEL_ERR_NOMEM / AMSEL_ERR_UNSUPPORTED with
 * a message in ctx. am_xnn_run does it by itself when the pointers
 * change; calling it at load moves XNNPACK's allocations there. */
amsel_status am_xnn_setup(amsel_ctx *ctx, am_xnn_op *op, const void *in0, const void *in1,
                          void *out);

/* Runs the operator on these tensors: 1 on success, 0 when the setup
 * for new pointers failed (output not written). */
int am_xnn_run(am_xnn_op *op, const void *in0, const void *in1, void *out);

void am_xnn_destroy(amsel_ctx *ctx, am_xnn_op *op); /* NULL is harmless */

#endif
