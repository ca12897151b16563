/* amsel classify: top-k classes of images with one model. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f,
            "usage: amsel classify --model FILE [--top K] [--format tsv|json] [--crop F]\n"
            "                      [--labels FILE] [--backend auto|fast|ref] [--data DIR] IMAGE...\n\n"
            "Prints, per image, the top K ImageNet classes (0..999, sorted-wnid order) with\n"
            "their probability. TSV columns: image rank class score label.\n"
            "  --model FILE   a .tflite file, or a model name in DATA/models/imagenet\n"
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

int cmd_classify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"top", required_argument, 0, 'k'},
        {"format", required_argument, 0, 'f'}, {"crop", required_argument, 0, 'c'},
        {"labels", required_argument, 0, 'l'}, {"data", required_argument, 0, 'd'},
        {"backend", required_argument, 0, 'B'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *model_arg = NULL, *labels_arg = NULL, *data_opt = NULL, *backend = NULL;
    long top = 5;
    double crop = AMSEL_DEFAULT_CROP;
    int json = 0, c;
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
            break;
        case 'l': labels_arg = optarg; break;
        case 'd': data_opt = optarg; break;
        case 'B': backend = optarg; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if (!model_arg || optind >= argc) {
        cli_error(!model_arg ? "--model is required" : "no image given");
        help(stderr);
        return EXIT_USAGE;
    }
    const char *data = cli_data_dir(data_opt);
    char buf[4096], lbuf[4096];
    const char *model_path = cli_model_path(data, model_arg, buf, sizeof buf);
    amsel_ctx *ctx;
    if (!cli_ctx_create(backend, &ctx))
        return 1;
    amsel_model *m = NULL;
    amsel_labels *labels = NULL;
    int failures = 0;
    if (amsel_model_load(ctx, model_path, &m) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        amsel_ctx_destroy(ctx);
        return 1;
    }
    if (!labels_arg) {
        snprintf(lbuf, sizeof lbuf, "%s/models/imagenet/labels.txt", data);
        labels_arg = lbuf;
        if (amsel_labels_load(ctx, labels_arg, &labels) != AMSEL_OK)
            labels = NULL; /* names are optional when not asked for */
    } else if (amsel_labels_load(ctx, labels_arg, &labels) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        amsel_model_destroy(m);
        amsel_ctx_destroy(ctx);
        return 1;
    }
    if (json)
        printf("[");
    else
        printf("image\trank\tclass\tscore\tlabel\n");
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
