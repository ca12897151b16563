/* FAST-9 corners (16-pixel Bresenham circle of radius 3) with non-maximum
 * suppression, as OpenCV's FastFeatureDetector (threshold 10, TYPE_9_16,
 * nonmaxSuppression on): a pixel is a corner when 9 contiguous circle
 * pixels are all brighter than centre + t or all darker than centre - t;
 * its score is OpenCV's (the largest t for which it stays a corner); a
 * corner is kept when its score beats all 8 neighbours' (0 = not a
 * corner). Only pixels at least 3 from the border are tested. */
#include "features/features_internal.h"

#include <string.h>

static const int circle[16][2] = {
    {0, 3},  {1, 3},   {2, 2},   {3, 1},   {3, 0},  {3, -1}, {2, -2}, {1, -3},
    {0, -3}, {-1, -3}, {-2, -2}, {-3, -1}, {-3, 0}, {-3, 1}, {-2, 2}, {-1, 3}};

/* OpenCV's cornerScore<16>, the largest threshold for which p would still
 * be a corner: with d[k] = centre - circle pixel k, OpenCV
 * returns max(threshold, max over the 16 arcs of 9 of min d, max over the
 * arcs of min -d) - 1. Written without branches over fixed-size arrays
 * (arcs in lanes) rather than as OpenCV's pruned loops; same value. */
static int corner_score(const uint8_t *p, const int off[16], int threshold)
{
    int16_t d[32], lo[16], hi[16];
    int v = p[0];
    for (int k = 0; k < 16; k++) {
        d[k] = (int16_t)(v - p[off[k]]);
        d[k + 16] = d[k];
    }
    for (int k = 0; k < 16; k++) {
        int16_t mn = d[k], mx = d[k];
        for (int j = 1; j < 9; j++) {
            mn = d[k + j] < mn ? d[k + j] : mn;
            mx = d[k + j] > mx ? d[k + j] : mx;
        }
        lo[k] = mn;            /* arc k..k+8 all darker by more than mn - 1 */
        hi[k] = (int16_t)-mx;  /* all brighter by more than -mx - 1 */
    }
    int best = threshold;
    for (int k = 0; k < 16; k++) {
        best = lo[k] > best ? lo[k] : best;
        best = hi[k] > best ? hi[k] : best;
    }
    return best - 1;
}

/* Circle masks of one row, for x in x0..x1-1: bit k of bright[x] (dark[x])
 * is set when circle pixel k is brighter than centre + t (darker than
 * centre - t). Loops over x with no branch, on 8- and 16-bit lanes, so
 * the compiler vectorises them; hi/lo are saturated, which changes no
 * comparison (nothing is > 255 or < 0). */
static void row_masks(const uint8_t *row, int x0, int x1, const int off[16], int t,
                      uint8_t *hi, uint8_t *lo, uint16_t *bright, uint16_t *dark)
{
    for (int x = x0; x < x1; x++) {
        int v = row[x];
        hi[x] = (uint8_t)(v + t > 255 ? 255 : v + t);
        lo[x] = (uint8_t)(v - t < 0 ? 0 : v - t);
        bright[x] = 0;
        dark[x] = 0;
    }
    for (int k = 0; k < 16; k++) {
        const uint8_t *q = row + off[k];
        for (int x = x0; x < x1; x++) {
            bright[x] |= (uint16_t)((q[x] > hi[x]) << k);
            dark[x] |= (uint16_t)((q[x] < lo[x]) << k);
        }
    }
}

/* cand[x] = 1 when bright[x] or dark[x], as 16-bit circular masks, has a
 * run of 9 set bits: doubling the mask to 32 bits makes runs that wrap
 * appear whole; r keeps bit i when bits i..i+8 are all set. Vectorised. */
static void run9(const uint16_t *bright, const uint16_t *dark, int x0, int x1, uint8_t *cand)
{
    for (int x = x0; x < x1; x++) {
        uint32_t b = bright[x], d = dark[x];
        b |= b << 16;
        d |= d << 16;
        uint32_t rb = b & (b >> 1), rd = d & (d >> 1); /* bits i..i+1 */
        rb &= rb >> 2;                                   /* i..i+3 */
        rd &= rd >> 2;
        rb &= rb >> 4;                                   /* i..i+7 */
        rd &= rd >> 4;
        rb &= b >> 8;                                    /* i..i+8 */
        rd &= d >> 8;
        cand[x] = (uint8_t)((rb | rd) != 0);
    }
}

void am_feat_fast(amsel_features *f)
{
    const int W = f->w, H = f->h;
    size_t n = (size_t)W * (size_t)H;
    memset(f->score, 0, n);
    memset(f->corners, 0, n);
    f->st.n_corners = 0;
    if (W < 7 || H < 7)
        return;
    /* The corners map's first row serves as the candidate flags until the
     * suppression below, which clears it first. */
    int off[25];
    for (int k = 0; k < 25; k++)
        off[k] = circle[k % 16][0] + circle[k % 16][1] * W;
    /* f->stack (4WH bytes, H >= 7) is free here: masks and thresholds, 6W bytes. */
    uint16_t *bright = (uint16_t *)f->stack, *dark = bright + W;
    uint8_t *hi = (uint8_t *)(dark + W), *lo = hi + W, *cand = f->corners;
    for (int y = 3; y < H - 3; y++) {
        const uint8_t *row = f->smooth + (size_t)y * W;
        uint8_t *sc = f->score + (size_t)y * W;
        row_masks(row, 3, W - 3, off, AM_FAST_THRESHOLD, hi, lo, bright, dark);
        run9(bright, dark, 3, W - 3, cand);
        for (int x = 3; x < W - 3; x++)
            if (cand[x])
                sc[x] = (uint8_t)corner_score(row + x, off, AM_FAST_THRESHOLD);
    }
    memset(f->corners, 0, (size_t)W);
    /* Scores outside rows/columns 3..size-4 are 0, so neighbours are safe. */
    for (int y = 3; y < H - 3; y++) {
        const uint8_t *s = f->score + (size_t)y * W;
        for (int x = 3; x < W - 3; x++) {
            int v = s[x];
            if (!v)
                continue;
            if (v > s[x - W - 1] && v > s[x - W] && v > s[x - W + 1] && v > s[x - 1] &&
                v > s[x + 1] && v > s[x + W - 1] && v > s[x + W] && v > s[x + W + 1]) {
                f->corners[(size_t)y * W + x] = 255;
                f->st.n_corners++;
            }
        }
    }
}
