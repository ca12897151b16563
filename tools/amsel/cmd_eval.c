/* amsel eval: cross-validated comparison of model-selection policies on a
 * profile CSV (from `amsel profile`): single models, the oracle, the
 * paper's Algorithm 1 subset, confidence cascades. Costs are the profile's
 * measured pre_ms + infer_ms of the models each policy runs. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f,
            "usage: amsel eval --profile CSV [--folds K] [--seed S] [--theta T]\n"
            "                  [--objective top1|top5] [--margin M] [--max-stages N]\n"
            "                  [--grid G] [--verbose] [-o RESULTS.csv]\n\n"
            "k-fold cross-validation (folds by image, seeded shuffle) of:\n"
            "  every single model; the oracle (cheapest correct model per image);\n"
            "  the paper's Algorithm 1 subset with a perfect (oracle) choice inside it;\n"
            "  confidence cascades: models in mean-cost order, stop when the top-1 score\n"
            "  clears a threshold, the last model always answers; the subset (1..N models)\n"
            "  and thresholds (a grid of score quantiles) are tuned on the training folds\n"
            "  for the lowest cost with training accuracy >= the best single model's - M;\n"
            "  'avg scores' answers with the mean top-5 scores of the models run.\n"
            "Cost per image = sum of pre_ms + infer_ms of the models run (measured in the\n"
            "profile; decoding excluded). Speed-up is against the most accurate single model.\n"
            "  --folds K       default 10        --seed S     default 1\n"
            "  --theta T       Algorithm 1 stop, points (default 0.5)\n"
            "  --objective O   top1 (default) or top5: what 'correct' means for training\n"
            "  --margin M      cascade target below the best model, points (default 0)\n"
            "  --max-stages N  largest cascade (default 3)   --grid G  quantiles (default 20)\n"
            "  --verbose       print every fold's choices\n"
            "  -o FILE         also write the table as CSV\n");
}

static int parse_args(int argc, char **argv, amsel_eval_options *o, const char **profile,
                      const char **out, int *verbose)
{
    static const struct option opts[] = {
        {"profile", required_argument, 0, 'p'}, {"folds", required_argument, 0, 'k'},
        {"seed", required_argument, 0, 's'},    {"theta", required_argument, 0, 't'},
        {"objective", required_argument, 0, 'j'}, {"margin", required_argument, 0, 'g'},
        {"max-stages", required_argument, 0, 'x'}, {"grid", required_argument, 0, 'q'},
        {"verbose", no_argument, 0, 'v'},       {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    int c;
    long v;
    while ((c = getopt_long(argc, argv, "o:hv", opts, NULL)) != -1) {
        switch (c) {
        case 'p': *profile = optarg; break;
        case 'k':
            if (!cli_parse_int(optarg, 2, 1000, &v))
                return cli_error("--folds: expected 2..1000, got '%s'", optarg), 0;
            o->folds = (int)v;
            break;
        case 's':
            if (!cli_parse_int(optarg, 0, 2147483647L, &v))
                return cli_error("--seed: expected a number >= 0, got '%s'", optarg), 0;
            o->seed = (uint64_t)v;
            break;
        case 't':
            if (!cli_parse_float(optarg, 0, 100, &o->theta))
                return cli_error("--theta: expected points in [0,100], got '%s'", optarg), 0;
            break;
        case 'j':
            if (!strcmp(optarg, "top1"))
                o->objective = AMSEL_OBJECTIVE_TOP1;
            else if (!strcmp(optarg, "top5"))
                o->objective = AMSEL_OBJECTIVE_TOP5;
            else
                return cli_error("--objective: expected top1 or top5, got '%s'", optarg), 0;
            break;
        case 'g':
            if (!cli_parse_float(optarg, 0, 100, &o->margin))
                return cli_error("--margin: expected points in [0,100], got '%s'", optarg), 0;
            break;
        case 'x':
            if (!cli_parse_int(optarg, 1, 4, &v))
                return cli_error("--max-stages: expected 1..4, got '%s'", optarg), 0;
            o->max_stages = (int)v;
            break;
        case 'q':
            if (!cli_parse_int(optarg, 1, 100, &v))
                return cli_error("--grid: expected 1..100, got '%s'", optarg), 0;
            o->grid = (int)v;
            break;
        case 'v': *verbose = 1; break;
        case 'o': *out = optarg; break;
        case 'h': help(stdout); exit(0);
        default: return 0;
        }
    }
    if (!*profile || optind < argc) {
        cli_error(optind < argc ? "unexpected argument '%s'" : "--profile is required",
                  optind < argc ? argv[optind] : "");
        return 0;
    }
    return 1;
}

/* Algorithm 1 on every image, for the reader (each fold reruns it on its
 * training images only). */
static int print_alg1(amsel_ctx *ctx, const amsel_profile *p, const amsel_eval_options *o)
{
    int n = amsel_profile_images(p), M = amsel_profile_models(p), chosen[AMSEL_PROFILE_MAX_MODELS];
    int nchosen, nsteps, *all = malloc((size_t)n * sizeof *all);
    amsel_subset_step steps[AMSEL_PROFILE_MAX_MODELS + 1];
    if (!all)
        return cli_error("out of memory"), 0;
    for (int i = 0; i < n; i++)
        all[i] = i;
    int ok = amsel_subset_select(ctx, p, all, n, o->objective, o->theta, chosen, &nchosen, steps,
                                 &nsteps) == AMSEL_OK;
    free(all);
    if (!ok)
        return cli_error("%s", amsel_last_error(ctx)), 0;
    printf("Algorithm 1 on all %d images (theta %.2f points, %s):\n", n, o->theta,
           o->objective == AMSEL_OBJECTIVE_TOP5 ? "top5" : "top1");
    for (int s = 0; s < nsteps; s++)
        printf("  step %d: %-40s %s %5d images (%+6.2f points)  coverage %6.2f%%%s\n", s + 1,
               amsel_profile_model_name(p, steps[s].model), s ? "fixes  " : "optimal", steps[s].fixed,
               steps[s].gain, steps[s].coverage, steps[s].accepted ? "" : "  < theta: stop");
    printf("  %d of %d models selected\n\n", nchosen, M);
    return 1;
}

static void print_table(const amsel_eval *e, FILE *csv)
{
    int ref = amsel_eval_reference(e), K = amsel_eval_folds(e);
    double ref_ms = amsel_eval_policy(e, ref)->mean_ms;
    printf("%-48s %7s %7s %9s %8s %7s  %s\n", "policy", "top1%", "top5%", "mean_ms", "speedup",
           "models", "folds: top1 mean+-sd, ms mean+-sd");
    if (csv)
        fprintf(csv, "policy,top1,top5,mean_ms,speedup,models_run,top1_fold_mean,top1_fold_sd,"
                     "top5_fold_sd,ms_fold_mean,ms_fold_sd,folds\n");
    for (int q = 0; q < amsel_eval_policy_count(e); q++) {
        const amsel_policy_result *r = amsel_eval_policy(e, q);
        double sp = r->mean_ms > 0 ? ref_ms / r->mean_ms : 0;
        printf("%-48s %7.2f %7.2f %9.3f %7.2fx %7.2f  %6.2f+-%-5.2f %8.3f+-%.3f%s\n", r->name,
               r->top1, r->top5, r->mean_ms, sp, r->models_run, r->top1_fold_mean, r->top1_sd,
               r->ms_fold_mean, r->ms_sd, q == ref ? "  (reference)" : "");
        if (csv)
            fprintf(csv, "%s,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%d\n", r->name,
                    r->top1, r->top5, r->mean_ms, sp, r->models_run, r->top1_fold_mean,
                    r->top1_sd, r->top5_sd, r->ms_fold_mean, r->ms_sd, K);
    }
}

static void print_choices(const amsel_eval *e, int verbose)
{
    int K = amsel_eval_folds(e);
    printf("\nchoices made on the training folds%s:\n", verbose ? "" : " (fold 1; --verbose: all)");
    for (int q = 0; q < amsel_eval_policy_count(e); q++)
        for (int f = 0; f < (verbose ? K : 1); f++)
            if (*amsel_eval_choice(e, q, f))
                printf("  %-26s fold %2d: %s\n", amsel_eval_policy(e, q)->name, f + 1,
                       amsel_eval_choice(e, q, f));
}

int cmd_eval(int argc, char **argv)
{
    amsel_eval_options o;
    amsel_eval_options_default(&o);
    const char *profile_path = NULL, *out_path = NULL;
    int verbose = 0;
    if (!parse_args(argc, argv, &o, &profile_path, &out_path, &verbose)) {
        help(stderr);
        return EXIT_USAGE;
    }
    int rc = 1;
    amsel_ctx *ctx = NULL;
    amsel_profile *p = NULL;
    amsel_eval *e = NULL;
    cli_outfile out = {0};
    if (amsel_ctx_create(&ctx) != AMSEL_OK) {
        cli_error("out of memory");
        return 1;
    }
    if (amsel_profile_load(ctx, profile_path, &p) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        goto done;
    }
    if (o.folds > amsel_profile_images(p)) {
        cli_error("%s: %d images, fewer than --folds %d", profile_path, amsel_profile_images(p),
                  o.folds);
        goto done;
    }
    printf("profile %s: %d images x %d models; %d folds, seed %llu\n", profile_path,
           amsel_profile_images(p), amsel_profile_models(p), o.folds,
           (unsigned long long)o.seed);
    printf("cost = measured pre_ms + infer_ms of the models run (this machine's timings)\n\n");
    if (!print_alg1(ctx, p, &o))
        goto done;
    if (amsel_eval_run(ctx, p, &o, &e) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        goto done;
    }
    if (out_path && !cli_out_open(&out, out_path))
        goto done;
    print_table(e, out.f);
    print_choices(e, verbose);
    if (out.f && !cli_out_commit(&out))
        goto done;
    rc = 0;
done:
    if (out.f)
        cli_out_abort(&out);
    amsel_eval_destroy(e);
    amsel_profile_destroy(p);
    amsel_ctx_destroy(ctx);
    return rc;
}
