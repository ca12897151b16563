/* amsel/features.h — cheap image features for choosing a model.
 *
 * The 29 candidate features of Marco et al. (ACM TECS 2019, Table 3),
 * computed on the image resampled to one fixed working resolution (shorter
 * side AMSEL_FEATURES_SIDE, longer side at most twice that; see
 * amsel_features_working_size) so that the same photo at different sizes
 * gives close values. Exact definitions: docs/features.md.
 *
 * Usage: create a workspace once (it holds every buffer; computing then
 * allocates nothing), compute per image, destroy. A workspace belongs to
 * one thread at a time. */
#ifndef AMSEL_FEATURES_H
#define AMSEL_FEATURES_H

#include "amsel/image.h"
#include "amsel/status.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Working resolution: shorter side, and the cap on the longer side. */
#define AMSEL_FEATURES_SIDE 160
#define AMSEL_FEATURES_MAX_SIDE 320

/* Number of features (columns); a compile-time upper bound for arrays. */
#define AMSEL_FEATURES_MAX 64

typedef struct amsel_features amsel_features;

/* Creates a workspace; it keeps a pointer to ctx (destroy it first). */
amsel_status amsel_features_create(amsel_ctx *ctx, amsel_features **out);
void amsel_features_destroy(amsel_features *f); /* NULL is harmless */

/* The feature table: count and names ("n_keypoints", "edge_length1", ...),
 * in output order. Names are static strings; out of range gives NULL. */
int amsel_features_count(void);
const char *amsel_features_name(int i);

/* Working size for a width x height source (both >= 1): the shorter side
 * becomes AMSEL_FEATURES_SIDE, the longer side keeps the aspect ratio,
 * rounded, capped at AMSEL_FEATURES_MAX_SIDE (then the shorter side
 * shrinks instead, at least 1). */
void amsel_features_working_size(int width, int height, int *out_w, int *out_h);

/* Resamples img to its working size (amsel_image_crop_resize, no crop)
 * and computes every feature into out[0 .. amsel_features_count()-1].
 * Values are finite for every image, 1x1 included. */
amsel_status amsel_features_compute(amsel_features *f, const amsel_image *img, double *out);

/* Computes every feature on RGB pixels taken as they are (no resampling):
 * width x height x 3 bytes, width and height in 1..AMSEL_FEATURES_MAX_SIDE
 * with width*height <= AMSEL_FEATURES_SIDE*AMSEL_FEATURES_MAX_SIDE. For
 * tests, benches and callers that already hold the working image. */
amsel_status amsel_features_compute_rgb(amsel_features *f, const uint8_t *rgb, int width,
                                        int height, double *out);

/* Intermediate maps of the last successful compute, for cross-checks and
 * pictures: width x height bytes, row-major, owned by f and valid until
 * the next compute. NULL (and 0x0) before any compute. */
typedef enum amsel_features_map {
    AMSEL_FEATURES_MAP_RGB,     /* the working image, 3 bytes per pixel */
    AMSEL_FEATURES_MAP_GREY,    /* grey, (9798 R + 19235 G + 3735 B + 16384) >> 15 */
    AMSEL_FEATURES_MAP_SMOOTH,  /* grey blurred 3x3 [1 2 1]^2/16: Canny and FAST input */
    AMSEL_FEATURES_MAP_EDGES,   /* Canny edges: 255 edge, 0 not */
    AMSEL_FEATURES_MAP_CORNERS  /* FAST corners after suppression: 255, else 0 */
} amsel_features_map;

const uint8_t *amsel_features_get_map(const amsel_features *f, amsel_features_map which,
                                      int *width, int *height);

#ifdef __cplusplus
}
#endif
#endif
