/* Shared helper for the fuzz targets whose loader takes a path: each input
 * is written to a temporary file private to this process, removed at exit. */
#ifndef AMSEL_FUZZ_UTIL_H
#define AMSEL_FUZZ_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_path[512];

static void fuzz_cleanup(void)
{
    unlink(fuzz_path);
}

/* Writes data to the process's temporary file; returns its path or NULL. */
static const char *fuzz_tmpfile(const char *tag, const uint8_t *data, size_t size)
{
    if (!fuzz_path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(fuzz_path, sizeof fuzz_path, "%s/amsel-fuzz-%s-%ld",
                 dir && *dir ? dir : "/tmp", tag, (long)getpid());
        atexit(fuzz_cleanup);
    }
    FILE *f = fopen(fuzz_path, "wb");
    if (!f)
        return NULL;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return NULL;
    }
    if (fclose(f) != 0)
        return NULL;
    return fuzz_path;
}
#endif
