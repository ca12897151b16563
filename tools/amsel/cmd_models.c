/* amsel models: one line per model with what a deployer needs to know. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f, "usage: amsel models [--data DIR] [--plan] [--backend " CLI_BACKENDS "]\n"
               "                    [MODEL...]\n"
               "       amsel models --backends\n\n"
               "Loads each model (default: every .tflite in DATA/models/imagenet) and prints a\n"
               "TSV table: file, input shape and quantization, operators, parameters, MACs per\n"
               "image, activation memory. --plan also prints which backends this build and\n"
               "CPU offer and each operator's backend. --backends prints only the backends\n"
               "(TSV: backend, available 1/0).\n");
}

static const char *const backend_names[] = {"ref", "fast", "onednn", "xnnpack"};
#define NBACKENDS (sizeof backend_names / sizeof backend_names[0])

/* Which backends this build and CPU offer (amsel_backend_available). */
static void print_backends(int table)
{
    if (table)
        printf("backend\tavailable\n");
    else
        printf("# backends available:");
    for (size_t i = 0; i < NBACKENDS; i++) {
        const int a = amsel_backend_available(backend_names[i]);
        if (table)
            printf("%s\t%d\n", backend_names[i], a);
        else if (a)
            printf(" %s", backend_names[i]);
    }
    if (!table)
        printf("\n");
}

int cmd_models(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"plan", no_argument, 0, 'p'},
                                         {"backend", required_argument, 0, 'B'},
                                         {"backends", no_argument, 0, 'L'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *data_opt = NULL, *backend = NULL;
    int plan = 0, c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data_opt = optarg; break;
        case 'p': plan = 1; break;
        case 'B': backend = optarg; break;
        case 'L': print_backends(1); return 0;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    const char *data = cli_data_dir(data_opt);
    char **paths = NULL;
    int n;
    if (optind < argc) {
        n = argc - optind;
        paths = calloc((size_t)n, sizeof *paths);
        char buf[4096];
        for (int i = 0; paths && i < n; i++)
            paths[i] = strdup(cli_model_path(data, argv[optind + i], buf, sizeof buf));
    } else {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/models/imagenet", data);
        n = cli_model_list(data, dir, &paths);
        if (n < 0)
            return 1;
    }
    amsel_ctx *ctx;
    if (!paths || !cli_ctx_create(backend, &ctx)) {
        cli_error("out of memory");
        return 1;
    }
    int failures = 0;
    if (plan)
        print_backends(0);
    printf("file\tinput\tinput_quant\toperators\tparams\tmacs_millions\tactivation_kb\tops\n");
    for (int i = 0; i < n; i++) {
        amsel_model *m;
        if (amsel_model_load(ctx, paths[i], &m) != AMSEL_OK) {
            cli_error("%s", amsel_last_error(ctx));
            failures++;
            continue;
        }
        amsel_model_info in;
        amsel_model_get_info(m, &in);
        char name[256];
        cli_model_name(paths[i], name, sizeof name);
        printf("%s\t1x%dx%dx%d %s\tscale=%.9g zp=%d\t%d\t%llu\t%.1f\t%.1f\t%s\n", name,
               in.input_height, in.input_width, in.input_channels,
               in.input_is_int8 ? "int8" : "uint8", in.input_scale, in.input_zero_point,
               in.num_operators, (unsigned long long)in.num_params, in.macs / 1e6,
               in.activation_bytes / 1024.0, in.operators);
        if (plan)
            printf("%s", amsel_model_plan(m));
        amsel_model_destroy(m);
    }
    amsel_ctx_destroy(ctx);
    cli_free_list(paths, n);
    return failures ? 1 : 0;
}
