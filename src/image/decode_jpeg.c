/* JPEG decoding with libturbojpeg: greyscale and YCbCr to RGB, CMYK/YCCK
 * through TJPF_CMYK, then the EXIF orientation.
 *
 * Policy on damaged files (see jpeg_markers.c for the walk):
 * - data that ends before the EOI marker is an error (AMSEL_ERR_FORMAT,
 *   "truncated JPEG"), even though libjpeg would pad the missing part with
 *   grey: a classifier should not silently score a half-grey picture;
 * - libjpeg warnings on complete files ("corrupt JPEG data: N extraneous
 *   bytes", bad Huffman codes) are accepted: the image is decoded, as every
 *   common viewer does, and such files occur in real data sets;
 * - fatal libjpeg errors are AMSEL_ERR_FORMAT with libjpeg's message.
 * The frame size is checked against the pixel limit before decoding. */
#include "image/image_internal.h"

#include <turbojpeg.h>

/* CMYK from libjpeg to RGB. Adobe (Photoshop) files store inverted CMYK
 * (255 = no ink), and so does libjpeg-turbo when it writes YCCK; files
 * without the Adobe segment are taken as regular CMYK (255 = full ink). */
static void cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, size_t pixels, int inverted)
{
    for (size_t i = 0; i < pixels; i++, cmyk += 4, rgb += 3) {
        unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[0] = (uint8_t)((c * k + 127) / 255);
        rgb[1] = (uint8_t)((m * k + 127) / 255);
        rgb[2] = (uint8_t)((y * k + 127) / 255);
    }
}

amsel_status am_decode_jpeg(amsel_ctx *ctx, const uint8_t *data, size_t size,
                            const char *name, amsel_image **out)
{
    *out = NULL;
    am_jpeg_info info;
    const char *why;
    if (!am_jpeg_scan(data, size, &info, &why))
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: corrupt JPEG: %s", name, why);
    if (!info.has_sof)
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       info.complete ? "%s: corrupt JPEG: no frame header"
                                     : "%s: truncated JPEG (data ends before the frame header)",
                       name);
    int t = info.sof_type;
    if (t == 0xc3 || t == 0xc7 || t == 0xcb || t == 0xcf)
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "%s: lossless JPEG is not supported", name);
    if (info.precision != 8)
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED,
                       "%s: JPEG with %d-bit samples is not supported (only 8-bit)", name,
                       info.precision);
    if (info.components != 1 && info.components != 3 && info.components != 4)
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED,
                       "%s: JPEG with %d colour components is not supported", name,
                       info.components);
    amsel_status st = am_image_check_size(ctx, name, "JPEG", info.width, info.height);
    if (st != AMSEL_OK)
        return st;
    if (!info.complete)
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       "%s: truncated JPEG (data ends before the end-of-image marker)", name);

    int w = info.width, h = info.height;
    amsel_image *img = NULL;
    uint8_t *cmyk = NULL;
    tjhandle tj = tjInitDecompress();
    if (!tj) {
        st = am_fail(ctx, AMSEL_ERR_NOMEM, "%s: cannot create a JPEG decoder: %s", name,
                     tjGetErrorStr2(NULL));
        goto done;
    }
    st = am_image_new(ctx, name, "JPEG", w, h, &img);
    if (st != AMSEL_OK)
        goto done;
    int r;
    if (info.components == 4) {
        size_t bytes;
        if (!am_mul_size((size_t)w * (size_t)h, 4, &bytes)) {
            st = am_fail(ctx, AMSEL_ERR_LIMIT, "%s: CMYK JPEG too large", name);
            goto done;
        }
        cmyk = am_malloc(ctx, bytes);
        if (!cmyk) {
            st = AMSEL_ERR_NOMEM;
            goto done;
        }
        r = tjDecompress2(tj, data, (unsigned long)size, cmyk, w, 0, h, TJPF_CMYK, 0);
    } else {
        r = tjDecompress2(tj, data, (unsigned long)size, img->rgb, w, 0, h, TJPF_RGB, 0);
    }
    if (r != 0 && tjGetErrorCode(tj) != TJERR_WARNING) {
        st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s: corrupt JPEG: %s", name, tjGetErrorStr2(tj));
        goto done;
    }
    if (cmyk)
        cmyk_to_rgb(cmyk, img->rgb, (size_t)w * (size_t)h, info.adobe);
    int orientation = info.exif ? am_exif_orientation(info.exif, info.exif_size) : 1;
    st = am_image_orient(ctx, &img, orientation);
done:
    if (tj)
        tjDestroy(tj);
    am_free(ctx, cmyk);
    if (st != AMSEL_OK) {
        amsel_image_destroy(img);
        img = NULL;
    }
    *out = img;
    return st;
}
