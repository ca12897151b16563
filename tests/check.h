/* Minimal test helpers: CHECK records a failure and goes on, so one run
 * shows every broken expectation; main returns check_exit(). */
#ifndef AMSEL_TEST_CHECK_H
#define AMSEL_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures++;                                                  \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_) {                                                        \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
                    __LINE__, #a, a_, #b, b_);                                 \
            check_failures++;                                                  \
        }                                                                      \
    } while (0)

static inline int check_exit(void)
{
    if (check_failures)
        fprintf(stderr, "%d check(s) failed\n", check_failures);
    return check_failures ? 1 : 0;
}

/* The shared data folder, or NULL (tests that need it then skip with 77). */
static inline const char *check_data_dir(void)
{
    const char *d = getenv("AMSEL_DATA");
    return (d && *d) ? d : NULL;
}


/* A scratch folder per test program: check_tmp_make("name") creates
 * /tmp/amsel_name_XXXXXX, check_tmp("file") is a path in it (four
 * rotating buffers, so a call may take two or three), check_tmp_remove()
 * deletes it with everything in it (0 on failure). */
static char check_tmp_dir[64];

static inline int check_tmp_make(const char *name)
{
    snprintf(check_tmp_dir, sizeof check_tmp_dir, "/tmp/amsel_%s_XXXXXX", name);
    return mkdtemp(check_tmp_dir) != NULL;
}

static inline const char *check_tmp(const char *file)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", check_tmp_dir, file);
    return buf[k];
}

static inline int check_tmp_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", check_tmp_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", check_tmp_dir);
        return 0;
    }
    return 1;
}

#endif
