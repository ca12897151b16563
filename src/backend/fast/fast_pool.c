/* Global AVERAGE_POOL_2D (the window is the whole image, no padding: the
 * squeeze-excite blocks and the classifier heads) on AVX-512, bit-exact
 * with am_ref_avg_pool: per 64 channels, 32-bit sums of the pixels' bytes
 * (int8 ones flipped to unsigned, 128 * count taken off), then the same
 * rounding (half away from zero) and clamp. */
#include "fast_internal.h"

int am_fast_global_pool_supported(const am_pool_params *p, am_shape in, am_shape out)
{
    return am_fast_cpu_supported() && out.h == 1 && out.w == 1 && out.n == in.n &&
           out.c == in.c && p->filter_h == in.h && p->filter_w == in.w && p->pad_top == 0 &&
           p->pad_left == 0 && (size_t)in.h * in.w <= (1u << 23); /* 255 * count < 2^31 */
}

#if AM_FAST_X86

AM_TGT void am_fast_global_pool(const am_pool_params *p, am_shape in, const void *input,
                                void *output)
{
    const size_t npix = (size_t)in.h * in.w;
    const int c_n = in.c, sgn = p->type == AM_I8;
    const int32_t count = (int32_t)npix;
    const __m512i flip = _mm512_set1_epi8(sgn ? -128 : 0);
    for (int b = 0; b < in.n; b++) {
        const uint8_t *img = (const uint8_t *)input + (size_t)b * npix * c_n;
        for (int c = 0; c < c_n; c += 64) {
            const __mmask64 m = tail_mask64(c_n - c);
            __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t i = 0; i < npix; i++) {
                const __m512i v = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, img + i * c_n + c), flip);
                s0 = _mm512_add_epi32(s0, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(v)));
                s1 = _mm512_add_epi32(s1, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 1)));
                s2 = _mm512_add_epi32(s2, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 2)));
                s3 = _mm512_add_epi32(s3, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 3)));
            }
            int32_t sum[64];
            _mm512_storeu_si512(sum, s0);
            _mm512_storeu_si512(sum + 16, s1);
            _mm512_storeu_si512(sum + 32, s2);
            _mm512_storeu_si512(sum + 48, s3);
            const int n = c_n - c < 64 ? c_n - c : 64;
            uint8_t *o = (uint8_t *)output + (size_t)b * c_n + c;
            for (int j = 0; j < n; j++) {
                const int32_t s = sum[j] - (sgn ? 128 * count : 0);
                int32_t v = s > 0 ? (s + count / 2) / count : (s - count / 2) / count;
                v = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
                o[j] = (uint8_t)v;
            }
        }
    }
}

#else

void am_fast_global_pool(const am_pool_params *p, am_shape in, const void *input, void *output)
{
    (void)p, (void)in, (void)input, (void)output;
}

#endif
