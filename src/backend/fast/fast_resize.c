/* Bilinear resizing of interleaved RGB rows on AVX-512, bit-exact with
 * src/image/preprocess.c's exact integer arithmetic (carried there in
 * double): with 14-bit weights summing to 2^14,
 *   v = wy0 s0 + wy1 s1                       (vertical, < 2^22)
 *   out = (wx0 v0 + wx1 v1 + 2^27) >> 28      (horizontal, 36-bit products)
 * The horizontal products do not fit 32 bits, so v is split as
 * v = 256 vh + vl and
 *   out = (H + ((L + 2^27) >> 8)) >> 20,  H = wx0 vh0 + wx1 vh1 (< 2^29),
 *                                         L = wx0 vl0 + wx1 vl1 (< 2^23)
 * (floor(N + f) over 2^20 is floor(N) over 2^20 for 0 <= f < 1), each a
 * VPMADDWD of int16 pairs. Four output pixels (12 values) at a time pick
 * their taps from 32 consecutive values of v with two-source permutes,
 * which holds when a block's taps span at most 8 source pixels (any
 * scale factor up to 2). */
#include "fast_internal.h"

#if AM_FAST_X86

size_t am_fast_hplan_size(int width) { return (size_t)(width + 3) / 4 * 3 * 64; }

int am_fast_hplan(int width, int in_width, const int *start, const int32_t *w2, void *plan)
{
    int32_t *p = plan; /* per block: base, 15 unused | idx0[16] | weights[16] as 64-byte rows */
    for (int b = 0; b < (width + 3) / 4; b++, p += 48) {
        const int base = start[4 * b] * 3;
        memset(p, 0, 48 * sizeof *p);
        p[0] = base;
        for (int l = 0; l < 12; l++) {
            const int ox = 4 * b + l / 3;
            if (ox >= width)
                continue;
            const int idx = start[ox] * 3 + l % 3 - base;
            const int32_t w0 = w2[2 * ox], w1 = w2[2 * ox + 1];
            if (idx < 0 || idx + 3 > 31 || start[ox] + 1 > in_width || w0 < 0 || w1 < 0 ||
                w0 > 16384 || w1 > 16384)
                return 0; /* taps too far apart for one block: use the portable path */
            p[16 + l] = idx;
            p[32 + l] = (int32_t)((uint32_t)w0 | (uint32_t)w1 << 16);
        }
    }
    return 1;
}

AM_TGT void am_fast_vrow(int32_t *v, const uint8_t *s0, const uint8_t *s1, int32_t w0, int32_t w1,
                         int n)
{
    const __m512i a = _mm512_set1_epi32(w0), b = _mm512_set1_epi32(w1);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        __m512i x = _mm512_mullo_epi32(load_x16(s0 + i, m, 0), a);
        if (s1)
            x = _mm512_add_epi32(x, _mm512_mullo_epi32(load_x16(s1 + i, m, 0), b));
        _mm512_mask_storeu_epi32(v + i, m, x);
    }
}

AM_TGT void am_fast_vrow_taps(float *row, const uint8_t *s, size_t stride, const int32_t *w,
                              int ntaps, int n)
{
    for (int i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        __m512i x = _mm512_setzero_si512();
        for (int k = 0; k < ntaps; k++)
            x = _mm512_add_epi32(x, _mm512_mullo_epi32(load_x16(s + (size_t)k * stride + i, m, 0),
                                                       _mm512_set1_epi32(w[k])));
        _mm512_mask_storeu_ps(row + i, m, _mm512_cvtepi32_ps(x)); /* < 2^22: exact */
    }
}

AM_TGT void am_fast_hrow(const int32_t *v, const void *plan, int width, uint8_t *o)
{
    const int32_t *p = plan;
    const __m512i lo8 = _mm512_set1_epi32(255), nudge = _mm512_set1_epi32(1 << 27);
    const __m512i three = _mm512_set1_epi32(3);
    for (int b = 0; b < (width + 3) / 4; b++, p += 48, o += 12) {
        const int32_t *src = v + p[0];
        const __m512i v0 = _mm512_loadu_si512(src), v1 = _mm512_loadu_si512(src + 16);
        const __m512i i0 = _mm512_loadu_si512(p + 16), w = _mm512_loadu_si512(p + 32);
        const __m512i t0 = _mm512_permutex2var_epi32(v0, i0, v1);
        const __m512i t1 = _mm512_permutex2var_epi32(v0, _mm512_add_epi32(i0, three), v1);
        const __m512i hp = _mm512_or_si512(_mm512_srli_epi32(t0, 8),
                                           _mm512_slli_epi32(_mm512_srli_epi32(t1, 8), 16));
        const __m512i lp = _mm512_or_si512(_mm512_and_si512(t0, lo8),
                                           _mm512_slli_epi32(_mm512_and_si512(t1, lo8), 16));
        const __m512i h = _mm512_madd_epi16(hp, w), l = _mm512_madd_epi16(lp, w);
        const __m512i r = _mm512_srli_epi32(
            _mm512_add_epi32(h, _mm512_srli_epi32(_mm512_add_epi32(l, nudge), 8)), 20);
        const int left = (width - 4 * b) * 3;
        _mm_mask_storeu_epi8(o, (__mmask16)((1u << (left < 12 ? left : 12)) - 1),
                             _mm512_cvtepi32_epi8(r));
    }
}

#else

size_t am_fast_hplan_size(int width) { return (size_t)(width + 3) / 4 * 3 * 64; }
int am_fast_hplan(int width, int in_width, const int *start, const int32_t *w2, void *plan)
{
    (void)width, (void)in_width, (void)start, (void)w2, (void)plan;
    return 0;
}
void am_fast_vrow(int32_t *v, const uint8_t *s0, const uint8_t *s1, int32_t w0, int32_t w1, int n)
{
    (void)v, (void)s0, (void)s1, (void)w0, (void)w1, (void)n;
}
void am_fast_hrow(const int32_t *v, const void *plan, int width, uint8_t *o)
{
    (void)v, (void)plan, (void)width, (void)o;
}
void am_fast_vrow_taps(float *row, const uint8_t *s, size_t stride, const int32_t *w, int ntaps,
                       int n)
{
    (void)row, (void)s, (void)stride, (void)w, (void)ntaps, (void)n;
}

#endif
