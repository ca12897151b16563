/* amsel merge: joins the profile CSVs of dataset shards (amsel profile
 * --shard I/N) into one, with its rows in the dataset's order, so that the
 * result is what a single run writes. The CSV carries no image index, so
 * the order comes from the dataset file itself (--dataset), which also
 * checks that every image and class belong to it. Rows are copied byte for
 * byte; every input is first read by the full profile reader. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f,
            "usage: amsel merge --dataset LABELS -o OUT.csv [--data DIR] SHARD.csv...\n\n"
            "Joins profile CSVs (from amsel profile, typically --shard 1/N .. N/N of LABELS)\n"
            "into OUT.csv with the images in LABELS' order and each image's rows as in its\n"
            "shard: the same file a single run writes. Every input must be a valid profile\n"
            "with the same models in the same order; an image in two inputs, or one that is\n"
            "not in LABELS or has another class there, is an error (and nothing is written).\n"
            "Images of LABELS missing before the last merged one are reported as a warning.\n");
}

typedef struct name_entry {
    const char *name;
    int idx;
} name_entry;

typedef struct row {
    int idx, file, line;
    const char *text;
    size_t len;
} row;

static int cmp_name(const void *a, const void *b)
{
    const name_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->idx != y->idx)
        return (x->idx > y->idx) - (x->idx < y->idx);
    if (x->file != y->file)
        return (x->file > y->file) - (x->file < y->file);
    return (x->line > y->line) - (x->line < y->line);
}

/* Dataset index of an image name (its first listing), or -1. */
static int lookup(const name_entry *names, int n, const char *name)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(names[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && !strcmp(names[lo].name, name) ? names[lo].idx : -1;
}

typedef struct merge {
    const char *dataset, *out, *data;
    char **inputs;
    int ninputs;
    amsel_ctx *ctx;
    amsel_dataset *ds;
    amsel_profile *first;
    name_entry *names;
    char **text;
    row *rows;
    size_t nrows, cap;
} merge;

/* Same models in the same order as the first input. */
static int same_models(const merge *m, int f, const amsel_profile *p)
{
    int a = amsel_profile_models(m->first), b = amsel_profile_models(p);
    for (int k = 0; k < a || k < b; k++) {
        const char *x = k < a ? amsel_profile_model_name(m->first, k) : "(none)";
        const char *y = k < b ? amsel_profile_model_name(p, k) : "(none)";
        if (strcmp(x, y)) {
            cli_error("%s: model %d is '%s' but '%s' in %s (shards must come from the same "
                      "--models)",
                      m->inputs[f], k + 1, y, x, m->inputs[0]);
            return 0;
        }
    }
    return 1;
}

/* Validates input f and adds its rows. 0 after printing an error. */
static int add_input(merge *m, int f)
{
    const char *path = m->inputs[f];
    amsel_profile *p;
    if (amsel_profile_load(m->ctx, path, &p) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(m->ctx));
        return 0;
    }
    int ok = f == 0 || same_models(m, f, p), n = amsel_dataset_count(m->ds);
    for (int i = 0; ok && i < amsel_profile_images(p); i++) {
        const char *name = amsel_profile_image_name(p, i);
        int idx = lookup(m->names, n, name);
        if (idx < 0 || amsel_dataset_class(m->ds, idx) != amsel_profile_class(p, i)) {
            if (idx < 0)
                cli_error("%s: image '%s' is not in %s", path, name, m->dataset);
            else
                cli_error("%s: image '%s' has class %d but %d in %s:%d", path, name,
                          amsel_profile_class(p, i), amsel_dataset_class(m->ds, idx),
                          m->dataset, amsel_dataset_line(m->ds, idx));
            ok = 0;
        }
    }
    if (f == 0 && ok)
        m->first = p;
    else
        amsel_profile_destroy(p);
    size_t len;
    if (!ok || !cli_read_file(path, &m->text[f], &len))
        return 0;
    /* The reader accepted the file: lines after the header are rows (the
     * checks below only catch a file changed since). */
    char *s = strchr(m->text[f], '\n');
    for (int ln = 2; s && *++s; ln++) {
        char *e = strchr(s, '\n'), *comma = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (!comma || (e && comma > e))
            return cli_error("%s:%d: file changed while being merged", path, ln), 0;
        if (m->nrows == m->cap) {
            m->cap = m->cap ? 2 * m->cap : 1024;
            row *grown = realloc(m->rows, m->cap * sizeof *grown);
            if (!grown)
                return cli_error("out of memory"), 0;
            m->rows = grown;
        }
        *comma = 0;
        row r = {lookup(m->names, n, s), f, ln, s, l > 0 && s[l - 1] == '\r' ? l - 1 : l};
        *comma = ',';
        if (r.idx < 0)
            return cli_error("%s:%d: file changed while being merged", path, ln), 0;
        m->rows[m->nrows++] = r;
        s += l;
        if (!e)
            break;
    }
    if (!s)
        return cli_error("%s: file changed while being merged", path), 0;
    return 1;
}

/* Sorts the rows into dataset order; an image from two inputs is an error. */
static int order_rows(merge *m)
{
    qsort(m->rows, m->nrows, sizeof *m->rows, cmp_row);
    for (size_t r = 1; r < m->nrows; r++) {
        const row *a = &m->rows[r - 1], *b = &m->rows[r];
        if (a->idx == b->idx && a->file != b->file) {
            while (a > m->rows && a[-1].idx == b->idx)
                a--; /* the image's first row, to name its line */
            cli_error("image '%s' is in both %s (line %d) and %s (line %d)",
                      amsel_dataset_file(m->ds, a->idx), m->inputs[a->file], a->line,
                      m->inputs[b->file], b->line);
            return 0;
        }
    }
    int n = amsel_dataset_count(m->ds), last = m->nrows ? m->rows[m->nrows - 1].idx : -1;
    char *seen = calloc((size_t)n + 1, 1);
    if (!seen)
        return cli_error("out of memory"), 0;
    for (size_t r = 0; r < m->nrows; r++)
        seen[m->rows[r].idx] = 1;
    int missing = 0;
    for (int i = 0; i < last; i++)
        missing += !seen[i];
    free(seen);
    if (missing)
        cli_warn("%d image(s) of %s before the last merged one are in no input (a shard "
                 "not given, or profiled with --skip-bad)",
                 missing, m->dataset);
    return 1;
}

static int write_out(merge *m)
{
    cli_outfile out;
    if (!cli_out_open(&out, m->out))
        return 0;
    const char *h = m->text[0];
    size_t hl = (size_t)(strchr(h, '\n') - h);
    fwrite(h, 1, hl > 0 && h[hl - 1] == '\r' ? hl - 1 : hl, out.f);
    fputc('\n', out.f);
    for (size_t r = 0; r < m->nrows; r++) {
        fwrite(m->rows[r].text, 1, m->rows[r].len, out.f);
        fputc('\n', out.f);
    }
    return cli_out_commit(&out);
}

/* 0: go on; else the exit code (-1: help shown). */
static int parse_args(int argc, char **argv, merge *m)
{
    static const struct option opts[] = {{"dataset", required_argument, 0, 's'},
                                         {"data", required_argument, 0, 'd'},
                                         {"output", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': m->dataset = optarg; break;
        case 'd': m->data = optarg; break;
        case 'o': m->out = optarg; break;
        case 'h': help(stdout); return -1;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    m->inputs = argv + optind;
    m->ninputs = argc - optind;
    if (!m->dataset || !m->out || m->ninputs < 1) {
        cli_error("--dataset, -o and at least one input CSV are required");
        help(stderr);
        return EXIT_USAGE;
    }
    return 0;
}

static int load_dataset(merge *m)
{
    char images[4096], synsets[4096];
    cli_dataset_dirs(cli_data_dir(m->data), m->dataset, NULL, images, sizeof images, synsets,
                     sizeof synsets);
    if (!cli_ctx_create(NULL, &m->ctx))
        return 0;
    if (amsel_dataset_load(m->ctx, m->dataset, synsets, &m->ds) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(m->ctx));
        return 0;
    }
    int n = amsel_dataset_count(m->ds);
    m->names = malloc(((size_t)n + 1) * sizeof *m->names);
    m->text = calloc((size_t)m->ninputs, sizeof *m->text);
    if (!m->names || !m->text)
        return cli_error("out of memory"), 0;
    for (int i = 0; i < n; i++)
        m->names[i] = (name_entry){amsel_dataset_file(m->ds, i), i};
    qsort(m->names, (size_t)n, sizeof *m->names, cmp_name);
    return 1;
}

int cmd_merge(int argc, char **argv)
{
    merge m = {0};
    int rc = parse_args(argc, argv, &m);
    if (rc)
        return rc < 0 ? 0 : rc;
    rc = 1;
    if (!load_dataset(&m))
        goto done;
    for (int f = 0; f < m.ninputs; f++)
        if (!add_input(&m, f))
            goto done;
    if (!order_rows(&m) || !write_out(&m))
        goto done;
    fprintf(stderr, "merge: %d images x %d models from %d file(s) -> %s\n",
            amsel_profile_models(m.first) ? (int)(m.nrows / (size_t)amsel_profile_models(m.first))
                                          : 0,
            amsel_profile_models(m.first), m.ninputs, m.out);
    rc = 0;
done:
    if (m.text)
        for (int f = 0; f < m.ninputs; f++)
            free(m.text[f]);
    free(m.text);
    free(m.rows);
    free(m.names);
    amsel_profile_destroy(m.first);
    amsel_dataset_destroy(m.ds);
    amsel_ctx_destroy(m.ctx);
    return rc;
}
