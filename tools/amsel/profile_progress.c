/* OUT.partial, the progress file of `amsel profile` (see profile_partial.h).
 * Rows of an image are flushed together, so a killed run loses at most the
 * image in flight; the rename at the end is the only change to OUT. */
#include "profile_partial.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Printed by the signal handler, which may only call write(). */
static char interrupted_msg[4200];

static void on_interrupt(int sig)
{
    ssize_t w = write(STDERR_FILENO, interrupted_msg, strlen(interrupted_msg));
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

static int fail_io(profile_progress *pg, const char *what)
{
    cli_error("%s: cannot %s: %s", pg->partial, what, strerror(errno));
    return 0;
}

/* Reads the partial and decides what to keep of it. */
static int take_over(profile_progress *pg, int resume, const profile_run *run,
                     profile_resume *r)
{
    memset(r, 0, sizeof *r);
    off_t size = lseek(pg->fd, 0, SEEK_END);
    if (size < 0)
        return fail_io(pg, "read");
    if (!resume) {
        if (size > 0)
            cli_warn("%s exists: starting over (--resume continues it instead)", pg->partial);
        return 1;
    }
    if (size == 0) {
        fprintf(stderr, "profile: no progress in %s: starting from the beginning\n",
                pg->partial);
        return 1;
    }
    char *buf;
    size_t len;
    if (!cli_read_file(pg->partial, &buf, &len))
        return 0;
    int ok = profile_partial_check(pg->partial, buf, len, run, r);
    free(buf);
    if (ok)
        fprintf(stderr, "profile: resuming %s: %d image(s) done, %d to go\n", pg->partial,
                r->images, run->norder - r->next);
    return ok;
}

int profile_progress_open(profile_progress *pg, const char *out, int resume,
                          const profile_run *run, profile_resume *r)
{
    memset(pg, 0, sizeof *pg);
    pg->fd = -1;
    pg->out = out;
    size_t n = strlen(out) + sizeof ".partial";
    if (!(pg->partial = malloc(n))) {
        cli_error("out of memory");
        return 0;
    }
    snprintf(pg->partial, n, "%s.partial", out);
    pg->fd = open(pg->partial, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (pg->fd < 0)
        return fail_io(pg, "create"), profile_progress_close(pg), 0;
    /* Two runs appending to one partial would interleave their rows.
     * Filesystems without locks (some NFS) just go without. */
    if (flock(pg->fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        cli_error("%s: another amsel profile is writing it", pg->partial);
        return profile_progress_close(pg), 0;
    }
    if (!take_over(pg, resume, run, r))
        return profile_progress_close(pg), 0;
    if (ftruncate(pg->fd, (off_t)r->keep) != 0 || lseek(pg->fd, 0, SEEK_END) < 0 ||
        !(pg->f = fdopen(pg->fd, "r+"))) {
        fail_io(pg, "write");
        return profile_progress_close(pg), 0;
    }
    pg->fd = -1; /* owned by f now */
    if (fseek(pg->f, 0, SEEK_END) != 0 || (r->keep == 0 && fputs(run->header, pg->f) < 0) ||
        !profile_progress_flush(pg)) {
        fail_io(pg, "write");
        return profile_progress_close(pg), 0;
    }
    snprintf(interrupted_msg, sizeof interrupted_msg,
             "\namsel: interrupted: %s left as it was; progress is in %.2048s (run again "
             "with --resume to continue)\n",
             out, pg->partial);
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    return 1;
}

int profile_progress_flush(profile_progress *pg)
{
    return fflush(pg->f) == 0 && !ferror(pg->f);
}

void profile_progress_drop(profile_progress *pg, long at)
{
    if (at >= 0 && profile_progress_flush(pg) && ftruncate(fileno(pg->f), (off_t)at) == 0)
        fseek(pg->f, at, SEEK_SET);
}

int profile_progress_commit(profile_progress *pg, int check)
{
    if (!profile_progress_flush(pg) || fsync(fileno(pg->f)) != 0)
        return fail_io(pg, "write");
    if (check) {
        amsel_ctx *ctx;
        if (amsel_ctx_create(&ctx) != AMSEL_OK) {
            cli_error("out of memory");
            return 0;
        }
        amsel_profile *p;
        amsel_status st = amsel_profile_load(ctx, pg->partial, &p);
        if (st != AMSEL_OK)
            cli_error("%s (the resumed file is not a valid profile; start over without "
                      "--resume)",
                      amsel_last_error(ctx));
        amsel_profile_destroy(p);
        amsel_ctx_destroy(ctx);
        if (st != AMSEL_OK)
            return 0;
    }
    if (rename(pg->partial, pg->out) != 0) {
        cli_error("%s: cannot rename to %s: %s", pg->partial, pg->out, strerror(errno));
        return 0;
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    return 1;
}

void profile_progress_close(profile_progress *pg)
{
    if (pg->f)
        fclose(pg->f);
    if (pg->fd >= 0)
        close(pg->fd);
    free(pg->partial);
    memset(pg, 0, sizeof *pg);
    pg->fd = -1;
}
