/* amsel run: a model on raw input tensors, raw outputs out. This bypasses
 * image decoding and preprocessing, so another implementation can be fed
 * exactly the same bytes (scripts/crosscheck_armnn.py). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f, "usage: amsel run --model FILE -o DIR [--data DIR] INPUT...\n\n"
               "Each INPUT is a raw tensor file of exactly H*W*3 bytes, quantized as the\n"
               "model's input. Writes DIR/<input file name>.out: the raw output bytes.\n");
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"data", required_argument, 0, 'd'},
                                         {"output", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *model_arg = NULL, *data_opt = NULL, *outdir = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "m:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model_arg = optarg; break;
        case 'd': data_opt = optarg; break;
        case 'o': outdir = optarg; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if (!model_arg || !outdir || optind >= argc) {
        cli_error("--model, -o and at least one input are required");
        help(stderr);
        return EXIT_USAGE;
    }
    char buf[4096];
    const char *path = cli_model_path(cli_data_dir(data_opt), model_arg, buf, sizeof buf);
    amsel_ctx *ctx;
    amsel_model *m;
    if (!cli_ctx_create(NULL, &ctx))
        return 1;
    if (amsel_model_load(ctx, path, &m) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        amsel_ctx_destroy(ctx);
        return 1;
    }
    amsel_model_info in;
    amsel_model_get_info(m, &in);
    size_t need = (size_t)in.input_height * in.input_width * in.input_channels;
    int failures = 0;
    for (int i = optind; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        size_t got = 0;
        if (f) {
            got = fread(amsel_model_input(m), 1, need, f);
            if (got == need && fgetc(f) != EOF)
                got = need + 1;
            fclose(f);
        }
        if (got != need) {
            cli_error("%s: expected exactly %zu bytes of input", argv[i], need);
            failures++;
            continue;
        }
        if (amsel_model_run(m) != AMSEL_OK) {
            cli_error("%s: %s", argv[i], amsel_last_error(ctx));
            failures++;
            continue;
        }
        const char *base = strrchr(argv[i], '/');
        char opath[8192];
        snprintf(opath, sizeof opath, "%s/%s.out", outdir, base ? base + 1 : argv[i]);
        cli_outfile o;
        if (!cli_out_open(&o, opath)) {
            failures++;
            continue;
        }
        fwrite(amsel_model_output(m), 1, (size_t)in.num_outputs, o.f);
        if (!cli_out_commit(&o))
            failures++;
    }
    amsel_model_destroy(m);
    amsel_ctx_destroy(ctx);
    return failures ? 1 : 0;
}
