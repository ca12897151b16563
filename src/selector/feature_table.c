/* Reading the features CSV written by `amsel features`; see
 * amsel/feature_table.h. Hostile input: every field is checked and every
 * failure names the file and line (and column, for a number). */
#include "data/csv.h"
#include "selector/feature_table_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MS_COLUMN "features_ms"
/* n x d doubles at most (512 MiB): a file of short numbers within the byte
 * limit could otherwise ask for several times its size. */
#define MAX_CELLS ((size_t)1 << 26)

static amsel_status parse_header(amsel_ctx *ctx, amsel_feature_table *t, char **f, int nf)
{
    const char *path = t->path;
    if (nf == 1 && !*f[0]) {
        int blank = 1;
        for (int l = 1; l < t->lines.n && blank; l++)
            blank = !*t->lines.line[l];
        return blank ? am_fail(ctx, AMSEL_ERR_FORMAT, "%s: empty file (expected a features CSV)",
                               path)
                     : am_fail(ctx, AMSEL_ERR_FORMAT, "%s:1: empty line instead of the header",
                               path);
    }
    if (strcmp(f[0], "image") || nf < 2 || strcmp(f[1], "class"))
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       "%s:1: header must start 'image,class' (not a features CSV?)", path);
    t->has_ms = !strcmp(f[nf - 1], MS_COLUMN);
    t->d = nf - 2 - t->has_ms;
    if (t->d < 1)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:1: no feature columns after 'image,class'",
                       path);
    if (t->d > AMSEL_FEATURE_TABLE_MAX_DIMS)
        return am_fail(ctx, AMSEL_ERR_LIMIT, "%s:1: %d feature columns, at most %d", path, t->d,
                       AMSEL_FEATURE_TABLE_MAX_DIMS);
    t->name = f + 2;
    am_name_index cols;
    if (am_name_index_init(ctx, &cols, t->d))
        return AMSEL_ERR_NOMEM;
    amsel_status st = AMSEL_OK;
    for (int j = 0; j < t->d && !st; j++) {
        const char *s = t->name[j];
        int prev;
        if (!*s)
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s:1: column %d has no name", path, j + 3);
        else if (!strcmp(s, "image") || !strcmp(s, "class") || !strcmp(s, MS_COLUMN))
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s:1: column %d is '%s'%s", path, j + 3, s,
                         strcmp(s, MS_COLUMN) ? " again" : " (it must be the last column)");
        else if ((prev = am_name_index_add(&cols, t->name, j)) >= 0)
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s:1: columns %d and %d are both named '%s'",
                         path, prev + 3, j + 3, s);
    }
    am_name_index_free(ctx, &cols);
    return st;
}

static amsel_status alloc_rows(amsel_ctx *ctx, amsel_feature_table *t, int rows)
{
    size_t cells;
    if (!am_mul_size((size_t)rows, (size_t)t->d, &cells) || cells > MAX_CELLS)
        return am_fail(ctx, AMSEL_ERR_LIMIT, "%s: %d rows x %d features is over %zu values",
                       t->path, rows, t->d, MAX_CELLS);
    size_t r = rows > 0 ? (size_t)rows : 1;
    t->image = am_calloc(ctx, r, sizeof *t->image);
    t->cls = am_calloc(ctx, r, sizeof *t->cls);
    t->line = am_calloc(ctx, r, sizeof *t->line);
    t->x = am_calloc(ctx, cells ? cells : 1, sizeof *t->x);
    if (t->has_ms)
        t->ms = am_calloc(ctx, r, sizeof *t->ms);
    if (!t->image || !t->cls || !t->line || !t->x || (t->has_ms && !t->ms))
        return AMSEL_ERR_NOMEM;
    return am_name_index_init(ctx, &t->index, rows);
}

/* One data row (fields f[0..nf-1]) into row i. */
static amsel_status parse_row(amsel_ctx *ctx, amsel_feature_table *t, int ln, char **f, int nf,
                              int i)
{
    const char *path = t->path;
    int want = t->d + 2 + t->has_ms;
    if (nf != want)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: %d fields, expected %d%s", path, ln, nf,
                       want, nf < want ? " (truncated row?)" : "");
    if (!*f[0])
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: empty image name", path, ln);
    char *end;
    errno = 0;
    long cls = strtol(f[1], &end, 10);
    if (!*f[1] || *end || errno || cls < 0 || cls > 999)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: bad class '%.64s' (expected 0..999)", path,
                       ln, f[1]);
    double *x = t->x + (size_t)i * (size_t)t->d;
    for (int j = 0; j < t->d; j++)
        if (!am_parse_double(f[j + 2], -INFINITY, INFINITY, &x[j]))
            return am_fail(ctx, AMSEL_ERR_FORMAT,
                           "%s:%d: column %d (%s): bad number '%.64s' (finite decimal expected)",
                           path, ln, j + 3, t->name[j], f[j + 2]);
    if (t->has_ms && !am_parse_double(f[nf - 1], 0, 1e9, &t->ms[i]))
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       "%s:%d: column %d (" MS_COLUMN "): bad time '%.64s' (ms >= 0 expected)",
                       path, ln, nf, f[nf - 1]);
    t->image[i] = f[0];
    t->cls[i] = (int)cls;
    t->line[i] = ln;
    int prev = am_name_index_add(&t->index, t->image, i);
    if (prev >= 0)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: duplicate image '%s' (first at line %d)",
                       path, ln, f[0], t->line[prev]);
    return AMSEL_OK;
}

static amsel_status parse(amsel_ctx *ctx, amsel_feature_table *t)
{
    am_lines *L = &t->lines;
    size_t nh = 1;
    for (const char *c = L->line[0]; (c = strchr(c, ',')); c++)
        nh++;
    if (nh > AMSEL_FEATURE_TABLE_MAX_DIMS + 3)
        return am_fail(ctx, AMSEL_ERR_LIMIT, "%s:1: %zu columns, at most %d", t->path, nh,
                       AMSEL_FEATURE_TABLE_MAX_DIMS + 3);
    if (!(t->header = am_malloc(ctx, nh * sizeof *t->header)))
        return AMSEL_ERR_NOMEM;
    amsel_status st = parse_header(ctx, t, t->header, am_csv_split(L->line[0], t->header, (int)nh));
    if (st)
        return st;
    int last = L->n - 1;
    if (last >= 1 && !*L->line[last])
        last--; /* the empty piece after the final newline */
    if (last < 1)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: no rows after the header", t->path);
    if ((st = alloc_rows(ctx, t, last)))
        return st;
    int want = t->d + 2 + t->has_ms;
    char **f = am_malloc(ctx, (size_t)want * sizeof *f);
    if (!f)
        return AMSEL_ERR_NOMEM;
    for (int l = 1; l <= last && !st; l++) {
        if (!*L->line[l]) {
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: empty line", t->path, l + 1);
            break;
        }
        if (!(st = parse_row(ctx, t, l + 1, f, am_csv_split(L->line[l], f, want), t->n)))
            t->n++;
    }
    am_free(ctx, f);
    return st;
}

amsel_status amsel_feature_table_load(amsel_ctx *ctx, const char *path,
                                      amsel_feature_table **out)
{
    if (!ctx || !path || !out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_feature_table_load: NULL argument");
    *out = NULL;
    amsel_feature_table *t = am_calloc(ctx, 1, sizeof *t);
    if (!t)
        return AMSEL_ERR_NOMEM;
    t->ctx = ctx;
    size_t plen = strlen(path) + 1;
    amsel_status st = AMSEL_ERR_NOMEM;
    if ((t->path = am_malloc(ctx, plen))) {
        memcpy(t->path, path, plen);
        st = am_lines_read(ctx, path, &t->lines);
        if (!st)
            st = parse(ctx, t);
    }
    if (st) {
        amsel_feature_table_destroy(t);
        return st;
    }
    *out = t;
    return AMSEL_OK;
}

void amsel_feature_table_destroy(amsel_feature_table *t)
{
    if (!t)
        return;
    amsel_ctx *ctx = t->ctx;
    am_name_index_free(ctx, &t->index);
    am_lines_free(ctx, &t->lines);
    am_free(ctx, t->header);
    am_free(ctx, t->image);
    am_free(ctx, t->cls);
    am_free(ctx, t->line);
    am_free(ctx, t->x);
    am_free(ctx, t->ms);
    am_free(ctx, t->path);
    am_free(ctx, t);
}
