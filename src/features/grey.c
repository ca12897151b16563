/* Grey image and the brightness features: mean and RMS of grey, mean and
 * RMS of perceived brightness sqrt(0.241 R^2 + 0.691 G^2 + 0.068 B^2),
 * contrast = standard deviation of grey. Grey is OpenCV's RGB2GRAY in
 * fixed point, and the blur that feeds Canny and FAST is cv2.GaussianBlur
 * with a 3x3 kernel (sigma 0: [1 2 1]/4 each way, mirrored border
 * BORDER_REFLECT_101), so the cross-check can compare maps bit for bit.
 * The blur makes edges and corners depend less on how the source was
 * resampled to the working size. */
#include "features/features_internal.h"

#include <math.h>

void am_feat_grey(amsel_features *f)
{
    const uint8_t *p = f->rgb;
    size_t n = (size_t)f->w * (size_t)f->h;
    uint64_t sum = 0, sum2 = 0, sum_p2 = 0;  /* sum_p2 in units of 1/1000 */
    double sum_p = 0;
    for (size_t i = 0; i < n; i++, p += 3) {
        uint32_t r = p[0], g = p[1], b = p[2];
        uint32_t y = (r * 9798 + g * 19235 + b * 3735 + 16384) >> 15;
        f->grey[i] = (uint8_t)y;
        sum += y;
        sum2 += y * y;
        uint32_t s = 241 * r * r + 691 * g * g + 68 * b * b; /* <= 65,025,000 */
        sum_p2 += s;
        sum_p += sqrtf((float)s * 0.001f);
    }
    double dn = (double)n;
    f->st.mean_grey = (double)sum / dn;
    f->st.rms_grey = sqrt((double)sum2 / dn);
    /* n*sum2 - sum^2 >= 0 exactly in integers (<= 1e5 * 6.5e9). */
    uint64_t var_n2 = (uint64_t)n * sum2 - sum * sum;
    f->st.std_grey = sqrt((double)var_n2) / dn;
    f->st.mean_perc = sum_p / dn;
    f->st.rms_perc = sqrt((double)sum_p2 * 0.001 / dn);
}

/* Mirrored index (BORDER_REFLECT_101: -1 -> 1, n -> n-2); size 1 stays 0. */
static inline int mirror(int i, int n)
{
    if (n == 1)
        return 0;
    return i < 0 ? -i : i >= n ? 2 * n - 2 - i : i;
}

void am_feat_smooth(amsel_features *f)
{
    const int W = f->w, H = f->h;
    for (int y = 0; y < H; y++) {
        const uint8_t *a = f->grey + (size_t)mirror(y - 1, H) * W;
        const uint8_t *b = f->grey + (size_t)y * W;
        const uint8_t *c = f->grey + (size_t)mirror(y + 1, H) * W;
        uint16_t *r = f->rowsum + (size_t)y * W;
        for (int x = 0; x < W; x++)
            r[x] = (uint16_t)(a[x] + 2 * b[x] + c[x]);
    }
    for (int y = 0; y < H; y++) {
        const uint16_t *r = f->rowsum + (size_t)y * W;
        uint8_t *o = f->smooth + (size_t)y * W;
        o[0] = (uint8_t)((r[mirror(-1, W)] + 2 * r[0] + r[mirror(1, W)] + 8) >> 4);
        for (int x = 1; x < W - 1; x++)
            o[x] = (uint8_t)((r[x - 1] + 2 * r[x] + r[x + 1] + 8) >> 4);
        if (W > 1)
            o[W - 1] = (uint8_t)((r[W - 2] + 2 * r[W - 1] + r[mirror(W, W)] + 8) >> 4);
    }
}
