/* Global AVERAGE_POOL_2D and MEAN over H and W (the window is the whole
 * image, no padding: the squeeze-excite blocks and the classifier heads)
 * on AVX-512, bit-exact with am_ref_avg_pool and am_ref_mean_hw: per 64
 * channels, sums of the pixels' bytes (int8 ones flipped to unsigned, 128
 * * count taken off), then the reference's arithmetic per channel. */
#include "fast_internal.h"

int am_fast_global_pool_supported(const am_pool_params *p, am_shape in, am_shape out)
{
    return am_fast_cpu_supported() && out.h == 1 && out.w == 1 && out.n == in.n &&
           out.c == in.c && p->filter_h == in.h && p->filter_w == in.w && p->pad_top == 0 &&
           p->pad_left == 0 && (size_t)in.h * in.w <= (1u << 23); /* 255 * count < 2^31 */
}

int am_fast_mean_supported(am_shape in, am_shape out)
{
    return am_fast_cpu_supported() && out.h == 1 && out.w == 1 && out.n == in.n &&
           out.c == in.c && (size_t)in.h * in.w <= (1u << 23);
}

#if AM_FAST_X86

/* sum[j] = the sum over npix pixels (c_n bytes apart) of the bytes at
 * img + c + j, j < 64 (masked by m; int8 flipped): 16-bit sums of up to
 * 256 pixels (255 * 256 fits), added into 32-bit ones. */
AM_INL void channel_sums(const uint8_t *img, size_t npix, int c_n, int c, __mmask64 m, int sgn,
                         int32_t sum[64])
{
    const __m512i flip = _mm512_set1_epi8(sgn ? -128 : 0);
    __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i0 = 0; i0 < npix; i0 += 256) {
        const size_t i1 = npix - i0 < 256 ? npix : i0 + 256;
        __m512i lo = _mm512_setzero_si512(), hi = lo; /* channels 0-31, 32-63 */
        for (size_t i = i0; i < i1; i++) {
            const __m512i v =
                _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, img + i * c_n + c), flip);
            lo = _mm512_add_epi16(lo, _mm512_cvtepu8_epi16(_mm512_castsi512_si256(v)));
            hi = _mm512_add_epi16(hi, _mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(v, 1)));
        }
        s0 = _mm512_add_epi32(s0, _mm512_cvtepu16_epi32(_mm512_castsi512_si256(lo)));
        s1 = _mm512_add_epi32(s1, _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(lo, 1)));
        s2 = _mm512_add_epi32(s2, _mm512_cvtepu16_epi32(_mm512_castsi512_si256(hi)));
        s3 = _mm512_add_epi32(s3, _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(hi, 1)));
    }
    _mm512_storeu_si512(sum, s0);
    _mm512_storeu_si512(sum + 16, s1);
    _mm512_storeu_si512(sum + 32, s2);
    _mm512_storeu_si512(sum + 48, s3);
}

/* v / count rounded half away from zero, as both reference kernels. */
static inline int32_t round_div(int32_t v, int32_t count)
{
    return v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
}

static int32_t pool_value(const void *params, int32_t s, int32_t count)
{
    const am_pool_params *p = params;
    const int32_t v = round_div(s, count);
    return v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
}

static int32_t mean_value(const void *params, int32_t s, int32_t count)
{
    const am_mean_params *p = params;
    const int32_t qmin = p->type == AM_I8 ? -128 : 0, qmax = p->type == AM_I8 ? 127 : 255;
    /* sum of (x - in_zp), modulo 2^32 like the reference's int32 */
    const uint32_t d = (uint32_t)s - (uint32_t)p->in_zp * (uint32_t)count;
    int32_t v = am_mul_by_qmul(d <= INT32_MAX ? (int32_t)d : -(int32_t)(~d) - 1, p->mult, p->shift);
    v = round_div(v, count) + p->out_zp;
    return v < qmin ? qmin : v > qmax ? qmax : v;
}

/* Each output byte = value(params, sum over H and W of its channel's
 * inputs (as the type), pixel count). */
AM_INL void reduce_hw(const void *params, int sgn, am_shape in, const void *input, void *output,
                      int32_t (*value)(const void *, int32_t, int32_t))
{
    const size_t npix = (size_t)in.h * in.w;
    const int c_n = in.c;
    const int32_t count = (int32_t)npix;
    for (int b = 0; b < in.n; b++) {
        const uint8_t *img = (const uint8_t *)input + (size_t)b * npix * c_n;
        for (int c = 0; c < c_n; c += 64) {
            int32_t sum[64];
            channel_sums(img, npix, c_n, c, tail_mask64(c_n - c), sgn, sum);
            const int n = c_n - c < 64 ? c_n - c : 64;
            uint8_t *o = (uint8_t *)output + (size_t)b * c_n + c;
            for (int j = 0; j < n; j++)
                o[j] = (uint8_t)value(params, sum[j] - (sgn ? 128 * count : 0), count);
        }
    }
}

AM_TGT void am_fast_global_pool(const am_pool_params *p, am_shape in, const void *input,
                                void *output)
{
    reduce_hw(p, p->type == AM_I8, in, input, output, pool_value);
}

AM_TGT void am_fast_mean(const am_mean_params *p, am_shape in, const void *input, void *output)
{
    reduce_hw(p, p->type == AM_I8, in, input, output, mean_value);
}

#else

void am_fast_global_pool(const am_pool_params *p, am_shape in, const void *input, void *output)
{
    (void)p, (void)in, (void)input, (void)output;
}

void am_fast_mean(const am_mean_params *p, am_shape in, const void *input, void *output)
{
    (void)p, (void)in, (void)input, (void)output;
}

#endif
