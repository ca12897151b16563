/* The onednn backend's output stage for one band: oneDNN's int32 dot
 * products plus the zero-point corrections of onednn_internal.h, then
 * TFLite's requantization, zero point and clamp with the fast backend's
 * AVX-512 helpers (fast_internal.h), 16 channels at a time. All sums wrap
 * modulo 2^32 like the reference's int32 accumulator. */
#if defined(AMSEL_HAVE_ONEDNN)

#include "backend/fast/fast_internal.h"
#include "backend/reference/ref_internal.h"
#include "onednn_internal.h"

#if AM_FAST_X86

enum { BLOCK = 64 }; /* output pixels per block */

/* Band-local output pixels [q0, q1), q1 - q0 <= BLOCK: first each pixel's
 * corrections (whether its window is inside the image, and wo' times the
 * sum of (xr + xo) over its valid taps), then 16 channels at a time over
 * the block's pixels, with that group's constants in registers. pixsum:
 * the band's input pixel sums (input rows from iy0, in_rows of them). */
AM_TGT static void requant_block(const am_dnnl_conv *s, const am_dnnl_band *bd, int in_rows,
                                 const int32_t *acc_band, const int32_t *pixsum,
                                 uint8_t *out_band, long q0, long q1)
{
    const am_conv_params *p = &s->p;
    const int oc = s->oc, ocp = s->ocp, kw = s->kw, np = (int)(q1 - q0);
    const am_shape in = s->in, out = s->out;
    const uint32_t kxo = (uint32_t)in.c * (uint32_t)p->in_offset;
    am_taps ty[BLOCK], tx[BLOCK];
    int32_t corr[BLOCK];
    uint8_t inner[BLOCK];
    for (int i = 0; i < np; i++) {
        const long q = q0 + i;
        const int ox = (int)(q % out.w), oy = bd->r0 + (int)(q / out.w % bd->nr);
        const int b = (int)(q / ((long)out.w * bd->nr));
        ty[i] = am_taps_at(oy, p->stride_h, p->pad_top, p->dil_h, s->kh, in.h);
        tx[i] = am_taps_at(ox, p->stride_w, p->pad_left, p->dil_w, kw, in.w);
        inner[i] = ty[i].k0 == 0 && ty[i].k1 == s->kh && tx[i].k0 == 0 && tx[i].k1 == kw;
        uint32_t r = 0; /* wo' * sum over the valid taps of (xr + xo) */
        if (s->wo) {
            for (int ky = ty[i].k0; ky < ty[i].k1; ky++) {
                const int iy = ty[i].origin + ky * p->dil_h - bd->iy0;
                const int32_t *row = pixsum + ((size_t)b * in_rows + iy) * in.w;
                for (int kx = tx[i].k0; kx < tx[i].k1; kx++)
                    r += (uint32_t)row[tx[i].origin + kx * p->dil_w] + kxo;
            }
            r *= (uint32_t)s->wo;
        }
        corr[i] = (int32_t)r;
    }
    const __m512i zp = _mm512_set1_epi32(p->out_zp);
    const __m512i lo = _mm512_set1_epi32(p->act_min), hi = _mm512_set1_epi32(p->act_max);
    for (int c = 0; c < oc; c += 16) {
        const __mmask16 m = tail_mask(oc - c);
        rqv q = rqv_load_from(s->mult + c, s->modd + c, s->left + c, s->right + c, s->rnd + c);
        q.has_left = s->has_left;
        const __m512i kin = _mm512_load_si512(s->cbase + c);
        const int32_t *acc = acc_band + (size_t)q0 * oc + c;
        uint8_t *o = out_band + (size_t)q0 * oc + c;
        for (int i = 0; i < np; i++, acc += oc, o += oc) {
            __m512i k = kin;
            if (!inner[i]) {
                k = _mm512_load_si512(s->cbias + c);
                for (int ky = ty[i].k0; ky < ty[i].k1; ky++)
                    for (int kx = tx[i].k0; kx < tx[i].k1; kx++)
                        k = _mm512_add_epi32(
                            k, _mm512_load_si512(s->xtap + ((size_t)ky * kw + kx) * ocp + c));
            }
            const __m512i a =
                m == 0xFFFF ? _mm512_loadu_si512(acc) : _mm512_maskz_loadu_epi32(m, acc);
            const __m512i v =
                _mm512_add_epi32(_mm512_add_epi32(a, k), _mm512_set1_epi32(corr[i]));
            const __m128i b8 = _mm512_cvtepi32_epi8(requant(v, &q, zp, lo, hi));
            if (m == 0xFFFF)
                _mm_storeu_si128((__m128i *)(void *)o, b8);
            else
                _mm_mask_storeu_epi8(o, m, b8);
        }
    }
}

void am_dnnl_requant_band(const am_dnnl_conv *s, const am_dnnl_band *bd, const void *input,
                          const int32_t *acc, int32_t *pixsum, void *output)
{
    const am_dnnl_prim *pr = &s->prims[bd->prim];
    const int ic = s->in.c;
    if (s->wo) { /* sums over channels of the band's input pixels */
        const size_t npix = (size_t)s->in.n * pr->in_rows * s->in.w;
        const size_t img = (size_t)pr->in_rows * s->in.w; /* pixels per image in the band */
        for (size_t i = 0; i < npix; i++) {
            const size_t b = i / img;
            const size_t at = ((b * s->in.h + bd->iy0) * s->in.w + i % img) * ic;
            uint32_t sum = 0;
            if (s->p.type == AM_U8) {
                const uint8_t *x = (const uint8_t *)input + at;
                for (int c = 0; c < ic; c++)
                    sum += x[c];
            } else {
                const int8_t *x = (const int8_t *)input + at;
                for (int c = 0; c < ic; c++)
                    sum += (uint32_t)(int32_t)x[c];
            }
            pixsum[i] = (int32_t)sum;
        }
    }
    const long n = (long)s->out.n * bd->nr * s->out.w;
    uint8_t *out_band = (uint8_t *)output + (size_t)bd->r0 * s->out.w * s->oc;
    for (long q = 0; q < n; q += BLOCK)
        requant_block(s, bd, pr->in_rows, acc, pixsum, out_band, q, q + BLOCK < n ? q + BLOCK : n);
}

#else
void am_dnnl_requant_band(const am_dnnl_conv *s, const am_dnnl_band *bd, const void *input,
                          const int32_t *acc, int32_t *pixsum, void *output)
{
    (void)s, (void)bd, (void)input, (void)acc, (void)pixsum, (void)output; /* never created */
}
#endif

#else
typedef int am_onednn_requant_unused; /* not a translation unit without oneDNN */
#endif
