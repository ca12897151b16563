/* Shared CLI helpers; see cli.h. */
#include "cli.h"

#include <getopt.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef AMSEL_DATA_DEFAULT
#define AMSEL_DATA_DEFAULT "../shared"
#endif

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("amsel: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("amsel: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

const char *cli_data_dir(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *env = getenv("AMSEL_DATA");
    if (env && *env)
        return env;
    return AMSEL_DATA_DEFAULT;
}

static int is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

const char *cli_model_path(const char *data, const char *arg, char *buf, size_t cap)
{
    if (is_file(arg) || strchr(arg, '/'))
        return arg;
    snprintf(buf, cap, "%s/models/imagenet/%s", data, arg);
    if (is_file(buf))
        return buf;
    snprintf(buf, cap, "%s/models/imagenet/%s.tflite", data, arg);
    if (is_file(buf))
        return buf;
    return arg; /* let the loader report it */
}

/* Where a dataset's images and the synsets file are: --images, else the
 * dataset file's folder + "/images" when that exists, else that folder. */
void cli_dataset_dirs(const char *data, const char *dataset, const char *images_arg,
                      char *images_dir, size_t images_cap, char *synsets, size_t synsets_cap)
{
    snprintf(synsets, synsets_cap, "%s/datasets/synsets.txt", data);
    if (images_arg) {
        snprintf(images_dir, images_cap, "%s", images_arg);
        return;
    }
    const char *slash = strrchr(dataset, '/');
    int dlen = slash ? (int)(slash - dataset) : 1;
    const char *dir = slash ? dataset : ".";
    snprintf(images_dir, images_cap, "%.*s/images", dlen, dir);
    struct stat sb;
    if (stat(images_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        snprintf(images_dir, images_cap, "%.*s", dlen, dir);
}

int cli_threads;

/* Limits on hostile input from the environment (0 or unset: the
 * library's default). */
static int env_limits(amsel_ctx *ctx)
{
    static const struct { const char *name; size_t off; } vars[] = {
        {"AMSEL_MAX_IMAGE_PIXELS", offsetof(amsel_limits, max_image_pixels)},
        {"AMSEL_MAX_FILE_BYTES", offsetof(amsel_limits, max_file_bytes)},
        {"AMSEL_MAX_MODEL_BYTES", offsetof(amsel_limits, max_model_bytes)}};
    amsel_limits l;
    amsel_ctx_get_limits(ctx, &l);
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i].name);
        long n;
        if (!v || !*v)
            continue;
        if (!cli_parse_int(v, 0, 2147483647L, &n))
            return cli_error("%s: expected a number of bytes/pixels, got '%s'", vars[i].name, v), 0;
        if (n > 0)
            *(size_t *)((char *)&l + vars[i].off) = (size_t)n;
    }
    amsel_ctx_set_limits(ctx, &l);
    return 1;
}

int cli_ctx_create(const char *backend, amsel_ctx **ctx)
{
    if (amsel_ctx_create(ctx) != AMSEL_OK) {
        cli_error("out of memory");
        return 0;
    }
    if (!env_limits(*ctx)) {
        amsel_ctx_destroy(*ctx);
        *ctx = NULL;
        return 0;
    }
    const char *env = getenv("AMSEL_THREADS");
    long t = cli_threads;
    if (!t && env && *env && !cli_parse_int(env, 0, 256, &t)) {
        cli_error("AMSEL_THREADS: expected 0..256, got '%s'", env);
        amsel_ctx_destroy(*ctx);
        *ctx = NULL;
        return 0;
    }
    if (t > 0)
        amsel_ctx_set_threads(*ctx, (int)t);
    if (amsel_ctx_set_backend(*ctx, backend ? backend : "auto") != AMSEL_OK) {
        cli_error("--backend: %s", amsel_last_error(*ctx));
        amsel_ctx_destroy(*ctx);
        *ctx = NULL;
        return 0;
    }
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int cli_model_list(const char *data, const char *arg, char ***paths)
{
    struct stat sb;
    char **list = NULL;
    int n = 0, cap = 0;
    char buf[4096];
    if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        DIR *dir = opendir(arg);
        if (!dir) {
            cli_error("%s: cannot open folder: %s", arg, strerror(errno));
            return -1;
        }
        struct dirent *e;
        while ((e = readdir(dir))) {
            size_t len = strlen(e->d_name);
            if (len < 8 || strcmp(e->d_name + len - 7, ".tflite") != 0)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                char **grown = realloc(list, (size_t)cap * sizeof *list);
                if (!grown)
                    break;
                list = grown;
            }
            snprintf(buf, sizeof buf, "%s/%s", arg, e->d_name);
            list[n++] = dup_str(buf);
        }
        closedir(dir);
        if (n == 0) {
            cli_error("%s: no .tflite models in this folder", arg);
            free(list);
            return -1;
        }
        qsort(list, (size_t)n, sizeof *list, cmp_str);
    } else {
        char *copy = dup_str(arg), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                char **grown = realloc(list, (size_t)cap * sizeof *list);
                if (!grown)
                    break;
                list = grown;
            }
            list[n++] = dup_str(cli_model_path(data, tok, buf, sizeof buf));
        }
        free(copy);
        if (n == 0) {
            cli_error("no model given");
            free(list);
            return -1;
        }
    }
    *paths = list;
    return n;
}

void cli_free_list(char **list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void cli_model_name(const char *path, char *buf, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(buf, cap, "%s", base);
    size_t len = strlen(buf);
    if (len > 7 && strcmp(buf + len - 7, ".tflite") == 0)
        buf[len - 7] = 0;
}

int cli_parse_int(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

int cli_parse_float(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v) || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* The temporary being written, removed if the process is interrupted. */
static char *volatile pending_tmp;

static void remove_pending(int sig)
{
    if (pending_tmp)
        unlink(pending_tmp);
    signal(sig, SIG_DFL);
    raise(sig);
}

int cli_out_open(cli_outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    size_t n = strlen(path) + 32;
    o->tmp = malloc(n);
    o->path = dup_str(path);
    if (!o->tmp || !o->path) {
        cli_error("out of memory");
        cli_out_abort(o);
        return 0;
    }
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f) {
        cli_error("%s: cannot create: %s", o->tmp, strerror(errno));
        cli_out_abort(o);
        return 0;
    }
    pending_tmp = o->tmp;
    signal(SIGINT, remove_pending);
    signal(SIGTERM, remove_pending);
    return 1;
}

int cli_out_commit(cli_outfile *o)
{
    int ok = fflush(o->f) == 0 && !ferror(o->f) && fsync(fileno(o->f)) == 0;
    ok = (fclose(o->f) == 0) && ok;
    o->f = NULL;
    if (!ok || rename(o->tmp, o->path) != 0) {
        cli_error("%s: cannot write: %s", o->path, strerror(errno));
        cli_out_abort(o);
        return 0;
    }
    pending_tmp = NULL;
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
    return 1;
}

void cli_out_abort(cli_outfile *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    pending_tmp = NULL;
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}

int cli_read_file(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return 0;
    }
    size_t n = 0, cap = 1 << 16;
    char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - 1 - n, f);
        if (n < cap - 1)
            break;
        char *grown = cap < ((size_t)-1) / 2 ? realloc(b, cap * 2) : NULL;
        if (!grown) {
            free(b);
            b = NULL;
            break;
        }
        b = grown;
        cap *= 2;
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (!b || err) {
        cli_error("%s: cannot read: %s", path, b ? strerror(err) : "out of memory");
        free(b);
        return 0;
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return 1;
}

double cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cli_percentile(double *v, int n, double pct)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double pos = pct / 100.0 * (n - 1);
    int i = (int)pos;
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

int cli_opt_int(const char *opt, const char *what, long lo, long hi, int *out)
{
    long v;
    if (!cli_parse_int(optarg, lo, hi, &v))
        return cli_error("--%s: expected %s, got '%s'", opt, what, optarg), 0;
    *out = (int)v;
    return 1;
}

int cli_opt_double(const char *opt, const char *what, double lo, double hi, double *out)
{
    if (!cli_parse_float(optarg, lo, hi, out))
        return cli_error("--%s: expected %s, got '%s'", opt, what, optarg), 0;
    return 1;
}
