/* EXIF orientation: reading tag 0x0112 from the TIFF structure inside a
 * JPEG's APP1 "Exif" segment (every offset bounds-checked; anything odd
 * means "no orientation"), and turning decoded pixels so the image is
 * the way it is meant to be displayed. */
#include "image/image_internal.h"

static unsigned rd16(const uint8_t *p, int le)
{
    return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | (unsigned)p[1];
}

static uint32_t rd32(const uint8_t *p, int le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int am_exif_orientation(const uint8_t *t, size_t n)
{
    if (!t || n < 8)
        return 1;
    int le;
    if (t[0] == 'I' && t[1] == 'I')
        le = 1;
    else if (t[0] == 'M' && t[1] == 'M')
        le = 0;
    else
        return 1;
    if (rd16(t + 2, le) != 42)
        return 1;
    uint32_t ifd = rd32(t + 4, le); /* IFD0, from the start of the TIFF data */
    if (ifd > n || n - ifd < 2)
        return 1;
    unsigned count = rd16(t + ifd, le);
    size_t p = (size_t)ifd + 2;
    for (unsigned i = 0; i < count; i++, p += 12) {
        if (n - p < 12)
            return 1;
        if (rd16(t + p, le) != 0x0112)
            continue;
        unsigned type = rd16(t + p + 2, le);
        uint32_t cnt = rd32(t + p + 4, le);
        uint32_t v;
        if (cnt < 1)
            return 1;
        if (type == 3) /* SHORT, as the standard says */
            v = rd16(t + p + 8, le);
        else if (type == 4) /* LONG, written by a few tools */
            v = rd32(t + p + 8, le);
        else
            return 1;
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

amsel_status am_image_orient(amsel_ctx *ctx, amsel_image **pimg, int o)
{
    if (o < 2 || o > 8)
        return AMSEL_OK;
    amsel_image *src = *pimg;
    int W = src->width, H = src->height;
    int swap = o >= 5; /* 5..8 exchange width and height */
    amsel_image *dst;
    amsel_status st = am_image_new(ctx, "EXIF orientation", "oriented", swap ? H : W,
                                   swap ? W : H, &dst);
    if (st != AMSEL_OK)
        return st;
    int ow = dst->width, oh = dst->height;
    const uint8_t *s = src->rgb;
    uint8_t *d = dst->rgb;
    /* For each output pixel (ox, oy): the stored pixel (x, y) it shows. */
    for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
            int x, y;
            switch (o) {
            case 2: x = W - 1 - ox; y = oy; break;
            case 3: x = W - 1 - ox; y = H - 1 - oy; break;
            case 4: x = ox; y = H - 1 - oy; break;
            case 5: x = oy; y = ox; break;
            case 6: x = oy; y = H - 1 - ox; break;
            case 7: x = W - 1 - oy; y = H - 1 - ox; break;
            default: x = W - 1 - oy; y = ox; break; /* 8 */
            }
            const uint8_t *sp = s + ((size_t)y * (size_t)W + (size_t)x) * 3;
            d[0] = sp[0];
            d[1] = sp[1];
            d[2] = sp[2];
            d += 3;
        }
    }
    amsel_image_destroy(src);
    *pimg = dst;
    return AMSEL_OK;
}
