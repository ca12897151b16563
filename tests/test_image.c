/* Tests of the image module (src/image/): decoding JPEG, PNG and BMP files
 * that the test writes itself with known pixels (libpng, turbojpeg and
 * hand-made BMP bytes), EXIF orientation, hostile inputs (truncation,
 * mutations, huge headers, allocation failures), and preprocessing
 * (crop, resize, normalise, quantize) against hand-computed values. With
 * AMSEL_DATA set it also decodes the shared photographs and data sets. */
#include "amsel/image.h"
#include "check.h"

#include <dirent.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

static amsel_ctx *ctx;

/* ---- helpers ----------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void buf_put(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void buf_free(buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Allocator hook that counts, remembers the largest request, and makes
 * allocation number fail_at (1-based) fail. */
typedef struct alloc_stats {
    long n, live, fail_at;
    size_t largest;
} alloc_stats;

static void *count_alloc(void *user, void *ptr, size_t size)
{
    alloc_stats *a = user;
    if (size == 0) {
        if (ptr)
            a->live--;
        free(ptr);
        return NULL;
    }
    if (size > a->largest)
        a->largest = size;
    if (ptr)
        return realloc(ptr, size);
    if (++a->n == a->fail_at)
        return NULL;
    void *p = malloc(size);
    if (p)
        a->live++;
    return p;
}

static int px(const amsel_image *img, int x, int y, int c)
{
    return amsel_image_pixels(img)[((size_t)y * amsel_image_width(img) + x) * 3 + c];
}

static int near_rgb(const amsel_image *img, int x, int y, int r, int g, int b, int tol)
{
    return abs(px(img, x, y, 0) - r) <= tol && abs(px(img, x, y, 1) - g) <= tol &&
           abs(px(img, x, y, 2) - b) <= tol;
}

static amsel_image *decode_ok(const buf *b, const char *what)
{
    amsel_image *img = NULL;
    amsel_status st = amsel_image_decode(ctx, b->p, b->n, what, &img);
    if (st != AMSEL_OK)
        fprintf(stderr, "decode %s: %s: %s\n", what, amsel_status_str(st), amsel_last_error(ctx));
    CHECK_EQ_INT(st, AMSEL_OK);
    return st == AMSEL_OK ? img : NULL;
}

static amsel_status decode_status(const void *d, size_t n, const char *what)
{
    amsel_image *img = (amsel_image *)1;
    amsel_status st = amsel_image_decode(ctx, d, n, what, &img);
    if (st != AMSEL_OK)
        CHECK(img == NULL);
    amsel_image_destroy(img);
    return st;
}

/* Temporary folder for the file tests. */
static char tmpdir[64];
static char tmpfiles[16][128];
static int ntmp;

static const char *write_tmp(const char *name, const void *d, size_t n)
{
    char *path = tmpfiles[ntmp++];
    snprintf(path, sizeof tmpfiles[0], "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n)
        abort();
    fclose(f);
    return path;
}

/* ---- writers ------------------------------------------------------------ */

typedef struct png_spec {
    int w, h, ctype, depth, interlace;
    const uint8_t *rows; /* h rows in PNG layout, png_get_rowbytes each */
    const png_color *pal;
    int npal;
    const uint8_t *trns; /* palette alpha */
    int ntrns;
    const png_color_16 *trns_color; /* grey/RGB transparent colour */
} png_spec;

static void png_wr(png_structp png, png_bytep d, size_t n) { buf_put(png_get_io_ptr(png), d, n); }
static void png_fl(png_structp png) { (void)png; }

static void make_png(const png_spec *s, buf *out)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        buf_free(out);
        return;
    }
    png_set_write_fn(png, out, png_wr, png_fl);
    png_set_IHDR(png, info, s->w, s->h, s->depth, s->ctype,
                 s->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (s->pal)
        png_set_PLTE(png, info, s->pal, s->npal);
    if (s->trns || s->trns_color)
        png_set_tRNS(png, info, s->trns, s->ntrns, s->trns_color);
    png_write_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    int passes = png_set_interlace_handling(png);
    for (int p = 0; p < passes; p++)
        for (int y = 0; y < s->h; y++)
            png_write_row(png, s->rows + (size_t)y * rowbytes);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
}

static buf make_jpeg_flags(const uint8_t *pixels, int w, int h, int pf, int subsamp, int quality,
                           int flags)
{
    buf b = {0};
    tjhandle tj = tjInitCompress();
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    if (tjCompress2(tj, pixels, w, 0, h, pf, &jpeg, &size, subsamp, quality, flags) == 0)
        buf_put(&b, jpeg, size);
    else
        fprintf(stderr, "tjCompress2: %s\n", tjGetErrorStr2(tj));
    tjFree(jpeg);
    tjDestroy(tj);
    return b;
}

static buf make_jpeg(const uint8_t *pixels, int w, int h, int pf, int subsamp, int quality)
{
    return make_jpeg_flags(pixels, w, h, pf, subsamp, quality, 0);
}

/* JPEG with an APP1 EXIF segment (IFD0 holding only the orientation)
 * inserted after SOI. big_endian picks "MM" over "II". */
static buf jpeg_with_exif(const buf *jpeg, int orientation, int big_endian)
{
    uint8_t t[26];
    int i = 0;
#define P16(v) (big_endian ? (t[i++] = (uint8_t)((v) >> 8), t[i++] = (uint8_t)(v)) \
                           : (t[i++] = (uint8_t)(v), t[i++] = (uint8_t)((v) >> 8)))
#define P32(v) (big_endian ? (P16((v) >> 16), P16((v) & 0xffff)) : (P16((v) & 0xffff), P16((v) >> 16)))
    t[i++] = big_endian ? 'M' : 'I';
    t[i++] = big_endian ? 'M' : 'I';
    P16(42);
    P32(8);          /* IFD0 offset */
    P16(1);          /* one entry */
    P16(0x0112);     /* Orientation */
    P16(3);          /* SHORT */
    P32(1);          /* count */
    P16(orientation);
    P16(0);          /* value padding */
    P32(0);          /* no next IFD */
#undef P16
#undef P32
    buf b = {0};
    size_t seglen = 2 + 6 + (size_t)i;
    uint8_t hdr[4 + 6] = {0xff, 0xe1, (uint8_t)(seglen >> 8), (uint8_t)seglen, 'E', 'x', 'i', 'f', 0, 0};
    buf_put(&b, jpeg->p, 2);
    buf_put(&b, hdr, sizeof hdr);
    buf_put(&b, t, (size_t)i);
    buf_put(&b, jpeg->p + 2, jpeg->n - 2);
    return b;
}

static void put16(buf *b, unsigned v)
{
    uint8_t d[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    buf_put(b, d, 2);
}
static void put32(buf *b, uint32_t v)
{
    uint8_t d[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_put(b, d, 4);
}

typedef struct bmp_spec {
    int w, h, top_down, bpp;
    uint32_t comp, hsize;     /* compression; 40 or 124 */
    uint32_t masks[3];        /* for BI_BITFIELDS */
    const uint8_t *rgb;       /* (h, w, 3) top to bottom, for 24/32-bit */
    const uint8_t *index;     /* (h, w) for 8-bit */
    const uint8_t *pal;       /* npal RGB triples */
    int npal, clr_used;
} bmp_spec;

/* Scales an 8-bit value into a contiguous mask by bit replication. */
static uint32_t to_field(int v8, uint32_t mask)
{
    int shift = __builtin_ctz(mask), bits = __builtin_popcount(mask);
    uint32_t v;
    if (bits >= 8) {
        v = (uint32_t)v8 << (bits - 8);
        for (int b = bits - 8; b > 0; b -= 8)
            v |= (uint32_t)v8 >> (8 - (b < 8 ? b : 8));
    } else {
        v = (uint32_t)v8 >> (8 - bits);
    }
    return (v << shift) & mask;
}

static buf make_bmp(const bmp_spec *s)
{
    buf b = {0};
    int bitfields = s->comp == 3;
    size_t stride = ((size_t)s->w * s->bpp / 8 + 3) & ~(size_t)3;
    size_t extra = (bitfields && s->hsize == 40 ? 12 : 0) + (s->bpp == 8 ? 4 * (size_t)s->npal : 0);
    uint32_t off = 14 + s->hsize + (uint32_t)extra;
    buf_put(&b, "BM", 2);
    put32(&b, off + (uint32_t)(stride * s->h));
    put32(&b, 0);
    put32(&b, off);
    put32(&b, s->hsize);
    put32(&b, (uint32_t)s->w);
    put32(&b, (uint32_t)(s->top_down ? -s->h : s->h));
    put16(&b, 1);
    put16(&b, (unsigned)s->bpp);
    put32(&b, s->comp);
    put32(&b, (uint32_t)(stride * s->h));
    put32(&b, 2835);
    put32(&b, 2835);
    put32(&b, (uint32_t)s->clr_used);
    put32(&b, 0);
    if (s->hsize > 40) {
        for (int i = 0; i < 3; i++)
            put32(&b, bitfields ? s->masks[i] : 0);
        for (uint32_t i = 52; i < s->hsize; i += 4)
            put32(&b, 0);
    } else if (bitfields) {
        for (int i = 0; i < 3; i++)
            put32(&b, s->masks[i]);
    }
    for (int i = 0; s->bpp == 8 && i < s->npal; i++) {
        uint8_t e[4] = {s->pal[3 * i + 2], s->pal[3 * i + 1], s->pal[3 * i], 0};
        buf_put(&b, e, 4);
    }
    uint8_t *row = calloc(stride, 1);
    for (int r = 0; r < s->h; r++) {
        int y = s->top_down ? r : s->h - 1 - r;
        memset(row, 0, stride);
        for (int x = 0; x < s->w; x++) {
            const uint8_t *c = s->rgb ? s->rgb + ((size_t)y * s->w + x) * 3 : NULL;
            if (s->bpp == 8) {
                row[x] = s->index[(size_t)y * s->w + x];
            } else if (s->bpp == 24 || !bitfields) {
                uint8_t *o = row + (size_t)x * (s->bpp / 8);
                o[0] = c[2];
                o[1] = c[1];
                o[2] = c[0];
                if (s->bpp == 32)
                    o[3] = 0x55; /* ignored padding/alpha */
            } else {
                uint32_t v = to_field(c[0], s->masks[0]) | to_field(c[1], s->masks[1]) |
                             to_field(c[2], s->masks[2]);
                uint8_t *o = row + (size_t)x * 4;
                o[0] = (uint8_t)v;
                o[1] = (uint8_t)(v >> 8);
                o[2] = (uint8_t)(v >> 16);
                o[3] = (uint8_t)(v >> 24);
            }
        }
        buf_put(&b, row, stride);
    }
    free(row);
    return b;
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

/* ---- PNG ---------------------------------------------------------------- */

static void test_png_rgb(void)
{
    enum { W = 5, H = 3 };
    uint8_t rgb[W * H * 3];
    fill_random(rgb, sizeof rgb);
    for (int interlace = 0; interlace < 2; interlace++) {
        buf b = {0};
        make_png(&(png_spec){.w = W, .h = H, .ctype = PNG_COLOR_TYPE_RGB, .depth = 8,
                             .interlace = interlace, .rows = rgb}, &b);
        amsel_image *img = decode_ok(&b, "rgb.png");
        if (img) {
            CHECK_EQ_INT(amsel_image_width(img), W);
            CHECK_EQ_INT(amsel_image_height(img), H);
            CHECK(memcmp(amsel_image_pixels(img), rgb, sizeof rgb) == 0);
        }
        amsel_image_destroy(img);
        buf_free(&b);
    }
    /* A bigger interlaced image, where all seven Adam7 passes matter. */
    enum { W2 = 37, H2 = 29 };
    static uint8_t big[W2 * H2 * 3];
    fill_random(big, sizeof big);
    buf b = {0};
    make_png(&(png_spec){.w = W2, .h = H2, .ctype = PNG_COLOR_TYPE_RGB, .depth = 8,
                         .interlace = 1, .rows = big}, &b);
    amsel_image *img = decode_ok(&b, "adam7.png");
    if (img)
        CHECK(memcmp(amsel_image_pixels(img), big, sizeof big) == 0);
    amsel_image_destroy(img);
    buf_free(&b);
}

static void test_png_gray(void)
{
    /* 8 pixels in one row at depths 1, 2, 4, 8, 16. */
    const int vals1[8] = {0, 1, 1, 0, 1, 0, 0, 1};
    const int vals2[8] = {0, 1, 2, 3, 3, 2, 1, 0};
    const int vals4[8] = {0, 1, 5, 9, 15, 14, 7, 3};
    uint8_t row1[1] = {0}, row2[2] = {0}, row4[4] = {0}, row8[8], row16[16];
    for (int i = 0; i < 8; i++) {
        row1[0] |= (uint8_t)(vals1[i] << (7 - i));
        row2[i / 4] |= (uint8_t)(vals2[i] << (6 - 2 * (i % 4)));
        row4[i / 2] |= (uint8_t)(vals4[i] << (4 - 4 * (i % 2)));
        row8[i] = (uint8_t)(i * 33 + 7);
        row16[2 * i] = (uint8_t)(i * 30 + 1); /* high byte, kept */
        row16[2 * i + 1] = 0xff;              /* low byte, dropped */
    }
    struct { int depth; const uint8_t *row; } cases[] = {
        {1, row1}, {2, row2}, {4, row4}, {8, row8}, {16, row16}};
    for (int c = 0; c < 5; c++) {
        buf b = {0};
        make_png(&(png_spec){.w = 8, .h = 1, .ctype = PNG_COLOR_TYPE_GRAY,
                             .depth = cases[c].depth, .rows = cases[c].row}, &b);
        amsel_image *img = decode_ok(&b, "gray.png");
        for (int i = 0; img && i < 8; i++) {
            int want = cases[c].depth == 1 ? vals1[i] * 255
                     : cases[c].depth == 2 ? vals2[i] * 85
                     : cases[c].depth == 4 ? vals4[i] * 17
                     : cases[c].depth == 8 ? i * 33 + 7 : i * 30 + 1;
            CHECK_EQ_INT(px(img, i, 0, 0), want);
            CHECK_EQ_INT(px(img, i, 0, 1), want);
            CHECK_EQ_INT(px(img, i, 0, 2), want);
        }
        amsel_image_destroy(img);
        buf_free(&b);
    }
    /* Grey with a transparent grey level (tRNS): that level becomes white. */
    uint8_t row[4] = {50, 51, 0, 50};
    png_color_16 tc = {.gray = 50};
    buf b = {0};
    make_png(&(png_spec){.w = 4, .h = 1, .ctype = PNG_COLOR_TYPE_GRAY, .depth = 8, .rows = row,
                         .trns_color = &tc}, &b);
    amsel_image *img = decode_ok(&b, "gray-trns.png");
    if (img) {
        CHECK(near_rgb(img, 0, 0, 255, 255, 255, 0));
        CHECK(near_rgb(img, 1, 0, 51, 51, 51, 0));
        CHECK(near_rgb(img, 2, 0, 0, 0, 0, 0));
        CHECK(near_rgb(img, 3, 0, 255, 255, 255, 0));
    }
    amsel_image_destroy(img);
    buf_free(&b);
}

static int on_white(int c, int a) { return (int)lround((c * a + 255.0 * (255 - a)) / 255.0); }

static void test_png_alpha(void)
{
    /* RGBA 8-bit: opaque, transparent, half. */
    const uint8_t rgba[4 * 4] = {10, 20, 30, 255, 10, 20, 30, 0, 200, 100, 0, 128, 0, 0, 0, 64};
    buf b = {0};
    make_png(&(png_spec){.w = 4, .h = 1, .ctype = PNG_COLOR_TYPE_RGBA, .depth = 8, .rows = rgba}, &b);
    amsel_image *img = decode_ok(&b, "rgba.png");
    if (img) {
        CHECK(near_rgb(img, 0, 0, 10, 20, 30, 0));
        CHECK(near_rgb(img, 1, 0, 255, 255, 255, 0));
        CHECK(near_rgb(img, 2, 0, on_white(200, 128), on_white(100, 128), on_white(0, 128), 1));
        CHECK(near_rgb(img, 3, 0, on_white(0, 64), on_white(0, 64), on_white(0, 64), 1));
    }
    amsel_image_destroy(img);
    buf_free(&b);

    /* Grey + alpha, 16-bit: high bytes, then on white. */
    const uint8_t ga16[2 * 4] = {0x80, 0x11, 0xff, 0xff, 0x80, 0x22, 0x00, 0x33};
    make_png(&(png_spec){.w = 2, .h = 1, .ctype = PNG_COLOR_TYPE_GRAY_ALPHA, .depth = 16,
                         .rows = ga16}, &b);
    img = decode_ok(&b, "ga16.png");
    if (img) {
        CHECK(near_rgb(img, 0, 0, 0x80, 0x80, 0x80, 0));
        CHECK(near_rgb(img, 1, 0, 255, 255, 255, 0));
    }
    amsel_image_destroy(img);
    buf_free(&b);
}

static void test_png_palette(void)
{
    const png_color pal[3] = {{255, 0, 0}, {0, 255, 0}, {1, 2, 3}};
    const uint8_t alpha[2] = {255, 0}; /* entry 1 transparent */
    const uint8_t idx8[6] = {0, 1, 2, 2, 1, 0};
    buf b = {0};
    make_png(&(png_spec){.w = 3, .h = 2, .ctype = PNG_COLOR_TYPE_PALETTE, .depth = 8,
                         .rows = idx8, .pal = pal, .npal = 3, .trns = alpha, .ntrns = 2}, &b);
    amsel_image *img = decode_ok(&b, "pal.png");
    if (img) {
        CHECK(near_rgb(img, 0, 0, 255, 0, 0, 0));
        CHECK(near_rgb(img, 1, 0, 255, 255, 255, 0));
        CHECK(near_rgb(img, 2, 0, 1, 2, 3, 0));
        CHECK(near_rgb(img, 0, 1, 1, 2, 3, 0));
        CHECK(near_rgb(img, 2, 1, 255, 0, 0, 0));
    }
    amsel_image_destroy(img);
    buf_free(&b);

    /* 2-bit palette, interlaced, no transparency. */
    const uint8_t idx2[2] = {0x24, 0x80}; /* 0,2,1,0 | 2,0,0,0 */
    make_png(&(png_spec){.w = 4, .h = 2, .ctype = PNG_COLOR_TYPE_PALETTE, .depth = 2,
                         .interlace = 1, .rows = idx2, .pal = pal, .npal = 3}, &b);
    img = decode_ok(&b, "pal2.png");
    if (img) {
        CHECK(near_rgb(img, 0, 0, 255, 0, 0, 0));
        CHECK(near_rgb(img, 1, 0, 1, 2, 3, 0));
        CHECK(near_rgb(img, 2, 0, 0, 255, 0, 0));
        CHECK(near_rgb(img, 0, 1, 1, 2, 3, 0));
        CHECK(near_rgb(img, 3, 1, 255, 0, 0, 0));
    }
    amsel_image_destroy(img);
    buf_free(&b);
}

static void test_png_16(void)
{
    enum { W = 6, H = 4 };
    uint8_t rows[W * H * 6], want[W * H * 3];
    fill_random(rows, sizeof rows);
    for (int i = 0; i < W * H * 3; i++)
        want[i] = rows[2 * i]; /* big-endian samples: the high byte */
    buf b = {0};
    make_png(&(png_spec){.w = W, .h = H, .ctype = PNG_COLOR_TYPE_RGB, .depth = 16, .rows = rows}, &b);
    amsel_image *img = decode_ok(&b, "rgb16.png");
    if (img)
        CHECK(memcmp(amsel_image_pixels(img), want, sizeof want) == 0);
    amsel_image_destroy(img);
    buf_free(&b);
}

static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

/* Signature + IHDR only (with a good CRC). */
static buf png_header_only(uint32_t w, uint32_t h)
{
    buf b = {0};
    uint8_t chunk[4 + 13] = {'I', 'H', 'D', 'R', (uint8_t)(w >> 24), (uint8_t)(w >> 16),
                             (uint8_t)(w >> 8), (uint8_t)w, (uint8_t)(h >> 24), (uint8_t)(h >> 16),
                             (uint8_t)(h >> 8), (uint8_t)h, 8, 2, 0, 0, 0};
    uint32_t crc = crc32_png(chunk, sizeof chunk);
    const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const uint8_t len[4] = {0, 0, 0, 13};
    const uint8_t c[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8), (uint8_t)crc};
    buf_put(&b, sig, 8);
    buf_put(&b, len, 4);
    buf_put(&b, chunk, sizeof chunk);
    buf_put(&b, c, 4);
    return b;
}

static void test_png_bad(void)
{
    enum { W = 9, H = 7 };
    uint8_t rgb[W * H * 3];
    fill_random(rgb, sizeof rgb);
    buf b = {0};
    make_png(&(png_spec){.w = W, .h = H, .ctype = PNG_COLOR_TYPE_RGB, .depth = 8, .rows = rgb}, &b);
    CHECK(b.n > 100);
    /* Every truncation, IEND included, is a format error. */
    int bad = 0;
    for (size_t n = 0; n < b.n; n++)
        bad += decode_status(b.p, n, "cut.png") != AMSEL_ERR_FORMAT;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(decode_status(b.p, b.n, "whole.png"), AMSEL_OK);

    /* A broken IHDR CRC. */
    b.p[29] ^= 0x55;
    CHECK_EQ_INT(decode_status(b.p, b.n, "crc.png"), AMSEL_ERR_FORMAT);
    CHECK(strstr(amsel_last_error(ctx), "crc.png") != NULL);
    buf_free(&b);

    /* 0x0 and 100000x100000 headers; the latter must not allocate much. */
    b = png_header_only(0, 0);
    CHECK_EQ_INT(decode_status(b.p, b.n, "zero.png"), AMSEL_ERR_FORMAT);
    buf_free(&b);
    alloc_stats a = {.fail_at = -1};
    amsel_ctx *c2;
    CHECK_EQ_INT(amsel_ctx_create_with_alloc(count_alloc, &a, &c2), AMSEL_OK);
    b = png_header_only(100000, 100000);
    amsel_image *img = NULL;
    CHECK_EQ_INT(amsel_image_decode(c2, b.p, b.n, "huge.png", &img), AMSEL_ERR_LIMIT);
    CHECK(strstr(amsel_last_error(c2), "huge.png") != NULL);
    CHECK(a.largest < (1u << 20));
    buf_free(&b);
    amsel_ctx_destroy(c2);
    CHECK_EQ_INT(a.live, 0);
}

/* ---- BMP ---------------------------------------------------------------- */

static void test_bmp(void)
{
    enum { W = 5, H = 3 }; /* 15 bytes a row: padded to 16 */
    uint8_t rgb[W * H * 3];
    fill_random(rgb, sizeof rgb);
    for (int hs = 0; hs < 2; hs++) {
        uint32_t hsize = hs ? 124 : 40;
        for (int td = 0; td < 2; td++) {
            for (int bpp = 24; bpp <= 32; bpp += 8) {
                buf b = make_bmp(&(bmp_spec){.w = W, .h = H, .top_down = td, .bpp = bpp,
                                             .hsize = hsize, .rgb = rgb});
                amsel_image *img = decode_ok(&b, "rgb.bmp");
                if (img) {
                    CHECK_EQ_INT(amsel_image_width(img), W);
                    CHECK_EQ_INT(amsel_image_height(img), H);
                    CHECK(memcmp(amsel_image_pixels(img), rgb, sizeof rgb) == 0);
                }
                amsel_image_destroy(img);
                buf_free(&b);
            }
        }
        /* BI_BITFIELDS: BGRA order, 10-10-10 and 5-6-5 in 32-bit words. */
        const uint32_t masks[3][3] = {{0x00ff0000, 0x0000ff00, 0x000000ff},
                                      {0x3ff00000, 0x000ffc00, 0x000003ff},
                                      {0x0000f800, 0x000007e0, 0x0000001f}};
        for (int m = 0; m < 3; m++) {
            buf b = make_bmp(&(bmp_spec){.w = W, .h = H, .bpp = 32, .comp = 3, .hsize = hsize,
                                         .masks = {masks[m][0], masks[m][1], masks[m][2]},
                                         .rgb = rgb});
            amsel_image *img = decode_ok(&b, "fields.bmp");
            if (img) {
                int maxerr = 0;
                for (int i = 0; i < W * H * 3; i++) {
                    int e = abs(amsel_image_pixels(img)[i] - rgb[i]);
                    maxerr = e > maxerr ? e : maxerr;
                }
                CHECK(maxerr <= (m == 2 ? 8 : 0));
            }
            amsel_image_destroy(img);
            buf_free(&b);
        }
    }
    /* 8-bit palette (3 colours used), index 7 is past the palette: black. */
    const uint8_t pal[9] = {255, 0, 0, 0, 255, 0, 10, 20, 30};
    const uint8_t idx[W * H] = {0, 1, 2, 1, 0, 2, 2, 2, 7, 0, 1, 1, 0, 0, 1};
    for (int td = 0; td < 2; td++) {
        buf b = make_bmp(&(bmp_spec){.w = W, .h = H, .top_down = td, .bpp = 8, .hsize = 40,
                                     .index = idx, .pal = pal, .npal = 3, .clr_used = 3});
        amsel_image *img = decode_ok(&b, "pal.bmp");
        for (int i = 0; img && i < W * H; i++) {
            const uint8_t *want = idx[i] < 3 ? pal + 3 * idx[i] : (const uint8_t *)"\0\0\0";
            CHECK(near_rgb(img, i % W, i / W, want[0], want[1], want[2], 0));
        }
        amsel_image_destroy(img);
        buf_free(&b);
    }
}

static void set32(buf *b, size_t at, uint32_t v)
{
    b->p[at] = (uint8_t)v;
    b->p[at + 1] = (uint8_t)(v >> 8);
    b->p[at + 2] = (uint8_t)(v >> 16);
    b->p[at + 3] = (uint8_t)(v >> 24);
}

static void test_bmp_bad(void)
{
    enum { W = 4, H = 3 }; /* 12 bytes a row: no padding */
    uint8_t rgb[W * H * 3];
    fill_random(rgb, sizeof rgb);
    const bmp_spec good = {.w = W, .h = H, .bpp = 24, .hsize = 40, .rgb = rgb};
    buf b = make_bmp(&good);
    int bad = 0;
    for (size_t n = 0; n < b.n; n++)
        bad += decode_status(b.p, n, "cut.bmp") != AMSEL_ERR_FORMAT;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(decode_status(b.p, b.n, "ok.bmp"), AMSEL_OK);

    struct { size_t at; uint32_t v; amsel_status want; const char *what; } cases[] = {
        {18, 0, AMSEL_ERR_FORMAT, "zero width"},
        {22, 0, AMSEL_ERR_FORMAT, "zero height"},
        {18, 0xffffffffu, AMSEL_ERR_FORMAT, "negative width"},
        {22, 0x80000000u, AMSEL_ERR_LIMIT, "INT32_MIN height"},
        {18, 0x7fffffffu, AMSEL_ERR_LIMIT, "wide"},
        {10, 0xfffffff0u, AMSEL_ERR_FORMAT, "offset past the end"},
        {10, 20, AMSEL_ERR_FORMAT, "offset into the header"},
        {10, 60, AMSEL_ERR_FORMAT, "offset leaving too little data"},
        {14, 12, AMSEL_ERR_UNSUPPORTED, "OS/2 header"},
        {14, 999, AMSEL_ERR_FORMAT, "bogus header size"},
        {14, 0xffffffffu, AMSEL_ERR_FORMAT, "huge header size"},
        {30, 1, AMSEL_ERR_UNSUPPORTED, "RLE8"},
        {30, 4, AMSEL_ERR_UNSUPPORTED, "embedded JPEG"},
        {30, 3, AMSEL_ERR_UNSUPPORTED, "24-bit bitfields"},
        {28, 16, AMSEL_ERR_UNSUPPORTED, "16-bit"},
        {28, 4, AMSEL_ERR_UNSUPPORTED, "4-bit"},
        {28, 0, AMSEL_ERR_UNSUPPORTED, "0-bit"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf c = {0};
        buf_put(&c, b.p, b.n);
        set32(&c, cases[i].at, cases[i].v);
        amsel_status st = decode_status(c.p, c.n, "case.bmp");
        if (st != cases[i].want)
            fprintf(stderr, "BMP case '%s': %s (%s)\n", cases[i].what, amsel_status_str(st),
                    amsel_last_error(ctx));
        CHECK_EQ_INT(st, cases[i].want);
        if (st != AMSEL_OK)
            CHECK(strstr(amsel_last_error(ctx), "case.bmp") != NULL);
        buf_free(&c);
    }
    /* 0x0 and 100000x100000 in a 54-byte header; the latter allocates nothing big. */
    set32(&b, 18, 0);
    set32(&b, 22, 0);
    CHECK_EQ_INT(decode_status(b.p, 54, "zero.bmp"), AMSEL_ERR_FORMAT);
    alloc_stats a = {.fail_at = -1};
    amsel_ctx *c2;
    CHECK_EQ_INT(amsel_ctx_create_with_alloc(count_alloc, &a, &c2), AMSEL_OK);
    set32(&b, 18, 100000);
    set32(&b, 22, 100000);
    amsel_image *img = NULL;
    CHECK_EQ_INT(amsel_image_decode(c2, b.p, 54, "huge.bmp", &img), AMSEL_ERR_LIMIT);
    CHECK(strstr(amsel_last_error(c2), "huge.bmp") != NULL);
    CHECK(a.largest < 4096);
    amsel_ctx_destroy(c2);
    buf_free(&b);

    /* Bad masks, oversized palette. */
    b = make_bmp(&(bmp_spec){.w = W, .h = H, .bpp = 32, .comp = 3, .hsize = 40,
                             .masks = {0x00ff0000, 0x0000ff00, 0x000000ff}, .rgb = rgb});
    set32(&b, 54, 0x00f0f000); /* not contiguous */
    CHECK_EQ_INT(decode_status(b.p, b.n, "masks.bmp"), AMSEL_ERR_FORMAT);
    set32(&b, 54, 0);
    CHECK_EQ_INT(decode_status(b.p, b.n, "masks.bmp"), AMSEL_ERR_FORMAT);
    buf_free(&b);
    const uint8_t pal[6] = {1, 2, 3, 4, 5, 6};
    const uint8_t idx[W * H] = {0};
    b = make_bmp(&(bmp_spec){.w = W, .h = H, .bpp = 8, .hsize = 40, .index = idx, .pal = pal,
                             .npal = 2, .clr_used = 2});
    CHECK_EQ_INT(decode_status(b.p, b.n, "pal.bmp"), AMSEL_OK);
    set32(&b, 46, 1000);
    CHECK_EQ_INT(decode_status(b.p, b.n, "pal.bmp"), AMSEL_ERR_FORMAT);
    set32(&b, 46, 0);   /* 256 colours claimed, 2 present: read only those */
    CHECK_EQ_INT(decode_status(b.p, b.n, "pal.bmp"), AMSEL_OK);
    set32(&b, 10, 54);  /* no room for a palette at all */
    CHECK_EQ_INT(decode_status(b.p, b.n, "pal.bmp"), AMSEL_ERR_FORMAT);
    buf_free(&b);
}

/* ---- JPEG --------------------------------------------------------------- */

/* 32x16 image of four 16x8 quadrants: red, green / blue, yellow. */
enum { QW = 32, QH = 16 };
static const uint8_t quad_col[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}};

static void make_quadrants(uint8_t *rgb)
{
    for (int y = 0; y < QH; y++)
        for (int x = 0; x < QW; x++)
            memcpy(rgb + (y * QW + x) * 3, quad_col[(y >= QH / 2) * 2 + (x >= QW / 2)], 3);
}

static void test_jpeg(void)
{
    uint8_t rgb[QW * QH * 3];
    make_quadrants(rgb);
    const int samps[3] = {TJSAMP_444, TJSAMP_420, TJSAMP_422};
    for (int s = 0; s < 3; s++) {
        buf b = make_jpeg_flags(rgb, QW, QH, TJPF_RGB, samps[s], 100,
                                s == 2 ? TJFLAG_PROGRESSIVE : 0);
        amsel_image *img = decode_ok(&b, "quad.jpg");
        if (img) {
            CHECK_EQ_INT(amsel_image_width(img), QW);
            CHECK_EQ_INT(amsel_image_height(img), QH);
            for (int q = 0; q < 4; q++) {
                int x = (q % 2) * QW / 2 + QW / 4, y = (q / 2) * QH / 2 + QH / 4;
                CHECK(near_rgb(img, x, y, quad_col[q][0], quad_col[q][1], quad_col[q][2], 6));
            }
        }
        amsel_image_destroy(img);
        buf_free(&b);
    }
    /* Smooth random-ish content at 4:4:4 q100: close everywhere. */
    enum { W = 24, H = 24 };
    uint8_t g[W * H * 3];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            g[(y * W + x) * 3 + 0] = (uint8_t)(x * 10);
            g[(y * W + x) * 3 + 1] = (uint8_t)(y * 10);
            g[(y * W + x) * 3 + 2] = (uint8_t)(128 + x * 2 - y * 3);
        }
    buf b = make_jpeg(g, W, H, TJPF_RGB, TJSAMP_444, 100);
    amsel_image *img = decode_ok(&b, "smooth.jpg");
    if (img) {
        int maxerr = 0;
        for (int i = 0; i < W * H * 3; i++) {
            int e = abs(amsel_image_pixels(img)[i] - g[i]);
            maxerr = e > maxerr ? e : maxerr;
        }
        CHECK(maxerr <= 4);
    }
    amsel_image_destroy(img);
    buf_free(&b);

    /* Greyscale JPEG: R = G = B, close to the input. */
    uint8_t grey[W * H];
    for (int i = 0; i < W * H; i++)
        grey[i] = (uint8_t)((i % W) * 8 + (i / W) * 2);
    b = make_jpeg(grey, W, H, TJPF_GRAY, TJSAMP_GRAY, 100);
    img = decode_ok(&b, "grey.jpg");
    if (img) {
        int maxerr = 0, same = 1;
        for (int i = 0; i < W * H; i++) {
            const uint8_t *p = amsel_image_pixels(img) + 3 * i;
            same &= p[0] == p[1] && p[1] == p[2];
            int e = abs(p[0] - grey[i]);
            maxerr = e > maxerr ? e : maxerr;
        }
        CHECK(same);
        CHECK(maxerr <= 2);
    }
    amsel_image_destroy(img);
    buf_free(&b);

    /* CMYK (written by turbojpeg as Adobe YCCK, inverted: 255 = no ink):
     * four 8x8 blocks of C, M, Y, K -> RGB = (C*K, M*K, Y*K) / 255. */
    const uint8_t cmyk_col[4][4] = {{255, 0, 0, 255}, {255, 255, 255, 128},
                                    {0, 255, 255, 255}, {200, 100, 50, 255}};
    uint8_t cmyk[16 * 16 * 4];
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            memcpy(cmyk + (y * 16 + x) * 4, cmyk_col[(y >= 8) * 2 + (x >= 8)], 4);
    b = make_jpeg(cmyk, 16, 16, TJPF_CMYK, TJSAMP_444, 100);
    img = decode_ok(&b, "cmyk.jpg");
    if (img) {
        for (int q = 0; q < 4; q++) {
            const uint8_t *c = cmyk_col[q];
            int k = c[3];
            CHECK(near_rgb(img, (q % 2) * 8 + 4, (q / 2) * 8 + 4, c[0] * k / 255,
                           c[1] * k / 255, c[2] * k / 255, 6));
        }
    }
    amsel_image_destroy(img);
    buf_free(&b);
}

/* What orientation o should show, from the stored image: transpose for
 * 5..8, then flip X and/or Y. */
static int oriented_equal(const amsel_image *stored, const amsel_image *shown, int o)
{
    static const int tr[9] = {0, 0, 0, 0, 0, 1, 1, 1, 1};
    static const int fx[9] = {0, 0, 1, 1, 0, 0, 1, 1, 0};
    static const int fy[9] = {0, 0, 0, 1, 1, 0, 0, 1, 1};
    int W = amsel_image_width(stored), H = amsel_image_height(stored);
    int ow = tr[o] ? H : W, oh = tr[o] ? W : H;
    if (amsel_image_width(shown) != ow || amsel_image_height(shown) != oh)
        return 0;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            int tx = fx[o] ? ow - 1 - x : x, ty = fy[o] ? oh - 1 - y : y; /* undo flips */
            int sx = tr[o] ? ty : tx, sy = tr[o] ? tx : ty;                /* undo transpose */
            for (int c = 0; c < 3; c++)
                if (px(shown, x, y, c) != px(stored, sx, sy, c))
                    return 0;
        }
    return 1;
}

static void test_exif(void)
{
    uint8_t rgb[QW * QH * 3];
    make_quadrants(rgb);
    buf plain = make_jpeg(rgb, QW, QH, TJPF_RGB, TJSAMP_444, 100);
    amsel_image *stored = decode_ok(&plain, "plain.jpg");
    if (!stored) {
        buf_free(&plain);
        return;
    }
    for (int be = 0; be < 2; be++) {
        for (int o = 1; o <= 8; o++) {
            buf b = jpeg_with_exif(&plain, o, be);
            amsel_image *img = decode_ok(&b, "exif.jpg");
            if (img && !oriented_equal(stored, img, o)) {
                fprintf(stderr, "EXIF orientation %d (%s) wrong\n", o, be ? "MM" : "II");
                CHECK(0);
            }
            /* Explicit: 6 = rotated 90 clockwise, 3 = 180. */
            if (img && o == 6) {
                CHECK_EQ_INT(amsel_image_width(img), QH);
                CHECK_EQ_INT(amsel_image_height(img), QW);
                CHECK(near_rgb(img, 4, 8, 0, 0, 255, 6));     /* top-left: blue */
                CHECK(near_rgb(img, 12, 8, 255, 0, 0, 6));    /* top-right: red */
                CHECK(near_rgb(img, 4, 24, 255, 255, 0, 6));  /* bottom-left: yellow */
                CHECK(near_rgb(img, 12, 24, 0, 255, 0, 6));   /* bottom-right: green */
            }
            if (img && o == 3) {
                CHECK_EQ_INT(amsel_image_width(img), QW);
                CHECK_EQ_INT(amsel_image_height(img), QH);
                CHECK(near_rgb(img, 8, 4, 255, 255, 0, 6));
                CHECK(near_rgb(img, 24, 4, 0, 0, 255, 6));
                CHECK(near_rgb(img, 8, 12, 0, 255, 0, 6));
                CHECK(near_rgb(img, 24, 12, 255, 0, 0, 6));
            }
            amsel_image_destroy(img);
            buf_free(&b);
        }
    }
    /* Malformed EXIF data is ignored: orientation 1, no crash. */
    buf b = jpeg_with_exif(&plain, 6, 0);
    const size_t tiff = 2 + 4 + 6; /* SOI, APP1 marker+length, "Exif\0\0" */
    struct { size_t at; uint8_t v; size_t at2; uint8_t v2; } breaks[] = {
        {tiff + 0, 'X', 0, 0},      /* byte order */
        {tiff + 2, 43, 0, 0},       /* magic */
        {tiff + 4, 0xf0, 0, 0},     /* IFD offset past the segment */
        {tiff + 7, 0x80, 0, 0},     /* IFD offset ~2^31 */
        {tiff + 10, 0x13, tiff + 8, 0xff}, /* other tag, entry count past the end */
        {tiff + 12, 4, 0, 0},       /* type LONG: value read as 32 bits = 6 (still valid) */
        {tiff + 12, 7, 0, 0},       /* type UNDEFINED */
        {tiff + 14, 0, 0, 0},       /* count 0 */
        {tiff + 18, 9, 0, 0},       /* orientation 9 */
        {tiff + 18, 0, 0, 0},       /* orientation 0 */
    };
    for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
        buf c = {0};
        buf_put(&c, b.p, b.n);
        c.p[breaks[i].at] = breaks[i].v;
        if (breaks[i].at2)
            c.p[breaks[i].at2] = breaks[i].v2;
        amsel_image *img = decode_ok(&c, "badexif.jpg");
        if (img)
            CHECK(oriented_equal(stored, img, breaks[i].at == tiff + 12 && breaks[i].v == 4 ? 6 : 1));
        amsel_image_destroy(img);
        buf_free(&c);
    }
    buf_free(&b);
    amsel_image_destroy(stored);
    buf_free(&plain);
}

static void test_jpeg_bad(void)
{
    uint8_t rgb[QW * QH * 3];
    make_quadrants(rgb);
    buf plain = make_jpeg(rgb, QW, QH, TJPF_RGB, TJSAMP_420, 90);
    buf b = jpeg_with_exif(&plain, 6, 0);
    /* Every truncation is an error (FORMAT), never a grey-padded image;
     * progressive files too, though their first scans would decode. */
    int bad = 0;
    for (size_t n = 0; n < b.n; n++)
        bad += decode_status(b.p, n, "cut.jpg") != AMSEL_ERR_FORMAT;
    CHECK_EQ_INT(bad, 0);
    buf prog = make_jpeg_flags(rgb, QW, QH, TJPF_RGB, TJSAMP_420, 90, TJFLAG_PROGRESSIVE);
    for (size_t n = 0; n < prog.n; n++)
        bad += decode_status(prog.p, n, "cut-progressive.jpg") != AMSEL_ERR_FORMAT;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(decode_status(prog.p, prog.n, "progressive.jpg"), AMSEL_OK);
    buf_free(&prog);
    decode_status(b.p, b.n / 2, "cut.jpg");
    CHECK(strstr(amsel_last_error(ctx), "cut.jpg") != NULL);
    CHECK(strstr(amsel_last_error(ctx), "truncated") != NULL);

    /* Garbage after EOI is fine; a damaged frame header is not. */
    buf c = {0};
    buf_put(&c, b.p, b.n);
    buf_put(&c, "trailing junk", 13);
    CHECK_EQ_INT(decode_status(c.p, c.n, "trail.jpg"), AMSEL_OK);
    buf_free(&c);
    size_t sof = 0;
    for (size_t i = 2; i + 1 < b.n; i++)
        if (b.p[i] == 0xff && b.p[i + 1] == 0xc0) {
            sof = i;
            break;
        }
    CHECK(sof > 0);
    if (sof) {
        buf_put(&c, b.p, b.n);
        c.p[sof + 5] = c.p[sof + 6] = 0; /* height 0 */
        CHECK_EQ_INT(decode_status(c.p, c.n, "h0.jpg"), AMSEL_ERR_FORMAT);
        c.p[sof + 5] = 0xff; /* 65280 x 32 > a 1 Mpixel limit */
        amsel_limits lim = {.max_image_pixels = 1 << 20};
        amsel_ctx_set_limits(ctx, &lim);
        CHECK_EQ_INT(decode_status(c.p, c.n, "big.jpg"), AMSEL_ERR_LIMIT);
        amsel_ctx_set_limits(ctx, &(amsel_limits){0});
        c.p[sof + 4] = 12; /* 12-bit */
        CHECK_EQ_INT(decode_status(c.p, c.n, "p12.jpg"), AMSEL_ERR_UNSUPPORTED);
        c.p[sof + 4] = 8;
        c.p[sof + 9] = 2; /* two components */
        CHECK_EQ_INT(decode_status(c.p, c.n, "c2.jpg"), AMSEL_ERR_UNSUPPORTED);
        buf_free(&c);
    }
    /* Stray bytes before a marker: libjpeg warns ("extraneous bytes") and
     * decodes; such a warning is accepted and the pixels are unchanged. */
    if (sof) {
        amsel_image *ref = decode_ok(&b, "ref.jpg");
        buf_put(&c, b.p, sof);
        buf_put(&c, "abc", 3);
        buf_put(&c, b.p + sof, b.n - sof);
        amsel_image *img = decode_ok(&c, "stray.jpg");
        if (ref && img)
            CHECK(memcmp(amsel_image_pixels(ref), amsel_image_pixels(img),
                         (size_t)QW * QH * 3) == 0);
        amsel_image_destroy(ref);
        amsel_image_destroy(img);
        buf_free(&c);
    }
    /* A segment length below 2. */
    buf_put(&c, b.p, b.n);
    c.p[4] = 0;
    c.p[5] = 1;
    CHECK_EQ_INT(decode_status(c.p, c.n, "seg.jpg"), AMSEL_ERR_FORMAT);
    buf_free(&c);
    buf_free(&b);
    buf_free(&plain);
}

/* Random byte changes in valid files: any status, but no crash, leak or
 * UB (the sanitizers watch), and a consistent result. */
static void test_mutations(void)
{
    amsel_limits lim = {.max_image_pixels = 1 << 20}; /* keep garbage decodes small */
    amsel_ctx_set_limits(ctx, &lim);
    uint8_t rgb[QW * QH * 3];
    make_quadrants(rgb);
    buf plain = make_jpeg(rgb, QW, QH, TJPF_RGB, TJSAMP_420, 90);
    buf files[4];
    files[0] = jpeg_with_exif(&plain, 8, 1);
    memset(&files[1], 0, sizeof files[1]);
    const png_color pal[3] = {{255, 0, 0}, {0, 255, 0}, {1, 2, 3}};
    const uint8_t alpha[2] = {255, 0};
    uint8_t idx[QW * QH];
    for (int i = 0; i < QW * QH; i++)
        idx[i] = (uint8_t)(i % 3);
    make_png(&(png_spec){.w = QW, .h = QH, .ctype = PNG_COLOR_TYPE_PALETTE, .depth = 8,
                         .interlace = 1, .rows = idx, .pal = pal, .npal = 3, .trns = alpha,
                         .ntrns = 2}, &files[1]);
    files[2] = make_bmp(&(bmp_spec){.w = 6, .h = 5, .bpp = 8, .hsize = 40, .index = idx,
                                    .pal = (const uint8_t *)"\1\2\3\4\5\6\7\10\11", .npal = 3});
    files[3] = make_bmp(&(bmp_spec){.w = 6, .h = 5, .bpp = 32, .comp = 3, .hsize = 124,
                                    .masks = {0xff0000, 0xff00, 0xff}, .rgb = rgb});
    int ok = 0, failed = 0;
    for (int f = 0; f < 4; f++) {
        for (int iter = 0; iter < 400; iter++) {
            buf c = {0};
            buf_put(&c, files[f].p, files[f].n);
            int changes = 1 + (int)(rnd() % 4);
            for (int k = 0; k < changes; k++) {
                size_t at = rnd() % c.n;
                c.p[at] = (iter & 1) ? (uint8_t)rnd() : (uint8_t)(c.p[at] ^ (1u << (rnd() % 8)));
            }
            amsel_image *img = NULL;
            amsel_status st = amsel_image_decode(ctx, c.p, c.n, "mutant", &img);
            if (st == AMSEL_OK) {
                ok++;
                CHECK(img && amsel_image_width(img) > 0 && amsel_image_height(img) > 0);
            } else {
                failed++;
                CHECK(img == NULL);
                CHECK(amsel_last_error(ctx)[0] != 0);
            }
            amsel_image_destroy(img);
            buf_free(&c);
        }
    }
    CHECK(ok > 0 && failed > 0);
    /* Random bytes, bare or behind each format's magic. */
    const char *magic[4] = {"", "\xff\xd8\xff", "\x89PNG\r\n\x1a\n", "BM"};
    for (int m = 0; m < 4; m++) {
        for (int iter = 0; iter < 200; iter++) {
            uint8_t d[300];
            size_t n = 1 + rnd() % sizeof d, ml = strlen(magic[m]);
            fill_random(d, n);
            memcpy(d, magic[m], ml < n ? ml : n);
            if (m == 0 && (d[0] == 0xff || d[0] == 0x89 || d[0] == 'B'))
                d[0] = 'x';
            amsel_status st = decode_status(d, n, "random");
            CHECK(st != AMSEL_OK);
            if (m == 0)
                CHECK_EQ_INT(st, AMSEL_ERR_FORMAT);
        }
    }
    for (int f = 0; f < 4; f++)
        buf_free(&files[f]);
    buf_free(&plain);
    amsel_ctx_set_limits(ctx, &(amsel_limits){0});
}

/* Every allocation in turn fails: NOMEM (naming the file) or OK, never a
 * leak or crash. */
static void test_nomem(void)
{
    uint8_t rgb[QW * QH * 3];
    make_quadrants(rgb);
    buf plain = make_jpeg(rgb, QW, QH, TJPF_RGB, TJSAMP_444, 95);
    buf files[3];
    files[0] = jpeg_with_exif(&plain, 5, 0);
    memset(&files[1], 0, sizeof files[1]);
    uint8_t rgba[QW * QH * 4];
    fill_random(rgba, sizeof rgba);
    make_png(&(png_spec){.w = QW, .h = QH, .ctype = PNG_COLOR_TYPE_RGBA, .depth = 8,
                         .interlace = 1, .rows = rgba}, &files[1]);
    files[2] = make_bmp(&(bmp_spec){.w = QW, .h = QH, .bpp = 24, .hsize = 40, .rgb = rgb});
    const char *names[3] = {"n.jpg", "n.png", "n.bmp"};
    for (int f = 0; f < 3; f++) {
        int nomem = 0, done = 0;
        for (long k = 1; k < 500 && !done; k++) {
            alloc_stats a = {.fail_at = k};
            amsel_ctx *c2;
            if (amsel_ctx_create_with_alloc(count_alloc, &a, &c2) != AMSEL_OK)
                continue; /* allocation 1 is the context itself */
            amsel_image *img = NULL;
            amsel_status st = amsel_image_decode(c2, files[f].p, files[f].n, names[f], &img);
            if (st == AMSEL_ERR_NOMEM) {
                nomem++;
                CHECK(strstr(amsel_last_error(c2), names[f]) != NULL);
            } else {
                CHECK_EQ_INT(st, AMSEL_OK);
            }
            if (st == AMSEL_OK && a.n < k)
                done = 1; /* no allocation was made to fail */
            if (st == AMSEL_OK) {
                uint8_t out[7 * 5 * 3];
                st = amsel_image_crop_resize(c2, img, 0.9f, 7, 5, out);
                CHECK(st == AMSEL_OK || st == AMSEL_ERR_NOMEM);
            }
            amsel_image_destroy(img);
            amsel_ctx_destroy(c2);
            CHECK_EQ_INT(a.live, 0);
        }
        CHECK(done);
        CHECK(nomem >= 2);
    }
    for (int f = 0; f < 3; f++)
        buf_free(&files[f]);
    buf_free(&plain);
}

static void test_limits_and_args(void)
{
    amsel_limits lim = {.max_image_pixels = 100};
    amsel_ctx_set_limits(ctx, &lim);
    uint8_t rgb[QW * QH * 3];
    make_quadrants(rgb);
    buf j = make_jpeg(rgb, QW, QH, TJPF_RGB, TJSAMP_444, 90);
    buf p = {0};
    make_png(&(png_spec){.w = QW, .h = QH, .ctype = PNG_COLOR_TYPE_RGB, .depth = 8, .rows = rgb}, &p);
    buf b = make_bmp(&(bmp_spec){.w = QW, .h = QH, .bpp = 24, .hsize = 40, .rgb = rgb});
    CHECK_EQ_INT(decode_status(j.p, j.n, "l.jpg"), AMSEL_ERR_LIMIT);
    CHECK_EQ_INT(decode_status(p.p, p.n, "l.png"), AMSEL_ERR_LIMIT);
    CHECK_EQ_INT(decode_status(b.p, b.n, "l.bmp"), AMSEL_ERR_LIMIT);
    amsel_image *img = NULL;
    CHECK_EQ_INT(amsel_image_from_rgb(ctx, rgb, QW, QH, &img), AMSEL_ERR_LIMIT);
    CHECK_EQ_INT(amsel_image_from_rgb(ctx, rgb, 10, 10, &img), AMSEL_OK);
    amsel_image_destroy(img);
    amsel_ctx_set_limits(ctx, &(amsel_limits){0});
    CHECK_EQ_INT(decode_status(j.p, j.n, "l.jpg"), AMSEL_OK);

    /* from_rgb and accessors. */
    CHECK_EQ_INT(amsel_image_from_rgb(ctx, rgb, QW, QH, &img), AMSEL_OK);
    CHECK_EQ_INT(amsel_image_width(img), QW);
    CHECK_EQ_INT(amsel_image_height(img), QH);
    CHECK(amsel_image_pixels(img) != rgb && memcmp(amsel_image_pixels(img), rgb, sizeof rgb) == 0);
    amsel_image_destroy(img);
    amsel_image_destroy(NULL);
    CHECK_EQ_INT(amsel_image_width(NULL), 0);
    CHECK_EQ_INT(amsel_image_from_rgb(ctx, rgb, 0, 5, &img), AMSEL_ERR_INVALID_ARG);
    CHECK(img == NULL);
    CHECK_EQ_INT(amsel_image_from_rgb(ctx, NULL, 5, 5, &img), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_image_from_rgb(ctx, rgb, 5, 5, NULL), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_image_from_rgb(NULL, rgb, 5, 5, &img), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_image_decode(ctx, NULL, 5, "x", &img), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_image_decode(ctx, j.p, j.n, NULL, &img), AMSEL_OK); /* name optional */
    amsel_image_destroy(img);
    CHECK_EQ_INT(amsel_image_load(ctx, NULL, &img), AMSEL_ERR_INVALID_ARG);
    buf_free(&j);
    buf_free(&p);
    buf_free(&b);
}

static void test_files(void)
{
    uint8_t rgb[4 * 2 * 3];
    fill_random(rgb, sizeof rgb);
    buf p = {0};
    make_png(&(png_spec){.w = 4, .h = 2, .ctype = PNG_COLOR_TYPE_RGB, .depth = 8, .rows = rgb}, &p);
    const char *png_path = write_tmp("ok.png", p.p, p.n);
    amsel_image *img = NULL;
    CHECK_EQ_INT(amsel_image_load(ctx, png_path, &img), AMSEL_OK);
    if (img)
        CHECK(memcmp(amsel_image_pixels(img), rgb, sizeof rgb) == 0);
    amsel_image_destroy(img);
    /* The format comes from the content, not the name. */
    const char *misnamed = write_tmp("really-a-png.jpg", p.p, p.n);
    CHECK_EQ_INT(amsel_image_load(ctx, misnamed, &img), AMSEL_OK);
    amsel_image_destroy(img);
    buf_free(&p);

    const char *text = "This is not an image.\n";
    const char *txt_path = write_tmp("notes.txt", text, strlen(text));
    img = (amsel_image *)1;
    CHECK_EQ_INT(amsel_image_load(ctx, txt_path, &img), AMSEL_ERR_FORMAT);
    CHECK(img == NULL);
    CHECK(strstr(amsel_last_error(ctx), txt_path) != NULL);
    CHECK(strstr(amsel_last_error(ctx), "not a JPEG, PNG or BMP image") != NULL);

    const char *empty = write_tmp("empty.png", "", 0);
    CHECK_EQ_INT(amsel_image_load(ctx, empty, &img), AMSEL_ERR_FORMAT);
    CHECK(strstr(amsel_last_error(ctx), empty) != NULL);

    char missing[128];
    snprintf(missing, sizeof missing, "%s/no-such-file.jpg", tmpdir);
    CHECK_EQ_INT(amsel_image_load(ctx, missing, &img), AMSEL_ERR_IO);
    CHECK(strstr(amsel_last_error(ctx), missing) != NULL);

    /* max_file_bytes applies to images. */
    amsel_limits lim = {.max_file_bytes = 10};
    amsel_ctx_set_limits(ctx, &lim);
    CHECK_EQ_INT(amsel_image_load(ctx, png_path, &img), AMSEL_ERR_LIMIT);
    amsel_ctx_set_limits(ctx, &(amsel_limits){0});
}

/* ---- preprocess --------------------------------------------------------- */

/* The documented formula, written independently of the library. */
static int expect_q(int v, double scale, int zp, int is_int8)
{
    double f = (v - 127.5) / 127.5, q = f / scale;
    q = q < 0 ? -floor(-q + 0.5) : floor(q + 0.5);
    q += zp;
    double lo = is_int8 ? -128 : 0, hi = is_int8 ? 127 : 255;
    return (int)(q < lo ? lo : q > hi ? hi : q);
}

static amsel_image *random_image(int w, int h)
{
    uint8_t *rgb = malloc((size_t)w * h * 3);
    fill_random(rgb, (size_t)w * h * 3);
    amsel_image *img = NULL;
    CHECK_EQ_INT(amsel_image_from_rgb(ctx, rgb, w, h, &img), AMSEL_OK);
    free(rgb);
    return img;
}

static amsel_image *image_from_fn(int w, int h, int (*fn)(int x, int y, int c))
{
    uint8_t *rgb = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                rgb[((size_t)y * w + x) * 3 + c] = (uint8_t)fn(x, y, c);
    amsel_image *img = NULL;
    CHECK_EQ_INT(amsel_image_from_rgb(ctx, rgb, w, h, &img), AMSEL_OK);
    free(rgb);
    return img;
}

static void test_preprocess_identity(void)
{
    struct { float scale; int zp, is_int8; } qs[] = {
        {0.0078125f, 128, 0}, {0.0078125f, 0, 1}, {0.0078431377f, 127, 0},
        {0.004f, 10, 0},      /* clamps at both ends */
        {0.02f, -5, 1}, {1.0f / 127.5f, 128, 0}};
    /* 224 -> 224 with crop 1, and 256 -> crop 0.875 = 224 exactly. */
    amsel_image *a = random_image(224, 224), *b = random_image(256, 256);
    static uint8_t out[224 * 224 * 3];
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        for (int which = 0; which < 2; which++) {
            amsel_preprocess p = {.width = 224, .height = 224, .crop = which ? 0.875f : 1.0f,
                                  .scale = qs[k].scale, .zero_point = qs[k].zp,
                                  .is_int8 = qs[k].is_int8};
            const amsel_image *img = which ? b : a;
            int off = which ? 16 : 0, W = amsel_image_width(img);
            CHECK_EQ_INT(amsel_image_preprocess(ctx, img, &p, out), AMSEL_OK);
            int bad = 0;
            for (int y = 0; y < 224; y++)
                for (int x = 0; x < 224; x++)
                    for (int c = 0; c < 3; c++) {
                        int v = amsel_image_pixels(img)[((size_t)(y + off) * W + x + off) * 3 + c];
                        int q = p.is_int8 ? ((int8_t *)out)[(y * 224 + x) * 3 + c]
                                          : out[(y * 224 + x) * 3 + c];
                        bad += q != expect_q(v, p.scale, p.zero_point, p.is_int8);
                    }
            CHECK_EQ_INT(bad, 0);
        }
    }
    /* The formula at the ends for the usual uint8 input (scale 1/128, zp 128). */
    CHECK_EQ_INT(expect_q(0, 0.0078125, 128, 0), 0);
    CHECK_EQ_INT(expect_q(255, 0.0078125, 128, 0), 255);
    amsel_image_destroy(a);
    amsel_image_destroy(b);
}

static int fn_const(int x, int y, int c) { (void)x; (void)y; return c == 0 ? 17 : c == 1 ? 130 : 250; }

static void test_resize_constant(void)
{
    int sizes[][4] = {{37, 23, 224, 224}, {37, 23, 5, 3}, {300, 200, 7, 100},
                      {1, 1, 9, 4}, {640, 480, 224, 224}, {50, 50, 49, 51}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        amsel_image *img = image_from_fn(sizes[s][0], sizes[s][1], fn_const);
        int w = sizes[s][2], h = sizes[s][3];
        uint8_t *out = malloc((size_t)w * h * 3);
        for (int crop = 0; crop < 2; crop++) {
            CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, crop ? 0.6f : 1.0f, w, h, out), AMSEL_OK);
            int bad = 0;
            for (int i = 0; i < w * h; i++)
                bad += out[3 * i] != 17 || out[3 * i + 1] != 130 || out[3 * i + 2] != 250;
            CHECK_EQ_INT(bad, 0);
        }
        free(out);
        amsel_image_destroy(img);
    }
}

static int fn_grad(int x, int y, int c) { (void)y; (void)c; return x; } /* 0..255 */
static int fn_four(int x, int y, int c) { (void)y; (void)c; return x == 0 ? 0 : x == 1 ? 60 : x == 2 ? 120 : 240; }
static int fn_six(int x, int y, int c) { (void)y; (void)c; return x * 40 + (x == 5 ? 15 : 0); } /* 0,40,..,160,215 */
static int fn_ten(int x, int y, int c) { (void)y; (void)c; return x * x * 2 + 3; }

static double ref_bilinear(const double *src, int n_in, int n_out, int i)
{
    double s = (double)n_in / n_out, x = (i + 0.5) * s - 0.5;
    if (x < 0)
        x = 0;
    int x0 = (int)floor(x);
    if (x0 >= n_in - 1)
        return src[n_in - 1];
    return src[x0] + (x - x0) * (src[x0 + 1] - src[x0]);
}

static void test_resize_gradient(void)
{
    /* Monotonic in x, equal rows, for enlarging, mild and strong shrinking. */
    amsel_image *img = image_from_fn(256, 8, fn_grad);
    int widths[] = {600, 200, 129, 100, 31};
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        int w = widths[k];
        uint8_t *out = malloc((size_t)w * 5 * 3);
        CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, w, 5, out), AMSEL_OK);
        int mono = 1, rows = 1;
        for (int x = 1; x < w; x++)
            mono &= out[3 * x] >= out[3 * (x - 1)];
        for (int y = 1; y < 5; y++)
            rows &= memcmp(out, out + (size_t)y * w * 3, (size_t)w * 3) == 0;
        CHECK(mono);
        CHECK(rows);
        CHECK(out[0] < 10 && out[3 * (w - 1)] > 245);
        free(out);
    }
    amsel_image_destroy(img);

    /* Hand-computed bilinear values: 4 -> 6 (enlarge) is
     * src x = -1/6 (edge), 1/2, 7/6, 11/6, 5/2, 19/6 (edge):
     * 0, 30, 70, 110, 180, 240. */
    img = image_from_fn(4, 2, fn_four);
    uint8_t out[6 * 2 * 3];
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 6, 2, out), AMSEL_OK);
    const int want6[6] = {0, 30, 70, 110, 180, 240};
    for (int x = 0; x < 6; x++)
        CHECK_EQ_INT(out[3 * x], want6[x]);
    amsel_image_destroy(img);
    /* 6 -> 4 (1.5x shrink, still bilinear): x = 0.25, 1.75, 3.25, 4.75. */
    img = image_from_fn(6, 1, fn_six);
    double src6[6] = {0, 40, 80, 120, 160, 215};
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 4, 1, out), AMSEL_OK);
    const int want4[4] = {10, 70, 130, 201}; /* 201.25 */
    for (int x = 0; x < 4; x++) {
        CHECK_EQ_INT(out[3 * x], want4[x]);
        CHECK_EQ_INT(out[3 * x], (int)floor(ref_bilinear(src6, 6, 4, x) + 0.5));
    }
    amsel_image_destroy(img);

    /* 10 -> 3 (3.33x shrink: area): [0,10/3), [10/3,20/3), [20/3,10). */
    img = image_from_fn(10, 1, fn_ten);
    double v[10], want[3] = {0, 0, 0};
    for (int i = 0; i < 10; i++)
        v[i] = i * i * 2 + 3;
    want[0] = (v[0] + v[1] + v[2] + v[3] / 3) * 0.3;
    want[1] = (v[3] * 2 / 3 + v[4] + v[5] + v[6] * 2 / 3) * 0.3;
    want[2] = (v[6] / 3 + v[7] + v[8] + v[9]) * 0.3;
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 3, 1, out), AMSEL_OK);
    for (int x = 0; x < 3; x++)
        CHECK_EQ_INT(out[3 * x], (int)floor(want[x] + 0.5));
    amsel_image_destroy(img);
}

static int fn_checker(int x, int y, int c) { (void)c; return ((x + y) & 1) ? 255 : 0; }

static int fn_columns(int x, int y, int c) { (void)y; (void)c; return (x & 1) ? 255 : 0; }

static void test_resize_area(void)
{
    /* A 1-pixel checkerboard shrunk 8x is flat mid grey (bilinear would
     * alias it to black or white). */
    amsel_image *img = image_from_fn(64, 64, fn_checker);
    uint8_t out[8 * 8 * 3];
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 8, 8, out), AMSEL_OK);
    int bad = 0;
    for (int i = 0; i < 8 * 8 * 3; i++)
        bad += out[i] != 128; /* 127.5 rounds up */
    CHECK_EQ_INT(bad, 0);
    amsel_image_destroy(img);
    /* Weights that are thirds must still sum to exactly one: columns of 0
     * and 255, 8x9 -> 4x3 (2x bilinear, 3x area) is 127.5 exactly, which
     * rounds up everywhere. */
    img = image_from_fn(8, 9, fn_columns);
    uint8_t out3[4 * 3 * 3];
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 4, 3, out3), AMSEL_OK);
    bad = 0;
    for (int i = 0; i < 4 * 3 * 3; i++)
        bad += out3[i] != 128;
    CHECK_EQ_INT(bad, 0);
    amsel_image_destroy(img);
    /* Extreme shrinking (weights far below one fixed-point step): still
     * the mean, never outside 0..255. */
    int sides[3] = {20000, 30001, 70000};
    for (int k = 0; k < 3; k++) {
        img = random_image(sides[k], 1);
        double mean[3] = {0, 0, 0};
        for (int i = 0; i < sides[k] * 3; i++)
            mean[i % 3] += amsel_image_pixels(img)[i] / (double)sides[k];
        uint8_t one[3];
        CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 1, 1, one), AMSEL_OK);
        for (int c = 0; c < 3; c++)
            CHECK(fabs(one[c] - mean[c]) <= 2);
        amsel_image_destroy(img);
    }
    /* Non-integer 8.6x: still close to mid grey everywhere. */
    img = image_from_fn(301, 215, fn_checker);
    uint8_t out2[35 * 25 * 3];
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 35, 25, out2), AMSEL_OK);
    bad = 0;
    for (int i = 0; i < 35 * 25 * 3; i++)
        bad += abs(out2[i] - 128) > 2;
    CHECK_EQ_INT(bad, 0);
    amsel_image_destroy(img);
}

static int fn_quads(int x, int y, int c)
{
    static const int col[4][3] = {{200, 0, 0}, {0, 200, 0}, {0, 0, 200}, {90, 90, 90}};
    return col[(y >= 4) * 2 + (x >= 4)][c];
}
static int fn_xy(int x, int y, int c) { return (x * 13 + y * 7 + c * 50) & 255; }

static void test_crop(void)
{
    /* Crop 0.5 of an 8x8 four-quadrant image: the centre 4x4, each
     * quadrant 2x2, unchanged (no resampling as sizes match). */
    amsel_image *img = image_from_fn(8, 8, fn_quads);
    uint8_t out[4 * 4 * 3];
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 0.5f, 4, 4, out), AMSEL_OK);
    int bad = 0;
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            for (int c = 0; c < 3; c++)
                bad += out[(y * 4 + x) * 3 + c] != fn_quads(x + 2, y + 2, c);
    CHECK_EQ_INT(bad, 0);
    /* Down to 2x2: one pixel per quadrant colour. */
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 0.5f, 2, 2, out), AMSEL_OK);
    for (int q = 0; q < 4; q++)
        for (int c = 0; c < 3; c++)
            CHECK_EQ_INT(out[q * 3 + c], fn_quads((q % 2) * 7, (q / 2) * 7, c));
    amsel_image_destroy(img);
    /* Odd sizes: 11x9, crop 0.6 -> round(6.6)=7 x round(5.4)=5 at (2, 2). */
    img = image_from_fn(11, 9, fn_xy);
    uint8_t o2[7 * 5 * 3];
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 0.6f, 7, 5, o2), AMSEL_OK);
    bad = 0;
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 7; x++)
            for (int c = 0; c < 3; c++)
                bad += o2[(y * 7 + x) * 3 + c] != fn_xy(x + 2, y + 2, c);
    CHECK_EQ_INT(bad, 0);
    amsel_image_destroy(img);
}

static void test_preprocess_matches_resize(void)
{
    /* Resampled preprocess = the formula applied to crop_resize's pixels. */
    int cases[][4] = {{227, 227, 224, 224}, {300, 200, 224, 224}, {1920, 1080, 224, 224}, {50, 40, 96, 128}};
    static uint8_t r[224 * 224 * 3], o[224 * 224 * 3];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        amsel_image *img = random_image(cases[k][0], cases[k][1]);
        int w = cases[k][2], h = cases[k][3];
        amsel_preprocess p = {.width = w, .height = h, .crop = 0.875f, .scale = 0.0078125f,
                              .zero_point = (k & 1) ? -1 : 128, .is_int8 = (int)(k & 1)};
        CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, p.crop, w, h, r), AMSEL_OK);
        CHECK_EQ_INT(amsel_image_preprocess(ctx, img, &p, o), AMSEL_OK);
        int bad = 0;
        for (int i = 0; i < w * h * 3; i++) {
            int got = p.is_int8 ? (int8_t)o[i] : o[i];
            bad += got != expect_q(r[i], p.scale, p.zero_point, p.is_int8);
        }
        CHECK_EQ_INT(bad, 0);
        amsel_image_destroy(img);
    }
}

/* The AVX-512 resize rows (auto backend) against the portable loop (ref
 * backend): every byte equal, for random sizes on both sides of 1x and 2x
 * scale factors, crops, odd widths, and crop_resize and preprocess. */
static void test_resize_fast_matches_portable(void)
{
    amsel_ctx *ref;
    if (amsel_ctx_create(&ref) != AMSEL_OK || amsel_ctx_set_backend(ref, "ref") != AMSEL_OK)
        return;
    static uint8_t a[300 * 300 * 3], b[300 * 300 * 3];
    int ran = 0;
    for (int iter = 0; iter < 300; iter++) {
        const int iw = 1 + (int)(rnd() % 400), ih = 1 + (int)(rnd() % 400);
        const int w = 1 + (int)(rnd() % 300), h = 1 + (int)(rnd() % 300);
        const float crop = rnd() % 3 ? 0.875f : (float)(rnd() % 100 + 1) / 100.0f;
        amsel_image *img = random_image(iw, ih);
        amsel_preprocess p = {.width = w, .height = h, .crop = crop, .scale = 0.0115f,
                              .zero_point = 123, .is_int8 = (int)(iter & 1)};
        if (p.is_int8)
            p.zero_point = -5;
        memset(a, 0xA5, sizeof a);
        memset(b, 0x5A, sizeof b);
        if (iter % 2) {
            CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, crop, w, h, a), AMSEL_OK);
            CHECK_EQ_INT(amsel_image_crop_resize(ref, img, crop, w, h, b), AMSEL_OK);
        } else {
            CHECK_EQ_INT(amsel_image_preprocess(ctx, img, &p, a), AMSEL_OK);
            CHECK_EQ_INT(amsel_image_preprocess(ref, img, &p, b), AMSEL_OK);
        }
        if (memcmp(a, b, (size_t)w * h * 3)) {
            fprintf(stderr, "resize %dx%d -> %dx%d crop %g: fast and portable differ\n", iw, ih,
                    w, h, (double)crop);
            check_failures++;
        }
        amsel_image_destroy(img);
        ran++;
    }
    CHECK_EQ_INT(ran, 300);
    amsel_ctx_destroy(ref);
}

static void test_preprocess_args(void)
{
    amsel_image *img = random_image(10, 10);
    uint8_t out[16 * 16 * 3];
    const amsel_preprocess good = {.width = 16, .height = 16, .crop = 1.0f, .scale = 0.0078125f,
                                   .zero_point = 128};
    CHECK_EQ_INT(amsel_image_preprocess(ctx, img, &good, out), AMSEL_OK);
    amsel_preprocess p;
#define BAD(field, value)                                                        \
    do {                                                                         \
        p = good;                                                                \
        p.field = value;                                                         \
        ctx_msg_reset();                                                         \
        CHECK_EQ_INT(amsel_image_preprocess(ctx, img, &p, out), AMSEL_ERR_INVALID_ARG); \
        CHECK(strstr(amsel_last_error(ctx), "amsel_image_preprocess") != NULL);   \
    } while (0)
#define ctx_msg_reset() amsel_image_from_rgb(ctx, NULL, 0, 0, NULL) /* another message */
    BAD(crop, 0.0f);
    BAD(crop, -0.5f);
    BAD(crop, 1.5f);
    BAD(crop, NAN);
    BAD(width, 0);
    BAD(width, 8193);
    BAD(height, -1);
    BAD(height, 100000);
    BAD(scale, 0.0f);
    BAD(scale, -1.0f);
    BAD(scale, INFINITY);
    BAD(scale, NAN);
    BAD(zero_point, 256);
    BAD(zero_point, -1);
    p = good;
    p.is_int8 = 1; /* zero point 128 is outside int8 */
    CHECK_EQ_INT(amsel_image_preprocess(ctx, img, &p, out), AMSEL_ERR_INVALID_ARG);
    CHECK(strstr(amsel_last_error(ctx), "zero point") != NULL);
    BAD(crop, 2.0f);
    CHECK(strstr(amsel_last_error(ctx), "crop") != NULL);
#undef BAD
#undef ctx_msg_reset
    CHECK_EQ_INT(amsel_image_preprocess(ctx, NULL, &good, out), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_image_preprocess(ctx, img, NULL, out), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_image_preprocess(ctx, img, &good, NULL), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_image_preprocess(NULL, img, &good, out), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 0, 5, out), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 8, 8, NULL), AMSEL_ERR_INVALID_ARG);
    /* Tiny crops keep at least one pixel; 8192 is allowed. */
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 0.01f, 3, 3, out), AMSEL_OK);
    uint8_t *wide = malloc(8192 * 2 * 3);
    CHECK_EQ_INT(amsel_image_crop_resize(ctx, img, 1.0f, 8192, 2, wide), AMSEL_OK);
    free(wide);
    amsel_image_destroy(img);
}

/* ---- shared data -------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Decodes every file of a folder; returns how many decoded. */
static int decode_folder(const char *dir, int want_w, int want_h, int *grey_files)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        amsel_image *img = NULL;
        amsel_status st = amsel_image_load(ctx, path, &img);
        if (ends_with(e->d_name, ".txt") || ends_with(e->d_name, ".md")) {
            CHECK_EQ_INT(st, AMSEL_ERR_FORMAT);
            continue;
        }
        if (st != AMSEL_OK) {
            fprintf(stderr, "%s\n", amsel_last_error(ctx));
            CHECK_EQ_INT(st, AMSEL_OK);
            continue;
        }
        int w = amsel_image_width(img), h = amsel_image_height(img);
        if (want_w) {
            CHECK_EQ_INT(w, want_w);
            CHECK_EQ_INT(h, want_h);
        } else {
            CHECK(w >= 100 && w <= 4000 && h >= 100 && h <= 4000);
        }
        if (grey_files) {
            const uint8_t *p = amsel_image_pixels(img);
            int grey = 1;
            for (size_t i = 0; i < (size_t)w * h && grey; i++)
                grey = p[3 * i] == p[3 * i + 1] && p[3 * i] == p[3 * i + 2];
            *grey_files += grey;
        }
        n++;
        amsel_image_destroy(img);
    }
    closedir(d);
    return n;
}

static void test_shared_data(const char *data)
{
    char path[1024];
    /* Known photographs: size and a few pixels (values from OpenCV). */
    struct { const char *file; int w, h; int pts[2][5]; int tol; } known[] = {
        {"grace_hopper.bmp", 512, 600, {{100, 100, 108, 79, 82}, {511, 599, 13, 12, 18}}, 0},
        {"parrot.jpg", 512, 929, {{256, 400, 92, 115, 97}, {100, 700, 226, 224, 237}}, 3},
        {"cat_1080p.jpg", 1920, 1080, {{-1}}, 0},
        {"cat_720p.jpg", 1280, 720, {{-1}}, 0},
        {"hot_dog.jpg", 512, 384, {{-1}}, 0},
        {"kite_and_cold.jpg", 1352, 900, {{-1}}, 0},
        {"owl.jpg", 512, 384, {{-1}}, 0},
    };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        snprintf(path, sizeof path, "%s/images/%s", data, known[k].file);
        if (access(path, R_OK) != 0)
            continue;
        amsel_image *img = NULL;
        CHECK_EQ_INT(amsel_image_load(ctx, path, &img), AMSEL_OK);
        if (!img)
            continue;
        CHECK_EQ_INT(amsel_image_width(img), known[k].w);
        CHECK_EQ_INT(amsel_image_height(img), known[k].h);
        for (int i = 0; i < 2 && known[k].pts[0][0] >= 0; i++) {
            const int *t = known[k].pts[i];
            if (!near_rgb(img, t[0], t[1], t[2], t[3], t[4], known[k].tol)) {
                fprintf(stderr, "%s (%d,%d) = %d %d %d, want %d %d %d\n", known[k].file, t[0], t[1],
                        px(img, t[0], t[1], 0), px(img, t[0], t[1], 1), px(img, t[0], t[1], 2),
                        t[2], t[3], t[4]);
                CHECK(0);
            }
        }
        amsel_image_destroy(img);
    }
    snprintf(path, sizeof path, "%s/images", data);
    int n = decode_folder(path, 0, 0, NULL);
    CHECK(n >= 7);
    snprintf(path, sizeof path, "%s/datasets/ilsvrc2012-val-native/images", data);
    int grey = 0;
    n = decode_folder(path, 0, 0, &grey);
    if (n >= 0) {
        CHECK(n >= 80);
        CHECK_EQ_INT(grey, 2);
    }
    snprintf(path, sizeof path, "%s/datasets/ilsvrc2012-val-227/images", data);
    n = decode_folder(path, 227, 227, NULL);
    if (n >= 0)
        CHECK(n >= 1300);
}

int main(void)
{
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/amsel_test_image_XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;

    test_png_rgb();
    test_png_gray();
    test_png_alpha();
    test_png_palette();
    test_png_16();
    test_png_bad();
    test_bmp();
    test_bmp_bad();
    test_jpeg();
    test_exif();
    test_jpeg_bad();
    test_mutations();
    test_nomem();
    test_limits_and_args();
    test_files();
    test_preprocess_identity();
    test_resize_constant();
    test_resize_gradient();
    test_resize_area();
    test_crop();
    test_preprocess_matches_resize();
    test_resize_fast_matches_portable();
    test_preprocess_args();
    const char *data = check_data_dir();
    if (data)
        test_shared_data(data);
    else
        fprintf(stderr, "AMSEL_DATA not set: shared images skipped\n");

    for (int i = 0; i < ntmp; i++)
        unlink(tmpfiles[i]);
    rmdir(tmpdir);
    amsel_ctx_destroy(ctx);
    return check_exit();
}
