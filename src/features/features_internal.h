/* Internal interface of the features module: the workspace (every buffer,
 * sized once for the largest working image), the analyses that fill it
 * (one file each) and what they leave for the feature table (features.c).
 *
 * Layout: the working image is W x H. Maps used by Canny and the edge
 * tracing carry a one-pixel frame, (H+2) x (W+2), index (y+1)*(W+2)+(x+1),
 * so neighbour reads need no bounds tests; the frame is zero (no edge, no
 * gradient), as in OpenCV's Canny. */
#ifndef AMSEL_FEATURES_INTERNAL_H
#define AMSEL_FEATURES_INTERNAL_H

#include "amsel/features.h"
#include "core/ctx.h"

#include <stdint.h>

#define AM_FEAT_BINS 7
#define AM_FEAT_MAX_PIXELS (AMSEL_FEATURES_SIDE * AMSEL_FEATURES_MAX_SIDE)
/* (H+2)(W+2) = WH + 2(W+H) + 4 with W, H <= MAX_SIDE. */
#define AM_FEAT_MAX_PADDED (AM_FEAT_MAX_PIXELS + 4 * AMSEL_FEATURES_MAX_SIDE + 4)

/* Canny thresholds on the L1 Sobel magnitude |dx|+|dy| (3x3 Sobel). */
#define AM_CANNY_LOW 80
#define AM_CANNY_HIGH 160
/* FAST-9 (16-pixel circle) intensity threshold. */
#define AM_FAST_THRESHOLD 10
/* Hue counts only pixels with OpenCV saturation S and value V at least these. */
#define AM_HUE_MIN_S 51
#define AM_HUE_MIN_V 26

/* Results of the analyses, read by the feature table. */
typedef struct am_feat_stats {
    double mean_grey, rms_grey, std_grey;   /* grey 0..255 */
    double mean_perc, rms_perc;             /* perceived brightness 0..255 */
    int n_corners;
    int n_edges;                            /* connected edges */
    long edge_pixels;
    double length_hist[AM_FEAT_BINS];       /* fraction of edge pixels per length bin */
    double angle_hist[AM_FEAT_BINS];        /* fraction of edge pixels per dominant-angle bin */
    double aspect_ratio, area_by_perim;     /* main object's bounding box */
    double hue_hist[AM_FEAT_BINS];          /* fraction of all pixels per hue bin */
} am_feat_stats;

struct amsel_features {
    amsel_ctx *ctx;
    int w, h;           /* working size of the last compute; 0 before */
    uint8_t *rgb;       /* (h, w, 3) working image */
    uint8_t *grey;      /* (h, w) */
    uint8_t *smooth;    /* (h, w) grey blurred 3x3 [1 2 1]^2/16: Canny and FAST input */
    uint16_t *rowsum;   /* (h, w) vertical [1 2 1] pass of the blur */
    uint8_t *gpad;      /* (h+2, w+2) grey, border replicated (Sobel input) */
    int16_t *dx, *dy;   /* (h+2, w+2) Sobel derivatives, frame 0 */
    int32_t *mag;       /* (h+2, w+2) |dx|+|dy|, frame 0 */
    uint8_t *emap;      /* (h+2, w+2) 0 none, 1 weak, 2 edge, 3 edge already traced */
    int32_t *stack;     /* (h*w) padded indices, for hysteresis and tracing */
    uint8_t *edges;     /* (h, w) 255 = Canny edge */
    uint8_t *score;     /* (h, w) FAST score, 0 = not a corner */
    uint8_t *corners;   /* (h, w) 255 = corner kept by suppression */
    int sdiv[256], hdiv[256];            /* OpenCV's HSV division tables */
    double bin_cos[AM_FEAT_BINS], bin_sin[AM_FEAT_BINS]; /* angle bin boundaries k*180/7 */
    am_feat_stats st;
};

/* Each fills f->st (and its maps) from the working image f->rgb. */
void am_feat_grey(amsel_features *f);     /* grey.c: grey map, brightness, contrast */
void am_feat_smooth(amsel_features *f);   /* grey.c: smooth map (needs grey) */
void am_feat_canny(amsel_features *f);    /* canny.c: emap, edges (needs grey) */
void am_feat_trace(amsel_features *f);    /* edges.c: histograms, main object (needs canny) */
void am_feat_fast(amsel_features *f);     /* fast.c: corners (needs grey) */
void am_feat_hue(amsel_features *f);      /* hue.c: hue histogram */

#endif
