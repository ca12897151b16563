/* amsel/image.h — decoding images and preparing them for a model.
 *
 * Decoding gives 8-bit RGB, interleaved, rows top to bottom, with EXIF
 * orientation already applied. Greyscale, CMYK and alpha are converted
 * (alpha is composited on white). JPEG, PNG and BMP are recognised by
 * their content, not their file name. */
#ifndef AMSEL_IMAGE_H
#define AMSEL_IMAGE_H

#include "amsel/status.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct amsel_image amsel_image;

/* Decodes the file at path. On failure *out is NULL and the context's
 * message names the file and the problem: AMSEL_ERR_FORMAT for unknown
 * formats and damaged or truncated files (a file cut short is an error,
 * not a partly grey image), AMSEL_ERR_UNSUPPORTED for valid variants not
 * handled (RLE BMP, 12-bit JPEG, ...), AMSEL_ERR_LIMIT when the header's
 * size exceeds the context's max_image_pixels (checked before any pixel
 * memory is allocated) or the file exceeds max_file_bytes. */
amsel_status amsel_image_load(amsel_ctx *ctx, const char *path, amsel_image **out);

/* Decodes size bytes at data; name is used in error messages only. */
amsel_status amsel_image_decode(amsel_ctx *ctx, const void *data, size_t size,
                                const char *name, amsel_image **out);

/* Wraps a copy of caller RGB pixels (width*height*3 bytes). */
amsel_status amsel_image_from_rgb(amsel_ctx *ctx, const uint8_t *rgb, int width,
                                  int height, amsel_image **out);

void amsel_image_destroy(amsel_image *img); /* NULL is harmless */

int amsel_image_width(const amsel_image *img);
int amsel_image_height(const amsel_image *img);
/* width*height*3 bytes, owned by img. */
const uint8_t *amsel_image_pixels(const amsel_image *img);

/* Central crop fraction used when the caller has no preference: chosen by
 * measuring top-1 on the validation images (see docs/accuracy.md). */
#define AMSEL_DEFAULT_CROP 0.875

/* How an image becomes a model input. */
typedef struct amsel_preprocess {
    int width, height;   /* the model's input size */
    float crop;          /* central crop fraction in (0,1]; 1 = whole image */
    float scale;         /* the input tensor's quantization */
    int zero_point;
    int is_int8;         /* 1 if the input tensor is int8 rather than uint8 */
} amsel_preprocess;

/* Central crop (fraction p->crop of each side), resize to p->width x
 * p->height (bilinear; area averaging when shrinking by more than 2x),
 * normalise (x-127.5)/127.5 and quantize with p->scale/p->zero_point.
 * When the cropped region already has the target size, pixels are used
 * unchanged (no resampling). out receives width*height*3 bytes (uint8
 * or int8 per p->is_int8). */
amsel_status amsel_image_preprocess(amsel_ctx *ctx, const amsel_image *img,
                                    const amsel_preprocess *p, void *out);

/* The geometric half of amsel_image_preprocess, for callers that want
 * pixels rather than a tensor (features, thumbnails, checks): the same
 * central crop and resampling, into out_rgb (width*height*3 bytes, RGB,
 * each value rounded to the nearest integer). */
amsel_status amsel_image_crop_resize(amsel_ctx *ctx, const amsel_image *img, float crop,
                                     int width, int height, uint8_t *out_rgb);

#ifdef __cplusplus
}
#endif
#endif
