/* The image object: creation and destruction, accessors, wrapping caller
 * pixels, and loading/decoding a file by its magic bytes (the format
 * decoders live in decode_*.c). */
#include "image/image_internal.h"

#include <string.h>

amsel_status am_image_check_size(amsel_ctx *ctx, const char *name, const char *what,
                                 long long width, long long height)
{
    if (width <= 0 || height <= 0)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: %s image has an invalid size %lldx%lld",
                       name, what, width, height);
    size_t max = ctx->limits.max_image_pixels;
    /* width and height are positive; compare without overflowing. */
    if ((unsigned long long)width > max || (unsigned long long)height > max ||
        (unsigned long long)width > max / (unsigned long long)height)
        return am_fail(ctx, AMSEL_ERR_LIMIT,
                       "%s: %s image is %lldx%lld, over the limit of %zu pixels", name,
                       what, width, height, max);
    if (width > 0x7fffffffLL / 3 || height > 0x7fffffffLL)
        return am_fail(ctx, AMSEL_ERR_LIMIT, "%s: %s image is too wide (%lldx%lld)", name,
                       what, width, height);
    return AMSEL_OK;
}

amsel_status am_image_new(amsel_ctx *ctx, const char *name, const char *what, int width,
                          int height, amsel_image **out)
{
    *out = NULL;
    amsel_status st = am_image_check_size(ctx, name, what, width, height);
    if (st != AMSEL_OK)
        return st;
    size_t bytes;
    if (!am_mul_size((size_t)width, (size_t)height, &bytes) || !am_mul_size(bytes, 3, &bytes))
        return am_fail(ctx, AMSEL_ERR_LIMIT, "%s: image size overflows", name);
    amsel_image *img = am_malloc(ctx, sizeof *img);
    if (!img)
        return AMSEL_ERR_NOMEM;
    img->rgb = am_malloc(ctx, bytes);
    if (!img->rgb) {
        am_free(ctx, img);
        return AMSEL_ERR_NOMEM;
    }
    img->ctx = ctx;
    img->width = width;
    img->height = height;
    *out = img;
    return AMSEL_OK;
}

void amsel_image_destroy(amsel_image *img)
{
    if (!img)
        return;
    amsel_ctx *ctx = img->ctx;
    am_free(ctx, img->rgb);
    am_free(ctx, img);
}

int amsel_image_width(const amsel_image *img) { return img ? img->width : 0; }
int amsel_image_height(const amsel_image *img) { return img ? img->height : 0; }
const uint8_t *amsel_image_pixels(const amsel_image *img) { return img ? img->rgb : NULL; }

amsel_status amsel_image_from_rgb(amsel_ctx *ctx, const uint8_t *rgb, int width, int height,
                                  amsel_image **out)
{
    if (!ctx)
        return AMSEL_ERR_INVALID_ARG;
    if (!out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_image_from_rgb: out is NULL");
    *out = NULL;
    if (!rgb)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_image_from_rgb: rgb is NULL");
    if (width <= 0 || height <= 0)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_image_from_rgb: invalid size %dx%d",
                       width, height);
    amsel_image *img;
    amsel_status st = am_image_new(ctx, "amsel_image_from_rgb", "RGB", width, height, &img);
    if (st != AMSEL_OK)
        return st;
    memcpy(img->rgb, rgb, (size_t)width * (size_t)height * 3);
    *out = img;
    return AMSEL_OK;
}

static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

amsel_status amsel_image_decode(amsel_ctx *ctx, const void *data, size_t size,
                                const char *name, amsel_image **out)
{
    if (!ctx)
        return AMSEL_ERR_INVALID_ARG;
    if (!name)
        name = "image";
    if (!out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "%s: amsel_image_decode: out is NULL", name);
    *out = NULL;
    if (!data && size)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "%s: amsel_image_decode: data is NULL", name);
    const uint8_t *d = data;
    amsel_status st;
    if (size >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
        st = am_decode_jpeg(ctx, d, size, name, out);
    else if (size >= 8 && memcmp(d, png_magic, 8) == 0)
        st = am_decode_png(ctx, d, size, name, out);
    else if (size >= 2 && d[0] == 'B' && d[1] == 'M')
        st = am_decode_bmp(ctx, d, size, name, out);
    else if (size == 0)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: not a JPEG, PNG or BMP image (empty file)",
                       name);
    else
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: not a JPEG, PNG or BMP image", name);
    if (st == AMSEL_ERR_NOMEM) {
        /* am_malloc's message does not know the file: add it. */
        char msg[sizeof ctx->msg];
        memcpy(msg, ctx->msg, sizeof msg);
        msg[sizeof msg - 1] = 0;
        if (strncmp(msg, name, strlen(name)) != 0)
            am_fail(ctx, st, "%s: %s", name, msg);
    }
    return st;
}

amsel_status amsel_image_load(amsel_ctx *ctx, const char *path, amsel_image **out)
{
    if (!ctx)
        return AMSEL_ERR_INVALID_ARG;
    if (!out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_image_load: out is NULL");
    *out = NULL;
    if (!path)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_image_load: path is NULL");
    uint8_t *data;
    size_t size;
    amsel_status st = am_read_file(ctx, path, ctx->limits.max_file_bytes, &data, &size);
    if (st != AMSEL_OK) {
        if (st == AMSEL_ERR_NOMEM) {
            char msg[sizeof ctx->msg];
            memcpy(msg, ctx->msg, sizeof msg);
            msg[sizeof msg - 1] = 0;
            am_fail(ctx, st, "%s: %s", path, msg);
        }
        return st;
    }
    st = amsel_image_decode(ctx, data, size, path, out);
    am_free(ctx, data);
    return st;
}
