/* Internal interface of the image module: the image struct, the
 * size/limit check every decoder runs before it allocates pixels, the
 * per-format decoders, the JPEG marker scan and EXIF orientation. */
#ifndef AMSEL_IMAGE_INTERNAL_H
#define AMSEL_IMAGE_INTERNAL_H

#include "amsel/image.h"
#include "core/ctx.h"

#include <stddef.h>
#include <stdint.h>

struct amsel_image {
    amsel_ctx *ctx;  /* allocator of rgb and of the struct itself */
    int width, height;
    uint8_t *rgb;    /* (height, width, 3) RGB, rows top to bottom */
};

/* Checks width x height against "positive" (AMSEL_ERR_FORMAT) and
 * ctx->limits.max_image_pixels (AMSEL_ERR_LIMIT). Every decoder calls it
 * on the header's size before allocating anything image-sized. what is a
 * short word for the message ("PNG", "BMP", ...). */
amsel_status am_image_check_size(amsel_ctx *ctx, const char *name, const char *what,
                                 long long width, long long height);

/* Allocates an image with uninitialised pixels, after am_image_check_size. */
amsel_status am_image_new(amsel_ctx *ctx, const char *name, const char *what, int width,
                          int height, amsel_image **out);

/* Decoders: data/size is the whole file, name is for messages. */
amsel_status am_decode_jpeg(amsel_ctx *ctx, const uint8_t *data, size_t size,
                            const char *name, amsel_image **out);
amsel_status am_decode_png(amsel_ctx *ctx, const uint8_t *data, size_t size,
                           const char *name, amsel_image **out);
amsel_status am_decode_bmp(amsel_ctx *ctx, const uint8_t *data, size_t size,
                           const char *name, amsel_image **out);

/* What a walk over a JPEG's marker segments finds (jpeg_markers.c). */
typedef struct am_jpeg_info {
    int complete;            /* reached the EOI marker (else: truncated) */
    int has_sof;             /* a frame header was found */
    int sof_type;            /* 0xC0..0xCF */
    int precision;           /* sample bits, 8 for ordinary JPEGs */
    int width, height;       /* from the frame header */
    int components;          /* 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK */
    int adobe;               /* an APP14 "Adobe" segment is present */
    const uint8_t *exif;     /* TIFF data of the first APP1 "Exif" segment */
    size_t exif_size;        /* (after the 6-byte "Exif\0\0" prefix), or NULL/0 */
} am_jpeg_info;

/* Walks the segments of the JPEG at data (which starts with SOI). Never
 * reads outside data. Returns 0 if the structure is broken before a frame
 * header is found (error text in *why), 1 otherwise; info->complete tells
 * whether the walk reached EOI. */
int am_jpeg_scan(const uint8_t *data, size_t size, am_jpeg_info *info, const char **why);

/* EXIF orientation (tag 0x0112) from TIFF data; 1 when absent, malformed
 * or out of 1..8. Bounds-checked against size. */
int am_exif_orientation(const uint8_t *tiff, size_t size);

/* Replaces *img by its version displayed with EXIF orientation o (1..8):
 * 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise,
 * 7 transverse, 8 rotate 90 counter-clockwise. 1 or others: no change. */
amsel_status am_image_orient(amsel_ctx *ctx, amsel_image **img, int orientation);

#endif
