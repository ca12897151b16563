/* Hue histogram: OpenCV's 8-bit RGB->HSV (H in 0..179, S and V in 0..255,
 * the same fixed-point tables) per pixel; pixels with S >= AM_HUE_MIN_S and
 * V >= AM_HUE_MIN_V count in bin H*7/180; each bin is divided by the number
 * of pixels of the image, so grey images give all zeros. */
#include "features/features_internal.h"

void am_feat_hue(amsel_features *f)
{
    long count[AM_FEAT_BINS + 1] = {0};
    const uint8_t *p = f->rgb;
    size_t n = (size_t)f->w * (size_t)f->h;
    for (size_t i = 0; i < n; i++, p += 3) {
        int r = p[0], g = p[1], b = p[2];
        int v = r > g ? r : g, vmin = r < g ? r : g;
        v = b > v ? b : v;
        vmin = b < vmin ? b : vmin;
        int diff = v - vmin;
        int s = (diff * f->sdiv[v] + (1 << 11)) >> 12;
        /* OpenCV's selection by masks (no branch to mispredict): v == r
         * first, then v == g, else blue. */
        int vr = -(v == r), vg = -(v == g);
        int h = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + (~vg & (r - g + 4 * diff))));
        h = (h * f->hdiv[diff] + (1 << 11)) >> 12;
        h += (h < 0) * 180;
        int bin = h * AM_FEAT_BINS / 180;
        bin = bin < AM_FEAT_BINS ? bin : AM_FEAT_BINS - 1;
        /* Unsaturated or dark pixels count in a spare slot. */
        count[(s < AM_HUE_MIN_S || v < AM_HUE_MIN_V) ? AM_FEAT_BINS : bin]++;
    }
    for (int k = 0; k < AM_FEAT_BINS; k++)
        f->st.hue_hist[k] = (double)count[k] / (double)n;
}
