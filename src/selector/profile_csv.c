/* Reading the profile CSV written by `amsel profile` into an images x
 * models matrix. The file is hostile input: every field is checked, and
 * every failure names the file and line. */
#include "selector/profile.h"
#include "data/csv.h"
#include "data/textfile.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NFIELDS 12
static const char *const columns[NFIELDS] = {
    "image", "class", "model", "top5", "top5_scores", "correct1", "correct5",
    "score1", "score_true", "decode_ms", "pre_ms", "infer_ms"};

/* Image-name hash table: open addressing, capacity a power of two. */
typedef struct name_table {
    int *slot;   /* [cap] image index + 1, 0 = empty */
    size_t cap;
} name_table;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Five space-separated values: ints 0..999 (ints) or scores in [0,1]. */
static int parse_five(char *s, int *ints, float *scores)
{
    for (int r = 0; r < 5; r++) {
        char *sp = strchr(s, ' ');
        if ((r < 4) != (sp != NULL))
            return 0;
        if (sp)
            *sp = 0;
        double v;
        if (ints ? !am_parse_int(s, 0, 999, &ints[r]) : !am_parse_double(s, 0.0, 1.0, &v))
            return 0;
        if (scores)
            scores[r] = (float)v;
        s = sp ? sp + 1 : s;
    }
    return 1;
}

static amsel_status check_header(amsel_ctx *ctx, const char *path, char *line)
{
    char *f[NFIELDS];
    int n = am_csv_split(line, f, NFIELDS);
    for (int k = 0; k < NFIELDS; k++) {
        if (k >= n)
            return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:1: missing column '%s' (not a profile CSV?)",
                           path, columns[k]);
        if (strcmp(f[k], columns[k]))
            return am_fail(ctx, AMSEL_ERR_FORMAT,
                           "%s:1: column %d is '%s', expected '%s' (not a profile CSV?)", path,
                           k + 1, f[k], columns[k]);
    }
    if (n > NFIELDS)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:1: %d columns, expected %d", path, n, NFIELDS);
    return AMSEL_OK;
}

/* Parses one row's fields into *c; names the bad field on failure. */
static amsel_status parse_row(amsel_ctx *ctx, const char *path, int ln, char **f, int *cls,
                              amsel_profile_cell *c)
{
    char copy[2][256]; /* top5 fields are split in place: keep them for the message */
    double v[5];
    int bad = -1;
    snprintf(copy[0], sizeof copy[0], "%s", f[3]);
    snprintf(copy[1], sizeof copy[1], "%s", f[4]);
    if (!*f[0])
        bad = 0;
    else if (!am_parse_int(f[1], 0, 999, cls))
        bad = 1;
    else if (!*f[2])
        bad = 2;
    else if (!parse_five(f[3], c->top5, NULL))
        bad = 3;
    else if (!parse_five(f[4], NULL, c->score5))
        bad = 4;
    else if (!am_parse_int(f[5], 0, 1, &c->correct1))
        bad = 5;
    else if (!am_parse_int(f[6], 0, 1, &c->correct5))
        bad = 6;
    else if (!am_parse_double(f[7], 0, 1, &v[0]))
        bad = 7;
    else if (!am_parse_double(f[8], 0, 1, &v[1]))
        bad = 8;
    else if (!am_parse_double(f[9], 0, 1e9, &v[2]))
        bad = 9;
    else if (!am_parse_double(f[10], 0, 1e9, &v[3]))
        bad = 10;
    else if (!am_parse_double(f[11], 0, 1e9, &v[4]))
        bad = 11;
    if (bad >= 0)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: bad %s '%.64s'", path, ln, columns[bad],
                       bad == 3 || bad == 4 ? copy[bad - 3] : f[bad]);
    int c5 = 0;
    for (int r = 0; r < 5; r++)
        c5 |= c->top5[r] == *cls;
    if (c->correct1 != (c->top5[0] == *cls) || c->correct5 != c5)
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       "%s:%d: correct1/correct5 disagree with class and top5", path, ln);
    c->score_true = (float)v[1];
    c->pre_ms = v[3];
    c->infer_ms = v[4];
    c->line = ln;
    return AMSEL_OK;
}

static int find_model(amsel_profile *p, const char *name)
{
    for (int m = 0; m < p->nmodels; m++)
        if (!strcmp(p->model_name[m], name))
            return m;
    return -1;
}

static char *dup_str(amsel_ctx *ctx, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = am_malloc(ctx, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* First pass: the models, in order of appearance, and the image count. */
static amsel_status collect(amsel_ctx *ctx, const char *path, am_lines *L, amsel_profile *p,
                            name_table *t, int **row_image, int **row_model)
{
    *row_image = am_calloc(ctx, (size_t)L->n, sizeof(int));
    *row_model = am_calloc(ctx, (size_t)L->n, sizeof(int));
    t->cap = 16;
    while (t->cap < (size_t)L->n * 2)
        t->cap *= 2;
    t->slot = am_calloc(ctx, t->cap, sizeof(int));
    p->image_name = am_calloc(ctx, (size_t)L->n, sizeof(char *));
    p->image_class = am_calloc(ctx, (size_t)L->n, sizeof(int));
    if (!*row_image || !*row_model || !t->slot || !p->image_name || !p->image_class)
        return AMSEL_ERR_NOMEM;
    for (int l = 1; l < L->n; l++) {
        char *s = L->line[l];
        (*row_image)[l] = -1;
        if (!*s) {
            if (l == L->n - 1)
                continue;  /* the empty piece after the final newline */
            return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: empty line", path, l + 1);
        }
        /* The image and model names only; the full parse is the second pass. */
        char *c1 = strchr(s, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
        if (!c3)
            return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: truncated row", path, l + 1);
        *c1 = *c3 = 0;
        int m = find_model(p, c2 + 1);
        if (m < 0) {
            if (p->nmodels == AMSEL_PROFILE_MAX_MODELS)
                return am_fail(ctx, AMSEL_ERR_LIMIT, "%s:%d: more than %d models", path, l + 1,
                               AMSEL_PROFILE_MAX_MODELS);
            if (!(p->model_name[p->nmodels] = dup_str(ctx, c2 + 1)))
                return AMSEL_ERR_NOMEM;
            m = p->nmodels++;
        }
        size_t h = hash_str(s) & (t->cap - 1);
        while (t->slot[h] && strcmp(p->image_name[t->slot[h] - 1], s))
            h = (h + 1) & (t->cap - 1);
        if (!t->slot[h]) {
            if (!(p->image_name[p->nimages] = dup_str(ctx, s)))
                return AMSEL_ERR_NOMEM;
            t->slot[h] = ++p->nimages;
        }
        (*row_image)[l] = t->slot[h] - 1;
        (*row_model)[l] = m;
        *c1 = *c3 = ',';
    }
    if (p->nimages == 0)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: no rows after the header", path);
    return AMSEL_OK;
}

static amsel_status fill(amsel_ctx *ctx, const char *path, am_lines *L, amsel_profile *p,
                         const int *row_image, const int *row_model)
{
    size_t ncells;
    if (!am_mul_size((size_t)p->nimages, (size_t)p->nmodels, &ncells))
        return am_fail(ctx, AMSEL_ERR_LIMIT, "%s: too many rows", path);
    if (!(p->cell = am_calloc(ctx, ncells, sizeof *p->cell)))
        return AMSEL_ERR_NOMEM;
    for (int l = 1; l < L->n; l++) {
        int i = row_image[l], m = row_model[l];
        if (i < 0)
            continue;
        char *f[NFIELDS];
        int nf = am_csv_split(L->line[l], f, NFIELDS);
        if (nf != NFIELDS)
            return am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: %d fields, expected %d%s", path, l + 1,
                           nf, NFIELDS, nf < NFIELDS ? " (truncated row?)" : "");
        amsel_profile_cell *c = &p->cell[(size_t)i * (size_t)p->nmodels + (size_t)m];
        if (c->line)
            return am_fail(ctx, AMSEL_ERR_FORMAT,
                           "%s:%d: duplicate row for image '%s', model '%s' (first at line %d)",
                           path, l + 1, p->image_name[i], p->model_name[m], c->line);
        int cls = -1;
        amsel_status st = parse_row(ctx, path, l + 1, f, &cls, c);
        if (st)
            return st;
        int first = 1;
        for (int k = 0; k < p->nmodels; k++)
            if (k != m && am_cell(p, i, k)->line)
                first = 0;
        if (first)
            p->image_class[i] = cls;
        else if (p->image_class[i] != cls)
            return am_fail(ctx, AMSEL_ERR_FORMAT,
                           "%s:%d: image '%s' has class %d here but %d on an earlier line", path,
                           l + 1, p->image_name[i], cls, p->image_class[i]);
    }
    for (int i = 0; i < p->nimages; i++)
        for (int m = 0; m < p->nmodels; m++)
            if (!am_cell(p, i, m)->line) {
                int ln = 0;
                for (int k = 0; k < p->nmodels && !ln; k++)
                    ln = am_cell(p, i, k)->line;
                return am_fail(ctx, AMSEL_ERR_FORMAT,
                               "%s:%d: image '%s' has no row for model '%s' (every image needs "
                               "every model)",
                               path, ln, p->image_name[i], p->model_name[m]);
            }
    return AMSEL_OK;
}

amsel_status amsel_profile_load(amsel_ctx *ctx, const char *path, amsel_profile **out)
{
    if (!ctx || !path || !out)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_profile_load: NULL argument");
    *out = NULL;
    am_lines L;
    amsel_status st = am_lines_read(ctx, path, &L);
    if (st)
        return st;
    amsel_profile *p = am_calloc(ctx, 1, sizeof *p);
    int *row_image = NULL, *row_model = NULL;
    name_table t = {0};
    if (!p) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    p->ctx = ctx;
    if (!(p->path = dup_str(ctx, path))) {
        st = AMSEL_ERR_NOMEM;
        goto done;
    }
    if ((st = check_header(ctx, path, L.line[0])))
        goto done;
    if ((st = collect(ctx, path, &L, p, &t, &row_image, &row_model)))
        goto done;
    st = fill(ctx, path, &L, p, row_image, row_model);
done:
    am_free(ctx, row_image);
    am_free(ctx, row_model);
    am_free(ctx, t.slot);
    am_lines_free(ctx, &L);
    if (st)
        amsel_profile_destroy(p);
    else
        *out = p;
    return st;
}

void amsel_profile_destroy(amsel_profile *p)
{
    if (!p)
        return;
    amsel_ctx *ctx = p->ctx;
    if (p->image_name)
        for (int i = 0; i < p->nimages; i++)
            am_free(ctx, p->image_name[i]);
    for (int m = 0; m < p->nmodels; m++)
        am_free(ctx, p->model_name[m]);
    am_free(ctx, p->image_name);
    am_free(ctx, p->image_class);
    am_free(ctx, p->cell);
    am_free(ctx, p->path);
    am_free(ctx, p);
}
