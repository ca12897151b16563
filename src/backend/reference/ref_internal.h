/* Private helpers shared by the reference kernels (not part of the API):
 * TFLite's fixed-point primitives as inline functions, so that the
 * per-element requantization of every kernel inlines, plus clamping, the
 * valid-tap range of a strided/dilated window and 4-D broadcasting.
 *
 * TFLite relies on implementation-defined behaviour in a few places
 * (right shift of negative values, int32 wrap-around of x << shift); here
 * every such step is written with well-defined C arithmetic that gives
 * the same result as TFLite on two's complement machines. */
#ifndef AMSEL_REF_INTERNAL_H
#define AMSEL_REF_INTERNAL_H

#include <stdint.h>

#include "ref_kernels.h"

/* uint32 -> int32 modulo 2^32 (the conversion itself is only
 * implementation-defined for values above INT32_MAX). */
static inline int32_t am_wrap32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* floor(x / 2^e) for 0 <= e <= 31: an arithmetic right shift, written on
 * the complement for negative x (~x >= 0 there) to stay well-defined. */
static inline int32_t am_asr32(int32_t x, int e)
{
    const int32_t neg = -(int32_t)(x < 0); /* all ones when x < 0 */
    return neg ^ ((neg ^ x) >> e);          /* (neg ^ x) >= 0; branch-free */
}

/* gemmlowp SaturatingRoundingDoublingHighMul: (a * b * 2 + 2^31) >> 32
 * with ties rounded up; only INT32_MIN * INT32_MIN saturates. */
static inline int32_t am_srdhm_inl(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : (1 - (INT64_C(1) << 30));
    /* C division truncates toward zero, exactly like gemmlowp's. */
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^e rounded half away from zero. */
static inline int32_t am_rdivpot_inl(int32_t x, int e)
{
    const int32_t mask = (int32_t)((INT64_C(1) << e) - 1);
    const int32_t remainder = x & mask; /* int32_t is two's complement */
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return am_asr32(x, e) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier (the default double-rounding
 * version, not TFLITE_SINGLE_ROUNDING). TFLite computes x * (1 << left)
 * in int32, which wraps on overflow in practice; we wrap explicitly. */
static inline int32_t am_mul_by_qmul_inl(int32_t x, int32_t mult, int shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    const int32_t shifted = am_wrap32((uint32_t)x << left);
    return am_rdivpot_inl(am_srdhm_inl(shifted, mult), right);
}

/* MultiplyByQuantizedMultiplier with the constants of one output channel
 * worked out once (kernels requantize every output element). */
typedef struct am_rq {
    int32_t mult;
    int32_t mask; /* 2^right - 1 */
    int32_t half; /* mask >> 1: the rounding threshold for x >= 0 */
    int left, right;
} am_rq;

static inline am_rq am_rq_make(int32_t mult, int shift)
{
    am_rq q;
    q.mult = mult;
    q.left = shift > 0 ? shift : 0;
    q.right = shift > 0 ? 0 : -shift;
    q.mask = (int32_t)((INT64_C(1) << q.right) - 1);
    q.half = q.mask >> 1;
    return q;
}

/* Same result as am_mul_by_qmul_inl(x, q->mult, shift). */
static inline int32_t am_rq_apply(const am_rq *q, int32_t x)
{
    const int32_t hi = am_srdhm_inl(am_wrap32((uint32_t)x << q->left), q->mult);
    const int32_t threshold = q->half + (hi < 0 ? 1 : 0);
    return am_asr32(hi, q->right) + ((hi & q->mask) > threshold ? 1 : 0);
}

/* Requantizes the accumulators of n consecutive output channels and
 * stores them as 8-bit values: out[j] = clamp(rq_j(acc[j]) + zp, lo, hi).
 * One loop per output type with everything in locals: a store through a
 * uint8_t pointer may alias anything, which would force reloads. */
static inline void am_requant_row(am_qtype t, const int32_t *acc, int n, const am_rq *rq,
                                  int32_t zp, int32_t lo, int32_t hi, void *out)
{
    if (t == AM_U8) {
        uint8_t *o = (uint8_t *)out;
        for (int j = 0; j < n; ++j) {
            int32_t v = am_rq_apply(&rq[j], acc[j]) + zp;
            v = v < lo ? lo : v;
            v = v > hi ? hi : v;
            o[j] = (uint8_t)v;
        }
    } else {
        int8_t *o = (int8_t *)out;
        for (int j = 0; j < n; ++j) {
            int32_t v = am_rq_apply(&rq[j], acc[j]) + zp;
            v = v < lo ? lo : v;
            v = v > hi ? hi : v;
            o[j] = (int8_t)v;
        }
    }
}

static inline int32_t am_clamp32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static inline int32_t am_qmin(am_qtype t) { return t == AM_U8 ? 0 : -128; }
static inline int32_t am_qmax(am_qtype t) { return t == AM_U8 ? 255 : 127; }

/* Reads element i of an 8-bit tensor of type t as an integer. */
static inline int32_t am_load8(am_qtype t, const void *p, size_t i)
{
    return t == AM_U8 ? (int32_t)((const uint8_t *)p)[i] : (int32_t)((const int8_t *)p)[i];
}

/* Stores v (already clamped to t's range) as element i. */
static inline void am_store8(am_qtype t, void *p, size_t i, int32_t v)
{
    if (t == AM_U8)
        ((uint8_t *)p)[i] = (uint8_t)v;
    else
        ((int8_t *)p)[i] = (int8_t)v;
}

/* Table helpers: the value of raw byte `byte` (0..255) read as type t,
 * and a value already clamped to an 8-bit type's range as its raw byte. */
static inline int32_t am_byte_value(am_qtype t, int byte)
{
    return t == AM_U8 ? byte : (byte >= 128 ? byte - 256 : byte);
}

static inline uint8_t am_value_byte(int32_t v)
{
    return (uint8_t)(v & 0xff);
}

/* The filter taps k in [*k0, *k1) of a window starting at input position
 * `origin` (may be negative: padding) with dilation `dil` that land inside
 * [0, size). TFLite skips the other taps, i.e. treats them as the input
 * zero point. *k1 == *k0 when no tap is inside. */
static inline void am_tap_range(int origin, int dil, int k, int size, int *k0, int *k1)
{
    int lo = 0;
    if (origin < 0)
        lo = (-origin + dil - 1) / dil; /* first k with origin + k*dil >= 0 */
    int hi = 0;
    if (origin < size)
        hi = (size - 1 - origin) / dil + 1; /* last valid k, plus one */
    if (hi > k)
        hi = k;
    if (hi < lo)
        hi = lo;
    *k0 = lo;
    *k1 = hi;
}

/* The taps of output index o along one axis: its input origin
 * o*stride - pad and the kernel taps [k0, k1) that land in the input. */
typedef struct am_taps {
    int origin, k0, k1;
} am_taps;

static inline am_taps am_taps_at(int o, int stride, int pad, int dil, int k, int size)
{
    am_taps t;
    t.origin = o * stride - pad;
    am_tap_range(t.origin, dil, k, size, &t.k0, &t.k1);
    return t;
}

/* Element strides of a 4-D NHWC tensor of shape s as seen from an output
 * of larger shape: 0 along a broadcast (size 1) dimension. */
typedef struct am_bstride { size_t n, h, w, c; } am_bstride;

static inline am_bstride am_broadcast_strides(am_shape s)
{
    am_bstride st;
    st.c = 1;
    st.w = (size_t)s.c;
    st.h = st.w * (size_t)s.w;
    st.n = st.h * (size_t)s.h;
    if (s.c == 1) st.c = 0;
    if (s.w == 1) st.w = 0;
    if (s.h == 1) st.h = 0;
    if (s.n == 1) st.n = 0;
    return st;
}

static inline size_t am_shape_size(am_shape s)
{
    return (size_t)s.n * (size_t)s.h * (size_t)s.w * (size_t)s.c;
}

static inline int am_same_shape(am_shape a, am_shape b)
{
    return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

/* The element walk shared by the 8-bit binary operators (ADD, MUL): out =
 * one(params, a, b) over the output, with broadcasting (a stride of 0
 * repeats a size-1 dimension). `one` is a static inline function at every
 * call site, so the compiler inlines it here. */
typedef int32_t (*am_binary_one_fn)(const void *params, int32_t a, int32_t b);

static inline void am_binary_walk(am_binary_one_fn one, const void *params, am_qtype t,
                                  am_shape a, const void *in1, am_shape b, const void *in2,
                                  am_shape out, void *output)
{
    if (am_same_shape(a, out) && am_same_shape(b, out)) {
        const size_t n = am_shape_size(out);
        for (size_t i = 0; i < n; ++i)
            am_store8(t, output, i, one(params, am_load8(t, in1, i), am_load8(t, in2, i)));
        return;
    }
    const am_bstride sa = am_broadcast_strides(a), sb = am_broadcast_strides(b);
    size_t o = 0;
    for (int n = 0; n < out.n; ++n)
        for (int y = 0; y < out.h; ++y)
            for (int x = 0; x < out.w; ++x) {
                const size_t ia = n * sa.n + y * sa.h + x * sa.w;
                const size_t ib = n * sb.n + y * sb.h + x * sb.w;
                for (int c = 0; c < out.c; ++c, ++o)
                    am_store8(t, output, o,
                              one(params, am_load8(t, in1, ia + c * sa.c),
                                  am_load8(t, in2, ib + c * sb.c)));
            }
}

#endif
