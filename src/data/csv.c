/* Strict CSV fields and numbers (see csv.h). */
#include "data/csv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int am_csv_split(char *line, char **f, int max)
{
    int n = 0;
    for (char *s = line;; s++) {
        if (n < max)
            f[n] = s;
        n++;
        s = strchr(s, ',');
        if (!s)
            break;
        *s = 0;
    }
    return n;
}

/* strtol/strtod skip leading blanks; a field must not start with one. */
static int blank(char c) { return c == ' ' || c == '\t'; }

int am_parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || blank(*s) || *end || errno || v < lo || v > hi)
        return 0;
    *out = (int)v;
    return 1;
}

int am_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || blank(*s) || *end || errno == ERANGE || !isfinite(v) || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}
