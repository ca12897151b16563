/* PNG decoding with libpng: any bit depth and colour type becomes 8-bit
 * RGB (palette and low-depth grey expanded, 16-bit reduced to the high
 * byte, grey replicated, tRNS turned into alpha and all alpha composited
 * on white), interlaced images included. Gamma and colour profiles are
 * ignored, as in the usual ML pipelines.
 *
 * libpng reports errors by longjmp: all state that must survive one lives
 * in struct png_state, reached through a pointer, never in locals of the
 * function that calls setjmp. libpng's own allocations go through the
 * context allocator. A file cut short anywhere, IEND included, is an
 * error (AMSEL_ERR_FORMAT); CRC errors in ancillary chunks are not. */
#include "image/image_internal.h"

#include <png.h>
#include <setjmp.h>
#include <string.h>

typedef struct png_state {
    amsel_ctx *ctx;
    const char *name;
    const uint8_t *data;
    size_t size, pos;
    png_structp png;
    png_infop info;
    amsel_image *img;
    uint8_t *rgba;         /* (h, w, 4) before compositing, if alpha */
    png_bytep *rows;       /* h row pointers */
    int nomem;             /* an allocation failed inside libpng */
    char err[160];         /* libpng's message */
} png_state;

static void png_err_fn(png_structp png, png_const_charp msg)
{
    png_state *s = png_get_error_ptr(png);
    snprintf(s->err, sizeof s->err, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

static void png_warn_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* the library never prints; warnings do not stop decoding */
}

static png_voidp png_malloc_fn(png_structp png, png_alloc_size_t size)
{
    png_state *s = png_get_mem_ptr(png);
    void *p = s->ctx->alloc(s->ctx->alloc_user, NULL, size ? size : 1);
    if (!p)
        s->nomem = 1;
    return p;
}

static void png_free_fn(png_structp png, png_voidp p)
{
    png_state *s = png_get_mem_ptr(png);
    if (p)
        s->ctx->alloc(s->ctx->alloc_user, p, 0);
}

static void png_read_fn(png_structp png, png_bytep out, size_t n)
{
    png_state *s = png_get_io_ptr(png);
    if (n > s->size - s->pos)
        png_error(png, "truncated file (data ends early)");
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The part that may longjmp: only s-> is touched after setjmp. */
static amsel_status png_decode_inner(png_state *s)
{
    amsel_ctx *ctx = s->ctx;
    if (setjmp(png_jmpbuf(s->png))) {
        if (s->nomem)
            return am_fail(ctx, AMSEL_ERR_NOMEM, "%s: out of memory decoding PNG", s->name);
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: corrupt PNG: %s", s->name, s->err);
    }
    /* We apply our own pixel limit; lift libpng's 1,000,000 per side. */
    png_set_user_limits(s->png, 0x7fffffff, 0x7fffffff);
    png_set_read_fn(s->png, s, png_read_fn);
    png_read_info(s->png, s->info);

    png_uint_32 w, h;
    int depth, ctype, interlace;
    png_get_IHDR(s->png, s->info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    amsel_status st = am_image_check_size(ctx, s->name, "PNG", w, h);
    if (st != AMSEL_OK)
        return st;

    if (ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(s->png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(s->png);
    if (png_get_valid(s->png, s->info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(s->png);
    if (depth == 16)
        png_set_strip_16(s->png);
    if (ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(s->png);
    png_set_interlace_handling(s->png);
    png_read_update_info(s->png, s->info);

    int channels = png_get_channels(s->png, s->info);
    if (png_get_bit_depth(s->png, s->info) != 8 || (channels != 3 && channels != 4) ||
        png_get_rowbytes(s->png, s->info) != (size_t)w * (size_t)channels)
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "%s: PNG layout not supported (%d-bit, %d channels)",
                       s->name, png_get_bit_depth(s->png, s->info), channels);

    st = am_image_new(ctx, s->name, "PNG", (int)w, (int)h, &s->img);
    if (st != AMSEL_OK)
        return st;
    uint8_t *buf = s->img->rgb;
    if (channels == 4) {
        size_t bytes;
        if (!am_mul_size((size_t)w * h, 4, &bytes))
            return am_fail(ctx, AMSEL_ERR_LIMIT, "%s: PNG image too large", s->name);
        s->rgba = am_malloc(ctx, bytes);
        if (!s->rgba)
            return AMSEL_ERR_NOMEM;
        buf = s->rgba;
    }
    s->rows = am_malloc(ctx, (size_t)h * sizeof *s->rows);
    if (!s->rows)
        return AMSEL_ERR_NOMEM;
    for (png_uint_32 y = 0; y < h; y++)
        s->rows[y] = buf + (size_t)y * w * (size_t)channels;
    png_read_image(s->png, s->rows);
    png_read_end(s->png, NULL);

    if (channels == 4) {
        /* Composite on white: c' = (a*c + (255-a)*255) / 255, rounded. */
        const uint8_t *p = s->rgba;
        uint8_t *q = s->img->rgb;
        for (size_t i = 0, n = (size_t)w * h; i < n; i++, p += 4, q += 3) {
            unsigned a = p[3], bg = (255 - a) * 255 + 127;
            q[0] = (uint8_t)((p[0] * a + bg) / 255);
            q[1] = (uint8_t)((p[1] * a + bg) / 255);
            q[2] = (uint8_t)((p[2] * a + bg) / 255);
        }
    }
    return AMSEL_OK;
}

amsel_status am_decode_png(amsel_ctx *ctx, const uint8_t *data, size_t size,
                           const char *name, amsel_image **out)
{
    *out = NULL;
    /* Check the IHDR size before libpng sees the file, so that a header
     * claiming a huge image is a LIMIT error even if nothing follows. */
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t w = be32(data + 16), h = be32(data + 20);
        if (w && h && w <= 0x7fffffffu && h <= 0x7fffffffu) {
            amsel_status st = am_image_check_size(ctx, name, "PNG", w, h);
            if (st != AMSEL_OK)
                return st;
        }
    }
    png_state s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    s.name = name;
    s.data = data;
    s.size = size;
    s.png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &s, png_err_fn, png_warn_fn, &s,
                                     png_malloc_fn, png_free_fn);
    if (!s.png)
        return am_fail(ctx, AMSEL_ERR_NOMEM, "%s: cannot create a PNG decoder", name);
    amsel_status st;
    s.info = png_create_info_struct(s.png);
    if (!s.info)
        st = am_fail(ctx, AMSEL_ERR_NOMEM, "%s: cannot create a PNG decoder", name);
    else
        st = png_decode_inner(&s);
    png_destroy_read_struct(&s.png, s.info ? &s.info : NULL, NULL);
    am_free(ctx, s.rows);
    am_free(ctx, s.rgba);
    if (st != AMSEL_OK) {
        amsel_image_destroy(s.img);
        s.img = NULL;
    }
    *out = s.img;
    return st;
}
