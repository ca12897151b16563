/* amsel bench: latency of one model's inference (no decoding, no resize),
 * over a fixed input, after warm-up runs. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f, "usage: amsel bench --model FILE [--runs N] [--warmup N] [--backend auto|fast|ref]\n"
               "                   [--data DIR]\n\n"
               "Times the model's run on a fixed input: latency min/median/mean/p90 in ms\n"
               "and effective GMAC/s (multiply-accumulates per second, from the median).\n"
               "The backend column says which backend ran the convolutions.\n");
}

int cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"runs", required_argument, 0, 'r'},
        {"warmup", required_argument, 0, 'w'}, {"data", required_argument, 0, 'd'},
        {"backend", required_argument, 0, 'b'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *model_arg = NULL, *data_opt = NULL, *backend = "auto";
    long runs = 50, warmup = 5;
    int c;
    while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model_arg = optarg; break;
        case 'r':
            if (!cli_parse_int(optarg, 1, 1000000, &runs)) {
                cli_error("--runs: expected a positive number, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'w':
            if (!cli_parse_int(optarg, 0, 1000000, &warmup)) {
                cli_error("--warmup: expected a number >= 0, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'd': data_opt = optarg; break;
        case 'b': backend = optarg; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if (!model_arg || optind < argc) {
        cli_error(!model_arg ? "--model is required" : "unexpected argument");
        help(stderr);
        return EXIT_USAGE;
    }
    char buf[4096];
    const char *path = cli_model_path(cli_data_dir(data_opt), model_arg, buf, sizeof buf);
    amsel_ctx *ctx;
    amsel_model *m;
    if (amsel_ctx_create(&ctx) != AMSEL_OK) {
        cli_error("out of memory");
        return 1;
    }
    if (amsel_ctx_set_backend(ctx, backend) != AMSEL_OK) {
        cli_error("--backend: %s", amsel_last_error(ctx));
        amsel_ctx_destroy(ctx);
        return EXIT_USAGE;
    }
    if (amsel_model_load(ctx, path, &m) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        amsel_ctx_destroy(ctx);
        return 1;
    }
    amsel_model_info in;
    amsel_model_get_info(m, &in);
    /* A fixed pseudo-random input: constant inputs can hit fast paths. */
    uint8_t *input = amsel_model_input(m);
    uint32_t x = 12345;
    for (int i = 0; i < in.input_height * in.input_width * in.input_channels; i++) {
        x = x * 1664525u + 1013904223u;
        input[i] = (uint8_t)(x >> 24);
    }
    double *t = malloc((size_t)runs * sizeof *t);
    if (!t) {
        cli_error("out of memory");
        return 1;
    }
    for (long i = 0; i < warmup; i++)
        amsel_model_run(m);
    double sum = 0;
    for (long i = 0; i < runs; i++) {
        double t0 = cli_now_ms();
        amsel_model_run(m);
        t[i] = cli_now_ms() - t0;
        sum += t[i];
    }
    char name[256];
    cli_model_name(path, name, sizeof name);
    double median = cli_percentile(t, (int)runs, 50);
    printf("model\tbackend\truns\tmin_ms\tmedian_ms\tmean_ms\tp90_ms\tgmacs\n");
    /* "fast" when any operator of the plan runs on the fast backend */
    const char *used = strstr(amsel_model_plan(m), " fast ") ? "fast" : "reference";
    printf("%s\t%s\t%ld\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\n", name, used, runs, t[0], median,
           sum / runs, cli_percentile(t, (int)runs, 90), in.macs / (median * 1e6));
    free(t);
    amsel_model_destroy(m);
    amsel_ctx_destroy(ctx);
    return 0;
}
