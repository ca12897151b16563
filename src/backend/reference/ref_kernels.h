/* Reference integer kernels: the specification every faster backend is
 * checked against. They follow TensorFlow Lite's reference integer
 * arithmetic exactly (fixed-point multipliers, rounding, clamping), are
 * written for clarity, never allocate and never check their arguments:
 * the graph's prepare step validated shapes and computed every parameter.
 *
 * Layout is NHWC everywhere. Activations are uint8 (AM_U8) or int8
 * (AM_I8); a kernel's input and output activations share one type. */
#ifndef AMSEL_REF_KERNELS_H
#define AMSEL_REF_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef enum am_qtype { AM_U8 = 0, AM_I8 = 1 } am_qtype;

typedef struct am_shape { int n, h, w, c; } am_shape;

/* ---- Fixed-point helpers (TFLite's QuantizeMultiplier & co.) ---------- */

/* Splits a real multiplier m (0 <= m < 2^31) into mult * 2^(shift-31) with
 * mult in [2^30, 2^31) (or 0 when m == 0). shift > 0 means a left shift. */
void am_quantize_multiplier(double m, int32_t *mult, int *shift);

/* TFLite MultiplyByQuantizedMultiplier: x * mult * 2^(shift-31), using
 * SaturatingRoundingDoublingHighMul then RoundingDivideByPOT. */
int32_t am_mul_by_qmul(int32_t x, int32_t mult, int shift);

/* gemmlowp primitives, exposed for tests. */
int32_t am_srdhm(int32_t a, int32_t b);          /* SaturatingRoundingDoublingHighMul */
int32_t am_rdivpot(int32_t x, int exponent);     /* RoundingDivideByPOT, exponent >= 0 */

/* Quantized clamp range of a fused activation (0 none, 1 RELU, 3 RELU6)
 * for an output with the given scale/zero point, intersected with the
 * type's range. Returns 0 for an unknown activation code. */
int am_activation_range(int fused_act, float scale, int32_t zero_point, am_qtype t,
                        int32_t *act_min, int32_t *act_max);

/* ---- Convolutions ------------------------------------------------------ */

typedef struct am_conv_params {
    am_qtype type;              /* input and output activations */
    int w_signed;               /* weights are int8 (1) or uint8 (0) */
    int32_t in_offset;          /* -input zero point */
    int32_t w_offset;           /* -weight zero point (0 for int8 weights) */
    int32_t out_zp;             /* output zero point */
    int32_t act_min, act_max;   /* output clamp, quantized units */
    const int32_t *out_mult;    /* [out channels]: per-tensor models repeat one value */
    const int32_t *out_shift;   /* [out channels]: TFLite convention, > 0 = left */
    int stride_h, stride_w;
    int dil_h, dil_w;
    int pad_top, pad_left;      /* from SAME/VALID padding, computed in prepare */
    int depth_multiplier;       /* depthwise only: out channels = in channels * this */
} am_conv_params;

/* Conv2D. weights: [out.c][kh][kw][in.c] (OHWI); bias: [out.c] int32 or NULL.
 * acc = bias + sum (in + in_offset) * (w + w_offset);
 * out = clamp(mul_by_qmul(acc, mult[oc], shift[oc]) + out_zp). */
void am_ref_conv2d(const am_conv_params *p, am_shape in, const void *input,
                   int kh, int kw, const void *weights, const int32_t *bias,
                   am_shape out, void *output);

/* Depthwise conv2D. weights: [1][kh][kw][out.c]; output channel
 * oc = ic * depth_multiplier + m reads input channel ic. */
void am_ref_depthwise_conv2d(const am_conv_params *p, am_shape in, const void *input,
                             int kh, int kw, const void *weights, const int32_t *bias,
                             am_shape out, void *output);

/* ---- Pooling and reductions ------------------------------------------- */

typedef struct am_pool_params {
    am_qtype type;
    int stride_h, stride_w;
    int filter_h, filter_w;
    int pad_top, pad_left;
    int32_t act_min, act_max;
} am_pool_params;

/* Average pool; input and output share scale and zero point (checked in
 * prepare). Padded positions are excluded from the count, as in TFLite. */
void am_ref_avg_pool(const am_pool_params *p, am_shape in, const void *input,
                     am_shape out, void *output);

typedef struct am_mean_params {
    am_qtype type;
    int32_t in_zp, out_zp;
    int32_t mult;   /* am_quantize_multiplier(in_scale / out_scale) */
    int shift;
} am_mean_params;

/* Mean over H and W (TFLite reference_integer_ops::Mean), out is [n,1,1,c]. */
void am_ref_mean_hw(const am_mean_params *p, am_shape in, const void *input, void *output);

/* ---- Elementwise binary ops, with broadcasting ------------------------ */
/* Shapes a, b and out are 4-D; a dimension of a or b may be 1 where out's
 * is larger (broadcast). */

typedef struct am_add_params {
    am_qtype type;
    int left_shift;                       /* 20, as TFLite for 8-bit */
    int32_t in1_offset, in2_offset;       /* -zero points */
    int32_t in1_mult; int in1_shift;      /* TFLite PrepareGeneralSubOp scaling */
    int32_t in2_mult; int in2_shift;
    int32_t out_mult; int out_shift;
    int32_t out_offset;                   /* output zero point */
    int32_t act_min, act_max;
} am_add_params;

/* Fills the multipliers/shifts of an add from the three tensors'
 * quantization, exactly as TFLite's add.cc does for 8-bit types. */
void am_add_params_init(am_add_params *p, am_qtype t,
                        float s1, int32_t z1, float s2, int32_t z2,
                        float so, int32_t zo, int32_t act_min, int32_t act_max);

void am_ref_add(const am_add_params *p, am_shape a, const void *in1, am_shape b,
                const void *in2, am_shape out, void *output);

typedef struct am_mul_params {
    am_qtype type;
    int32_t in1_offset, in2_offset;       /* -zero points */
    int32_t out_offset;                   /* output zero point */
    int32_t out_mult; int out_shift;      /* s1*s2/so */
    int32_t act_min, act_max;
} am_mul_params;

void am_ref_mul(const am_mul_params *p, am_shape a, const void *in1, am_shape b,
                const void *in2, am_shape out, void *output);

/* ---- Unary 8-bit ops as 256-entry lookup tables ----------------------- */
/* A table is indexed by the raw byte of the input (for int8, the byte
 * (uint8_t)x, i.e. x & 0xff) and holds the raw output byte. */

/* QUANTIZE between 8-bit types (TFLite Requantize):
 * out = clamp(mul_by_qmul(x - zi, qmul(si/so)) + zo). */
void am_lut_requantize(uint8_t lut[256], am_qtype tin, float si, int32_t zi,
                       am_qtype tout, float so, int32_t zo);

/* HARD_SWISH with TFLite's reference integer algorithm (HardSwishParams:
 * reluish and output multipliers in int16 fixed point). */
void am_lut_hard_swish(uint8_t lut[256], am_qtype t, float si, int32_t zi,
                       float so, int32_t zo);

void am_ref_lut(const uint8_t lut[256], size_t n, const void *input, void *output);

/* ---- Softmax ----------------------------------------------------------- */

typedef struct am_softmax_params {
    am_qtype type;
    float table[256]; /* exp(beta * in_scale * (k - 255)), k = 0..255 */
    int32_t out_zp;   /* 0 for uint8, -128 for int8 (scale is 1/256) */
} am_softmax_params;

void am_softmax_params_init(am_softmax_params *p, am_qtype t, float beta, float in_scale,
                            int32_t out_zp);

/* Softmax over the last dimension of rows x depth values, as TFLite's
 * optimized 8-bit softmax (float exp table, output scale 1/256). */
void am_ref_softmax(const am_softmax_params *p, int rows, int depth, const void *input,
                    void *output);

#endif
