/* Unary 8-bit ops as 256-entry tables: the table applier and the QUANTIZE
 * (8-bit -> 8-bit requantize) table. A table is indexed by the input's raw
 * byte and holds the output's raw byte (for int8, the two's complement
 * byte), so one table serves both types. */
#include "ref_internal.h"
#include "ref_kernels.h"

void am_ref_lut(const uint8_t lut[256], size_t n, const void *input, void *output)
{
    const uint8_t *x = (const uint8_t *)input;
    uint8_t *y = (uint8_t *)output;
    for (size_t i = 0; i < n; ++i)
        y[i] = lut[x[i]];
}

/* TFLite reference_ops::Requantize (requantize.h) with the multiplier of
 * quantize.cc Prepare, QuantizeMultiplier((double)si / (double)so):
 *   out = clamp(MultiplyByQuantizedMultiplier(x - zi, mult, shift) + zo).
 * TFLite's fast path for equal scales and a zero point difference of 128
 * (out = in ^ 0x80) gives the same bytes: with mult = 2^30, shift = 1 the
 * multiplication is exact. */
void am_lut_requantize(uint8_t lut[256], am_qtype tin, float si, int32_t zi,
                       am_qtype tout, float so, int32_t zo)
{
    int32_t mult;
    int shift;
    am_quantize_multiplier((double)si / (double)so, &mult, &shift);
    const int32_t lo = am_qmin(tout), hi = am_qmax(tout);
    for (int byte = 0; byte < 256; ++byte) {
        const int32_t x = am_byte_value(tin, byte);
        const int32_t v = am_mul_by_qmul_inl(x - zi, mult, shift) + zo;
        lut[byte] = am_value_byte(am_clamp32(v, lo, hi));
    }
}
