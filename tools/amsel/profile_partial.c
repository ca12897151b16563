/* Checking an interrupted profile's OUT.partial before --resume appends to
 * it. The file is hostile input (another run's, edited, or cut short by a
 * crash): only complete images that are exactly what this run would have
 * written are kept. */
#include "profile_partial.h"
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NFIELDS 12

/* Splits line (NUL-terminated, modified) at commas; returns the count. */
static int split(char *line, char **f)
{
    int n = 0;
    for (char *s = line;; s++) {
        if (n < NFIELDS)
            f[n] = s;
        n++;
        if (!(s = strchr(s, ',')))
            return n;
        *s = 0;
    }
}

static int parse_flag(const char *s, int *out)
{
    if ((s[0] != '0' && s[0] != '1') || s[1])
        return 0;
    *out = s[0] == '1';
    return 1;
}

static int parse_ms(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v) || v < 0)
        return 0;
    *out = v;
    return 1;
}

/* One image's rows, held until the image is complete. */
typedef struct pending {
    char image[1024];
    int rows, first_line;
    int *c1, *c5;
    double *ms;
} pending;

static void commit(const pending *p, int nmodels, profile_stats *stats)
{
    for (int k = 0; k < nmodels; k++) {
        profile_stats *s = &stats[k];
        s->infer_ms[s->images++] = p->ms[k];
        s->correct1 += p->c1[k];
        s->correct5 += p->c5[k];
    }
}

/* Checks one row (fields f) as row p->rows of the current image; on a new
 * image, finds it in order[] from *cursor. 0 after printing an error. */
static int check_row(const char *path, int ln, char **f, const profile_run *run, int *cursor,
                     pending *p, int *skipped)
{
    const amsel_dataset *ds = run->ds;
    const int *order = run->order;
    int norder = run->norder, nmodels = run->nmodels;
    char *const *models = run->models;
    if (p->rows == 0) {
        if (strlen(f[0]) >= sizeof p->image) {
            cli_error("%s:%d: image name too long", path, ln);
            return 0;
        }
        int at = *cursor;
        while (at < norder && strcmp(amsel_dataset_file(ds, order[at]), f[0]))
            at++;
        if (at == norder) {
            cli_error("%s:%d: image '%.200s' is not among this run's remaining images (the "
                      "partial is from another dataset, --limit or --shard)",
                      path, ln, f[0]);
            return 0;
        }
        if (at > *cursor && !run->skip_bad) {
            cli_error("%s:%d: %d image(s) before '%.200s' are missing (the partial was "
                      "written with --skip-bad: add it, or start over without --resume)",
                      path, ln, at - *cursor, f[0]);
            return 0;
        }
        *skipped += at - *cursor;
        *cursor = at;
        snprintf(p->image, sizeof p->image, "%s", f[0]);
        p->first_line = ln;
        char *end;
        long cls = strtol(f[1], &end, 10);
        if (*end || !*f[1] || cls != amsel_dataset_class(ds, order[at])) {
            cli_error("%s:%d: image '%.200s' has class '%.20s' but the dataset says %d", path,
                      ln, f[0], f[1], amsel_dataset_class(ds, order[at]));
            return 0;
        }
    } else if (strcmp(p->image, f[0])) {
        cli_error("%s:%d: image '%.200s' has %d of %d model rows (from line %d), then comes "
                  "'%.200s'",
                  path, ln, p->image, p->rows, nmodels, p->first_line, f[0]);
        return 0;
    }
    int r = p->rows;
    if (strcmp(f[2], models[r])) {
        cli_error("%s:%d: model '%.200s' where this run has '%s' (the partial was written "
                  "with another --models list)",
                  path, ln, f[2], models[r]);
        return 0;
    }
    if (!parse_flag(f[5], &p->c1[r]) || !parse_flag(f[6], &p->c5[r]) ||
        !parse_ms(f[11], &p->ms[r])) {
        cli_error("%s:%d: bad correct1, correct5 or infer_ms", path, ln);
        return 0;
    }
    p->rows++;
    return 1;
}

int profile_partial_check(const char *path, const char *buf, size_t len, const profile_run *run,
                          profile_resume *out)
{
    const char *header = run->header;
    int nmodels = run->nmodels;
    memset(out, 0, sizeof *out);
    size_t hlen = strlen(header);
    const char *nl = memchr(buf, '\n', len);
    if (!nl) {
        if (len <= hlen && !memcmp(buf, header, len))
            return 1; /* empty, or cut inside the header: start over */
        cli_error("%s: not a profile progress file (no header line)", path);
        return 0;
    }
    if ((size_t)(nl + 1 - buf) != hlen || memcmp(buf, header, hlen)) {
        cli_error("%s:1: the header differs from this version's profile header", path);
        return 0;
    }
    out->keep = hlen;
    pending p = {0};
    p.c1 = calloc((size_t)nmodels, sizeof *p.c1);
    p.c5 = calloc((size_t)nmodels, sizeof *p.c5);
    p.ms = calloc((size_t)nmodels, sizeof *p.ms);
    char *line = malloc(len + 1);
    int ok = p.c1 && p.c5 && p.ms && line, cursor = 0, ln = 1;
    if (!ok)
        cli_error("out of memory");
    for (size_t pos = hlen; ok && pos < len;) {
        const char *e = memchr(buf + pos, '\n', len - pos);
        ln++;
        if (!e) {
            cli_warn("%s:%d: dropping the truncated last line", path, ln);
            break;
        }
        size_t n = (size_t)(e - (buf + pos));
        memcpy(line, buf + pos, n);
        line[n] = 0;
        char *f[NFIELDS];
        int nf = strlen(line) == n ? split(line, f) : -1;
        if (nf != NFIELDS) {
            cli_error("%s:%d: %s", path, ln,
                      nf < 0 ? "NUL bytes in the line" : "not a profile row (12 fields expected)");
            ok = 0;
            break;
        }
        if (!check_row(path, ln, f, run, &cursor, &p, &out->skipped)) {
            ok = 0;
            break;
        }
        pos += n + 1;
        if (p.rows == nmodels) {
            commit(&p, nmodels, run->stats);
            p.rows = 0;
            out->keep = pos;
            out->next = ++cursor;
            out->images++;
        }
    }
    if (ok && p.rows)
        cli_warn("%s:%d: dropping the incomplete last image '%s' (%d of %d model rows)", path,
                 p.first_line, p.image, p.rows, nmodels);
    /* Images skipped before a gap that the dropped image ended are not counted. */
    if (ok && cursor > out->next)
        out->skipped -= cursor - out->next;
    free(p.c1);
    free(p.c5);
    free(p.ms);
    free(line);
    return ok;
}
