/* Dataset ("FILE CLASS" per line) and class-name files. */
#include "amsel/dataset.h"

#include "data/textfile.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NUM_CLASSES 1000

struct amsel_dataset {
    amsel_ctx *ctx;
    am_lines text;
    int n;
    const char **file;  /* [n] into text */
    int *cls;           /* [n] */
    int *line;          /* [n] 1-based */
};

struct amsel_labels {
    amsel_ctx *ctx;
    am_lines text;
    int offset;         /* 1 when the file starts with "background" */
};

static int is_blank_or_comment(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == 0 || *s == '#';
}

/* Splits "a b" into two whitespace-separated fields; 0 if not exactly two. */
static int split2(char *s, char **a, char **b)
{
    char *save = NULL;
    *a = strtok_r(s, " \t", &save);
    *b = *a ? strtok_r(NULL, " \t", &save) : NULL;
    return *a && *b && !strtok_r(NULL, " \t", &save);
}

static int parse_class_number(const char *s, int *cls)
{
    if (!isdigit((unsigned char)s[0]) || strlen(s) > 4)
        return 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v >= NUM_CLASSES)
        return 0;
    *cls = (int)v;
    return 1;
}

/* Looks a wnid up in the synsets lines (line k = class k). */
static int find_wnid(const am_lines *syn, const char *wnid, int *cls)
{
    size_t len = strlen(wnid);
    for (int k = 0; k < syn->n && k < NUM_CLASSES; k++)
        if (strncmp(syn->line[k], wnid, len) == 0 &&
            (syn->line[k][len] == ' ' || syn->line[k][len] == '\t' || syn->line[k][len] == 0)) {
            *cls = k;
            return 1;
        }
    return 0;
}

amsel_status amsel_dataset_load(amsel_ctx *ctx, const char *path, const char *synsets_path,
                                amsel_dataset **out)
{
    if (!out)
        return AMSEL_ERR_INVALID_ARG;
    *out = NULL;
    amsel_dataset *d = am_calloc(ctx, 1, sizeof *d);
    if (!d)
        return AMSEL_ERR_NOMEM;
    d->ctx = ctx;
    am_lines syn = {0};
    int have_syn = 0;
    amsel_status st = am_lines_read(ctx, path, &d->text);
    if (st)
        goto fail;
    int cap = d->text.n;
    d->file = am_calloc(ctx, (size_t)cap, sizeof *d->file);
    d->cls = am_calloc(ctx, (size_t)cap, sizeof *d->cls);
    d->line = am_calloc(ctx, (size_t)cap, sizeof *d->line);
    if (!d->file || !d->cls || !d->line) {
        st = AMSEL_ERR_NOMEM;
        goto fail;
    }
    for (int i = 0; i < d->text.n; i++) {
        char *s = d->text.line[i], *file, *cls;
        if (is_blank_or_comment(s))
            continue;
        if (!split2(s, &file, &cls)) {
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: expected 'FILE CLASS'", path, i + 1);
            goto fail;
        }
        int c;
        if (cls[0] == 'n' && strlen(cls) == 9) {
            if (!have_syn) {
                if (!synsets_path) {
                    st = am_fail(ctx, AMSEL_ERR_FORMAT,
                                 "%s:%d: class '%s' is a wnid but no synsets file is given",
                                 path, i + 1, cls);
                    goto fail;
                }
                if ((st = am_lines_read(ctx, synsets_path, &syn)))
                    goto fail;
                have_syn = 1;
            }
            if (!find_wnid(&syn, cls, &c)) {
                st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s:%d: unknown class '%s'", path, i + 1,
                             cls);
                goto fail;
            }
        } else if (!parse_class_number(cls, &c)) {
            st = am_fail(ctx, AMSEL_ERR_FORMAT,
                         "%s:%d: unknown class '%.40s' (expected 0..999 or a wnid)", path, i + 1,
                         cls);
            goto fail;
        }
        d->file[d->n] = file;
        d->cls[d->n] = c;
        d->line[d->n] = i + 1;
        d->n++;
    }
    if (d->n == 0) {
        st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s: no images listed", path);
        goto fail;
    }
    am_lines_free(ctx, &syn);
    *out = d;
    return AMSEL_OK;
fail:
    am_lines_free(ctx, &syn);
    amsel_dataset_destroy(d);
    return st;
}

void amsel_dataset_destroy(amsel_dataset *d)
{
    if (!d)
        return;
    am_free(d->ctx, d->file);
    am_free(d->ctx, d->cls);
    am_free(d->ctx, d->line);
    am_lines_free(d->ctx, &d->text);
    am_free(d->ctx, d);
}

int amsel_dataset_count(const amsel_dataset *d) { return d->n; }
const char *amsel_dataset_file(const amsel_dataset *d, int i) { return d->file[i]; }
int amsel_dataset_class(const amsel_dataset *d, int i) { return d->cls[i]; }
int amsel_dataset_line(const amsel_dataset *d, int i) { return d->line[i]; }

amsel_status amsel_labels_load(amsel_ctx *ctx, const char *path, amsel_labels **out)
{
    if (!out)
        return AMSEL_ERR_INVALID_ARG;
    *out = NULL;
    amsel_labels *l = am_calloc(ctx, 1, sizeof *l);
    if (!l)
        return AMSEL_ERR_NOMEM;
    l->ctx = ctx;
    amsel_status st = am_lines_read(ctx, path, &l->text);
    if (st) {
        amsel_labels_destroy(l);
        return st;
    }
    int n = l->text.n;
    while (n > 0 && l->text.line[n - 1][0] == 0) /* trailing newline(s) */
        n--;
    if (n != NUM_CLASSES && n != NUM_CLASSES + 1) {
        amsel_labels_destroy(l);
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: %d labels (expected 1000 or 1001)", path, n);
    }
    l->offset = n - NUM_CLASSES;
    *out = l;
    return AMSEL_OK;
}

void amsel_labels_destroy(amsel_labels *l)
{
    if (!l)
        return;
    am_lines_free(l->ctx, &l->text);
    am_free(l->ctx, l);
}

const char *amsel_labels_name(const amsel_labels *l, int cls)
{
    if (!l || cls < 0 || cls >= NUM_CLASSES)
        return "?";
    return l->text.line[cls + l->offset];
}
