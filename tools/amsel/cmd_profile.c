/* amsel profile: every model on every image of a labelled dataset, one
 * CSV row per (image, model): the raw material of model selection. The
 * CSV is written to a temporary and renamed at the end, never partial. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void help(FILE *f)
{
    fprintf(f,
            "usage: amsel profile --models FILE[,FILE...]|DIR --dataset LABELS -o CSV\n"
            "                     [--images DIR] [--limit N] [--crop F] [--skip-bad] [--data DIR]\n"
            "                     [--backend auto|fast|ref]\n\n"
            "Runs every model on every image of LABELS ('FILE CLASS' per line, CLASS 0..999\n"
            "or a wnid) and writes one CSV row per image and model:\n"
            "  image,class,model,top5,top5_scores,correct1,correct5,score1,score_true,\n"
            "  decode_ms,pre_ms,infer_ms\n"
            "top5 = five class ids separated by spaces; pre_ms = crop, resize and quantize\n"
            "for that model; infer_ms = the model's run; decode_ms = decoding (once per image).\n"
            "Ends with a per-model summary on stdout.\n"
            "  --images DIR  folder of the image files (default: LABELS' folder/images, or\n"
            "                LABELS' folder)\n"
            "  --limit N     only the first N images\n"
            "  --skip-bad    skip unreadable images with a warning (default: stop, no CSV)\n");
}

typedef struct model_stats {
    int images, correct1, correct5;
    double *infer_ms;
} model_stats;

int cmd_profile(int argc, char **argv)
{
    static const struct option opts[] = {
        {"models", required_argument, 0, 'm'}, {"dataset", required_argument, 0, 's'},
        {"images", required_argument, 0, 'i'}, {"limit", required_argument, 0, 'n'},
        {"crop", required_argument, 0, 'c'},   {"skip-bad", no_argument, 0, 'b'},
        {"data", required_argument, 0, 'd'},   {"output", required_argument, 0, 'o'},
        {"backend", required_argument, 0, 'B'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *backend = NULL;
    const char *models_arg = NULL, *dataset_path = NULL, *images_arg = NULL, *out_path = NULL;
    const char *data_opt = NULL;
    long limit = 0;
    double crop = AMSEL_DEFAULT_CROP;
    int skip_bad = 0, c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': models_arg = optarg; break;
        case 's': dataset_path = optarg; break;
        case 'i': images_arg = optarg; break;
        case 'n':
            if (!cli_parse_int(optarg, 1, 100000000, &limit)) {
                cli_error("--limit: expected a positive number, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'c':
            if (!cli_parse_float(optarg, 1e-3, 1.0, &crop)) {
                cli_error("--crop: expected a fraction in (0,1], got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'b': skip_bad = 1; break;
        case 'd': data_opt = optarg; break;
        case 'o': out_path = optarg; break;
        case 'B': backend = optarg; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if (!models_arg || !dataset_path || !out_path || optind < argc) {
        cli_error(optind < argc ? "unexpected argument '%s'"
                                : "--models, --dataset and -o are required",
                  optind < argc ? argv[optind] : "");
        help(stderr);
        return EXIT_USAGE;
    }
    const char *data = cli_data_dir(data_opt);
    char images_dir[4096], synsets[4096], path[8192];
    cli_dataset_dirs(data, dataset_path, images_arg, images_dir, sizeof images_dir, synsets,
                     sizeof synsets);

    int rc = 1, nmodels = 0, bad = 0;
    char **paths = NULL;
    amsel_ctx *ctx = NULL;
    amsel_dataset *ds = NULL;
    amsel_model **models = NULL;
    model_stats *stats = NULL;
    cli_outfile out = {0};
    if (!cli_ctx_create(backend, &ctx))
        return 1;
    if (amsel_dataset_load(ctx, dataset_path, synsets, &ds) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        goto done;
    }
    int nimages = amsel_dataset_count(ds);
    if (limit && limit < nimages)
        nimages = (int)limit;
    if ((nmodels = cli_model_list(data, models_arg, &paths)) < 0) {
        nmodels = 0;
        goto done;
    }
    models = calloc((size_t)nmodels, sizeof *models);
    stats = calloc((size_t)nmodels, sizeof *stats);
    if (!models || !stats)
        goto oom;
    for (int k = 0; k < nmodels; k++) {
        if (amsel_model_load(ctx, paths[k], &models[k]) != AMSEL_OK) {
            cli_error("%s", amsel_last_error(ctx));
            goto done;
        }
        if (!(stats[k].infer_ms = calloc((size_t)nimages, sizeof(double))))
            goto oom;
    }
    if (!cli_out_open(&out, out_path))
        goto done;
    fprintf(out.f, "image,class,model,top5,top5_scores,correct1,correct5,score1,score_true,"
                   "decode_ms,pre_ms,infer_ms\n");
    double last_report = 0;
    for (int i = 0; i < nimages; i++) {
        const char *file = amsel_dataset_file(ds, i);
        int cls = amsel_dataset_class(ds, i);
        snprintf(path, sizeof path, "%s/%s", images_dir, file);
        if (strchr(file, ',') || strchr(file, '"')) {
            cli_error("%s:%d: image name '%s' contains a comma or quote", dataset_path,
                      amsel_dataset_line(ds, i), file);
            goto done;
        }
        amsel_image *img;
        double t0 = cli_now_ms();
        if (amsel_image_load(ctx, path, &img) != AMSEL_OK) {
            if (!skip_bad) {
                cli_error("%s (listed at %s:%d)", amsel_last_error(ctx), dataset_path,
                          amsel_dataset_line(ds, i));
                goto done;
            }
            cli_warn("skipping: %s", amsel_last_error(ctx));
            bad++;
            continue;
        }
        double decode_ms = cli_now_ms() - t0;
        for (int k = 0; k < nmodels; k++) {
            amsel_class_score top[5];
            double pre_ms, infer_ms;
            char name[256];
            if (amsel_model_classify(models[k], img, (float)crop, 5, top, &pre_ms, &infer_ms)) {
                cli_error("%s: %s", path, amsel_last_error(ctx));
                amsel_image_destroy(img);
                goto done;
            }
            int c1 = top[0].cls == cls, c5 = 0;
            for (int r = 0; r < 5; r++)
                c5 |= top[r].cls == cls;
            model_stats *s = &stats[k];
            s->infer_ms[s->images++] = infer_ms;
            s->correct1 += c1;
            s->correct5 += c5;
            cli_model_name(paths[k], name, sizeof name);
            fprintf(out.f, "%s,%d,%s,%d %d %d %d %d,%.6f %.6f %.6f %.6f %.6f,%d,%d,%.6f,%.6f,"
                           "%.3f,%.3f,%.3f\n",
                    file, cls, name, top[0].cls, top[1].cls, top[2].cls, top[3].cls,
                    top[4].cls, top[0].score, top[1].score, top[2].score, top[3].score,
                    top[4].score, c1, c5, top[0].score, amsel_model_score(models[k], cls),
                    decode_ms, pre_ms, infer_ms);
        }
        amsel_image_destroy(img);
        double now = cli_now_ms();
        if (now - last_report > 1000 || i + 1 == nimages) {
            fprintf(stderr, "\rprofile: %d/%d images", i + 1, nimages);
            last_report = now;
        }
    }
    fprintf(stderr, "\n");
    if (bad)
        cli_warn("%d image(s) skipped", bad);
    if (!cli_out_commit(&out))
        goto done;
    printf("model\timages\ttop1\ttop5\tmean_ms\tmedian_ms\tmacs_millions\n");
    for (int k = 0; k < nmodels; k++) {
        model_stats *s = &stats[k];
        amsel_model_info in;
        amsel_model_get_info(models[k], &in);
        double sum = 0;
        for (int i = 0; i < s->images; i++)
            sum += s->infer_ms[i];
        char name[256];
        cli_model_name(paths[k], name, sizeof name);
        int n = s->images ? s->images : 1;
        printf("%s\t%d\t%.2f\t%.2f\t%.3f\t%.3f\t%.0f\n", name, s->images,
               100.0 * s->correct1 / n, 100.0 * s->correct5 / n, sum / n,
               cli_percentile(s->infer_ms, s->images, 50), in.macs / 1e6);
    }
    rc = bad && !skip_bad ? 1 : 0;
    goto done;
oom:
    cli_error("out of memory");
done:
    if (out.f)
        cli_out_abort(&out);
    for (int k = 0; k < nmodels; k++) {
        if (models)
            amsel_model_destroy(models[k]);
        if (stats)
            free(stats[k].infer_ms);
    }
    free(models);
    free(stats);
    cli_free_list(paths, nmodels);
    amsel_dataset_destroy(ds);
    amsel_ctx_destroy(ctx);
    return rc;
}
