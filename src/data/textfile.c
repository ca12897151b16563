/* Line splitting for small text formats; see textfile.h. */
#include "data/textfile.h"

#include <string.h>

#define MAX_LINES 10000000

amsel_status am_lines_read(amsel_ctx *ctx, const char *path, am_lines *out)
{
    memset(out, 0, sizeof *out);
    size_t size;
    amsel_status st = am_read_file(ctx, path, ctx->limits.max_file_bytes, &out->data, &size);
    if (st)
        return st;
    if (memchr(out->data, 0, size)) {
        am_lines_free(ctx, out);
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: not a text file (contains NUL bytes)", path);
    }
    size_t n = 1;
    for (size_t i = 0; i < size; i++)
        n += out->data[i] == '\n';
    if (n > MAX_LINES) {
        am_lines_free(ctx, out);
        return am_fail(ctx, AMSEL_ERR_LIMIT, "%s: more than %d lines", path, MAX_LINES);
    }
    out->line = am_malloc(ctx, n * sizeof *out->line);
    if (!out->line) {
        am_lines_free(ctx, out);
        return AMSEL_ERR_NOMEM;
    }
    char *s = (char *)out->data, *end = s + size;
    while (s < end || (s == end && out->n == 0 && size == 0)) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *e = nl ? nl : end;
        if (e > s && e[-1] == '\r')
            e[-1] = 0;
        *e = 0;
        out->line[out->n++] = s;
        if (!nl)
            break;
        s = nl + 1;
    }
    return AMSEL_OK;
}

void am_lines_free(amsel_ctx *ctx, am_lines *l)
{
    am_free(ctx, l->line);
    am_free(ctx, l->data);
    memset(l, 0, sizeof *l);
}
