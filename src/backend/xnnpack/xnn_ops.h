/* XNNPACK convolutions with amsel's arguments, exact (built with
 * AMSEL_HAVE_XNNPACK; without it every create returns NULL).
 *
 * XNNPACK's 8-bit operators (February 2022) requantize in fp32 with one
 * rounding where TFLite rounds twice in fixed point: their outputs
 * differ by 1 often enough to change 1-8% of the models' answers. So
 * amsel takes XNNPACK's sums and requantizes them itself: the input is
 * converted to floats x - zero point, XNNPACK's fp32 convolution sums
 * the products (weights w - zero point, also exact integers), and amsel
 * adds the bias and requantizes each sum exactly as TFLite does. Every
 * partial sum is an integer of at most 2^24 in magnitude (the create
 * checks each output channel's bound: sum |w - zw| x max |x - zx|), so
 * fp32 holds it exactly in any order of summation: the output is the
 * reference's, byte for byte.
 *
 * One am_xnn_op wraps one convolution: created once (XNNPACK packs the
 * float weights then; the caller's weights and bias may be freed
 * afterwards), set up for an input pointer (again only when it changes)
 * and run on a pthreadpool of `threads` threads shared by the operators
 * of a context with that many threads. The float input and sums live in
 * an am_xnn_scratch the operators of one graph share (one runs at a
 * time).
 *
 * A create returns NULL when XNNPACK cannot do the problem exactly
 * (*nomem stays 0: the reference runs the node) or when memory runs out
 * (*nomem = 1, message in ctx). */
#ifndef AMSEL_BACKEND_XNNPACK_XNN_OPS_H
#define AMSEL_BACKEND_XNNPACK_XNN_OPS_H

#include "backend/reference/ref_kernels.h"
#include "core/ctx.h"

typedef struct am_xnn_op am_xnn_op;
typedef struct am_xnn_scratch am_xnn_scratch;

/* 1 when XNNPACK initialized on this CPU (xnn_initialize, run once). */
int am_xnn_init(void);

/* Float memory for operators whose input has at most in_floats values
 * and output at most out_floats (NULL with a message when out of
 * memory). */
am_xnn_scratch *am_xnn_scratch_create(amsel_ctx *ctx, size_t in_floats, size_t out_floats);
void am_xnn_scratch_destroy(amsel_ctx *ctx, am_xnn_scratch *s); /* NULL is harmless */

/* CONV_2D (depthwise 0) or DEPTHWISE_CONV_2D (1) with the reference
 * kernel's geometry, zero points, multipliers and clamp from p (uint8
 * or int8 activations; uint8 weights with a zero point or int8 weights
 * with none), on s, which must hold in and out. */
am_xnn_op *am_xnn_conv_create(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                              am_shape in, int kh, int kw, const void *weights,
                              const int32_t *bias, am_shape out, am_xnn_scratch *s,
                              int threads, int *nomem);

/* Sets the operator up for this input: AMSEL_OK, or AMSEL_ERR_NOMEM /
 * AMSEL_ERR_UNSUPPORTED with a message in ctx. am_xnn_run does it by
 * itself when the pointer changes; calling it at load moves XNNPACK's
 * allocations there. */
amsel_status am_xnn_setup(amsel_ctx *ctx, am_xnn_op *op, const void *in);

/* Runs the operator: 1 on success, 0 when the setup for a new input
 * pointer failed (output not written). */
int am_xnn_run(am_xnn_op *op, const void *in, void *out);

void am_xnn_destroy(amsel_ctx *ctx, am_xnn_op *op); /* NULL is harmless */

/* ADD and MUL of two activations, exact, in amsel's own loops
 * (xnn_eltwise.c: XNNPACK's round their own way): a, b and out of one
 * shape, or one input [n][1][1][c] broadcast over H and W; NULL for
 * other shapes (*nomem 0) or when memory runs out (*nomem 1). */
typedef struct am_xnn_eltwise am_xnn_eltwise;
am_xnn_eltwise *am_xnn_add_create(amsel_ctx *ctx, const am_add_params *p, am_shape a,
                                  am_shape b, am_shape out, int threads, int *nomem);
am_xnn_eltwise *am_xnn_mul_create(amsel_ctx *ctx, const am_mul_params *p, am_shape a,
                                  am_shape b, am_shape out, int threads, int *nomem);
void am_xnn_eltwise_run(const am_xnn_eltwise *e, const void *a, const void *b, void *out);
void am_xnn_eltwise_destroy(amsel_ctx *ctx, am_xnn_eltwise *e); /* NULL is harmless */

#endif
