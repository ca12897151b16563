/* amsel report: the HTML page of an evaluation document (the JSON that
 * `amsel eval` saves). The file is read whole with a size limit, parsed,
 * checked field by field, and the page written atomically: on any error
 * there is no output file. */
#include "cli.h"
#include "report_html.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JSON_BYTES (16L << 20)

static void help(FILE *f)
{
    fprintf(f, "usage: amsel report --eval EVAL.json -o REPORT.html\n\n"
               "Writes a self-contained HTML page (no script, no network) of an evaluation\n"
               "document: the policies table, accuracy against latency with the Pareto front,\n"
               "model usage, the spread over the folds, and the feature analysis when the\n"
               "document has one (docs/report.md).\n");
}

/* The whole file, NUL-terminated, at most MAX_JSON_BYTES. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_error("%s: cannot open: %s", path, strerror(errno)), NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || ferror(f))
            break;
        if (cap >= (size_t)MAX_JSON_BYTES) {
            cli_error("%s: larger than %ld MiB", path, MAX_JSON_BYTES >> 20);
            free(buf);
            fclose(f);
            return NULL;
        }
        char *more = realloc(buf, cap * 2 + 1);
        if (!more)
            free(buf);
        buf = more;
        cap *= 2;
    }
    if (!buf) {
        fclose(f);
        return cli_error("out of memory"), NULL;
    }
    if (ferror(f)) {
        cli_error("%s: cannot read: %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Parses text; on a syntax error names the file and line. */
static cJSON *parse(const char *path, const char *text, size_t len)
{
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (doc)
        return doc;
    const char *at = cJSON_GetErrorPtr();
    if (!at || at < text || at > text + len)
        at = text + len;
    int line = 1;
    for (const char *s = text; s < at; s++)
        line += *s == '\n';
    if (at >= text + len)
        cli_error("%s:%d: invalid JSON: unexpected end of file", path, line);
    else
        cli_error("%s:%d: invalid JSON near '%.20s'", path, line, at);
    return NULL;
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {{"eval", required_argument, 0, 'e'},
                                         {"output", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *in = NULL, *out_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'e': in = optarg; break;
        case 'o': out_path = optarg; break;
        case 'h': help(stdout); return 0;
        default: help(stderr); return EXIT_USAGE;
        }
    }
    if (!in || !out_path || optind < argc) {
        if (optind < argc)
            cli_error("unexpected argument '%s'", argv[optind]);
        else
            cli_error("%s is required", in ? "-o" : "--eval");
        help(stderr);
        return EXIT_USAGE;
    }
    size_t len = 0;
    char *text = read_file(in, &len), err[512] = "";
    cJSON *doc = text ? parse(in, text, len) : NULL;
    free(text);
    if (!doc)
        return 1;
    cli_outfile out;
    int rc = 1;
    if (cli_out_open(&out, out_path)) {
        if (report_html_write(out.f, doc, err, sizeof err)) {
            cli_error("%s: %s", in, err);
            cli_out_abort(&out);
        } else if (cli_out_commit(&out)) {
            rc = 0;
        }
    }
    cJSON_Delete(doc);
    return rc;
}
