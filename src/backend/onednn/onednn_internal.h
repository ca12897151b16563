/* Internal to the onednn backend: a CONV_2D prepared for oneDNN.
 *
 * oneDNN computes the raw int32 dot products D = sum xr * wv over the
 * taps inside the image (its padding is 0 in the raw type, which adds
 * nothing), with xr the activation byte as it is in memory (uint8, or
 * int8 passed as s8: no copy of the input) and wv = w - aw the weight
 * byte as int8 (aw = 128 for uint8 weights, 0 for int8 weights). With
 * xo = in_offset and wo' = w_offset + aw the reference's accumulator is
 *   acc = bias + sum_valid (xr + xo)(wv + wo')
 *       = D + [bias + xo * sum_valid wv] + wo' * [sum_valid (xr + xo)]
 *             per channel (inner pixels:     per pixel, only when
 *             a constant; border pixels:     wo' != 0: uint8 weights
 *             the sum over their taps)       whose zero point is not 128
 * and onednn_requant.c adds the two corrections and applies TFLite's
 * requantization (the fast backend's AVX-512 helpers), all in int32
 * modulo 2^32 like the reference, so the output is the reference's.
 *
 * Bands: the output is computed in bands of whole rows (batch 1), each
 * band's int32 results (~64 KiB) going to a per-thread buffer that is
 * requantized right away, while it is still in cache. A band is a
 * convolution of its own (the input rows it reads, its own top/bottom
 * padding); bands of the same shape share one primitive (at most the
 * first, the inner and the last ones), and primitives whose packed
 * weights have the same layout share them. The graph's threads (the
 * amsel pool) take bands; oneDNN itself runs single-threaded inside. */
#ifndef AMSEL_ONEDNN_INTERNAL_H
#define AMSEL_ONEDNN_INTERNAL_H

#include "backend/onednn/onednn_backend.h"

#include <dnnl.h>

enum { AM_DNNL_MAX_PRIMS = 6 };

typedef struct am_dnnl_prim {
    int in_rows, pad_t, pad_b, out_rows; /* the band shape it computes */
    dnnl_primitive_t prim;
    dnnl_memory_t wei;                   /* packed weights */
    int owns_wei;                        /* else another primitive's */
    dnnl_memory_desc_t pad_md;           /* its scratchpad (user-managed: per thread) */
    size_t pad_bytes;
} am_dnnl_prim;

typedef struct am_dnnl_band {
    int r0, nr;   /* output rows [r0, r0 + nr) (all batches when in.n > 1) */
    int iy0;      /* first input row it reads */
    int prim;     /* index in prims */
} am_dnnl_band;

typedef struct am_dnnl_scratch { /* one per thread */
    dnnl_stream_t stream;
    dnnl_memory_t src[AM_DNNL_MAX_PRIMS], dst[AM_DNNL_MAX_PRIMS], pad[AM_DNNL_MAX_PRIMS];
    int32_t *acc;                /* one band's int32 results */
    void *padbuf;                /* oneDNN's scratchpad: its default one is shared by
                                    every primitive of the process, not thread-safe */
} am_dnnl_scratch;

struct am_dnnl_conv {
    am_conv_params p;          /* out_mult/out_shift point nowhere */
    am_shape in, out;
    int kh, kw;
    int oc, ocp;               /* output channels, rounded up to 16 */
    int32_t wo;                /* wo' */
    int32_t *cbias;            /* [ocp] bias (0 without one) */
    int32_t *cbase;            /* [ocp] bias + xo * sum wv over all taps (inner pixels) */
    int32_t *xtap;             /* [kh*kw][ocp] xo * sum over input channels of wv at tap t */
    int32_t *mult, *modd, *left, *right, *rnd; /* [ocp] requantization (fast_internal.h rqv) */
    int has_left;
    void *cmem;                /* the block the constants above live in */
    int nprims, nbands, nthreads;
    am_dnnl_prim prims[AM_DNNL_MAX_PRIMS];
    am_dnnl_band *bands;       /* [nbands] */
    am_dnnl_scratch *scratch;  /* [nthreads] */
    int32_t *pixsum;           /* wo' != 0: [nthreads][input pixels of a band] */
    size_t pixsum_stride;
    char impl[64];             /* oneDNN's implementation (of the first primitive) */
};

/* The process's CPU engine (created once, kept until exit); NULL when
 * oneDNN cannot create one. */
dnnl_engine_t am_dnnl_engine(void);
/* Runs oneDNN's OpenMP runtime on n threads from here on for the calling
 * thread; returns the previous setting, for am_dnnl_threads_restore. */
int am_dnnl_threads_set(int n);
void am_dnnl_threads_restore(int prev);

/* onednn_requant.c: output rows of band bd from its int32 results in
 * scratch sc (and, when wo' != 0, the band's input pixel sums). */
void am_dnnl_requant_band(const am_dnnl_conv *s, const am_dnnl_band *bd, const void *input,
                          const int32_t *acc, int32_t *pixsum, void *output);

#endif
