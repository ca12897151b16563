/* The feature table and the workspace. A feature is one row of the table:
 * its column name and a function reading the analyses' results (f->st);
 * several columns may share a function through the row's argument (the
 * histogram bin). To add a feature, add a row here (and, if it needs a new
 * pass over the pixels, a file beside this one called from analyse()). */
#include "features/features_internal.h"

#include <math.h>
#include <string.h>

typedef double (*feat_fn)(const am_feat_stats *st, int arg);

static double f_keypoints(const am_feat_stats *st, int a) { (void)a; return st->n_corners; }
static double f_avg_bright(const am_feat_stats *st, int a) { (void)a; return st->mean_grey; }
static double f_rms_bright(const am_feat_stats *st, int a) { (void)a; return st->rms_grey; }
static double f_avg_perc(const am_feat_stats *st, int a) { (void)a; return st->mean_perc; }
static double f_rms_perc(const am_feat_stats *st, int a) { (void)a; return st->rms_perc; }
static double f_contrast(const am_feat_stats *st, int a) { (void)a; return st->std_grey; }
static double f_edge_length(const am_feat_stats *st, int k) { return st->length_hist[k]; }
static double f_edge_angle(const am_feat_stats *st, int k) { return st->angle_hist[k]; }
static double f_area_perim(const am_feat_stats *st, int a) { (void)a; return st->area_by_perim; }
static double f_aspect(const am_feat_stats *st, int a) { (void)a; return st->aspect_ratio; }
static double f_hue(const am_feat_stats *st, int k) { return st->hue_hist[k]; }

static const struct {
    const char *name;
    feat_fn fn;
    int arg;
} table[] = {
    {"n_keypoints", f_keypoints, 0},
    {"avg_brightness", f_avg_bright, 0},
    {"brightness_rms", f_rms_bright, 0},
    {"avg_perc_brightness", f_avg_perc, 0},
    {"perc_brightness_rms", f_rms_perc, 0},
    {"contrast", f_contrast, 0},
    {"edge_length1", f_edge_length, 0}, {"edge_length2", f_edge_length, 1},
    {"edge_length3", f_edge_length, 2}, {"edge_length4", f_edge_length, 3},
    {"edge_length5", f_edge_length, 4}, {"edge_length6", f_edge_length, 5},
    {"edge_length7", f_edge_length, 6},
    {"edge_angle1", f_edge_angle, 0}, {"edge_angle2", f_edge_angle, 1},
    {"edge_angle3", f_edge_angle, 2}, {"edge_angle4", f_edge_angle, 3},
    {"edge_angle5", f_edge_angle, 4}, {"edge_angle6", f_edge_angle, 5},
    {"edge_angle7", f_edge_angle, 6},
    {"area_by_perim", f_area_perim, 0},
    {"aspect_ratio", f_aspect, 0},
    {"hue1", f_hue, 0}, {"hue2", f_hue, 1}, {"hue3", f_hue, 2}, {"hue4", f_hue, 3},
    {"hue5", f_hue, 4}, {"hue6", f_hue, 5}, {"hue7", f_hue, 6},
};

#define N_FEATURES ((int)(sizeof table / sizeof table[0]))
_Static_assert(sizeof table / sizeof table[0] <= AMSEL_FEATURES_MAX, "raise AMSEL_FEATURES_MAX");

int amsel_features_count(void) { return N_FEATURES; }

const char *amsel_features_name(int i)
{
    return i >= 0 && i < N_FEATURES ? table[i].name : NULL;
}

void amsel_features_working_size(int width, int height, int *out_w, int *out_h)
{
    long w = width > 0 ? width : 1, h = height > 0 ? height : 1;
    long s = w < h ? w : h, l = w < h ? h : w;
    long ws, wl;
    if (l * AMSEL_FEATURES_SIDE <= (long)AMSEL_FEATURES_MAX_SIDE * s) {
        ws = AMSEL_FEATURES_SIDE;
        wl = (2 * l * AMSEL_FEATURES_SIDE + s) / (2 * s);  /* round(224 l / s) */
    } else {
        wl = AMSEL_FEATURES_MAX_SIDE;
        ws = (2 * s * AMSEL_FEATURES_MAX_SIDE + l) / (2 * l);
        if (ws < 1)
            ws = 1;
    }
    if (out_w)
        *out_w = (int)(w < h ? ws : wl);
    if (out_h)
        *out_h = (int)(w < h ? wl : ws);
}

amsel_status amsel_features_create(amsel_ctx *ctx, amsel_features **out)
{
    if (!out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_features_create: out is NULL");
    *out = NULL;
    if (!ctx)
        return AMSEL_ERR_INVALID_ARG;
    amsel_features *f = am_calloc(ctx, 1, sizeof *f);
    if (!f)
        return AMSEL_ERR_NOMEM;
    f->ctx = ctx;
    const size_t np = AM_FEAT_MAX_PIXELS, npad = AM_FEAT_MAX_PADDED;
    f->rgb = am_malloc(ctx, np * 3);
    f->grey = am_malloc(ctx, np);
    f->smooth = am_malloc(ctx, np);
    f->rowsum = am_malloc(ctx, np * sizeof *f->rowsum);
    f->gpad = am_malloc(ctx, npad);
    f->dx = am_malloc(ctx, npad * sizeof *f->dx);
    f->dy = am_malloc(ctx, npad * sizeof *f->dy);
    f->mag = am_malloc(ctx, npad * sizeof *f->mag);
    f->emap = am_malloc(ctx, npad);
    f->stack = am_malloc(ctx, np * sizeof *f->stack);
    f->edges = am_malloc(ctx, np);
    f->score = am_malloc(ctx, np);
    f->corners = am_malloc(ctx, np);
    if (!f->rgb || !f->grey || !f->smooth || !f->rowsum || !f->gpad || !f->dx || !f->dy || !f->mag || !f->emap ||
        !f->stack || !f->edges || !f->score || !f->corners) {
        amsel_features_destroy(f);
        return am_fail(ctx, AMSEL_ERR_NOMEM, "amsel_features_create: out of memory");
    }
    /* OpenCV's tables: saturate_cast<int> rounds half to even, as rint(). */
    f->sdiv[0] = f->hdiv[0] = 0;
    for (int i = 1; i < 256; i++) {
        f->sdiv[i] = (int)rint((255 << 12) / (1.0 * i));
        f->hdiv[i] = (int)rint((180 << 12) / (6.0 * i));
    }
    for (int k = 0; k < AM_FEAT_BINS; k++) {
        double b = k * 3.14159265358979323846 / AM_FEAT_BINS;
        f->bin_cos[k] = cos(b);
        f->bin_sin[k] = sin(b);
    }
    *out = f;
    return AMSEL_OK;
}

void amsel_features_destroy(amsel_features *f)
{
    if (!f)
        return;
    amsel_ctx *ctx = f->ctx;
    am_free(ctx, f->rgb);
    am_free(ctx, f->grey);
    am_free(ctx, f->smooth);
    am_free(ctx, f->rowsum);
    am_free(ctx, f->gpad);
    am_free(ctx, f->dx);
    am_free(ctx, f->dy);
    am_free(ctx, f->mag);
    am_free(ctx, f->emap);
    am_free(ctx, f->stack);
    am_free(ctx, f->edges);
    am_free(ctx, f->score);
    am_free(ctx, f->corners);
    am_free(ctx, f);
}

/* Runs every analysis on f->rgb (f->w x f->h) and reads the table. */
static void analyse(amsel_features *f, double *out)
{
    memset(&f->st, 0, sizeof f->st);
    am_feat_grey(f);
    am_feat_smooth(f);
    am_feat_canny(f);
    am_feat_trace(f);
    am_feat_fast(f);
    am_feat_hue(f);
    for (int i = 0; i < N_FEATURES; i++) {
        double v = table[i].fn(&f->st, table[i].arg);
        out[i] = isfinite(v) ? v : 0.0;  /* never NaN, whatever a new row does */
    }
}

static int size_ok(int w, int h)
{
    return w >= 1 && h >= 1 && w <= AMSEL_FEATURES_MAX_SIDE && h <= AMSEL_FEATURES_MAX_SIDE &&
           (long)w * h <= AM_FEAT_MAX_PIXELS;
}

amsel_status amsel_features_compute_rgb(amsel_features *f, const uint8_t *rgb, int width,
                                        int height, double *out)
{
    if (!f)
        return AMSEL_ERR_INVALID_ARG;
    if (!rgb || !out)
        return am_fail(f->ctx, AMSEL_ERR_INVALID_ARG, "amsel_features_compute_rgb: NULL %s",
                       !rgb ? "pixels" : "output");
    if (!size_ok(width, height))
        return am_fail(f->ctx, AMSEL_ERR_INVALID_ARG,
                       "amsel_features_compute_rgb: %dx%d is not a working size (sides "
                       "1..%d, at most %d pixels)",
                       width, height, AMSEL_FEATURES_MAX_SIDE, AM_FEAT_MAX_PIXELS);
    f->w = width;
    f->h = height;
    if (rgb != f->rgb)
        memcpy(f->rgb, rgb, (size_t)width * (size_t)height * 3);
    analyse(f, out);
    return AMSEL_OK;
}

amsel_status amsel_features_compute(amsel_features *f, const amsel_image *img, double *out)
{
    if (!f)
        return AMSEL_ERR_INVALID_ARG;
    if (!img || !out)
        return am_fail(f->ctx, AMSEL_ERR_INVALID_ARG, "amsel_features_compute: NULL %s",
                       !img ? "image" : "output");
    int w, h;
    amsel_features_working_size(amsel_image_width(img), amsel_image_height(img), &w, &h);
    f->w = f->h = 0;  /* the maps are invalid until analyse() */
    amsel_status st = amsel_image_crop_resize(f->ctx, img, 1.0f, w, h, f->rgb);
    if (st != AMSEL_OK)
        return st;
    f->w = w;
    f->h = h;
    analyse(f, out);
    return AMSEL_OK;
}

const uint8_t *amsel_features_get_map(const amsel_features *f, amsel_features_map which,
                                      int *width, int *height)
{
    int ok = f && f->w > 0;
    if (width)
        *width = ok ? f->w : 0;
    if (height)
        *height = ok ? f->h : 0;
    if (!ok)
        return NULL;
    switch (which) {
    case AMSEL_FEATURES_MAP_RGB: return f->rgb;
    case AMSEL_FEATURES_MAP_GREY: return f->grey;
    case AMSEL_FEATURES_MAP_SMOOTH: return f->smooth;
    case AMSEL_FEATURES_MAP_EDGES: return f->edges;
    case AMSEL_FEATURES_MAP_CORNERS: return f->corners;
    }
    return NULL;
}
