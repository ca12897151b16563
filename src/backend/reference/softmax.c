/* SOFTMAX for 8-bit tensors as TFLite's optimized kernel computes it on
 * x86 (optimized_ops::PopulateSoftmaxLookupTable + optimized_ops::Softmax
 * with params.table; not the fixed-point reference_ops version and not
 * the aarch64 TFLITE_SOFTMAX_USE_UINT16_LUT variant):
 *   table[255 - d] = expf((-in_scale * beta) * d), d = 0..255
 *   per row: max = max x; e(x) = table[255 - (max - x)];
 *   sum = e summed in float, in order; inv = 1 / (sum * out_scale)
 *   uint8: out = (int32)(e * inv + 0.5f)           (QuantizeSoftmaxOutput<uint8_t>)
 *   int8:  out = (int32)roundf(e * inv) + out_zp   (out_zp = -128)
 *   clamped to the type's range. Output scale is 1/256. */
#include <math.h>

#include "ref_internal.h"
#include "ref_kernels.h"

void am_softmax_params_init(am_softmax_params *p, am_qtype t, float beta, float in_scale,
                            int32_t out_zp)
{
    p->type = t;
    p->out_zp = out_zp;
    const float scale = -in_scale * beta; /* float, as TFLite */
    for (int d = 0; d <= 255; ++d)
        p->table[255 - d] = expf(scale * (float)d);
}

void am_ref_softmax(const am_softmax_params *p, int rows, int depth, const void *input,
                    void *output)
{
    const am_qtype t = p->type;
    const int32_t qmin = am_qmin(t), qmax = am_qmax(t);
    const float out_scale = 1.0f / 256.0f;

    for (int r = 0; r < rows; ++r) {
        const size_t base = (size_t)r * (size_t)depth;
        int32_t max_val = qmin;
        for (int j = 0; j < depth; ++j) {
            const int32_t x = am_load8(t, input, base + j);
            if (x > max_val)
                max_val = x;
        }
        /* e(x) = table[255 - (max - x)]; the index is in [0, 255] since
         * max - x is in [0, 255] for both types. */
        const int32_t off = 255 - max_val;
        float sum_exp = 0.0f;
        for (int j = 0; j < depth; ++j)
            sum_exp += p->table[off + am_load8(t, input, base + j)];

        const float inv_sum_exp = 1.0f / (sum_exp * out_scale);
        for (int j = 0; j < depth; ++j) {
            const float prob = p->table[off + am_load8(t, input, base + j)] * inv_sum_exp;
            int32_t q;
            if (t == AM_U8) /* TFLite ignores the (zero) zero point here */
                q = (int32_t)(prob + 0.5f);
            else
                q = (int32_t)roundf(prob) + p->out_zp;
            am_store8(t, output, base + j, am_clamp32(q, qmin, qmax));
        }
    }
}
