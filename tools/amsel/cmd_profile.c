/* amsel profile: every model on every image of a labelled dataset, one
 * CSV row per (image, model): the raw material of model selection. Images
 * go in batches, each model over the whole batch in turn (timed warm, as
 * deployed); rows go to OUT.partial a batch at a time, whole images
 * (profile_partial.h), which becomes OUT at the end: an interrupted run
 * can be resumed, and OUT is never partial.
 * --shard I/N splits the dataset round-robin for parallel runs that
 * `amsel merge` joins (docs/profiling.md). */
#include "cli.h"
#include "profile_partial.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char header[] =
    "image,class,model,top5,top5_scores,correct1,correct5,score1,score_true,"
    "decode_ms,pre_ms,infer_ms\n";

static void help(FILE *f)
{
    fprintf(f,
            "usage: amsel profile --models FILE[,FILE...]|DIR --dataset LABELS -o CSV\n"
            "                     [--images DIR] [--limit N] [--shard I/N] [--resume]\n"
            "                     [--crop F] [--skip-bad] [--batch N] [--data DIR]\n"
            "                     [--backend " CLI_BACKENDS "] [--threads N]\n\n"
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
            "  --shard I/N   only images whose index (0-based, in LABELS' order, after\n"
            "                --limit) mod N is I-1; join the N outputs with amsel merge\n"
            "  --resume      go on from CSV.partial, left by an interrupted run (rows are\n"
            "                written there a batch of whole images at a time, and renamed\n"
            "                to CSV at the end)\n"
            "  --skip-bad    skip unreadable images with a warning (default: stop, no CSV)\n"
            "  --batch N     decode N images (at most 64 MB of pixels), then run each model\n"
            "                over all of them in turn (default 32): every model is timed in\n"
            "                the warm state it has when deployed alone or as a cascade's first\n"
            "                stage; 1 = every model on each image in turn (each starts cold)\n");
}

typedef struct options {
    const char *backend, *models, *dataset, *images, *out, *data;
    long limit, shard_i, shard_n, batch;
    double crop;
    int skip_bad, resume;
} options;

/* "I/N" with 1 <= I <= N. */
static int parse_shard(const char *s, long *i, long *n)
{
    const char *slash = strchr(s, '/');
    char num[32];
    if (!slash || (size_t)(slash - s) >= sizeof num)
        return 0;
    memcpy(num, s, (size_t)(slash - s));
    num[slash - s] = 0;
    return cli_parse_int(num, 1, 1000000, i) && cli_parse_int(slash + 1, 1, 1000000, n) &&
           *i <= *n;
}

/* 0: go on; else the exit code. */
static int parse_args(int argc, char **argv, options *o)
{
    static const struct option opts[] = {
        {"models", required_argument, 0, 'm'}, {"dataset", required_argument, 0, 's'},
        {"images", required_argument, 0, 'i'}, {"limit", required_argument, 0, 'n'},
        {"crop", required_argument, 0, 'c'},   {"skip-bad", no_argument, 0, 'b'},
        {"data", required_argument, 0, 'd'},   {"output", required_argument, 0, 'o'},
        {"backend", required_argument, 0, 'B'}, {"threads", required_argument, 0, 'J'}, {"shard", required_argument, 0, 'S'},
        {"resume", no_argument, 0, 'r'},       {"batch", required_argument, 0, 'N'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->crop = AMSEL_DEFAULT_CROP;
    o->shard_i = o->shard_n = 1;
    o->batch = 32;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': o->models = optarg; break;
        case 's': o->dataset = optarg; break;
        case 'i': o->images = optarg; break;
        case 'n':
            if (!cli_parse_int(optarg, 1, 100000000, &o->limit)) {
                cli_error("--limit: expected a positive number, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'c':
            if (!cli_parse_float(optarg, 1e-3, 1.0, &o->crop)) {
                cli_error("--crop: expected a fraction in (0,1], got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'S':
            if (!parse_shard(optarg, &o->shard_i, &o->shard_n)) {
                cli_error("--shard: expected I/N with 1 <= I <= N, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'N':
            if (!cli_parse_int(optarg, 1, 4096, &o->batch)) {
                cli_error("--batch: expected 1..4096 images, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'b': o->skip_bad = 1; break;
        case 'r': o->resume = 1; break;
        case 'd': o->data = optarg; break;
        case 'o': o->out = optarg; break;
        case 'J':
            if (!cli_opt_int("threads", "0..256 (0: all cores)", 0, 256, &cli_threads))
                return EXIT_USAGE;
            break;
        case 'B': o->backend = optarg; break;
        case 'h': help(stdout); return -1;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if (!o->models || !o->dataset || !o->out || optind < argc) {
        cli_error(optind < argc ? "unexpected argument '%s'"
                                : "--models, --dataset and -o are required",
                  optind < argc ? argv[optind] : "");
        help(stderr);
        return EXIT_USAGE;
    }
    return 0;
}

/* The dataset indices this run profiles: the first `limit`, then every
 * N-th from I-1 (round-robin, so every shard gets the same mix). */
static int *run_order(const options *o, int count, int *n)
{
    if (o->limit && o->limit < count)
        count = (int)o->limit;
    int *order = malloc(((size_t)count / (size_t)o->shard_n + 1) * sizeof *order);
    *n = 0;
    if (order)
        for (int i = (int)o->shard_i - 1; i < count; i += (int)o->shard_n)
            order[(*n)++] = i;
    return order;
}

static void summary(char **names, amsel_model **models, profile_stats *stats, int nmodels)
{
    printf("model\timages\ttop1\ttop5\tmean_ms\tmedian_ms\tmacs_millions\n");
    for (int k = 0; k < nmodels; k++) {
        profile_stats *s = &stats[k];
        amsel_model_info in;
        amsel_model_get_info(models[k], &in);
        double sum = 0;
        for (int i = 0; i < s->images; i++)
            sum += s->infer_ms[i];
        int n = s->images ? s->images : 1;
        printf("%s\t%d\t%.2f\t%.2f\t%.3f\t%.3f\t%.0f\n", names[k], s->images,
               100.0 * s->correct1 / n, 100.0 * s->correct5 / n, sum / n,
               cli_percentile(s->infer_ms, s->images, 50), in.macs / 1e6);
    }
}

/* Everything a run holds, freed by run_free. */
typedef struct run {
    options o;
    amsel_ctx *ctx;
    amsel_dataset *ds;
    char **paths, **names;
    amsel_model **models;
    profile_stats *stats;
    int nmodels, *order, norder;
    char images_dir[4096];
    struct shot *shots; /* [o.batch] */
} run;

/* One model's answer on one image. */
typedef struct answer {
    amsel_class_score top[5];
    float score_true; /* the true class's score (read from the model's output right away) */
    double pre_ms, infer_ms;
} answer;

/* One image of a batch: decoded once, then every model's answer. */
typedef struct shot {
    int idx;              /* dataset index */
    amsel_image *img;     /* NULL: skipped (--skip-bad) */
    double decode_ms;
    answer *ans;          /* [nmodels] */
} shot;

enum { BATCH_PIXEL_BYTES = 64 << 20 };

static void release_batch(run *r, int n)
{
    for (int i = 0; i < n; i++) {
        amsel_image_destroy(r->shots[i].img);
        r->shots[i].img = NULL;
    }
}

/* Decodes images order[j0..] into r->shots, up to o.batch images or
 * BATCH_PIXEL_BYTES of pixels (at least one). Returns how many, -1 on
 * error (printed); *skipped counts those --skip-bad dropped. */
static int decode_batch(run *r, int j0, int *skipped)
{
    size_t bytes = 0;
    int n = 0;
    for (int j = j0; j < r->norder && n < r->o.batch && (n == 0 || bytes < BATCH_PIXEL_BYTES);
         j++, n++) {
        shot *sh = &r->shots[n];
        const int idx = r->order[j];
        const char *file = amsel_dataset_file(r->ds, idx);
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", r->images_dir, file);
        sh->idx = idx;
        sh->img = NULL;
        if (strchr(file, ',') || strchr(file, '"')) {
            cli_error("%s:%d: image name '%s' contains a comma or quote", r->o.dataset,
                      amsel_dataset_line(r->ds, idx), file);
            return release_batch(r, n), -1;
        }
        double t0 = cli_now_ms();
        if (amsel_image_load(r->ctx, path, &sh->img) != AMSEL_OK) {
            sh->img = NULL;
            if (!r->o.skip_bad) {
                cli_error("%s (listed at %s:%d)", amsel_last_error(r->ctx), r->o.dataset,
                          amsel_dataset_line(r->ds, idx));
                return release_batch(r, n), -1;
            }
            cli_warn("skipping: %s", amsel_last_error(r->ctx));
            ++*skipped;
            continue;
        }
        sh->decode_ms = cli_now_ms() - t0;
        bytes += (size_t)amsel_image_width(sh->img) * (size_t)amsel_image_height(sh->img) * 3;
    }
    return n;
}

/* Runs every model over the n decoded images of the batch, one model at a
 * time. 0 on error (printed). */
static int answer_batch(run *r, int n)
{
    for (int k = 0; k < r->nmodels; k++)
        for (int i = 0; i < n; i++) {
            shot *sh = &r->shots[i];
            answer *a = &sh->ans[k];
            if (!sh->img)
                continue;
            if (amsel_model_classify(r->models[k], sh->img, (float)r->o.crop, 5, a->top,
                                     &a->pre_ms, &a->infer_ms)) {
                cli_error("%s/%s: %s", r->images_dir, amsel_dataset_file(r->ds, sh->idx),
                          amsel_last_error(r->ctx));
                return 0;
            }
            a->score_true = amsel_model_score(r->models[k], amsel_dataset_class(r->ds, sh->idx));
        }
    return 1;
}

/* The rows of the batch's images, in dataset order, model by model. */
static void write_batch(run *r, FILE *out, int n)
{
    for (int i = 0; i < n; i++) {
        const shot *sh = &r->shots[i];
        if (!sh->img)
            continue;
        const char *file = amsel_dataset_file(r->ds, sh->idx);
        const int cls = amsel_dataset_class(r->ds, sh->idx);
        for (int k = 0; k < r->nmodels; k++) {
            const answer *a = &sh->ans[k];
            int c1 = a->top[0].cls == cls, c5 = 0;
            for (int j = 0; j < 5; j++)
                c5 |= a->top[j].cls == cls;
            profile_stats *s = &r->stats[k];
            s->infer_ms[s->images++] = a->infer_ms;
            s->correct1 += c1;
            s->correct5 += c5;
            /* Scores with %.9g: they read back as the same floats, so a
             * replay of a selector on the profile compares thresholds
             * exactly as the live run does. */
            fprintf(out, "%s,%d,%s,%d %d %d %d %d,%.9g %.9g %.9g %.9g %.9g,%d,%d,%.9g,%.9g,"
                         "%.3f,%.3f,%.3f\n",
                    file, cls, r->names[k], a->top[0].cls, a->top[1].cls, a->top[2].cls,
                    a->top[3].cls, a->top[4].cls, a->top[0].score, a->top[1].score,
                    a->top[2].score, a->top[3].score, a->top[4].score, c1, c5,
                    a->top[0].score, a->score_true, sh->decode_ms,
                    a->pre_ms, a->infer_ms);
        }
    }
}

/* Profiles the batch of images from order[j0]: decoded first, then each
 * model over all of them, then their rows. Returns the number of images
 * it covered (written or skipped), -1 on error (printed, nothing
 * written). */
static int profile_batch(run *r, FILE *out, int j0, int *skipped)
{
    int skip = 0, n = decode_batch(r, j0, &skip);
    if (n < 0)
        return -1;
    if (!answer_batch(r, n)) {
        release_batch(r, n);
        return -1;
    }
    write_batch(r, out, n);
    release_batch(r, n);
    *skipped += skip;
    return n;
}

/* Loads the dataset and the models; 0 after printing an error. */
static int run_load(run *r)
{
    const char *data = cli_data_dir(r->o.data);
    char synsets[4096];
    cli_dataset_dirs(data, r->o.dataset, r->o.images, r->images_dir, sizeof r->images_dir,
                     synsets, sizeof synsets);
    if (!cli_ctx_create(r->o.backend, &r->ctx))
        return 0;
    if (amsel_dataset_load(r->ctx, r->o.dataset, synsets, &r->ds) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(r->ctx));
        return 0;
    }
    if (!(r->order = run_order(&r->o, amsel_dataset_count(r->ds), &r->norder)))
        return cli_error("out of memory"), 0;
    int n = cli_model_list(data, r->o.models, &r->paths);
    if (n < 0)
        return 0;
    r->nmodels = n;
    r->models = calloc((size_t)n, sizeof *r->models);
    r->stats = calloc((size_t)n, sizeof *r->stats);
    r->names = calloc((size_t)n, sizeof *r->names);
    if (!r->models || !r->stats || !r->names)
        return cli_error("out of memory"), 0;
    r->shots = calloc((size_t)r->o.batch, sizeof *r->shots);
    if (!r->shots)
        return cli_error("out of memory"), 0;
    for (long i = 0; i < r->o.batch; i++)
        if (!(r->shots[i].ans = calloc((size_t)n, sizeof(answer))))
            return cli_error("out of memory"), 0;
    for (int k = 0; k < n; k++) {
        if (amsel_model_load(r->ctx, r->paths[k], &r->models[k]) != AMSEL_OK) {
            cli_error("%s", amsel_last_error(r->ctx));
            return 0;
        }
        r->stats[k].infer_ms = calloc((size_t)r->norder + 1, sizeof(double));
        r->names[k] = malloc(256);
        if (!r->stats[k].infer_ms || !r->names[k])
            return cli_error("out of memory"), 0;
        cli_model_name(r->paths[k], r->names[k], 256);
    }
    return 1;
}

static void run_free(run *r)
{
    for (int k = 0; k < r->nmodels; k++) {
        if (r->models)
            amsel_model_destroy(r->models[k]);
        if (r->stats)
            free(r->stats[k].infer_ms);
        if (r->names)
            free(r->names[k]);
    }
    if (r->shots)
        for (long i = 0; i < r->o.batch; i++)
            free(r->shots[i].ans);
    free(r->shots);
    free(r->models);
    free(r->stats);
    free(r->names);
    free(r->order);
    cli_free_list(r->paths, r->nmodels);
    amsel_dataset_destroy(r->ds);
    amsel_ctx_destroy(r->ctx);
}

int cmd_profile(int argc, char **argv)
{
    run r = {0};
    int rc = parse_args(argc, argv, &r.o);
    if (rc)
        return rc < 0 ? 0 : rc;
    rc = 1;
    profile_progress pg = {0};
    profile_resume res;
    if (!run_load(&r))
        goto done;
    profile_run pr = {header, r.names, r.nmodels, r.ds, r.order, r.norder, r.o.skip_bad,
                      r.stats};
    if (!profile_progress_open(&pg, r.o.out, r.o.resume, &pr, &res))
        goto done;
    int bad = res.skipped;
    double last_report = 0;
    for (int j = res.next; j < r.norder;) {
        long at = ftell(pg.f);
        int n = profile_batch(&r, pg.f, j, &bad);
        if (n < 0 || !profile_progress_flush(&pg)) {
            if (n >= 0)
                cli_error("%s: cannot write: %s", pg.partial, strerror(errno));
            else
                profile_progress_drop(&pg, at);
            cli_warn("progress kept in %s (run again with --resume to continue)", pg.partial);
            goto done;
        }
        j += n;
        double now = cli_now_ms();
        if (now - last_report > 1000 || j == r.norder) {
            fprintf(stderr, "\rprofile: %d/%d images", j, r.norder);
            last_report = now;
        }
    }
    fprintf(stderr, "\n");
    if (bad)
        cli_warn("%d image(s) skipped", bad);
    /* Rows that an earlier run wrote get the full reader's check. */
    if (!profile_progress_commit(&pg, res.images > 0))
        goto done;
    summary(r.names, r.models, r.stats, r.nmodels);
    rc = 0;
done:
    profile_progress_close(&pg);
    run_free(&r);
    return rc;
}
