/* amsel footprint: storage and memory of the binary, each model and a
 * selector, for sizing a device (footprint.c does the work). */
#include "cli.h"
#include "footprint.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f, "usage: amsel footprint [--data DIR] [--backend " CLI_BACKENDS "]\n"
               "                       [--selector FILE [--models DIR]] [MODEL...]\n\n"
               "Prints the executable's size (on disk, code and data in memory), libamsel.a's\n"
               "when it is next to the executable, then per model (default: every model in\n"
               "DATA/models/imagenet; none with --selector unless named) the file size, weight\n"
               "bytes (read in place from the mapped file), heap allocated by loading it, its\n"
               "planned activation arena and the rest (packed weights, tables); with\n"
               "--selector, its models and a total with what the premodel adds; last, the\n"
               "process's peak RSS. Run it on the device: packed weights depend on the backend.\n");
}

int cmd_footprint(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"backend", required_argument, 0, 'B'},
                                         {"selector", required_argument, 0, 's'},
                                         {"models", required_argument, 0, 'M'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *data_opt = NULL;
    footprint_opts o = {0};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data_opt = optarg; break;
        case 'B': o.backend = optarg; break;
        case 's': o.selector = optarg; break;
        case 'M': o.models_dir = optarg; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if (o.models_dir && !o.selector) {
        cli_error("--models needs --selector");
        return EXIT_USAGE;
    }
    const char *data = cli_data_dir(data_opt);
    if (optind < argc) {
        o.nmodels = argc - optind;
        o.models = calloc((size_t)o.nmodels, sizeof *o.models);
        char buf[4096];
        for (int i = 0; o.models && i < o.nmodels; i++)
            if (!(o.models[i] = strdup(cli_model_path(data, argv[optind + i], buf, sizeof buf)))) {
                cli_free_list(o.models, o.nmodels);
                o.models = NULL;
            }
        if (!o.models) {
            cli_error("out of memory");
            return 1;
        }
    }
    /* the report goes out whole or not at all (an error stops it midway) */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int rc = 1;
    if (!mem)
        cli_error("out of memory");
    else {
        rc = footprint_print(mem, data, &o);
        if (fclose(mem) != 0 && rc == 0) {
            cli_error("out of memory");
            rc = 1;
        }
        if (rc == 0)
            fwrite(text, 1, len, stdout);
    }
    free(text);
    if (o.models)
        cli_free_list(o.models, o.nmodels);
    return rc;
}
