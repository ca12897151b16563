/* The footprint report (footprint.h). Heap bytes are the allocator's
 * in-use bytes before and after a load (glibc's mallinfo2), so they count
 * everything the library allocates for a model: the activation arena,
 * packed weights (fast backend), lookup tables and per-node parameters.
 * Weights themselves stay in the memory-mapped file (page cache, shared). */
#define _GNU_SOURCE /* dl_iterate_phdr, mallinfo2 */
#include "footprint.h"

#include "amsel/deploy.h"
#include "cli.h"

#include <libgen.h>
#include <link.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Heap bytes in use; -1 where the C library cannot say (not glibc). */
static long long heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
#else
    return -1;
#endif
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

typedef struct segs {
    unsigned long long code, data; /* PT_LOAD bytes in memory: executable / writable */
} segs;

/* The main program is the first object dl_iterate_phdr reports. */
static int main_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    segs *s = arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        if (ph->p_flags & PF_W)
            s->data += ph->p_memsz;
        else
            s->code += ph->p_memsz; /* text and read-only data */
    }
    return 1;
}

static void print_binaries(FILE *f)
{
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    segs s = {0, 0};
    dl_iterate_phdr(main_segments, &s);
    if (n <= 0) {
        fprintf(f, "# executable: unknown (no /proc/self/exe)\n");
        return;
    }
    exe[n] = '\0';
    fprintf(f, "# executable %s: %lld bytes on disk; in memory %.1f KiB code+rodata, %.1f KiB data+bss\n",
            exe, file_size(exe), s.code / 1024.0, s.data / 1024.0);
    char lib[4096 + 16];
    snprintf(lib, sizeof lib, "%s/libamsel.a", dirname(exe));
    const long long ls = file_size(lib);
    if (ls >= 0)
        fprintf(f, "# library %s: %lld bytes (static archive, unstripped)\n", lib, ls);
    else
        fprintf(f, "# library: linked statically into the executable (no libamsel.a next to it)\n");
}

static void kib(FILE *f, long long bytes, const char *sep)
{
    if (bytes < 0)
        fprintf(f, "n/a%s", sep);
    else
        fprintf(f, "%.1f%s", bytes / 1024.0, sep);
}

/* One model's row; *weights and *heap receive its figures. */
static int model_row(FILE *f, amsel_ctx *ctx, const char *path, long long *weights,
                     long long *heap)
{
    const long long h0 = heap_in_use();
    amsel_model *m;
    if (amsel_model_load(ctx, path, &m) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        return 0;
    }
    const long long h1 = heap_in_use();
    amsel_model_info in;
    amsel_model_get_info(m, &in);
    char name[256];
    cli_model_name(path, name, sizeof name);
    *weights = (long long)in.weight_bytes;
    /* a load always allocates (the arena): nothing seen means an allocator
     * mallinfo2 does not see (AddressSanitizer's) */
    *heap = h0 < 0 || h1 - h0 <= 0 ? -1 : h1 - h0;
    const long long act = (long long)in.activation_bytes;
    fprintf(f, "%s\t", name);
    kib(f, file_size(path), "\t");
    kib(f, *weights, "\t");
    kib(f, *heap, "\t");
    kib(f, act, "\t");
    kib(f, *heap < 0 ? -1 : *heap - act, "\n");
    amsel_model_destroy(m);
    return 1;
}

/* The selector: each stage's model on its own, then the whole selector
 * open (models, premodel, feature workspaces are made on demand). */
static int selector_rows(FILE *f, amsel_ctx *ctx, const char *path, const char *models_dir)
{
    const long long h0 = heap_in_use();
    amsel_selector *s;
    if (amsel_selector_open(ctx, path, models_dir, &s) != AMSEL_OK) {
        cli_error("%s", amsel_last_error(ctx));
        return 0;
    }
    const long long h1 = heap_in_use();
    long long weights = 0, models_heap = 0;
    int ok = 1;
    fprintf(f, "# selector %s: %s\n", path, amsel_selector_describe(s));
    for (int i = 0; i < amsel_selector_stages(s); i++) {
        char mp[4096];
        const int k = snprintf(mp, sizeof mp, "%s/%s.tflite", models_dir,
                               amsel_selector_model_name(s, i));
        long long w, h;
        if (k < 0 || (size_t)k >= sizeof mp) {
            cli_error("%s: models folder path too long", path);
            ok = 0;
            break;
        }
        if (!model_row(f, ctx, mp, &w, &h)) {
            ok = 0;
            break;
        }
        weights += w;
        models_heap = (models_heap < 0 || h < 0) ? -1 : models_heap + h;
    }
    if (ok) {
        const long long total = h0 < 0 || h1 - h0 <= 0 ? -1 : h1 - h0;
        fprintf(f, "selector\t");
        kib(f, file_size(path), "\t");
        kib(f, weights, "\t");
        kib(f, total, "\t");
        fprintf(f, "-\t");
        /* what the selector holds beyond its models: premodel, policy */
        kib(f, total < 0 || models_heap < 0 ? -1 : total - models_heap, "\n");
    }
    amsel_selector_destroy(s);
    return ok;
}

int footprint_print(FILE *f, const char *data_dir, const footprint_opts *o)
{
    char **paths = o->models;
    int n = o->nmodels, ok = 1;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/models/imagenet", data_dir);
    if (!paths && !o->selector) {
        n = cli_model_list(data_dir, dir, &paths);
        if (n < 0)
            return 1;
    }
    amsel_ctx *ctx;
    if (!cli_ctx_create(o->backend, &ctx)) {
        if (paths != o->models)
            cli_free_list(paths, n);
        return 1;
    }
    print_binaries(f);
    fprintf(f, "# KiB. file: on disk (mapped, weights read in place); weights: constant tensors;\n"
               "# heap: allocated by the load; arena: planned activations (part of heap);\n"
               "# other: heap - arena (packed weights, tables, plans; for the selector:\n"
               "# its premodel and policy beyond its models)\n");
    fprintf(f, "model\tfile_kib\tweights_kib\theap_kib\tarena_kib\tother_kib\n");
    for (int i = 0; ok && i < n; i++) {
        long long w, h;
        ok = model_row(f, ctx, paths[i], &w, &h);
    }
    if (ok && o->selector)
        ok = selector_rows(f, ctx, o->selector, o->models_dir ? o->models_dir : dir);
    struct rusage ru;
    if (ok && getrusage(RUSAGE_SELF, &ru) == 0)
        fprintf(f, "# peak RSS of this process: %ld KiB (models loaded one at a time)\n",
                ru.ru_maxrss);
    amsel_ctx_destroy(ctx);
    if (paths != o->models)
        cli_free_list(paths, n);
    return ok ? 0 : 1;
}
