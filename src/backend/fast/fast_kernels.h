/* Fast integer kernels for x86-64 CPUs with AVX-512 VNNI: CONV_2D as an
 * int8 GEMM on VPDPBUSD and DEPTHWISE_CONV_2D (depth multiplier 1)
 * vectorised across 32 channels, both followed by a vectorised copy of
 * TFLite's requantization; ADD, MUL and the 256-entry tables. They are
 * bit-exact with the am_ref_* kernels (tests/test_backend_parity.c).
 *
 * Each kernel has a create step that checks the parameters, packs the
 * weights and precomputes every per-channel constant and scratch buffer,
 * and a run step that neither checks nor allocates. The weights, bias
 * and multiplier arrays passed to create are copied: the caller may free
 * them afterwards. */
#ifndef AMSEL_FAST_KERNELS_H
#define AMSEL_FAST_KERNELS_H

#include "backend/reference/ref_kernels.h"
#include "core/ctx.h"

/* 1 when this CPU (and this build) can run the fast kernels. */
int am_fast_cpu_supported(void);

typedef struct am_fast_conv am_fast_conv;

/* Prepares a CONV_2D (depthwise == 0) or DEPTHWISE_CONV_2D (depthwise ==
 * 1) with the reference kernel's arguments. Returns NULL when the kernel
 * does not handle these parameters (*nomem stays 0: fall back to the
 * reference) or when an allocation fails (*nomem = 1). */
am_fast_conv *am_fast_conv_create(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                                  am_shape in, int kh, int kw, const void *weights,
                                  const int32_t *bias, am_shape out, int *nomem);
void am_fast_conv_run(am_fast_conv *s, const void *input, void *output);
/* The same with scratch for nthreads threads running parts at the same
 * time with am_fast_conv_run_part: part 0 .. nparts-1 (any count) are
 * disjoint output rows or pixels, together the same bytes as
 * am_fast_conv_run; thread (< nthreads) picks the scratch. */
am_fast_conv *am_fast_conv_create_par(amsel_ctx *ctx, int depthwise, const am_conv_params *p,
                                      am_shape in, int kh, int kw, const void *weights,
                                      const int32_t *bias, am_shape out, int nthreads, int *nomem);
void am_fast_conv_run_part(am_fast_conv *s, const void *input, void *output, int part,
                           int nparts, int thread);
void am_fast_conv_destroy(amsel_ctx *ctx, am_fast_conv *s); /* NULL is harmless */

/* ADD and MUL, bit-exact with am_ref_add / am_ref_mul, for inputs of the
 * output's shape or broadcast over H and W ([1][1][1][c], batch 1). The
 * caller checks am_fast_eltwise_supported and am_fast_qmul_ok for every
 * multiplier/shift pair first. */
int am_fast_eltwise_supported(am_shape a, am_shape b, am_shape out);
int am_fast_qmul_ok(int32_t mult, int shift);
void am_fast_add(const am_add_params *p, am_shape a, const void *in1, am_shape b,
                 const void *in2, am_shape out, void *output);
void am_fast_mul(const am_mul_params *p, am_shape a, const void *in1, am_shape b,
                 const void *in2, am_shape out, void *output);

/* ADD of two tensors of the output's shape through two tables: each
 * input's rescaled value ((x + offset) << 20, scaled by its multiplier)
 * depends on one byte, so it is looked up (4 byte planes of 256 int32,
 * VPERMI2B) instead of computed; only the output's requantization is
 * arithmetic. Bit-exact with am_ref_add. Create returns NULL when the
 * CPU lacks VBMI, an input is broadcast or the output multiplier does
 * not suit the kernel (*nomem stays 0), or on allocation failure
 * (*nomem = 1). Run takes the n elements from element 0 of its
 * pointers: parts are disjoint element ranges. */
typedef struct am_fast_add_tab am_fast_add_tab;
am_fast_add_tab *am_fast_add_tab_create(amsel_ctx *ctx, const am_add_params *p, am_shape a,
                                        am_shape b, am_shape out, int *nomem);
void am_fast_add_tab_run(const am_fast_add_tab *t, size_t n, const void *in1, const void *in2,
                         void *output);
void am_fast_add_tab_destroy(amsel_ctx *ctx, am_fast_add_tab *t); /* NULL is harmless */

/* am_ref_avg_pool where the window is the whole image (output 1x1, no
 * padding), if am_fast_global_pool_supported. */
int am_fast_global_pool_supported(const am_pool_params *p, am_shape in, am_shape out);
void am_fast_global_pool(const am_pool_params *p, am_shape in, const void *input, void *output);
/* am_ref_mean_hw, if am_fast_mean_supported. */
int am_fast_mean_supported(am_shape in, am_shape out);
void am_fast_mean(const am_mean_params *p, am_shape in, const void *input, void *output);

/* Bilinear resizing rows (fast_resize.c), bit-exact with the portable
 * path of src/image/preprocess.c. am_fast_hplan fills plan
 * (am_fast_hplan_size(width) bytes) from the horizontal taps (start[ox],
 * weights w2[2 ox], w2[2 ox + 1]) of a width-pixel row resized from
 * in_width pixels; 0: the taps do not suit the kernel. am_fast_vrow: v[i]
 * = w0 s0[i] + w1 s1[i] (s1 may be NULL) for n values. am_fast_hrow:
 * width RGB pixels from v (which has 32 readable values past its end). */
size_t am_fast_hplan_size(int width);
int am_fast_hplan(int width, int in_width, const int *start, const int32_t *w2, void *plan);
void am_fast_vrow(int32_t *v, const uint8_t *s0, const uint8_t *s1, int32_t w0, int32_t w1, int n);
void am_fast_hrow(const int32_t *v, const void *plan, int width, uint8_t *o);
/* row[i] = sum over k < ntaps of w[k] s[k stride + i], as exact floats
 * (the vertical pass of any resize; sums below 2^22). */
void am_fast_vrow_taps(float *row, const uint8_t *s, size_t stride, const int32_t *w, int ntaps,
                       int n);

/* am_ref_lut on AVX-512 VBMI (VPERMI2B); am_fast_lut_supported says
 * whether this CPU has it. */
int am_fast_lut_supported(void);
void am_fast_lut(const uint8_t lut[256], size_t n, const void *input, void *output);

#endif
