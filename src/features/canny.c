/* Canny edge detector, the same arithmetic as OpenCV's cv::Canny with a
 * 3x3 Sobel, L1 magnitude and integer thresholds (so the cross-check can
 * expect identical maps): Sobel with replicated border, non-maximum
 * suppression along the gradient quantised to 0/45/90/135 degrees (tan
 * 22.5 in Q15), hysteresis from strong pixels (> high) through weak ones
 * (> low) over 8-neighbours. */
#include "features/features_internal.h"

#include <stdlib.h>
#include <string.h>

#define CANNY_SHIFT 15
#define TG22 13573 /* round(tan(22.5 deg) * 2^15) */

void am_feat_canny(amsel_features *f)
{
    const int W = f->w, H = f->h, S = W + 2;
    uint8_t *gp = f->gpad;
    for (int y = 0; y < H; y++) {
        const uint8_t *src = f->smooth + (size_t)y * W;
        uint8_t *row = gp + (size_t)(y + 1) * S;
        row[0] = src[0];
        memcpy(row + 1, src, (size_t)W);
        row[W + 1] = src[W - 1];
    }
    memcpy(gp, gp + S, (size_t)S);
    memcpy(gp + (size_t)(H + 1) * S, gp + (size_t)H * S, (size_t)S);

    size_t np = (size_t)S * (size_t)(H + 2);
    memset(f->mag, 0, np * sizeof *f->mag);
    memset(f->emap, 0, np);
    for (int y = 1; y <= H; y++) {
        const uint8_t *a = gp + (size_t)(y - 1) * S, *b = a + S, *c = b + S;
        int16_t *dxr = f->dx + (size_t)y * S, *dyr = f->dy + (size_t)y * S;
        int32_t *mr = f->mag + (size_t)y * S;
        for (int x = 1; x <= W; x++) {
            int gx = (a[x + 1] + 2 * b[x + 1] + c[x + 1]) - (a[x - 1] + 2 * b[x - 1] + c[x - 1]);
            int gy = (c[x - 1] + 2 * c[x] + c[x + 1]) - (a[x - 1] + 2 * a[x] + a[x + 1]);
            dxr[x] = (int16_t)gx;
            dyr[x] = (int16_t)gy;
            mr[x] = abs(gx) + abs(gy);
        }
    }

    int32_t *stack = f->stack;
    size_t top = 0;
    const int32_t *mag = f->mag;
    for (int y = 1; y <= H; y++) {
        for (int x = 1; x <= W; x++) {
            size_t i = (size_t)y * S + x;
            int m = mag[i];
            if (m <= AM_CANNY_LOW)
                continue;
            int xs = f->dx[i], ys = f->dy[i];
            int ax = abs(xs), ay = abs(ys) << CANNY_SHIFT;
            int tg22x = ax * TG22;
            int keep;
            if (ay < tg22x) {                     /* gradient ~horizontal */
                keep = m > mag[i - 1] && m >= mag[i + 1];
            } else {
                int tg67x = tg22x + (ax << (CANNY_SHIFT + 1));
                if (ay > tg67x) {                 /* gradient ~vertical */
                    keep = m > mag[i - S] && m >= mag[i + S];
                } else {                          /* diagonal */
                    int s = (xs ^ ys) < 0 ? -1 : 1;
                    keep = m > mag[i - S - s] && m > mag[i + S + s];
                }
            }
            if (!keep)
                continue;
            if (m > AM_CANNY_HIGH) {
                f->emap[i] = 2;
                stack[top++] = (int32_t)i;
            } else {
                f->emap[i] = 1;
            }
        }
    }
    /* Each pixel is pushed once, when it becomes 2: top <= W*H. */
    const int nb[8] = {-S - 1, -S, -S + 1, -1, 1, S - 1, S, S + 1};
    while (top) {
        long i = stack[--top];
        for (int k = 0; k < 8; k++) {
            long j = i + nb[k];
            if (f->emap[j] == 1) {
                f->emap[j] = 2;
                stack[top++] = (int32_t)j;
            }
        }
    }
    for (int y = 0; y < H; y++) {
        const uint8_t *e = f->emap + (size_t)(y + 1) * S + 1;
        uint8_t *o = f->edges + (size_t)y * W;
        for (int x = 0; x < W; x++)
            o[x] = e[x] == 2 ? 255 : 0;
    }
}
