/* Features on synthetic images with known answers: flat images (exact
 * brightness, no edges, no corners), pure hues, a step edge and a
 * rectangle (edge length, angle, main object, corners), a grid of squares
 * (corner count, the same as OpenCV's FAST gives), degenerate sizes (1x1,
 * 1xN: finite values), bad arguments and failing allocations. */
#include "amsel/amsel.h"
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

enum {
    N_KEYPOINTS, AVG_BRIGHTNESS, BRIGHTNESS_RMS, AVG_PERC, PERC_RMS, CONTRAST,
    EDGE_LENGTH1, EDGE_ANGLE1 = EDGE_LENGTH1 + 7, AREA_BY_PERIM = EDGE_ANGLE1 + 7,
    ASPECT_RATIO, HUE1, N_EXPECTED = HUE1 + 7
};

#define S AMSEL_FEATURES_SIDE
static uint8_t img[S * AMSEL_FEATURES_MAX_SIDE * 3];

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }
#define CHECK_NEAR(a, b, tol)                                                          \
    do {                                                                               \
        double a__ = (a), b__ = (b);                                                   \
        if (!near(a__, b__, tol)) {                                                    \
            fprintf(stderr, "%s:%d: %s == %.9g, expected %.9g (+-%g)\n", __FILE__,     \
                    __LINE__, #a, a__, b__, (double)(tol));                            \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

static void fill(int w, int h, uint8_t r, uint8_t g, uint8_t b)
{
    for (int i = 0; i < w * h; i++) {
        img[3 * i] = r;
        img[3 * i + 1] = g;
        img[3 * i + 2] = b;
    }
}

static void rect(int w, int x0, int y0, int x1, int y1, uint8_t v)
{
    for (int y = y0; y < y1; y++)
        memset(img + 3 * ((size_t)y * w + x0), v, 3 * (size_t)(x1 - x0));
}

static double sum(const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s;
}

static void check_finite(const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            fprintf(stderr, "feature %s is not finite\n", amsel_features_name(i));
            check_failures++;
        }
}

static void test_table(void)
{
    static const char *expected[N_EXPECTED] = {
        "n_keypoints", "avg_brightness", "brightness_rms", "avg_perc_brightness",
        "perc_brightness_rms", "contrast", "edge_length1", "edge_length2", "edge_length3",
        "edge_length4", "edge_length5", "edge_length6", "edge_length7", "edge_angle1",
        "edge_angle2", "edge_angle3", "edge_angle4", "edge_angle5", "edge_angle6",
        "edge_angle7", "area_by_perim", "aspect_ratio", "hue1", "hue2", "hue3", "hue4",
        "hue5", "hue6", "hue7"};
    CHECK_EQ_INT(amsel_features_count(), N_EXPECTED);
    for (int i = 0; i < N_EXPECTED; i++)
        CHECK(amsel_features_name(i) && !strcmp(amsel_features_name(i), expected[i]));
    CHECK(amsel_features_name(-1) == NULL);
    CHECK(amsel_features_name(N_EXPECTED) == NULL);
}

static void test_working_size(void)
{
    static const int cases[][4] = {
        {227, 227, S, S},         {500, 375, 213, S},       {375, 500, S, 213},
        {2000, 1500, 213, S},     {1, 1, S, S},             {S, S, S, S},
        {1, 1000, 1, 2 * S},      {1000, 10, 2 * S, 3},     {300, 150, 2 * S, S},
        {301, 150, 2 * S, 159},   {8000, 1, 2 * S, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int w = 0, h = 0;
        amsel_features_working_size(cases[i][0], cases[i][1], &w, &h);
        if (w != cases[i][2] || h != cases[i][3]) {
            fprintf(stderr, "working size of %dx%d: %dx%d, expected %dx%d\n", cases[i][0],
                    cases[i][1], w, h, cases[i][2], cases[i][3]);
            check_failures++;
        }
    }
}

static void test_flat(amsel_features *f)
{
    double v[AMSEL_FEATURES_MAX];
    fill(S, S, 100, 150, 200);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    int grey = (100 * 9798 + 150 * 19235 + 200 * 3735 + 16384) >> 15;
    double perc = sqrt(0.241 * 100 * 100 + 0.691 * 150 * 150 + 0.068 * 200 * 200);
    CHECK_EQ_INT(v[N_KEYPOINTS], 0);
    CHECK_NEAR(v[AVG_BRIGHTNESS], grey, 1e-12);
    CHECK_NEAR(v[BRIGHTNESS_RMS], grey, 1e-9);
    CHECK_NEAR(v[CONTRAST], 0, 1e-12);
    CHECK_NEAR(v[AVG_PERC], perc, 1e-3);
    CHECK_NEAR(v[PERC_RMS], perc, 1e-9);
    CHECK_NEAR(sum(v + EDGE_LENGTH1, 14), 0, 0);
    /* No edge: the main object is the whole image. */
    CHECK_NEAR(v[ASPECT_RATIO], 1, 0);
    CHECK_NEAR(v[AREA_BY_PERIM], S * S / (4.0 * S), 1e-12);
    /* (100,150,200): H = 105 (OpenCV scale 0..179), bin 105*7/180 = 4. */
    CHECK_NEAR(v[HUE1 + 4], 1, 0);
    CHECK_NEAR(sum(v + HUE1, 7), 1, 0);

    /* Two levels, half and half: contrast is half the difference. */
    fill(S, S, 0, 0, 0);
    rect(S, 0, 0, S, S / 2, 200);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    CHECK_NEAR(v[AVG_BRIGHTNESS], 100, 1e-12);
    CHECK_NEAR(v[CONTRAST], 100, 1e-9);
    CHECK_NEAR(v[BRIGHTNESS_RMS], sqrt(200.0 * 200 / 2), 1e-9);
}

static void test_hues(amsel_features *f)
{
    static const struct { uint8_t r, g, b; int bin; } cases[] = {
        {255, 0, 0, 0},     /* red H=0 */
        {255, 255, 0, 1},   /* yellow H=30 -> 30*7/180 = 1 */
        {0, 255, 0, 2},     /* green H=60 -> 2 */
        {0, 255, 255, 3},   /* cyan H=90 -> 3 */
        {0, 0, 255, 4},     /* blue H=120 -> 4 */
        {255, 0, 255, 5},   /* magenta H=150 -> 5 */
        {128, 128, 128, -1} /* grey: no saturated pixel */
    };
    double v[AMSEL_FEATURES_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fill(S, S, cases[i].r, cases[i].g, cases[i].b);
        CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
        int bin = cases[i].bin;
        for (int k = 0; k < 7; k++)
            if (v[HUE1 + k] != (k == bin ? 1.0 : 0.0)) {
                fprintf(stderr, "hue of (%d,%d,%d): hue%d = %g\n", cases[i].r, cases[i].g,
                        cases[i].b, k + 1, v[HUE1 + k]);
                check_failures++;
            }
    }
    /* Half red, half dark red (V below the threshold): hue1 = 0.5. */
    fill(S, S, 20, 0, 0);
    rect(S, 0, 0, S, S / 2, 0);
    for (int y = 0; y < S / 2; y++)
        for (int x = 0; x < S; x++)
            img[3 * (y * S + x)] = 255;
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    CHECK_NEAR(v[HUE1], 0.5, 0);
    CHECK_NEAR(sum(v + HUE1, 7), 0.5, 0);
}

static void test_step(amsel_features *f)
{
    double v[AMSEL_FEATURES_MAX];
    /* Vertical step: one straight edge, one pixel wide, the image's height. */
    fill(S, S, 0, 0, 0);
    rect(S, S / 2, 0, S, S, 255);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    CHECK_EQ_INT(v[N_KEYPOINTS], 0);
    CHECK_NEAR(v[EDGE_LENGTH1 + 6], 1, 0);   /* length S >= 128 */
    CHECK_NEAR(v[EDGE_ANGLE1 + 3], 1, 0);    /* vertical: bin 3 */
    CHECK_NEAR(v[ASPECT_RATIO], 1.0 / S, 1e-12);
    CHECK_NEAR(v[AREA_BY_PERIM], S / (2.0 * (S + 1)), 1e-12);
    int w, h, n = 0;
    const uint8_t *e = amsel_features_get_map(f, AMSEL_FEATURES_MAP_EDGES, &w, &h);
    CHECK(e && w == S && h == S);
    for (int i = 0; e && i < w * h; i++)
        n += e[i] == 255;
    CHECK_EQ_INT(n, S);
    /* Horizontal step: bin 0. */
    fill(S, S, 0, 0, 0);
    rect(S, 0, S / 2, S, S, 255);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    CHECK_NEAR(v[EDGE_ANGLE1], 1, 0);
    CHECK_NEAR(v[ASPECT_RATIO], S, 1e-12);
    /* Diagonal step (y > x): 135 degrees with y up -> bin 5 (128.6..154.3). */
    fill(S, S, 0, 0, 0);
    for (int y = 0; y < S; y++)
        rect(S, 0, y, y, y + 1, 255);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    CHECK(v[EDGE_ANGLE1 + 5] > 0.9);
}

static void test_rectangle(amsel_features *f)
{
    double v[AMSEL_FEATURES_MAX];
    /* A 100x40 white rectangle: one closed edge, mostly horizontal. */
    fill(S, S, 0, 0, 0);
    rect(S, 30, 60, 130, 100, 255);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    CHECK_NEAR(v[EDGE_LENGTH1 + 6], 1, 0);
    CHECK_NEAR(v[EDGE_ANGLE1], 1, 0);
    CHECK_NEAR(v[ASPECT_RATIO], 100.0 / 40, 0.1);
    CHECK_NEAR(v[AREA_BY_PERIM], 100.0 * 40 / 280, 0.5);
    CHECK_EQ_INT(v[N_KEYPOINTS], 4);
    /* Upright: the same rectangle turned by 90 degrees. */
    fill(S, S, 0, 0, 0);
    rect(S, 60, 30, 100, 130, 255);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    CHECK_NEAR(v[EDGE_ANGLE1 + 3], 1, 0);
    CHECK_NEAR(v[ASPECT_RATIO], 40.0 / 100, 0.02);
    /* The same picture at two source sizes: close main-object shape. */
    static uint8_t big[320 * 320 * 3];
    memset(big, 0, sizeof big);
    for (int y = 120; y < 200; y++)
        memset(big + 3 * (y * 320 + 60), 255, 3 * 200);
    amsel_ctx *ctx;
    amsel_image *im;
    double vb[AMSEL_FEATURES_MAX];
    CHECK_EQ_INT(amsel_ctx_create(&ctx), AMSEL_OK);
    CHECK_EQ_INT(amsel_image_from_rgb(ctx, big, 320, 320, &im), AMSEL_OK);
    CHECK_EQ_INT(amsel_features_compute(f, im, vb), AMSEL_OK);
    CHECK_NEAR(vb[ASPECT_RATIO], 200.0 / 80, 0.1);
    CHECK_EQ_INT(vb[N_KEYPOINTS], 4);
    amsel_image_destroy(im);
    amsel_ctx_destroy(ctx);
}

static void test_grid(amsel_features *f)
{
    double v[AMSEL_FEATURES_MAX];
    /* 3x3 separated white squares: four corners each. */
    fill(S, S, 0, 0, 0);
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 3; i++)
            rect(S, 20 + 45 * i, 20 + 45 * j, 45 + 45 * i, 45 + 45 * j, 255);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    CHECK_EQ_INT(v[N_KEYPOINTS], 36);
    int w, h, n = 0;
    const uint8_t *c = amsel_features_get_map(f, AMSEL_FEATURES_MAP_CORNERS, &w, &h);
    for (int i = 0; c && i < w * h; i++)
        n += c[i] == 255;
    CHECK_EQ_INT(n, 36);
    /* A 6x6 checkerboard of 20-pixel squares on black: exactly at an X
     * junction FAST-9 sees four arcs of ~4 pixels (no corner), but pixels
     * beside it see 9 or more darker ones. 122 is what OpenCV's detector
     * gives on the same blurred picture (checked with cv2 4.6). */
    fill(S, S, 0, 0, 0);
    for (int j = 0; j < 6; j++)
        for (int i = 0; i < 6; i++)
            if ((i + j) % 2 == 0)
                rect(S, 20 + 20 * i, 20 + 20 * j, 40 + 20 * i, 40 + 20 * j, 255);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    CHECK_EQ_INT(v[N_KEYPOINTS], 122);
}

static void test_degenerate(amsel_features *f)
{
    static const int sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {2, 2}, {1, 5000}, {5000, 1},
                                   {3, 900}, {9, 9}};
    amsel_ctx *ctx;
    CHECK_EQ_INT(amsel_ctx_create(&ctx), AMSEL_OK);
    static uint8_t px[5000 * 3 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 2654435761u >> 13);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        amsel_image *im;
        double v[AMSEL_FEATURES_MAX];
        CHECK_EQ_INT(amsel_image_from_rgb(ctx, px, sizes[k][0], sizes[k][1], &im), AMSEL_OK);
        CHECK_EQ_INT(amsel_features_compute(f, im, v), AMSEL_OK);
        check_finite(v, amsel_features_count());
        amsel_image_destroy(im);
        /* The same pixels taken as a working image where the size allows. */
        if (sizes[k][0] <= AMSEL_FEATURES_MAX_SIDE && sizes[k][1] <= AMSEL_FEATURES_MAX_SIDE) {
            CHECK_EQ_INT(amsel_features_compute_rgb(f, px, sizes[k][0], sizes[k][1], v),
                         AMSEL_OK);
            check_finite(v, amsel_features_count());
        }
    }
    /* Noise: every value finite, histograms sum to 1 (or 0). */
    for (int i = 0; i < S * S * 3; i++)
        img[i] = (uint8_t)((unsigned)i * 2654435761u >> 24);
    double v[AMSEL_FEATURES_MAX], v2[AMSEL_FEATURES_MAX];
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v), AMSEL_OK);
    check_finite(v, amsel_features_count());
    CHECK(v[N_KEYPOINTS] > 0);
    CHECK_NEAR(sum(v + EDGE_LENGTH1, 7), 1, 1e-9);
    CHECK_NEAR(sum(v + EDGE_ANGLE1, 7), 1, 1e-9);
    CHECK(sum(v + HUE1, 7) <= 1 + 1e-12);
    /* Deterministic. */
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, S, S, v2), AMSEL_OK);
    CHECK(!memcmp(v, v2, sizeof(double) * (size_t)amsel_features_count()));
    amsel_ctx_destroy(ctx);
}

static void test_bad_args(amsel_ctx *ctx, amsel_features *f)
{
    double v[AMSEL_FEATURES_MAX];
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, 0, 5, v), AMSEL_ERR_INVALID_ARG);
    CHECK(strstr(amsel_last_error(ctx), "0x5"));
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, AMSEL_FEATURES_MAX_SIDE + 1, 1, v),
                 AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, AMSEL_FEATURES_MAX_SIDE,
                                            AMSEL_FEATURES_MAX_SIDE, v),
                 AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, NULL, 4, 4, v), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_features_compute_rgb(f, img, 4, 4, NULL), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_features_compute_rgb(NULL, img, 4, 4, v), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_features_compute(f, NULL, v), AMSEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(amsel_features_create(ctx, NULL), AMSEL_ERR_INVALID_ARG);
    amsel_features *g = (amsel_features *)&g;
    CHECK_EQ_INT(amsel_features_create(NULL, &g), AMSEL_ERR_INVALID_ARG);
    CHECK(g == NULL);
    amsel_features_destroy(NULL);
    int w = -1, h = -1;
    CHECK(amsel_features_get_map(NULL, AMSEL_FEATURES_MAP_EDGES, &w, &h) == NULL);
    CHECK(w == 0 && h == 0);
}

/* Allocation n fails: create must report NOMEM and free what it took. */
static int fail_at, n_allocs;
static void *failing_alloc(void *user, void *ptr, size_t size)
{
    (void)user;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    if (!ptr && ++n_allocs == fail_at)
        return NULL;
    return realloc(ptr, size);
}

static void test_alloc_failures(void)
{
    for (fail_at = 1; fail_at < 40; fail_at++) {
        amsel_ctx *ctx;
        n_allocs = 0;
        int target = fail_at;
        fail_at = 0; /* the context itself must succeed */
        if (amsel_ctx_create_with_alloc(failing_alloc, NULL, &ctx) != AMSEL_OK) {
            check_failures++;
            return;
        }
        fail_at = target + n_allocs;
        amsel_features *f = NULL;
        amsel_status st = amsel_features_create(ctx, &f);
        int done = st == AMSEL_OK;
        CHECK(st == AMSEL_OK || (st == AMSEL_ERR_NOMEM && f == NULL));
        amsel_features_destroy(f);
        amsel_ctx_destroy(ctx);
        fail_at = target;
        if (done)
            break;
    }
    CHECK(fail_at > 5 && fail_at < 40); /* every allocation was made to fail once */
}

int main(void)
{
    amsel_ctx *ctx;
    amsel_features *f;
    if (amsel_ctx_create(&ctx) != AMSEL_OK || amsel_features_create(ctx, &f) != AMSEL_OK) {
        fprintf(stderr, "cannot create a workspace\n");
        return 1;
    }
    CHECK(amsel_features_get_map(f, AMSEL_FEATURES_MAP_RGB, NULL, NULL) == NULL);
    test_table();
    test_working_size();
    test_flat(f);
    test_hues(f);
    test_step(f);
    test_rectangle(f);
    test_grid(f);
    test_degenerate(f);
    test_bad_args(ctx, f);
    test_alloc_failures();
    amsel_features_destroy(f);
    amsel_ctx_destroy(ctx);
    return check_exit();
}
