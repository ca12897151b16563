/* The progress file of `amsel profile`: rows go to OUT.partial, flushed
 * after each complete image, and OUT.partial becomes OUT at the end; an
 * interrupted run leaves OUT untouched and OUT.partial for --resume. */
#ifndef AMSEL_PROFILE_PARTIAL_H
#define AMSEL_PROFILE_PARTIAL_H

#include "amsel/amsel.h"

#include <stddef.h>
#include <stdio.h>

/* Per-model tallies for the summary; infer_ms has room for every image. */
typedef struct profile_stats {
    int images, correct1, correct5;
    double *infer_ms;
} profile_stats;

/* What a run goes on from. */
typedef struct profile_resume {
    size_t keep;   /* bytes of the partial to keep (0: start over, header included) */
    int next;      /* position in order[] to continue from */
    int images;    /* complete images kept */
    int skipped;   /* images of order[] before `next` that the partial lacks (--skip-bad) */
} profile_resume;

/* What this run writes, to check a partial against. */
typedef struct profile_run {
    const char *header;     /* the CSV header line, with its newline */
    char *const *models;    /* model names, in row order */
    int nmodels;
    const amsel_dataset *ds;
    const int *order;       /* dataset indices this run profiles, in order */
    int norder;
    int skip_bad;
    profile_stats *stats;   /* [nmodels], kept rows are added */
} profile_run;

/* Checks the partial's text buf[0..len) against this run: the exact header,
 * then groups of one row per model (in models[] order) for images that
 * follow order[] (dataset indices) with their dataset classes; gaps only
 * with skip_bad. A truncated last line and an incomplete last image are
 * dropped (with a note); anything else that does not fit is an error
 * naming path and line. Adds the kept rows to stats[nmodels]. 0 after
 * printing an error. */
int profile_partial_check(const char *path, const char *buf, size_t len, const profile_run *run,
                          profile_resume *out);

typedef struct profile_progress {
    FILE *f;
    char *partial;      /* "<out>.partial" */
    const char *out;
    int fd;
} profile_progress;

/* Opens (creates) and locks out.partial. With resume, checks what it holds
 * (profile_partial_check) and keeps the good part; else empties it (with a
 * note when it held something). Then the header is written if missing, and
 * SIGINT/SIGTERM print where the progress is and end the process, leaving
 * the partial. 0 after printing an error; the partial is then untouched. */
int profile_progress_open(profile_progress *pg, const char *out, int resume,
                          const profile_run *run, profile_resume *r);
/* The current image's rows are complete: flush them. 0 on a write error. */
int profile_progress_flush(profile_progress *pg);
/* Removes what was written from offset `at` on (the rows of an image that
 * failed part-way), so the partial holds whole images only. */
void profile_progress_drop(profile_progress *pg, long at);
/* Flush, fsync, and (when check) read the whole partial back with the
 * profile reader; then rename it to out. 0 after printing an error. */
int profile_progress_commit(profile_progress *pg, int check);
/* Closes, leaving the partial in place for --resume (after an error). */
void profile_progress_close(profile_progress *pg);

#endif
