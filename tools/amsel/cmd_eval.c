/* amsel eval: cross-validated comparison of model-selection policies on a
 * profile CSV (from `amsel profile`) and, for the premodels, a features
 * CSV (from `amsel features`): single models, the oracle, the paper's
 * Algorithm 1 subset and premodels, confidence cascades, hybrids. */
#include "cli.h"
#include "eval_json.h"
#include "report_html.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help_train(FILE *f)
{
    fprintf(f, "usage: amsel train --profile CSV [--features CSV] [eval options]\n"
               "                   [--models DIR] [--crop F] -o SELECTOR.json\n\n"
               "Runs the cross-validated evaluation of amsel eval (same options; see amsel eval\n"
               "--help), picks the operating point (--min-accuracy, --max-ms, else the cheapest\n"
               "policy at least as accurate as the best single model), trains it on every image\n"
               "and writes the selector file for amsel classify --selector (--policy NAME: that\n"
               "row of the table instead). --models: where the\n"
               "profiled models are (default <data>/models/imagenet; their sha256 goes in the\n"
               "file); --crop: the central crop the profile used (default 0.875).\n");
}

static void help(FILE *f)
{
    fprintf(f,
            "usage: amsel eval --profile CSV [--features CSV] [options]\n\n"
            "k-fold cross-validation (folds by image, seeded shuffle) of every single\n"
            "model, the oracle, Algorithm 1's subset, confidence cascades and, with\n"
            "--features, the paper's premodels (chain of binary classifiers and one\n"
            "multi-class classifier: knn, tree, nb, svm) and hybrids (the premodel picks\n"
            "where to enter a cascade). Exact definitions: docs/selector.md.\n"
            "Latency per image = measured pre_ms + infer_ms of the models run, plus the\n"
            "image's features_ms and the premodel's own time for premodel policies.\n"
            "  --folds K          default 10        --seed S     default 1\n"
            "  --theta T          Algorithm 1 stop, points (default 0.5)\n"
            "  --objective O      top1 (default) or top5: what 'correct' means\n"
            "  --margin M         cascade target = best model's training accuracy + M points\n"
            "                     (default 0.5: guards against overfitting the thresholds)\n"
            "  --max-stages N     largest cascade (1..4, default 3)  --grid G (default 50)\n"
            "  --smooth R         judge each threshold choice by the mean training accuracy\n"
            "                     within R grid steps (default 0)\n"
            "  --premodels LIST   classifier kinds (default knn,tree,nb,svm)\n"
            "  --knn-k K (5)  --tree-depth D (6)  --svm-c C (1)  --svm-gamma G (1/features)\n"
            "  --unsure           a premodel saying 'none' answers unsure (default: run\n"
            "                     the subset's most accurate model)\n"
            "  --corr-limit R     feature pairs with |r| > R lose one (default 0.75)\n"
            "  --no-backward      skip backward feature elimination\n"
            "  --min-features N   backward elimination keeps at least N (default 1)\n"
            "  --featsel-tol P    ... removing features that cost <= P points (default 0.5)\n"
            "  --min-accuracy A   recommend the cheapest policy with top-1 >= A %%\n"
            "  --max-ms MS        recommend the most accurate policy within MS per image\n"
            "                     (default: the cheapest at least as accurate as the best model)\n"
            "  --verbose          print every fold's choices\n"
            "  -o FILE            the table as CSV      --json FILE  everything as JSON\n"
            "  --html FILE        a self-contained HTML report with plots\n");
}

typedef struct eval_args {
    int train;                       /* amsel train: -o is the selector file */
    const char *policy;              /* train: deploy this policy, by name */
    const char *profile, *features, *csv, *json, *html, *models_dir;
    double crop;
    double min_acc, max_ms;
    int verbose;
} eval_args;

static int parse_args(int argc, char **argv, amsel_eval_options *o, eval_args *a)
{
    static const struct option opts[] = {
        {"profile", required_argument, 0, 'p'},    {"features", required_argument, 0, 'F'},
        {"folds", required_argument, 0, 'k'},      {"seed", required_argument, 0, 's'},
        {"theta", required_argument, 0, 't'},      {"objective", required_argument, 0, 'j'},
        {"margin", required_argument, 0, 'g'},     {"max-stages", required_argument, 0, 'x'},
        {"grid", required_argument, 0, 'q'},       {"premodels", required_argument, 0, 'P'},
        {"smooth", required_argument, 0, 'S'},
        {"knn-k", required_argument, 0, 'K'},      {"tree-depth", required_argument, 0, 'D'},
        {"svm-c", required_argument, 0, 'C'},      {"svm-gamma", required_argument, 0, 'G'},
        {"unsure", no_argument, 0, 'u'},           {"corr-limit", required_argument, 0, 'r'},
        {"no-backward", no_argument, 0, 'b'},      {"min-features", required_argument, 0, 'm'},
        {"min-accuracy", required_argument, 0, 'A'}, {"max-ms", required_argument, 0, 'M'},
        {"verbose", no_argument, 0, 'v'},          {"output", required_argument, 0, 'o'},
        {"json", required_argument, 0, 'J'},       {"html", required_argument, 0, 'H'},
        {"policy", required_argument, 0, 'Y'},    {"featsel-tol", required_argument, 0, 'T'}, {"models", required_argument, 0, 'd'},     {"crop", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    int c, seed;
    while ((c = getopt_long(argc, argv, "o:hv", opts, NULL)) != -1) {
        switch (c) {
        case 'p': a->profile = optarg; break;
        case 'F': a->features = optarg; break;
        case 'k':
            if (!cli_opt_int("folds", "2..1000", 2, 1000, &o->folds))
                return 0;
            break;
        case 's':
            if (!cli_opt_int("seed", "a number >= 0", 0, 2147483647L, &seed))
                return 0;
            o->seed = (uint64_t)seed;
            break;
        case 't':
            if (!cli_opt_double("theta", "points in [0,100]", 0, 100, &o->theta))
                return 0;
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
            if (!cli_opt_double("margin", "points in [-100,100]", -100, 100, &o->margin))
                return 0;
            break;
        case 'x':
            if (!cli_opt_int("max-stages", "1..4", 1, 4, &o->max_stages))
                return 0;
            break;
        case 'q':
            if (!cli_opt_int("grid", "1..100", 1, 100, &o->grid))
                return 0;
            break;
        case 'S':
            if (!cli_opt_int("smooth", "0..10", 0, 10, &o->smooth))
                return 0;
            break;
        case 'P':
            if (strlen(optarg) >= sizeof o->premodels)
                return cli_error("--premodels: too long"), 0;
            snprintf(o->premodels, sizeof o->premodels, "%s", optarg);
            break;
        case 'K':
            if (!cli_opt_int("knn-k", "1..64", 1, 64, &o->knn_k))
                return 0;
            break;
        case 'D':
            if (!cli_opt_int("tree-depth", "1..32", 1, 32, &o->tree_depth))
                return 0;
            break;
        case 'C':
            if (!cli_opt_double("svm-c", "a number in [1e-6,1e6]", 1e-6, 1e6, &o->svm_c))
                return 0;
            break;
        case 'G':
            if (!cli_opt_double("svm-gamma", "a number in [0,1e6]", 0, 1e6, &o->svm_gamma))
                return 0;
            break;
        case 'u': o->unsure = 1; break;
        case 'r':
            if (!cli_opt_double("corr-limit", "(0,1]", 0.01, 1, &o->corr_limit))
                return 0;
            break;
        case 'b': o->backward = 0; break;
        case 'm':
            if (!cli_opt_int("min-features", "1..64", 1, 64, &o->min_features))
                return 0;
            break;
        case 'A':
            if (!cli_opt_double("min-accuracy", "a percentage", 0, 100, &a->min_acc))
                return 0;
            break;
        case 'M':
            if (!cli_opt_double("max-ms", "milliseconds > 0", 1e-6, 1e9, &a->max_ms))
                return 0;
            break;
        case 'v': a->verbose = 1; break;
        case 'o': a->csv = optarg; break;
        case 'J': a->json = optarg; break;
        case 'd': a->models_dir = optarg; break;
        case 'Y': a->policy = optarg; break;
        case 'T':
            if (!cli_opt_double("featsel-tol", "points in [0,100]", 0, 100, &o->featsel_tol))
                return 0;
            break;
        case 'c':
            if (!cli_opt_double("crop", "a fraction in [0.05,1]", 0.05, 1, &a->crop))
                return 0;
            break;
        case 'H': a->html = optarg; break;
        case 'h':
            if (a->train)
                help_train(stdout);
            else
                help(stdout);
            exit(0);
        default: return 0;
        }
    }
    if (a->train && !a->csv) {
        cli_error("-o SELECTOR.json is required");
        return 0;
    }
    if (o->smooth > o->grid) {
        cli_error("--smooth %d: at most --grid (%d) steps", o->smooth, o->grid);
        return 0;
    }
    if (!a->train && (a->models_dir || a->crop > 0 || a->policy)) {
        cli_error("--models, --crop and --policy are options of amsel train");
        return 0;
    }
    if (!a->profile || optind < argc) {
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
    printf("%-46s %6s %6s %7s %7s %7s %8s %6s %5s  %-30s %s\n", "policy", "top1%", "top5%",
           "mean_ms", "p90_ms", "over_ms", "speedup", "models", "F1",
           "folds: top1 mean+-sd, ms mean+-sd", "vs reference: +only/-only p");
    if (csv)
        fprintf(csv, "policy,kind,top1,top5,mean_ms,p90_ms,overhead_ms,speedup,models_run,"
                     "unsure,precision,recall,f1,top1_fold_mean,top1_fold_sd,top5_fold_sd,"
                     "ms_fold_mean,ms_fold_sd,folds,only_policy,only_ref,paired_p\n");
    for (int q = 0; q < amsel_eval_policy_count(e); q++) {
        const amsel_policy_result *r = amsel_eval_policy(e, q);
        double sp = r->mean_ms > 0 ? ref_ms / r->mean_ms : 0;
        char vs[40] = "(reference)";
        if (q != ref)
            snprintf(vs, sizeof vs, "+%.0f/-%.0f p=%.2g", r->only_policy, r->only_ref, r->paired_p);
        printf("%-46s %6.2f %6.2f %7.3f %7.3f %7.3f %7.2fx %6.2f %5.2f  %6.2f+-%-5.2f "
               "%7.3f+-%-8.3f %s\n",
               r->name, r->top1, r->top5, r->mean_ms, r->p90_ms, r->overhead_ms, sp, r->models_run,
               r->f1, r->top1_fold_mean, r->top1_sd, r->ms_fold_mean, r->ms_sd, vs);
        if (csv)
            fprintf(csv, "\"%s\",%s,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,"
                         "%.4f,%.4f,%.4f,%.4f,%d,%.0f,%.0f,%.4g\n",
                    r->name, r->kind, r->top1, r->top5, r->mean_ms, r->p90_ms, r->overhead_ms, sp,
                    r->models_run, r->unsure, r->precision, r->recall, r->f1, r->top1_fold_mean,
                    r->top1_sd, r->top5_sd, r->ms_fold_mean, r->ms_sd, K, r->only_policy,
                    r->only_ref, r->paired_p);
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

static void print_features(const amsel_eval *e, const amsel_feature_table *ft)
{
    const int *kept;
    const double *imp, *rel, *corr;
    int d, n = amsel_eval_features(e, &kept, &imp, &rel, &corr, &d);
    if (!corr)
        return;
    printf("\nfeature selection on all images: %d of %d features kept "
           "(importance = points lost when removed; relevance = correlation ratio with the label)\n",
           n, d);
    for (int k = 0; k < n; k++)
        printf("  %-22s importance %+6.2f  relevance %.3f\n", amsel_feature_table_name(ft, kept[k]),
               imp[k], rel[kept[k]]);
}

static void progress(void *user, int done, int total)
{
    (void)user;
    fprintf(stderr, "\reval: fold %d/%d", done, total);
    if (done == total)
        fputc('\n', stderr);
}

static int write_html(const cJSON *doc, const char *path)
{
    cli_outfile out = {0};
    char err[256];
    if (!cli_out_open(&out, path))
        return 0;
    if (report_html_write(out.f, doc, err, sizeof err) != 0) {
        cli_out_abort(&out);
        return cli_error("%s: %s", path, err), 0;
    }
    if (!cli_out_commit(&out))
        return 0;
    return 1;
}

/* amsel eval, and amsel train (the same evaluation, then the chosen
 * policy trained on every image and saved). */
int eval_command(int argc, char **argv, int train)
{
    amsel_eval_options o;
    amsel_eval_options_default(&o);
    eval_args a = {.train = train, .min_acc = -1};
    if (!parse_args(argc, argv, &o, &a)) {
        fprintf(stderr, "(amsel %s --help for the options)\n", train ? "train" : "eval");
        return EXIT_USAGE;
    }
    int rc = 1;
    amsel_ctx *ctx = NULL;
    amsel_profile *p = NULL;
    amsel_feature_table *ft = NULL;
    amsel_eval *e = NULL;
    cJSON *doc = NULL;
    cli_outfile out = {0};
    if (!cli_ctx_create(NULL, &ctx))
        return 1;
    if (amsel_profile_load(ctx, a.profile, &p) != AMSEL_OK ||
        (a.features && amsel_feature_table_load(ctx, a.features, &ft) != AMSEL_OK)) {
        cli_error("%s", amsel_last_error(ctx));
        goto done;
    }
    if (o.folds > amsel_profile_images(p)) {
        cli_error("%s: %d images, fewer than --folds %d", a.profile, amsel_profile_images(p),
                  o.folds);
        goto done;
    }
#ifndef AMSEL_HAVE_LIBSVM
    if (a.features && strstr(o.premodels, "svm"))
        fprintf(stderr, "amsel: built without libsvm: the svm premodels are left out\n");
#endif
    printf("profile %s: %d images x %d models; %d folds, seed %llu\n", a.profile,
           amsel_profile_images(p), amsel_profile_models(p), o.folds, (unsigned long long)o.seed);
    if (ft)
        printf("features %s: %d features%s\n", a.features, amsel_feature_table_dims(ft),
               amsel_feature_table_ms(ft, 0) < 0 ? " (no features_ms column: feature cost counted as 0)"
                                                 : "");
    printf("latency = measured pre_ms + infer_ms of the models run (+ features and premodel)\n\n");
    if (!print_alg1(ctx, p, &o))
        goto done;
    o.progress = progress;
    if (amsel_eval_run(ctx, p, ft, &o, &e) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        goto done;
    }
    if (a.csv && !train && !cli_out_open(&out, a.csv))
        goto done;
    print_table(e, out.f);
    int pick = amsel_eval_pick(e, a.min_acc, a.max_ms);
    if (a.policy) {
        pick = -1;
        for (int q = 0; q < amsel_eval_policy_count(e); q++)
            if (!strcmp(amsel_eval_policy(e, q)->name, a.policy))
                pick = q;
        if (pick < 0 || !amsel_eval_policy(e, pick)->deployable) {
            cli_error("--policy '%s': no such deployable policy in the table", a.policy);
            goto done;
        }
    }
    const amsel_policy_result *r = amsel_eval_policy(e, pick);
    printf("\n%s (%s): %s  top-1 %.2f%%  %.3f ms  %.2fx\n",
           train ? "selected" : "recommended", a.policy ? "--policy" : a.min_acc >= 0 ? "cheapest reaching --min-accuracy"
           : a.max_ms > 0 ? "most accurate within --max-ms"
                          : "cheapest at least as accurate as the best single model",
           r->name, r->top1, r->mean_ms,
           amsel_eval_policy(e, amsel_eval_reference(e))->mean_ms / r->mean_ms);
    print_features(e, ft);
    print_choices(e, a.verbose);
    if (out.f && !cli_out_commit(&out))
        goto done;
    if (a.json || a.html) {
        doc = eval_to_json(e, p, ft, &o, a.profile, a.features);
        if (!doc) {
            cli_error("out of memory");
            goto done;
        }
        if ((a.json && !eval_json_save(doc, a.json)) || (a.html && !write_html(doc, a.html)))
            goto done;
    }
    if (train) {
        char dir[4096];
        const char *models = a.models_dir ? a.models_dir : dir;
        snprintf(dir, sizeof dir, "%s/models/imagenet", cli_data_dir(NULL));
        if (amsel_eval_train(e, pick, ft, a.crop > 0 ? (float)a.crop : AMSEL_DEFAULT_CROP, models,
                             a.csv) != AMSEL_OK) {
            cli_error("%s", amsel_last_error(ctx));
            goto done;
        }
        printf("\nwrote %s: %s trained on all %d images\n", a.csv, r->name,
               amsel_profile_images(p));
    }
    rc = 0;
done:
    if (out.f)
        cli_out_abort(&out);
    cJSON_Delete(doc);
    amsel_eval_destroy(e);
    amsel_feature_table_destroy(ft);
    amsel_profile_destroy(p);
    amsel_ctx_destroy(ctx);
    return rc;
}

int cmd_eval(int argc, char **argv) { return eval_command(argc, argv, 0); }
int cmd_train(int argc, char **argv) { return eval_command(argc, argv, 1); }
