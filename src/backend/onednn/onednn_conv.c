/* CONV_2D through oneDNN (see onednn_internal.h for the arithmetic and
 * the bands): creation splits the output into bands, makes one primitive
 * per band shape (u8 or s8 source NHWC, s8 weights in the layout oneDNN
 * picks, s32 destination NHWC), reorders the weights into it once (shared
 * where the layouts agree), works out the per-channel constants and each
 * thread's scratch; a run executes band after band into the thread's
 * int32 buffer and requantizes each band while it is in cache. */
#if defined(AMSEL_HAVE_ONEDNN)

#include "onednn_internal.h"

#include <string.h>

#define DNNL_OK(call) ((call) == dnnl_success)

/* int32 results per band, about: 32 to 256 KiB measured within 5%, 64 KiB best */
enum { BAND_BYTES = 64 * 1024 };

/* oneDNN's bottom padding for a band of in_rows input rows with top
 * padding pad_t giving out_rows rows: out_rows must be
 * (in_rows + pad_t + pad_b - extent) / stride + 1. -1 when none does. */
static int pad_bottom(int in_rows, int extent, int stride, int pad_t, int out_rows)
{
    int pb = (out_rows - 1) * stride + extent - in_rows - pad_t;
    if (pb < 0)
        pb = 0;
    if (in_rows + pad_t + pb < extent || (in_rows + pad_t + pb - extent) / stride + 1 != out_rows)
        return -1;
    return pb;
}

static int pad_right(int size, int k, int dil, int stride, int pad_l, int out)
{
    return pad_bottom(size, (k - 1) * dil + 1, stride, pad_l, out);
}

/* The band of output rows [r0, r0 + nr): its input rows and padding. */
static int band_shape(const am_dnnl_conv *s, int r0, int nr, int *iy0, am_dnnl_prim *shape)
{
    const am_conv_params *p = &s->p;
    const int extent = (s->kh - 1) * p->dil_h + 1;
    const int first = r0 * p->stride_h - p->pad_top;              /* may be < 0 */
    const int last = (r0 + nr - 1) * p->stride_h - p->pad_top + extent; /* one past */
    int a = first < 0 ? 0 : first, b = last > s->in.h ? s->in.h : last;
    if (s->in.n > 1) { /* one band over every image: whole images, dense batch stride */
        a = 0;
        b = s->in.h;
    }
    if (b <= a)
        return 0; /* no input row at all: not expressible, decline */
    *iy0 = a;
    shape->in_rows = b - a;
    shape->pad_t = a - first;
    shape->out_rows = nr;
    shape->pad_b = pad_bottom(shape->in_rows, extent, p->stride_h, shape->pad_t, nr);
    return shape->pad_b >= 0;
}

/* Creates primitive k for its band shape, and its packed weights (from
 * wv, OHWI int8) unless an earlier primitive's have the same layout.
 * Returns 0 when oneDNN declines. */
static int make_primitive(am_dnnl_conv *s, int k, const int8_t *wv, dnnl_memory_desc_t *src_md,
                          dnnl_memory_desc_t *dst_md)
{
    const am_conv_params *p = &s->p;
    am_dnnl_prim *pr = &s->prims[k];
    dnnl_engine_t eng = am_dnnl_engine();
    const int pr_w = pad_right(s->in.w, s->kw, p->dil_w, p->stride_w, p->pad_left, s->out.w);
    if (!eng || pr_w < 0)
        return 0;
    const int n = s->in.n;
    const dnnl_dims_t src_dims = {n, s->in.c, pr->in_rows, s->in.w};
    const dnnl_dims_t wei_dims = {s->oc, s->in.c, s->kh, s->kw};
    const dnnl_dims_t dst_dims = {n, s->oc, pr->out_rows, s->out.w};
    const dnnl_dims_t strides = {p->stride_h, p->stride_w};
    const dnnl_dims_t dilates = {p->dil_h - 1, p->dil_w - 1};
    const dnnl_dims_t pad_l = {pr->pad_t, p->pad_left}, pad_r = {pr->pad_b, pr_w};
    dnnl_memory_desc_t wei_any, wei_user;
    const dnnl_data_type_t sdt = p->type == AM_U8 ? dnnl_u8 : dnnl_s8;
    if (!DNNL_OK(dnnl_memory_desc_init_by_tag(src_md, 4, src_dims, sdt, dnnl_nhwc)) ||
        !DNNL_OK(dnnl_memory_desc_init_by_tag(&wei_any, 4, wei_dims, dnnl_s8, dnnl_format_tag_any)) ||
        !DNNL_OK(dnnl_memory_desc_init_by_tag(&wei_user, 4, wei_dims, dnnl_s8, dnnl_ohwi)) ||
        !DNNL_OK(dnnl_memory_desc_init_by_tag(dst_md, 4, dst_dims, dnnl_s32, dnnl_nhwc)))
        return 0;
    dnnl_convolution_desc_t cd;
    if (!DNNL_OK(dnnl_dilated_convolution_forward_desc_init(
            &cd, dnnl_forward_inference, dnnl_convolution_direct, src_md, &wei_any, NULL, dst_md,
            strides, dilates, pad_l, pad_r)))
        return 0;
    int ok = 0;
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t wuser = NULL;
    dnnl_stream_t stream = NULL;
    dnnl_primitive_attr_t attr = NULL;
    if (!DNNL_OK(dnnl_primitive_attr_create(&attr)) ||
        !DNNL_OK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user)) ||
        !DNNL_OK(dnnl_primitive_desc_create(&pd, &cd, attr, eng, NULL)))
        goto done;
    const dnnl_memory_desc_t *pad_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (!pad_md)
        goto done;
    pr->pad_md = *pad_md;
    pr->pad_bytes = dnnl_memory_desc_get_size(pad_md);
    const char *impl = NULL;
    if (k == 0 && DNNL_OK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl)) &&
        impl) {
        strncpy(s->impl, impl, sizeof s->impl - 1);
        s->impl[sizeof s->impl - 1] = 0;
    }
    const dnnl_memory_desc_t *wei_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (!wei_md || !DNNL_OK(dnnl_primitive_create(&pr->prim, pd)))
        goto done;
    for (int j = 0; j < k; j++) {
        const dnnl_memory_desc_t *md = NULL;
        if (DNNL_OK(dnnl_memory_get_memory_desc(s->prims[j].wei, &md)) && md &&
            dnnl_memory_desc_equal(md, wei_md)) {
            pr->wei = s->prims[j].wei; /* same layout: share the packed weights */
            ok = 1;
            goto done;
        }
    }
    pr->owns_wei = 1;
    if (!DNNL_OK(dnnl_memory_create(&pr->wei, wei_md, eng, DNNL_MEMORY_ALLOCATE)) ||
        !DNNL_OK(dnnl_memory_create(&wuser, &wei_user, eng, (void *)(uintptr_t)wv)) ||
        !DNNL_OK(dnnl_reorder_primitive_desc_create(&rpd, &wei_user, eng, wei_md, eng, NULL)) ||
        !DNNL_OK(dnnl_primitive_create(&reorder, rpd)) ||
        !DNNL_OK(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags)))
        goto done;
    const dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, wuser}, {DNNL_ARG_TO, pr->wei}};
    ok = DNNL_OK(dnnl_primitive_execute(reorder, stream, 2, args)) &&
         DNNL_OK(dnnl_stream_wait(stream));
done:
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (stream)
        dnnl_stream_destroy(stream);
    if (reorder)
        dnnl_primitive_destroy(reorder);
    if (rpd)
        dnnl_primitive_desc_destroy(rpd);
    if (wuser)
        dnnl_memory_destroy(wuser);
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    return ok;
}

/* The per-channel constants (mod 2^32, like the reference's int32 sums)
 * and the requantization arrays, in one 64-byte aligned block. */
static int make_constants(amsel_ctx *ctx, am_dnnl_conv *s, const int8_t *wv, const int32_t *bias,
                          const am_conv_params *p)
{
    const int ocp = s->ocp, taps = s->kh * s->kw, ic = s->in.c;
    const size_t n = (size_t)ocp * (7 + (size_t)taps);
    s->cmem = am_calloc(ctx, n * sizeof(int32_t) + 64, 1);
    if (!s->cmem)
        return 0;
    int32_t *b = (int32_t *)(((uintptr_t)s->cmem + 63) & ~(uintptr_t)63);
    int32_t **arr[8] = {&s->cbias, &s->cbase, &s->mult, &s->modd,
                        &s->left, &s->right, &s->rnd, &s->xtap};
    for (int i = 0; i < 8; i++)
        *arr[i] = b + (size_t)i * ocp;
    const uint32_t xo = (uint32_t)p->in_offset;
    for (int c = 0; c < s->oc; c++) {
        uint32_t base = bias ? (uint32_t)bias[c] : 0;
        s->cbias[c] = bias ? bias[c] : 0;
        for (int t = 0; t < taps; t++) {
            const int8_t *w = wv + ((size_t)c * taps + t) * ic;
            int32_t sum = 0;
            for (int i = 0; i < ic; i++)
                sum += w[i];
            const uint32_t v = xo * (uint32_t)sum;
            s->xtap[(size_t)t * ocp + c] = (int32_t)v;
            base += v;
        }
        s->cbase[c] = (int32_t)base;
        const int sh = p->out_shift[c];
        s->mult[c] = p->out_mult[c];
        s->left[c] = sh > 0 ? sh : 0;
        s->right[c] = sh > 0 ? 0 : -sh;
        s->rnd[c] = s->right[c] > 0 ? (int32_t)(1u << (s->right[c] - 1)) : 0;
        s->has_left |= s->left[c] > 0;
    }
    for (int c = 0; c < s->oc; c++)
        s->modd[c] = s->mult[c | 1];
    return 1;
}

/* Splits the output rows into bands and makes their primitives. Returns
 * 1, 0 when oneDNN declines, -1 without memory. */
static int make_bands(amsel_ctx *ctx, am_dnnl_conv *s, const int8_t *wv,
                      dnnl_memory_desc_t *src_md, dnnl_memory_desc_t *dst_md)
{
    const size_t row_bytes = (size_t)s->out.w * s->oc * 4 * (size_t)s->out.n;
    int nr = (int)(BAND_BYTES / row_bytes);
    if (nr < 1)
        nr = 1;
    if (s->nthreads > 1 && nr > (s->out.h + s->nthreads - 1) / s->nthreads)
        nr = (s->out.h + s->nthreads - 1) / s->nthreads; /* a band for every thread */
    if (s->in.n > 1 || nr > s->out.h)
        nr = s->out.h; /* batches: one band */
    s->nbands = (s->out.h + nr - 1) / nr;
    s->bands = am_calloc(ctx, (size_t)s->nbands, sizeof *s->bands);
    if (!s->bands)
        return -1;
    for (int i = 0; i < s->nbands; i++) {
        am_dnnl_band *bd = &s->bands[i];
        am_dnnl_prim shape;
        memset(&shape, 0, sizeof shape); /* becomes prims[k]: no primitive, no weights yet */
        bd->r0 = i * nr;
        bd->nr = s->out.h - bd->r0 < nr ? s->out.h - bd->r0 : nr;
        if (!band_shape(s, bd->r0, bd->nr, &bd->iy0, &shape))
            return 0;
        int k = 0;
        while (k < s->nprims &&
               (s->prims[k].in_rows != shape.in_rows || s->prims[k].pad_t != shape.pad_t ||
                s->prims[k].pad_b != shape.pad_b || s->prims[k].out_rows != shape.out_rows))
            k++;
        if (k == s->nprims) {
            if (k == AM_DNNL_MAX_PRIMS)
                return 0;
            s->prims[k] = shape;
            s->nprims++;
            if (!make_primitive(s, k, wv, &src_md[k], &dst_md[k]))
                return 0;
        }
        bd->prim = k;
    }
    return 1;
}

/* Each thread's stream, memory objects and buffers. */
static int make_scratch(amsel_ctx *ctx, am_dnnl_conv *s, const dnnl_memory_desc_t *src_md,
                        const dnnl_memory_desc_t *dst_md)
{
    dnnl_engine_t eng = am_dnnl_engine();
    size_t acc_n = 0, pix_n = 0, pad_n = 64;
    for (int k = 0; k < s->nprims; k++) {
        pad_n = s->prims[k].pad_bytes > pad_n ? s->prims[k].pad_bytes : pad_n;
        const size_t a = (size_t)s->out.n * s->prims[k].out_rows * s->out.w * s->oc;
        const size_t b = (size_t)s->in.n * s->prims[k].in_rows * s->in.w;
        acc_n = a > acc_n ? a : acc_n;
        pix_n = b > pix_n ? b : pix_n;
    }
    s->scratch = am_calloc(ctx, (size_t)s->nthreads, sizeof *s->scratch);
    if (!s->scratch)
        return -1;
    if (s->wo) {
        s->pixsum_stride = pix_n;
        s->pixsum = am_malloc(ctx, (size_t)s->nthreads * pix_n * sizeof *s->pixsum);
        if (!s->pixsum)
            return -1;
    }
    for (int t = 0; t < s->nthreads; t++) {
        am_dnnl_scratch *sc = &s->scratch[t];
        sc->acc = am_malloc(ctx, acc_n * sizeof *sc->acc);
        sc->padbuf = am_malloc(ctx, pad_n);
        if (!sc->acc || !sc->padbuf)
            return -1;
        if (!DNNL_OK(dnnl_stream_create(&sc->stream, eng, dnnl_stream_default_flags)))
            return 0;
        for (int k = 0; k < s->nprims; k++)
            if (!DNNL_OK(dnnl_memory_create(&sc->src[k], &src_md[k], eng, DNNL_MEMORY_NONE)) ||
                !DNNL_OK(dnnl_memory_create(&sc->dst[k], &dst_md[k], eng, sc->acc)) ||
                !DNNL_OK(dnnl_memory_create(&sc->pad[k], &s->prims[k].pad_md, eng, sc->padbuf)))
                return 0;
    }
    return 1;
}

am_dnnl_conv *am_onednn_conv_create(amsel_ctx *ctx, const am_conv_params *p, am_shape in,
                                    int kh, int kw, const void *weights, const int32_t *bias,
                                    am_shape out, int nthreads, int *nomem)
{
    *nomem = 0;
    const int tmin = p->type == AM_I8 ? -128 : 0, tmax = p->type == AM_I8 ? 127 : 255;
    if (!am_onednn_available() || p->act_min < tmin || p->act_max > tmax ||
        p->act_min > p->act_max || !p->out_shift || !p->out_mult || in.n != out.n ||
        out.h < 1 || out.w < 1 || out.c < 1 || in.c < 1)
        return NULL;
    for (int c = 0; c < out.c; c++)
        if (p->out_shift[c] > 31 || p->out_shift[c] < -31)
            return NULL;
    am_dnnl_conv *s = am_calloc(ctx, 1, sizeof *s);
    const size_t wn = (size_t)out.c * kh * kw * in.c;
    int8_t *wtmp = NULL;
    int r = -1;
    if (!s)
        goto fail;
    s->p = *p;
    s->p.out_mult = s->p.out_shift = NULL;
    s->in = in;
    s->out = out;
    s->kh = kh;
    s->kw = kw;
    s->oc = out.c;
    s->ocp = (out.c + 15) & ~15;
    s->nthreads = nthreads < 1 ? 1 : nthreads;
    s->wo = p->w_offset + (p->w_signed ? 0 : 128);
    const int8_t *wv = (const int8_t *)weights; /* int8 weights: the file's bytes */
    if (!p->w_signed) {
        wtmp = am_malloc(ctx, wn);
        if (!wtmp)
            goto fail;
        const uint8_t *w = (const uint8_t *)weights;
        for (size_t i = 0; i < wn; i++)
            wtmp[i] = (int8_t)(w[i] - 128);
        wv = wtmp;
    }
    if (!make_constants(ctx, s, wv, bias, p))
        goto fail;
    dnnl_memory_desc_t src_md[AM_DNNL_MAX_PRIMS], dst_md[AM_DNNL_MAX_PRIMS];
    const int prev = am_dnnl_threads_set(1); /* kernels block for one thread */
    r = make_bands(ctx, s, wv, src_md, dst_md);
    am_dnnl_threads_restore(prev);
    if (r > 0)
        r = make_scratch(ctx, s, src_md, dst_md);
    if (r <= 0)
        goto fail;
    am_free(ctx, wtmp);
    return s;
fail:
    am_free(ctx, wtmp);
    am_onednn_conv_destroy(ctx, s);
    if (r < 0) {
        *nomem = 1;
        am_fail(ctx, AMSEL_ERR_NOMEM, "oneDNN convolution: out of memory");
    }
    return NULL;
}

/* Bands [b0, b1) on thread's scratch. */
static void run_bands(am_dnnl_conv *s, const void *input, void *output, int b0, int b1,
                      int thread)
{
    am_dnnl_scratch *sc = &s->scratch[thread];
    const size_t in_row = (size_t)s->in.w * s->in.c;
    int32_t *pixsum = s->pixsum ? s->pixsum + (size_t)thread * s->pixsum_stride : NULL;
    const int prev = am_dnnl_threads_set(1);
    for (int i = b0; i < b1; i++) {
        const am_dnnl_band *bd = &s->bands[i];
        const uint8_t *src = (const uint8_t *)input + (size_t)bd->iy0 * in_row;
        dnnl_memory_set_data_handle(sc->src[bd->prim], (void *)(uintptr_t)src);
        const dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, sc->src[bd->prim]},
                                         {DNNL_ARG_WEIGHTS, s->prims[bd->prim].wei},
                                         {DNNL_ARG_DST, sc->dst[bd->prim]},
                                         {DNNL_ARG_SCRATCHPAD, sc->pad[bd->prim]}};
        dnnl_primitive_execute(s->prims[bd->prim].prim, sc->stream, 4, args);
        dnnl_stream_wait(sc->stream);
        am_dnnl_requant_band(s, bd, input, sc->acc, pixsum, output);
    }
    am_dnnl_threads_restore(prev);
}

void am_onednn_conv_run(am_dnnl_conv *s, const void *input, void *output)
{
    run_bands(s, input, output, 0, s->nbands, 0);
}

void am_onednn_conv_run_part(am_dnnl_conv *s, const void *input, void *output, int part,
                             int nparts, int thread)
{
    const int b0 = (int)((long)s->nbands * part / nparts);
    const int b1 = (int)((long)s->nbands * (part + 1) / nparts);
    run_bands(s, input, output, b0, b1, thread);
}

const char *am_onednn_conv_impl(const am_dnnl_conv *s) { return s ? s->impl : ""; }

void am_onednn_conv_destroy(amsel_ctx *ctx, am_dnnl_conv *s)
{
    if (!s)
        return;
    for (int k = 0; k < s->nprims; k++) {
        if (s->prims[k].prim)
            dnnl_primitive_destroy(s->prims[k].prim);
        if (s->prims[k].wei && s->prims[k].owns_wei)
            dnnl_memory_destroy(s->prims[k].wei);
    }
    for (int t = 0; s->scratch && t < s->nthreads; t++) {
        am_dnnl_scratch *sc = &s->scratch[t];
        for (int k = 0; k < s->nprims; k++) {
            if (sc->src[k])
                dnnl_memory_destroy(sc->src[k]);
            if (sc->dst[k])
                dnnl_memory_destroy(sc->dst[k]);
            if (sc->pad[k])
                dnnl_memory_destroy(sc->pad[k]);
        }
        if (sc->stream)
            dnnl_stream_destroy(sc->stream);
        am_free(ctx, sc->acc);
        am_free(ctx, sc->padbuf);
    }
    am_free(ctx, s->scratch);
    am_free(ctx, s->bands);
    am_free(ctx, s->pixsum);
    am_free(ctx, s->cmem);
    am_free(ctx, s);
}

#else
typedef int am_onednn_conv_unused; /* not a translation unit without oneDNN */
#endif
