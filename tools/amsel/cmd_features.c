/* amsel features: the image features of every image of a labelled dataset,
 * one CSV row per image (raw values; scaling belongs to the selector), and
 * last what they cost (features_ms: resample + features, wall clock, as the
 * profile's times are), so that evaluation can charge each image its real
 * feature cost. The CSV is written to a temporary and renamed at the end,
 * never partial.
 * --time reports what the features cost per image; --dump writes the
 * working image and the edge and corner maps for cross-checks. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void help(FILE *f)
{
    fprintf(f,
            "usage: amsel features --dataset LABELS [-o CSV] [--images DIR] [--limit N]\n"
            "                      [--time] [--dump DIR] [--data DIR]\n\n"
            "Computes the %d image features (docs/features.md) of every image of LABELS\n"
            "('FILE CLASS' per line) at the working resolution (shorter side %d, longer\n"
            "side at most %d) and writes one CSV row per image: image,class,<features>,\n"
            "features_ms (the resample + features time of that image, ms; not decoding).\n"
            "  --images DIR  folder of the image files (default: LABELS' folder/images, or\n"
            "                LABELS' folder)\n"
            "  --limit N     only the first N images\n"
            "  --time        print the cost per image in ms (median and p90 wall clock, median\n"
            "                thread CPU time): features on the working image, plus\n"
            "                resampling, plus decoding (-o optional; --bench is the same)\n"
            "  --dump DIR    write DIR/<image>.ppm (working image), .smooth.pgm,\n"
            "                .edges.pgm, .corners.pgm\n",
            amsel_features_count(), AMSEL_FEATURES_SIDE, AMSEL_FEATURES_MAX_SIDE);
}

/* Writes a binary PGM (channels 1) or PPM (3); 0 after printing an error. */
static int write_pnm(const char *path, const uint8_t *px, int w, int h, int channels)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        cli_error("%s: cannot create: %s", path, strerror(errno));
        return 0;
    }
    fprintf(f, "P%c\n%d %d\n255\n", channels == 3 ? '6' : '5', w, h);
    size_t n = (size_t)w * (size_t)h * (size_t)channels;
    int ok = fwrite(px, 1, n, f) == n;
    ok &= fclose(f) == 0;
    if (!ok)
        cli_error("%s: write failed", path);
    return ok;
}

static int dump_maps(const char *dir, const char *file, const amsel_features *feat)
{
    char base[4096], path[4200];
    snprintf(base, sizeof base, "%s", file);
    for (char *p = base; *p; p++)
        if (*p == '/')
            *p = '_';
    static const struct {
        amsel_features_map map;
        const char *suffix;
        int channels;
    } maps[] = {{AMSEL_FEATURES_MAP_RGB, ".ppm", 3},
                {AMSEL_FEATURES_MAP_SMOOTH, ".smooth.pgm", 1},
                {AMSEL_FEATURES_MAP_EDGES, ".edges.pgm", 1},
                {AMSEL_FEATURES_MAP_CORNERS, ".corners.pgm", 1}};
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) {
        int w, h;
        const uint8_t *px = amsel_features_get_map(feat, maps[k].map, &w, &h);
        snprintf(path, sizeof path, "%s/%s%s", dir, base, maps[k].suffix);
        if (!px || !write_pnm(path, px, w, h, maps[k].channels))
            return 0;
    }
    return 1;
}

/* CPU time of this thread in ms: unlike the wall clock, it does not count
 * the time other processes hold the core, so timings on a busy machine
 * stay meaningful. */
static double thread_cpu_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void print_times(const char *what, double *wall, double *cpu, int n)
{
    printf("%-30s %9.3f %9.3f %9.3f\n", what, cli_percentile(wall, n, 50),
           cli_percentile(wall, n, 90), cli_percentile(cpu, n, 50));
}

int cmd_features(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dataset", required_argument, 0, 's'}, {"images", required_argument, 0, 'i'},
        {"limit", required_argument, 0, 'n'},   {"time", no_argument, 0, 't'},
        {"bench", no_argument, 0, 't'},         {"dump", required_argument, 0, 'u'},
        {"data", required_argument, 0, 'd'},    {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    const char *dataset_path = NULL, *images_arg = NULL, *out_path = NULL, *data_opt = NULL;
    const char *dump_dir = NULL;
    long limit = 0;
    int timing = 0, c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': dataset_path = optarg; break;
        case 'i': images_arg = optarg; break;
        case 'n':
            if (!cli_parse_int(optarg, 1, 100000000, &limit)) {
                cli_error("--limit: expected a positive number, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 't': timing = 1; break;
        case 'u': dump_dir = optarg; break;
        case 'd': data_opt = optarg; break;
        case 'o': out_path = optarg; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if (!dataset_path || (!out_path && !timing) || optind < argc) {
        cli_error(optind < argc ? "unexpected argument '%s'"
                                : "--dataset and -o (or --time) are required",
                  optind < argc ? argv[optind] : "");
        help(stderr);
        return EXIT_USAGE;
    }
    const char *data = cli_data_dir(data_opt);
    char images_dir[4096], synsets[4096], path[8192];
    cli_dataset_dirs(data, dataset_path, images_arg, images_dir, sizeof images_dir, synsets,
                     sizeof synsets);

    int rc = 1, nf = amsel_features_count(), done_n = 0;
    amsel_ctx *ctx = NULL;
    amsel_dataset *ds = NULL;
    amsel_features *feat = NULL;
    uint8_t *work = NULL;
    double *t_feat = NULL, *t_pre = NULL, *t_all = NULL, *c_feat = NULL, *c_pre = NULL;
    double *c_all = NULL;
    cli_outfile out = {0};
    double values[AMSEL_FEATURES_MAX];
    if (!cli_ctx_create(NULL, &ctx))
        return 1;
    if (amsel_dataset_load(ctx, dataset_path, synsets, &ds) != AMSEL_OK ||
        amsel_features_create(ctx, &feat) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        goto done;
    }
    int nimages = amsel_dataset_count(ds);
    if (limit && limit < nimages)
        nimages = (int)limit;
    work = malloc((size_t)AMSEL_FEATURES_SIDE * AMSEL_FEATURES_MAX_SIDE * 3);
    t_feat = calloc((size_t)nimages + 1, sizeof *t_feat);
    t_pre = calloc((size_t)nimages + 1, sizeof *t_pre);
    t_all = calloc((size_t)nimages + 1, sizeof *t_all);
    c_feat = calloc((size_t)nimages + 1, sizeof *c_feat);
    c_pre = calloc((size_t)nimages + 1, sizeof *c_pre);
    c_all = calloc((size_t)nimages + 1, sizeof *c_all);
    if (!work || !t_feat || !t_pre || !t_all || !c_feat || !c_pre || !c_all) {
        cli_error("out of memory");
        goto done;
    }
    if (out_path) {
        if (!cli_out_open(&out, out_path))
            goto done;
        fprintf(out.f, "image,class");
        for (int k = 0; k < nf; k++)
            fprintf(out.f, ",%s", amsel_features_name(k));
        fprintf(out.f, ",features_ms\n");
    }
    double last_report = 0;
    for (int i = 0; i < nimages; i++) {
        const char *file = amsel_dataset_file(ds, i);
        snprintf(path, sizeof path, "%s/%s", images_dir, file);
        if (strchr(file, ',') || strchr(file, '"')) {
            cli_error("%s:%d: image name '%s' contains a comma or quote", dataset_path,
                      amsel_dataset_line(ds, i), file);
            goto done;
        }
        amsel_image *img;
        double c0 = thread_cpu_ms(), t0 = cli_now_ms();
        if (amsel_image_load(ctx, path, &img) != AMSEL_OK) {
            cli_error("%s (listed at %s:%d)", amsel_last_error(ctx), dataset_path,
                      amsel_dataset_line(ds, i));
            goto done;
        }
        /* What amsel_features_compute does, in two timed halves. */
        int w, h;
        amsel_features_working_size(amsel_image_width(img), amsel_image_height(img), &w, &h);
        double c1 = thread_cpu_ms(), t1 = cli_now_ms();
        amsel_status st = amsel_image_crop_resize(ctx, img, 1.0f, w, h, work);
        double c2 = thread_cpu_ms(), t2 = cli_now_ms();
        if (st == AMSEL_OK)
            st = amsel_features_compute_rgb(feat, work, w, h, values);
        double c3 = thread_cpu_ms(), t3 = cli_now_ms();
        amsel_image_destroy(img);
        if (st != AMSEL_OK) {
            cli_error("%s: %s", path, amsel_last_error(ctx));
            goto done;
        }
        t_feat[i] = t3 - t2;
        t_pre[i] = t3 - t1;
        t_all[i] = t3 - t0;
        c_feat[i] = c3 - c2;
        c_pre[i] = c3 - c1;
        c_all[i] = c3 - c0;
        done_n++;
        if (dump_dir && !dump_maps(dump_dir, file, feat))
            goto done;
        if (out.f) {
            fprintf(out.f, "%s,%d", file, amsel_dataset_class(ds, i));
            for (int k = 0; k < nf; k++)
                fprintf(out.f, ",%.9g", values[k]);
            fprintf(out.f, ",%.4f\n", t_pre[i]);
        }
        double now = cli_now_ms();
        if (now - last_report > 1000 || i + 1 == nimages) {
            fprintf(stderr, "\rfeatures: %d/%d images", i + 1, nimages);
            last_report = now;
        }
    }
    fprintf(stderr, "\n");
    if (out.f && !cli_out_commit(&out))
        goto done;
    if (timing) {
        printf("cost per image, %d images, one thread (ms)\n", done_n);
        printf("%-30s %9s %9s %9s\n", "", "median", "p90", "cpu_median");
        print_times("features (working image)", t_feat, c_feat, done_n);
        print_times("resample + features", t_pre, c_pre, done_n);
        print_times("decode + resample + features", t_all, c_all, done_n);
    }
    rc = 0;
done:
    if (out.f)
        cli_out_abort(&out);
    free(work);
    free(t_feat);
    free(t_pre);
    free(t_all);
    free(c_feat);
    free(c_pre);
    free(c_all);
    amsel_features_destroy(feat);
    amsel_dataset_destroy(ds);
    amsel_ctx_destroy(ctx);
    return rc;
}
