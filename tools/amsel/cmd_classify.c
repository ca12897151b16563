/* amsel classify: top-k classes of images with one model, or with a
 * trained selector (--selector) that picks the models per image. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f,
            "usage: amsel classify --model FILE [--top K] [--format tsv|json] [--crop F]\n"
            "                      [--labels FILE] [--backend " CLI_BACKENDS "] [--threads N] [--data DIR] IMAGE...\n"
            "       amsel classify --selector FILE [--models DIR] [--timing] [--top K] IMAGE...\n\n"
            "Prints, per image, the top K ImageNet classes (0..999, sorted-wnid order) with\n"
            "their probability. TSV columns: image rank class score label.\n"
            "With --selector, the selector file's policy chooses the models per image; the\n"
            "columns add models (those run, comma-separated) and total_ms (features,\n"
            "premodel and models); --timing adds features_ms premodel_ms model_ms (per model\n"
            "run, comma-separated). An image the policy is unsure of gets class -1.\n"
            "  --model FILE   a .tflite file, or a model name in DATA/models/imagenet\n"
            "  --selector F   a selector file (JSON, written by training)\n"
            "  --models DIR   where the selector's models are (default DATA/models/imagenet)\n"
            "  --top K        classes per image (default 5)\n"
            "  --crop F       central crop fraction, 1 = whole image (default %.3g)\n"
            "  --labels FILE  class names (default DATA/models/imagenet/labels.txt)\n",
            AMSEL_DEFAULT_CROP);
}

/* JSON string body with the characters JSON requires escaped. */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 32)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

/* Comma-separated list: the names of the models run, or their times. */
static void print_run(const amsel_selector *sel, const amsel_selection *r, int times)
{
    if (r->nrun == 0)
        printf("-");
    for (int k = 0; k < r->nrun; k++) {
        if (times)
            printf("%s%.3f", k ? "," : "", r->model_ms[k]);
        else
            printf("%s%s", k ? "," : "", amsel_selector_model_name(sel, r->run[k]));
    }
}

static int classify_selector(amsel_ctx *ctx, const char *path, const char *models_dir,
                             const amsel_labels *labels, int top, int timing, int nimg,
                             char **images)
{
    amsel_selector *sel;
    if (amsel_selector_open(ctx, path, models_dir, &sel) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        return 1;
    }
    int failures = 0, header = 0;
    for (int i = 0; i < nimg; i++) {
        amsel_image *img;
        amsel_selection r;
        if (amsel_image_load(ctx, images[i], &img) != AMSEL_OK) {
            cli_error("%s", amsel_last_error(ctx));
            failures++;
            continue;
        }
        amsel_status st = amsel_selector_classify(sel, img, &r);
        amsel_image_destroy(img);
        if (st != AMSEL_OK) {
            cli_error("%s: %s", images[i], amsel_last_error(ctx));
            failures++;
            continue;
        }
        if (!header++) /* not before the first answer: a run of bad images prints nothing */
            printf("image\trank\tclass\tscore\tlabel\tmodels\ttotal_ms%s\n",
                   timing ? "\tfeatures_ms\tpremodel_ms\tmodel_ms" : "");
        for (int k = 0; k < top; k++) {
            printf("%s\t%d\t%d\t%.6f\t%s\t", images[i], k + 1, r.top[k].cls, r.top[k].score,
                   r.unsure ? "unsure" : amsel_labels_name(labels, r.top[k].cls));
            print_run(sel, &r, 0);
            printf("\t%.3f", r.total_ms);
            if (timing) {
                printf("\t%.3f\t%.3f\t", r.features_ms, r.premodel_ms);
                print_run(sel, &r, 1);
            }
            printf("\n");
        }
    }
    amsel_selector_destroy(sel);
    return failures ? 1 : 0;
}

int cmd_classify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"top", required_argument, 0, 'k'},
        {"format", required_argument, 0, 'f'}, {"crop", required_argument, 0, 'c'},
        {"labels", required_argument, 0, 'l'}, {"data", required_argument, 0, 'd'},
        {"backend", required_argument, 0, 'B'}, {"threads", required_argument, 0, 'J'}, {"help", no_argument, 0, 'h'},
        {"selector", required_argument, 0, 'S'}, {"models", required_argument, 0, 'M'},
        {"timing", no_argument, 0, 'T'}, {0, 0, 0, 0}};
    const char *model_arg = NULL, *labels_arg = NULL, *data_opt = NULL, *backend = NULL;
    const char *selector = NULL, *models_dir = NULL;
    long top = 5;
    double crop = AMSEL_DEFAULT_CROP;
    int json = 0, c, crop_given = 0, timing = 0;
    while ((c = getopt_long(argc, argv, "m:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model_arg = optarg; break;
        case 'k':
            if (!cli_parse_int(optarg, 1, 1000, &top)) {
                cli_error("--top: expected 1..1000, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'f':
            if (strcmp(optarg, "tsv") && strcmp(optarg, "json")) {
                cli_error("--format: expected tsv or json, got '%s'", optarg);
                return EXIT_USAGE;
            }
            json = !strcmp(optarg, "json");
            break;
        case 'c':
            if (!cli_parse_float(optarg, 1e-3, 1.0, &crop)) {
                cli_error("--crop: expected a fraction in (0,1], got '%s'", optarg);
                return EXIT_USAGE;
            }
            crop_given = 1;
            break;
        case 'S': selector = optarg; break;
        case 'M': models_dir = optarg; break;
        case 'T': timing = 1; break;
        case 'l': labels_arg = optarg; break;
        case 'd': data_opt = optarg; break;
        case 'J':
            if (!cli_opt_int("threads", "0..256 (0: all cores)", 0, 256, &cli_threads))
                return EXIT_USAGE;
            break;
        case 'B': backend = optarg; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    const char *usage = NULL;
    if (selector && model_arg)
        usage = "--model and --selector exclude each other";
    else if (!selector && !model_arg)
        usage = "--model or --selector is required";
    else if (selector && (json || crop_given))
        usage = json ? "--format json is not available with --selector"
                     : "--crop comes from the selector file, not the command line";
    else if (selector && top > 5)
        usage = "--top: a selector answers 5 classes at most";
    else if (!selector && (timing || models_dir))
        usage = timing ? "--timing needs --selector" : "--models needs --selector";
    else if (optind >= argc)
        usage = "no image given";
    if (usage) {
        cli_error("%s", usage);
        help(stderr);
        return EXIT_USAGE;
    }
    const char *data = cli_data_dir(data_opt);
    char buf[4096], lbuf[4096];
    amsel_ctx *ctx;
    if (!cli_ctx_create(backend, &ctx))
        return 1;
    amsel_model *m = NULL;
    amsel_labels *labels = NULL;
    int failures = 0;
    if (!labels_arg) {
        snprintf(lbuf, sizeof lbuf, "%s/models/imagenet/labels.txt", data);
        labels_arg = lbuf;
        if (amsel_labels_load(ctx, labels_arg, &labels) != AMSEL_OK)
            labels = NULL; /* names are optional when not asked for */
    } else if (amsel_labels_load(ctx, labels_arg, &labels) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        amsel_ctx_destroy(ctx);
        return 1;
    }
    if (selector) {
        if (!models_dir) {
            snprintf(buf, sizeof buf, "%s/models/imagenet", data);
            models_dir = buf;
        }
        int rc = classify_selector(ctx, selector, models_dir, labels, (int)top, timing,
                                   argc - optind, argv + optind);
        amsel_labels_destroy(labels);
        amsel_ctx_destroy(ctx);
        return rc;
    }
    if (amsel_model_load(ctx, cli_model_path(data, model_arg, buf, sizeof buf), &m) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        amsel_labels_destroy(labels);
        amsel_ctx_destroy(ctx);
        return 1;
    }
    if (json)
        printf("[");
    int first = 1;
    for (int i = optind; i < argc; i++) {
        amsel_image *img;
        amsel_class_score best[1000];
        if (amsel_image_load(ctx, argv[i], &img) != AMSEL_OK) {
            cli_error("%s", amsel_last_error(ctx));
            failures++;
            continue;
        }
        amsel_status st = amsel_model_classify(m, img, (float)crop, (int)top, best, NULL, NULL);
        amsel_image_destroy(img);
        if (st != AMSEL_OK) {
            cli_error("%s: %s", argv[i], amsel_last_error(ctx));
            failures++;
            continue;
        }
        if (!json && first) /* the header with the first answer (see classify_selector) */
            printf("image\trank\tclass\tscore\tlabel\n");
        if (json) {
            printf("%s\n {\"image\": ", first ? "" : ",");
            json_str(argv[i]);
            printf(", \"top\": [");
            for (int r = 0; r < top; r++) {
                printf("%s{\"class\": %d, \"score\": %.6f, \"label\": ", r ? ", " : "",
                       best[r].cls, best[r].score);
                json_str(amsel_labels_name(labels, best[r].cls));
                printf("}");
            }
            printf("]}");
        } else {
            for (int r = 0; r < top; r++)
                printf("%s\t%d\t%d\t%.6f\t%s\n", argv[i], r + 1, best[r].cls, best[r].score,
                       amsel_labels_name(labels, best[r].cls));
        }
        first = 0;
    }
    if (json)
        printf("\n]\n");
    amsel_labels_destroy(labels);
    amsel_model_destroy(m);
    amsel_ctx_destroy(ctx);
    return failures ? 1 : 0;
}
