/* BMP decoding, by hand: Windows BITMAPINFOHEADER and its V2..V5
 * extensions, uncompressed 24-bit, 32-bit (BI_RGB, or BI_BITFIELDS with
 * any contiguous masks) and 8-bit palettized, bottom-up or top-down.
 * Everything else (RLE, 1/4/16-bit, OS/2 headers, embedded JPEG/PNG) is
 * AMSEL_ERR_UNSUPPORTED. Every offset and size from the file is checked
 * against the data before use; the image size against the pixel limit
 * before anything is allocated. Alpha in 32-bit files is ignored (many
 * writers leave it 0), so those pixels are taken as opaque. */
#include "image/image_internal.h"

#include <string.h>

enum { BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_JPEG = 4, BI_PNG = 5,
       BI_ALPHABITFIELDS = 6 };

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One colour channel of a BI_BITFIELDS pixel: value = (px & mask) >> shift,
 * scaled from bits to 8 bits. */
typedef struct bmp_field {
    uint32_t mask;
    int shift, bits;
} bmp_field;

static int field_init(bmp_field *f, uint32_t mask)
{
    if (!mask)
        return 0;
    f->mask = mask;
    f->shift = __builtin_ctz(mask);
    uint32_t m = mask >> f->shift;
    if (m & (m + 1)) /* not contiguous */
        return 0;
    f->bits = __builtin_popcount(m);
    return 1;
}

static uint8_t field_get(const bmp_field *f, uint32_t px)
{
    uint32_t v = (px & f->mask) >> f->shift;
    if (f->bits >= 8)
        return (uint8_t)(v >> (f->bits - 8));
    uint32_t max = (1u << f->bits) - 1;
    return (uint8_t)((v * 255 + max / 2) / max);
}

amsel_status am_decode_bmp(amsel_ctx *ctx, const uint8_t *d, size_t size, const char *name,
                           amsel_image **out)
{
    *out = NULL;
    if (size < 18)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: truncated BMP header (%zu bytes)", name, size);
    uint32_t off = le32(d + 10), hsize = le32(d + 14);
    if (hsize == 12 || hsize == 16 || hsize == 64)
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED,
                       "%s: OS/2 BMP (%u-byte header) is not supported", name, hsize);
    if (hsize != 40 && hsize != 52 && hsize != 56 && hsize != 108 && hsize != 124)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: invalid BMP header size %u", name, hsize);
    if (size - 14 < hsize)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: truncated BMP header (%zu bytes)", name, size);
    int32_t w = (int32_t)le32(d + 18), h = (int32_t)le32(d + 22);
    unsigned bpp = le16(d + 28);
    uint32_t comp = le32(d + 30), clr_used = le32(d + 46);

    int top_down = h < 0;
    long long abs_h = top_down ? -(long long)h : (long long)h;
    amsel_status st = am_image_check_size(ctx, name, "BMP", w, abs_h);
    if (st != AMSEL_OK)
        return st;

    if (comp == BI_RLE8 || comp == BI_RLE4)
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "%s: RLE-compressed BMP is not supported", name);
    if (comp == BI_JPEG || comp == BI_PNG)
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED,
                       "%s: BMP with embedded JPEG/PNG data is not supported", name);
    int bitfields = comp == BI_BITFIELDS || comp == BI_ALPHABITFIELDS;
    if (!((bpp == 24 && comp == BI_RGB) || (bpp == 32 && (comp == BI_RGB || bitfields)) ||
          (bpp == 8 && comp == BI_RGB)))
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED,
                       "%s: %u-bit BMP with compression %u is not supported "
                       "(only uncompressed 8, 24 and 32-bit)",
                       name, bpp, comp);

    /* What sits between the header and the pixels: masks, palette. */
    size_t end = 14 + (size_t)hsize;
    bmp_field fr = {0}, fg = {0}, fb = {0};
    if (bitfields) {
        const uint8_t *m = d + 14 + 40; /* inside V2+ headers, else right after */
        if (hsize == 40) {
            size_t nmask = comp == BI_ALPHABITFIELDS ? 16 : 12;
            if (size - end < nmask)
                return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: truncated BMP colour masks", name);
            end += nmask;
        }
        if (!field_init(&fr, le32(m)) || !field_init(&fg, le32(m + 4)) ||
            !field_init(&fb, le32(m + 8)))
            return am_fail(ctx, AMSEL_ERR_FORMAT,
                           "%s: invalid BMP colour masks %08x/%08x/%08x", name, le32(m),
                           le32(m + 4), le32(m + 8));
    }
    if (off < end || off > size)
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       "%s: invalid BMP pixel data offset %u (header ends at %zu, file has %zu bytes)",
                       name, off, end, size);
    uint8_t pal[256][3];
    if (bpp == 8) {
        if (clr_used > 256)
            return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: BMP palette of %u colours (max 256)",
                           name, clr_used);
        size_t n = clr_used ? clr_used : 256, avail = (off - end) / 4;
        if (n > avail) /* some writers leave the rest out: never read pixels as palette */
            n = avail;
        if (n == 0)
            return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: 8-bit BMP without a palette", name);
        memset(pal, 0, sizeof pal); /* indices past the palette give black */
        for (size_t i = 0; i < n; i++) {
            const uint8_t *e = d + end + 4 * i; /* B, G, R, reserved */
            pal[i][0] = e[2];
            pal[i][1] = e[1];
            pal[i][2] = e[0];
        }
    }

    /* Rows are padded to 4 bytes; the last row's padding may be missing. */
    size_t row_bytes = (size_t)w * (bpp / 8); /* w*4 <= 4 * pixel limit: no overflow */
    size_t stride = (row_bytes + 3) & ~(size_t)3, need;
    if (!am_mul_size(stride, (size_t)abs_h - 1, &need) || !am_add_size(need, row_bytes, &need) ||
        size - off < need)
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       "%s: truncated BMP: %lldx%lld pixels need %zu bytes at offset %u, "
                       "file has %zu",
                       name, (long long)w, abs_h, need, off, size);

    amsel_image *img;
    st = am_image_new(ctx, name, "BMP", w, (int)abs_h, &img);
    if (st != AMSEL_OK)
        return st;
    for (long long y = 0; y < abs_h; y++) {
        const uint8_t *s = d + off + stride * (size_t)(top_down ? y : abs_h - 1 - y);
        uint8_t *o = img->rgb + (size_t)y * (size_t)w * 3;
        if (bpp == 24) {
            for (int32_t x = 0; x < w; x++, s += 3, o += 3) {
                o[0] = s[2];
                o[1] = s[1];
                o[2] = s[0];
            }
        } else if (bpp == 32 && !bitfields) {
            for (int32_t x = 0; x < w; x++, s += 4, o += 3) {
                o[0] = s[2];
                o[1] = s[1];
                o[2] = s[0];
            }
        } else if (bpp == 32) {
            for (int32_t x = 0; x < w; x++, s += 4, o += 3) {
                uint32_t px = le32(s);
                o[0] = field_get(&fr, px);
                o[1] = field_get(&fg, px);
                o[2] = field_get(&fb, px);
            }
        } else {
            for (int32_t x = 0; x < w; x++, o += 3)
                memcpy(o, pal[s[x]], 3);
        }
    }
    *out = img;
    return AMSEL_OK;
}
