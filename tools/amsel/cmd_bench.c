/* amsel bench: latency of models' inference (no decoding, no resize) over
 * a fixed input after warm-up runs, effective GMAC/s, its ratio to the
 * dense-convolution ceiling measured in the same run, and peak memory.
 * Each model runs in a child process of its own, so that its peak RSS is
 * its own. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void help(FILE *f)
{
    fprintf(f, "usage: amsel bench (--model FILE | --all) [--runs N] [--warmup N]\n"
               "                   [--threads N] [--backend " CLI_BACKENDS "] [--ops]\n"
               "                   [--data DIR]\n\n"
               "Times each model's run on a fixed input: latency min/median/mean/p90 in ms,\n"
               "effective GMAC/s (multiply-accumulates per second, from the median), its\n"
               "ratio to the dense-convolution ceiling measured first in the same run (a\n"
               "28x28x512->512 1x1 uint8 convolution through the fast kernels, or through\n"
               "the onednn backend under --backend onednn; same threads), and the peak RSS\n"
               "of the process that ran the model. Where amsel is built with oneDNN, the\n"
               "oneDNN dense ceiling, measured with the other one, is printed after the\n"
               "table (\"# oneDNN dense ceiling\").\n"
               "--all: every model in DATA/models/imagenet. --threads: 0 = all cores\n"
               "(default). --ops: per-operator median times first. The backend column\n"
               "names the backend of the model's convolutions: onednn when any operator\n"
               "ran on it, else fast when any ran on the fast backend, else reference.\n");
}

typedef struct bench_opts {
    long runs, warmup, threads;
    int ops;
    const char *backend;
    double ceiling; /* GMAC/s, 0 = not measured */
    double onednn_ceiling; /* GMAC/s where oneDNN is built and not the backend, else 0 */
} bench_opts;

static int make_ctx(const bench_opts *o, amsel_ctx **ctx)
{
    if (!cli_ctx_create(o->backend, ctx))
        return 0;
    if (amsel_ctx_set_threads(*ctx, (int)o->threads) != AMSEL_OK) {
        cli_error("--threads: %s", amsel_last_error(*ctx));
        amsel_ctx_destroy(*ctx);
        return 0;
    }
    return 1;
}

/* Per-operator medians over runs profiled runs: where the time goes. */
static int print_ops(amsel_model *m, const amsel_model_info *in, long runs)
{
    const int nop = in->num_operators;
    double *ms = calloc((size_t)nop * (size_t)runs, sizeof *ms);
    double *one = calloc((size_t)runs, sizeof *one);
    if (!ms || !one) {
        free(ms);
        free(one);
        cli_error("out of memory");
        return 1;
    }
    for (long r = 0; r < runs; r++)
        amsel_model_run_profiled(m, ms + (size_t)r * nop);
    printf("op\tname\tbackend\tout\tin_c\tkernel\tmacs\tmedian_ms\tgmacs\n");
    double total = 0;
    for (int i = 0; i < nop; i++) {
        amsel_op_info oi;
        amsel_model_op_info(m, i, &oi);
        for (long r = 0; r < runs; r++)
            one[r] = ms[(size_t)r * nop + i];
        const double med = cli_percentile(one, (int)runs, 50);
        total += med;
        printf("%d\t%s\t%s\t%dx%dx%d\t%d\t%dx%d/%d\t%llu\t%.4f\t%.2f\n", i, oi.op, oi.backend,
               oi.out_h, oi.out_w, oi.out_c, oi.in_c, oi.kh, oi.kw, oi.stride,
               (unsigned long long)oi.macs, med, med > 0 ? oi.macs / (med * 1e6) : 0.0);
    }
    printf("# sum of per-operator medians: %.3f ms\n", total);
    free(ms);
    free(one);
    return 0;
}

/* One model: load, warm up, time, print one row. Returns the exit code. */
static int bench_one(const char *path, const bench_opts *o)
{
    amsel_ctx *ctx;
    amsel_model *m;
    if (!make_ctx(o, &ctx))
        return 1;
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
    double *t = malloc((size_t)o->runs * sizeof *t);
    if (!t) {
        cli_error("out of memory");
        amsel_model_destroy(m);
        amsel_ctx_destroy(ctx);
        return 1;
    }
    for (long i = 0; i < o->warmup; i++)
        amsel_model_run(m);
    char name[256];
    cli_model_name(path, name, sizeof name);
    if (o->ops) {
        printf("# %s\n", name);
        if (print_ops(m, &in, o->runs) != 0) {
            free(t);
            amsel_model_destroy(m);
            amsel_ctx_destroy(ctx);
            return 1;
        }
    }
    double sum = 0;
    for (long i = 0; i < o->runs; i++) {
        double t0 = cli_now_ms();
        amsel_model_run(m);
        t[i] = cli_now_ms() - t0;
        sum += t[i];
    }
    const double median = cli_percentile(t, (int)o->runs, 50);
    const double gmacs = in.macs / (median * 1e6);
    /* the backend of the plan's convolutions: onednn, xnnpack, fast or reference */
    const char *plan = amsel_model_plan(m);
    const char *used = strstr(plan, " onednn ")    ? "onednn"
                       : strstr(plan, " xnnpack ") ? "xnnpack"
                       : strstr(plan, " fast ")    ? "fast"
                                                   : "reference";
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char eff[32] = "-";
    if (o->ceiling > 0)
        snprintf(eff, sizeof eff, "%.2f", gmacs / o->ceiling);
    if (o->ops)
        printf("model\tbackend\tthreads\truns\tmin_ms\tmedian_ms\tmean_ms\tp90_ms\tgmacs\tefficiency"
               "\tpeak_rss_mb\n");
    printf("%s\t%s\t%d\t%ld\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%s\t%.1f\n", name, used,
           amsel_ctx_get_threads(ctx), o->runs, t[0], median, sum / o->runs,
           cli_percentile(t, (int)o->runs, 90), gmacs, eff, ru.ru_maxrss / 1024.0);
    free(t);
    amsel_model_destroy(m);
    amsel_ctx_destroy(ctx);
    return 0;
}

/* bench_one in a child process; the parent waits for it. */
static int bench_child(const char *path, const bench_opts *o)
{
    fflush(stdout);
    fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0)
        return bench_one(path, o); /* no process to spare: RSS then includes earlier models */
    if (pid == 0) {
        const int rc = bench_one(path, o);
        fflush(stdout);
        _exit(rc);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        cli_error("%s: benchmark process failed", path);
        return 1;
    }
    return WEXITSTATUS(status);
}

/* The ceiling of the context's backend (the efficiency column's; printed
 * here), and oneDNN's where it is built and not that backend already
 * (printed after the table, which keeps its place on line 2). */
static void ceilings(const bench_opts *o, amsel_ctx *ctx, double out[2])
{
    const char *be = amsel_ctx_get_backend(ctx);
    const int onednn = !strcmp(be, "onednn");
    out[0] = out[1] = 0;
    if (strcmp(be, "ref") != 0 && amsel_ceiling_gmacs(ctx, 30, &out[0]) == AMSEL_OK)
        printf("# dense ceiling (1x1 conv 28x28x512->512, uint8, %s, %d threads): "
               "%.1f GMAC/s\n",
               onednn ? "onednn backend" : "fast kernels", amsel_ctx_get_threads(ctx), out[0]);
    else
        printf("# dense ceiling: not measured (%s)\n",
               strcmp(be, "ref") ? amsel_last_error(ctx) : "reference backend");
    if (onednn || !amsel_backend_available("onednn"))
        return;
    amsel_ctx *dctx;
    bench_opts d = *o;
    d.backend = "onednn";
    if (!make_ctx(&d, &dctx))
        return;
    if (amsel_ceiling_gmacs(dctx, 30, &out[1]) != AMSEL_OK)
        out[1] = 0;
    amsel_ctx_destroy(dctx);
}

/* The ceilings are measured in a child process too, which keeps
 * oneDNN's process-wide state (engine, primitive cache, JIT code) and
 * the pool's threads out of the process that forks the models' children:
 * their peak RSS stays their own. */
static int measure_ceiling(bench_opts *o)
{
    amsel_ctx *ctx;
    if (!make_ctx(o, &ctx))
        return 0;
    amsel_ctx_destroy(ctx);
    o->ceiling = 0;
    int fd[2];
    fflush(stdout);
    fflush(stderr);
    const int have_pipe = pipe(fd) == 0;
    const pid_t pid = have_pipe ? fork() : -1;
    if (pid == 0) {
        close(fd[0]);
        double c[2] = {0, 0};
        if (make_ctx(o, &ctx)) {
            ceilings(o, ctx, c);
            amsel_ctx_destroy(ctx);
        }
        fflush(stdout);
        const int ok = write(fd[1], c, sizeof c) == (ssize_t)sizeof c;
        close(fd[1]);
        _exit(ok ? 0 : 1);
    }
    if (pid < 0) { /* no process to spare: measure here */
        if (have_pipe) {
            close(fd[0]);
            close(fd[1]);
        }
        double c[2];
        if (!make_ctx(o, &ctx))
            return 0;
        ceilings(o, ctx, c);
        amsel_ctx_destroy(ctx);
        o->ceiling = c[0];
        o->onednn_ceiling = c[1];
        return 1;
    }
    close(fd[1]);
    double c[2] = {0, 0};
    if (read(fd[0], c, sizeof c) == (ssize_t)sizeof c) {
        o->ceiling = c[0];
        o->onednn_ceiling = c[1];
    }
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return 1;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"runs", required_argument, 0, 'r'},
        {"warmup", required_argument, 0, 'w'}, {"data", required_argument, 0, 'd'},
        {"backend", required_argument, 0, 'b'}, {"threads", required_argument, 0, 't'},
        {"all", no_argument, 0, 'a'}, {"ops", no_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model_arg = NULL, *data_opt = NULL;
    bench_opts o = {50, 5, 0, 0, "auto", 0, 0};
    int c, all = 0;
    while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model_arg = optarg; break;
        case 'r':
            if (!cli_parse_int(optarg, 1, 1000000, &o.runs)) {
                cli_error("--runs: expected a positive number, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'w':
            if (!cli_parse_int(optarg, 0, 1000000, &o.warmup)) {
                cli_error("--warmup: expected a number >= 0, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 't':
            if (!cli_parse_int(optarg, 0, 256, &o.threads)) {
                cli_error("--threads: expected 0 (all cores) to 256, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'd': data_opt = optarg; break;
        case 'b': o.backend = optarg; break;
        case 'a': all = 1; break;
        case 'o': o.ops = 1; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if ((!model_arg && !all) || (model_arg && all) || optind < argc) {
        cli_error(optind < argc ? "unexpected argument"
                  : all         ? "--model and --all exclude each other"
                                : "--model or --all is required");
        help(stderr);
        return EXIT_USAGE;
    }
    const char *data = cli_data_dir(data_opt);
    char **paths = NULL;
    int n = 1;
    char buf[4096];
    if (all) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/models/imagenet", data);
        n = cli_model_list(data, dir, &paths);
        if (n < 0)
            return 1;
    }
    if (!measure_ceiling(&o)) {
        cli_free_list(paths, all ? n : 0);
        return EXIT_USAGE;
    }
    if (!o.ops)
        printf("model\tbackend\tthreads\truns\tmin_ms\tmedian_ms\tmean_ms\tp90_ms\tgmacs\tefficiency"
               "\tpeak_rss_mb\n");
    int failures = 0;
    for (int i = 0; i < n; i++) {
        const char *path = all ? paths[i] : cli_model_path(data, model_arg, buf, sizeof buf);
        failures += bench_child(path, &o) != 0;
    }
    if (all)
        cli_free_list(paths, n);
    if (o.onednn_ceiling > 0) /* measured with the other ceiling, first */
        printf("# oneDNN dense ceiling (1x1 conv 28x28x512->512, uint8, onednn backend, same "
               "threads): %.1f GMAC/s\n",
               o.onednn_ceiling);
    return failures ? 1 : 0;
}
