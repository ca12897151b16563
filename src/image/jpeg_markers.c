/* A bounds-checked walk over a JPEG's marker segments. It finds what
 * turbojpeg does not tell us: the frame header (size, components,
 * precision), the EXIF APP1 and Adobe APP14 segments, and whether the
 * data reaches the EOI marker or was cut short. Entropy-coded data after
 * SOS is skipped by looking for the next real marker (0xFF not followed
 * by a stuffed 0x00, a restart marker or another 0xFF fill byte). */
#include "image/image_internal.h"

#include <string.h>

static int is_sof(int m)
{
    return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

int am_jpeg_scan(const uint8_t *d, size_t n, am_jpeg_info *info, const char **why)
{
    memset(info, 0, sizeof *info);
    *why = NULL;
    size_t pos = 2; /* after SOI */
    for (;;) {
        /* Bytes that are not a marker (libjpeg warns and skips them too). */
        while (pos < n && d[pos] != 0xff)
            pos++;
        while (pos < n && d[pos] == 0xff) /* fill bytes */
            pos++;
        if (pos >= n)
            return 1; /* truncated: no EOI */
        int m = d[pos++];
        if (m == 0xd9) {
            info->complete = 1;
            return 1;
        }
        if (m == 0x00 || m == 0x01 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7))
            continue; /* no length field */
        if (n - pos < 2)
            return 1;
        size_t len = (size_t)d[pos] << 8 | d[pos + 1];
        if (len < 2) {
            *why = "segment length below 2";
            return 0;
        }
        if (n - pos < len)
            return 1; /* segment runs past the end */
        const uint8_t *p = d + pos + 2;
        size_t plen = len - 2;
        if (is_sof(m) && !info->has_sof) {
            if (plen < 6) {
                *why = "frame header too short";
                return 0;
            }
            info->has_sof = 1;
            info->sof_type = m;
            info->precision = p[0];
            info->height = p[1] << 8 | p[2];
            info->width = p[3] << 8 | p[4];
            info->components = p[5];
        } else if (m == 0xe1 && !info->exif && plen >= 6 && memcmp(p, "Exif\0\0", 6) == 0) {
            info->exif = p + 6;
            info->exif_size = plen - 6;
        } else if (m == 0xee && plen >= 5 && memcmp(p, "Adobe", 5) == 0) {
            info->adobe = 1;
        }
        pos += len;
        if (m != 0xda)
            continue;
        /* Entropy-coded data: find the next marker that ends it. */
        for (;;) {
            const uint8_t *ff = pos < n ? memchr(d + pos, 0xff, n - pos) : NULL;
            if (!ff)
                return 1; /* truncated inside the scan */
            size_t q = (size_t)(ff - d), r = q + 1;
            while (r < n && d[r] == 0xff)
                r++;
            if (r >= n)
                return 1;
            if (d[r] == 0x00 || (d[r] >= 0xd0 && d[r] <= 0xd7)) {
                pos = r + 1;
                continue;
            }
            pos = q;
            break;
        }
    }
}
