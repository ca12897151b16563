/* Edge tracing: the Canny edge map split into connected edges (8-connected
 * components), each with a length (its pixel count) and a dominant angle
 * (the most common of its pixels' edge-direction bins). They fill the
 * edge_length and edge_angle histograms, both weighted by length (the
 * fraction of all edge pixels that lie in edges of bin k); the edge with the largest
 * bounding box is the main object (aspect_ratio, area_by_perim).
 *
 * Angle of an edge pixel: the direction along the edge, perpendicular to
 * the Sobel gradient, in [0, 180) degrees counter-clockwise from the x
 * axis with y pointing up; bin k covers [k*180/7, (k+1)*180/7). A
 * horizontal edge is bin 0, a vertical one bin 3. */
#include "features/features_internal.h"

/* Edge-direction bin of a gradient (dx right-minus-left, dy bottom-minus-
 * top): the edge vector is (ex, ey) = (dy, dx) in y-up coordinates, folded
 * into the upper half plane; theta >= b_k iff cos b_k ey - sin b_k ex >= 0. */
static int angle_bin(const amsel_features *f, int dx, int dy)
{
    double ex = dy, ey = dx;
    if (ey < 0 || (ey == 0 && ex < 0)) {
        ex = -ex;
        ey = -ey;
    }
    int bin = 0;
    for (int k = 1; k < AM_FEAT_BINS; k++)
        bin += f->bin_cos[k] * ey - f->bin_sin[k] * ex >= 0;
    return bin;
}

static int length_bin(long len)
{
    int b = 0;
    for (long edge = 4; edge <= len && b < AM_FEAT_BINS - 1; edge *= 2)
        b++;   /* [1,4) [4,8) [8,16) [16,32) [32,64) [64,128) [128,inf) */
    return b;
}

void am_feat_trace(amsel_features *f)
{
    const int W = f->w, H = f->h, S = W + 2;
    const int nb[8] = {-S - 1, -S, -S + 1, -1, 1, S - 1, S, S + 1};
    am_feat_stats *st = &f->st;
    long px_len[AM_FEAT_BINS] = {0}, px_angle[AM_FEAT_BINS] = {0};
    long best_area = -1, best_count = 0;
    int best_w = W, best_h = H;
    st->n_edges = 0;
    st->edge_pixels = 0;
    for (int y0 = 1; y0 <= H; y0++) {
        for (int x0 = 1; x0 <= W; x0++) {
            long start = (long)y0 * S + x0;
            if (f->emap[start] != 2)
                continue;
            long count = 0, top = 0;
            long bins[AM_FEAT_BINS] = {0};
            int xmin = x0, xmax = x0, ymin = y0, ymax = y0;
            f->emap[start] = 3;
            f->stack[top++] = (int32_t)start;
            while (top) {
                long i = f->stack[--top];
                int x = (int)(i % S), y = (int)(i / S);
                count++;
                bins[angle_bin(f, f->dx[i], f->dy[i])]++;
                xmin = x < xmin ? x : xmin;
                xmax = x > xmax ? x : xmax;
                ymin = y < ymin ? y : ymin;
                ymax = y > ymax ? y : ymax;
                for (int k = 0; k < 8; k++) {
                    long j = i + nb[k];
                    if (f->emap[j] == 2) {
                        f->emap[j] = 3;
                        f->stack[top++] = (int32_t)j;
                    }
                }
            }
            int dom = 0;
            for (int k = 1; k < AM_FEAT_BINS; k++)
                if (bins[k] > bins[dom])
                    dom = k;
            st->n_edges++;
            st->edge_pixels += count;
            px_len[length_bin(count)] += count;
            px_angle[dom] += count;
            int bw = xmax - xmin + 1, bh = ymax - ymin + 1;
            long area = (long)bw * bh;
            if (area > best_area || (area == best_area && count > best_count)) {
                best_area = area;
                best_count = count;
                best_w = bw;
                best_h = bh;
            }
        }
    }
    for (int k = 0; k < AM_FEAT_BINS; k++) {
        st->length_hist[k] = st->edge_pixels ? (double)px_len[k] / st->edge_pixels : 0.0;
        st->angle_hist[k] = st->edge_pixels ? (double)px_angle[k] / st->edge_pixels : 0.0;
    }
    /* No edge: the main object is the whole working image. */
    st->aspect_ratio = (double)best_w / best_h;
    st->area_by_perim = (double)best_w * best_h / (2.0 * (best_w + best_h));
}
