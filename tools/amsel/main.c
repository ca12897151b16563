/* amsel — command-line front end: dispatches to one command per file. */
#include "cli.h"

#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"models", cmd_models, "describe models: input, operators, parameters, MACs, memory"},
    {"classify", cmd_classify, "classify images with one model"},
    {"profile", cmd_profile, "run models over a labelled dataset, write a CSV"},
    {"merge", cmd_merge, "merge profile CSVs of dataset shards, in dataset order"},
    {"bench", cmd_bench, "time one model's inference"},
    {"footprint", cmd_footprint, "storage and memory of the binary, models and a selector"},
    {"run", cmd_run, "run a model on raw input tensors (for cross-checks)"},
    {"features", cmd_features, "compute image features of a labelled dataset, write a CSV"},
    {"train", cmd_train, "cross-validate, then train the chosen policy: a selector file"},
    {"validate", cmd_validate, "run a selector file live over a labelled dataset"},
    {"eval", cmd_eval, "cross-validate model-selection policies on a profile CSV"},
    {"report", cmd_report, "write the HTML report of an evaluation (amsel eval's JSON)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: amsel COMMAND [OPTIONS]   (amsel COMMAND --help for details)\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nModels and datasets are read from the data folder: --data DIR, else\n"
               "$AMSEL_DATA, else ../shared. amsel %s\n", AMSEL_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("amsel %s\n", AMSEL_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    cli_error("unknown command '%s'", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
