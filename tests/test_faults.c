/* Failure injection (issue 6): a context whose allocator fails the Nth
 * allocation, for every N until the whole path succeeds, along
 *   (a) amsel_model_load -> amsel_image_load -> amsel_model_classify
 *       (auto, and the xnnpack backend where it is built),
 *   (b) amsel_selector_open -> amsel_selector_classify (a two-model
 *       cascade entered through a premodel: hashes, features, both models),
 *   (c) amsel_feature_table_load and amsel_profile_load of small CSVs,
 *   (d) am_selector_file_write;
 * each failure must be AMSEL_ERR_NOMEM with a message, leak nothing
 * (counted here, and LeakSanitizer in the ASan build), and the same
 * context must then give the reference answer with a working allocator
 * (checked after every 8th failure: a whole run is slow).
 * Then output I/O failures: the selector writer into a missing folder,
 * over a folder, and onto a "full disk" (RLIMIT_FSIZE: writes fail with
 * EFBIG, even for root) must fail cleanly and leave no partial file and
 * the previous file intact. AMSEL_TEST_QUICK strides the slow sweeps. */
#include "amsel/amsel.h"
#include "check.h"
#include "selector/selector_file.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char models[1024], photo[1024];
static const char *M0 = "mobilenet_v1_0.25_128_quant", *M1 = "mobilenet_v1_0.5_160_quant";
static int quick;

/* ---- The failing allocator ------------------------------------------- */

/* Counts allocations (fresh and growing reallocs: both can fail) and
 * live blocks; allocation number fail_at (1-based) fails. fail_at -1:
 * never fails (the context is then "repaired"). */
typedef struct faulty {
    long n, live, fail_at;
} faulty;

static void *faulty_alloc(void *user, void *ptr, size_t size)
{
    faulty *a = user;
    if (size == 0) {
        if (ptr)
            a->live--;
        free(ptr);
        return NULL;
    }
    if (++a->n == a->fail_at)
        return NULL; /* realloc failure leaves ptr alive, as realloc does */
    void *p = realloc(ptr, size);
    if (p && !ptr)
        a->live++;
    return p;
}

/* A path under test: run it in ctx; on success fill a comparable answer. */
typedef amsel_status (*path_fn)(amsel_ctx *ctx, void *answer);
typedef int (*same_fn)(const void *a, const void *b);

/* The sweep: for N = 1, 1 + stride, ... until the path succeeds without
 * reaching allocation N. Returns how many failures were injected. */
static int sweep(const char *what, path_fn run, same_fn same, size_t answer_size, int stride)
{
    void *ref = calloc(1, answer_size), *got = calloc(1, answer_size);
    amsel_ctx *c;
    CHECK(amsel_ctx_create(&c) == AMSEL_OK);
    amsel_status st = run(c, ref);
    if (st != AMSEL_OK) {
        fprintf(stderr, "%s: reference run failed: %s\n", what, amsel_last_error(c));
        check_failures++;
        amsel_ctx_destroy(c);
        free(ref), free(got);
        return 0;
    }
    amsel_ctx_destroy(c);
    /* Blocks the context itself keeps after a run (itself, a thread pool). */
    faulty base = {.fail_at = -1};
    CHECK(amsel_ctx_create_with_alloc(faulty_alloc, &base, &c) == AMSEL_OK);
    CHECK(run(c, got) == AMSEL_OK);
    long kept = base.live;
    amsel_ctx_destroy(c);
    int nomem = 0, done = 0;
    long k;
    for (k = 1; !done && k < 200000; k += stride) {
        faulty a = {.fail_at = k};
        if (amsel_ctx_create_with_alloc(faulty_alloc, &a, &c) != AMSEL_OK)
            continue; /* the context itself was the failed allocation */
        memset(got, 0, answer_size);
        st = run(c, got);
        if (st == AMSEL_OK) {
            done = a.n < k; /* nothing left to fail */
            if (!same(ref, got)) {
                fprintf(stderr, "%s: allocation %ld failed silently: a different answer\n", what,
                        k);
                check_failures++;
            }
        } else {
            nomem++;
            if (st != AMSEL_ERR_NOMEM || !amsel_last_error(c)[0]) {
                fprintf(stderr, "%s: allocation %ld: status %d (%s), expected out of memory\n",
                        what, k, (int)st, amsel_last_error(c));
                check_failures++;
            }
            if (a.live > kept) { /* only the context's own blocks may remain */
                fprintf(stderr, "%s: allocation %ld: %ld block(s) leaked\n", what, k,
                        a.live - kept);
                check_failures++;
            }
            /* The same context, its allocator working again, still works
             * (checked after every 8th failure: a whole run is slow). */
            a.fail_at = -1;
            memset(got, 0, answer_size);
            st = nomem % 8 == 1 ? run(c, got) : AMSEL_OK;
            if (st != AMSEL_OK || (nomem % 8 == 1 && !same(ref, got))) {
                fprintf(stderr, "%s: after allocation %ld failed, the context is broken: %s\n",
                        what, k, amsel_last_error(c));
                check_failures++;
            }
        }
        amsel_ctx_destroy(c);
        if (a.live != 0) {
            fprintf(stderr, "%s: allocation %ld: %ld block(s) left after destroy\n", what, k,
                    a.live);
            check_failures++;
        }
    }
    fprintf(stderr, "%s: %d allocation failure(s) injected (stride %d)\n", what, nomem,
            stride);
    CHECK(done); /* the sweep reached the end of the path */
    CHECK(nomem > 0);
    free(ref), free(got);
    return nomem;
}

/* ---- (a) model + photo ------------------------------------------------ */

typedef struct top5 {
    amsel_class_score top[5];
} top5;

static int same_top5(const void *a, const void *b)
{
    const top5 *x = a, *y = b;
    for (int i = 0; i < 5; i++)
        if (x->top[i].cls != y->top[i].cls || x->top[i].score != y->top[i].score)
            return 0;
    return 1;
}

static const char *model_backend = "auto", *model_name;

static amsel_status model_path(amsel_ctx *ctx, void *answer)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.tflite", models, model_name);
    amsel_model *m = NULL;
    amsel_image *img = NULL;
    amsel_status st = amsel_ctx_set_backend(ctx, model_backend);
    if (st == AMSEL_OK)
        st = amsel_model_load(ctx, path, &m);
    if (st == AMSEL_OK)
        st = amsel_image_load(ctx, photo, &img);
    if (st == AMSEL_OK)
        st = amsel_model_classify(m, img, 0.875f, 5, ((top5 *)answer)->top, NULL, NULL);
    amsel_image_destroy(img);
    amsel_model_destroy(m);
    return st;
}

/* ---- (b) selector ------------------------------------------------------ */

typedef struct sel_answer {
    amsel_class_score top[5];
    int unsure, nrun, run[AMSEL_CASCADE_MAX];
} sel_answer;

static int same_sel(const void *a, const void *b)
{
    const sel_answer *x = a, *y = b;
    return !memcmp(x, y, sizeof *x);
}

static const char *sel_file;

static amsel_status selector_path(amsel_ctx *ctx, void *answer)
{
    amsel_selector *s = NULL;
    amsel_image *img = NULL;
    amsel_selection sel;
    amsel_status st = amsel_selector_open(ctx, sel_file, models, &s);
    if (st == AMSEL_OK)
        st = amsel_image_load(ctx, photo, &img);
    if (st == AMSEL_OK)
        st = amsel_selector_classify(s, img, &sel);
    if (st == AMSEL_OK) {
        sel_answer *a = answer;
        memcpy(a->top, sel.top, sizeof a->top);
        a->unsure = sel.unsure, a->nrun = sel.nrun;
        memcpy(a->run, sel.run, sizeof a->run);
    }
    amsel_image_destroy(img);
    amsel_selector_destroy(s);
    return st;
}

static void meta_for(const am_policy *p, am_selector_meta *m)
{
    memset(m, 0, sizeof *m);
    m->model_name[0] = M0, m->model_name[1] = M1;
    for (int j = 0; j < p->pre.nfeat; j++)
        m->feature_name[j] = amsel_features_name(p->pre.feat[j]);
    m->objective = AMSEL_OBJECTIVE_TOP1;
    m->crop = 0.875f;
}

/* Two stages; threshold 1 escalates unless the first model is certain. */
static void cascade_policy(am_policy *p)
{
    memset(p, 0, sizeof *p);
    p->kind = AM_POL_CASCADE;
    p->stages.n = 2;
    p->stages.model[1] = 1;
    p->stages.threshold[0] = 1.0f;
    p->fallback = 1;
}

/* A cascade of two small models behind a premodel (hybrid): the tree
 * always enters at stage 0 and threshold 1 escalates unless the first
 * model is certain, so one run covers feature extraction, the premodel
 * and both models. */
static int hybrid_policy(amsel_ctx *ctx, am_policy *p)
{
    enum { N = 16 };
    float x[N * 2];
    int y[N];
    for (int i = 0; i < N; i++)
        x[2 * i] = (float)i / N, x[2 * i + 1] = (float)((i * 7) % N) / N, y[i] = 0;
    memset(p, 0, sizeof *p);
    p->kind = AM_POL_HYBRID;
    p->stages.n = 2;
    p->stages.model[1] = 1;
    p->stages.threshold[0] = 1.0f;
    p->fallback = 1;
    p->pre.nfeat = 2;
    p->pre.feat[0] = 1, p->pre.feat[1] = 4;
    p->pre.hi[0] = p->pre.hi[1] = 255;
    p->pre.nclf = 1;
    am_clf_params tp;
    am_clf_params_default(&tp, AM_CLF_TREE);
    tp.tree_min_leaf = 2;
    return am_clf_train(ctx, &tp, x, N, 2, y, 2, &p->pre.clf[0]) == AMSEL_OK;
}

static int write_policy(amsel_ctx *ctx, const am_policy *p, const char *path)
{
    am_selector_meta meta;
    meta_for(p, &meta);
    if (am_selector_file_write(ctx, path, p, &meta, models) != AMSEL_OK) {
        fprintf(stderr, "writing %s: %s\n", path, amsel_last_error(ctx));
        check_failures++;
        return 0;
    }
    return 1;
}

/* ---- (c) CSV readers ---------------------------------------------------- */

static const char *FEATURES_CSV = "image,class,a,b,features_ms\n"
                                  "x1.jpg,3,0.5,2,1.25\n"
                                  "x2.jpg,7,-1e3,4.5e-2,0.5\n"
                                  "x3.jpg,3,0,1,2\n";

typedef struct table_answer {
    int rows, dims;
    double v[3][2], ms[3];
    int cls[3];
} table_answer;

static int same_table(const void *a, const void *b)
{
    return !memcmp(a, b, sizeof(table_answer));
}

static amsel_status table_path(amsel_ctx *ctx, void *answer)
{
    amsel_feature_table *t = NULL;
    amsel_status st = amsel_feature_table_load(ctx, check_tmp("f.csv"), &t);
    if (st != AMSEL_OK)
        return st;
    table_answer *a = answer;
    a->rows = amsel_feature_table_rows(t), a->dims = amsel_feature_table_dims(t);
    for (int i = 0; i < 3 && i < a->rows; i++) {
        memcpy(a->v[i], amsel_feature_table_row(t, i), sizeof a->v[i]);
        a->ms[i] = amsel_feature_table_ms(t, i);
        a->cls[i] = amsel_feature_table_class(t, i);
    }
    amsel_feature_table_destroy(t);
    return st;
}

typedef struct profile_answer {
    int images, models, cls[3];
    amsel_profile_cell cell[3][2];
} profile_answer;

static int same_profile(const void *a, const void *b)
{
    return !memcmp(a, b, sizeof(profile_answer));
}

static amsel_status profile_path(amsel_ctx *ctx, void *answer)
{
    amsel_profile *p = NULL;
    amsel_status st = amsel_profile_load(ctx, check_tmp("p.csv"), &p);
    if (st != AMSEL_OK)
        return st;
    profile_answer *a = answer;
    a->images = amsel_profile_images(p), a->models = amsel_profile_models(p);
    for (int i = 0; i < 3 && i < a->images; i++) {
        a->cls[i] = amsel_profile_class(p, i);
        for (int m = 0; m < 2 && m < a->models; m++)
            a->cell[i][m] = *amsel_profile_cell_at(p, i, m);
    }
    amsel_profile_destroy(p);
    return st;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
}

/* 3 images x 2 models, in the format `amsel profile` writes. */
static void write_profile(const char *path)
{
    char text[4096];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "image,class,model,top5,top5_scores,correct1,correct5,score1,"
                          "score_true,decode_ms,pre_ms,infer_ms\n");
    const int cls[3] = {3, 7, 3};
    for (int i = 0; i < 3; i++)
        for (int m = 0; m < 2; m++) {
            int first = (i + m) % 2 ? cls[i] : 500;
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  "x%d.jpg,%d,m%d,%d %d 1 2 999,0.5 0.25 0.125 0.0625 0.03125,"
                                  "%d,%d,0.5,%s,1.5,0.25,%d.75\n",
                                  i + 1, cls[i], m, first, first == cls[i] ? 500 : cls[i],
                                  first == cls[i], 1, first == cls[i] ? "0.5" : "0.25", m + 1);
        }
    write_text(path, text);
}

/* ---- (d) the selector writer under allocation failure -------------------- */

static const am_policy *write_pol;

typedef struct file_answer {
    long size;
} file_answer;

static int same_file(const void *a, const void *b)
{
    return ((const file_answer *)a)->size == ((const file_answer *)b)->size;
}

/* Files in the scratch folder whose name starts with prefix (temporaries left behind). */
static int count_files(const char *prefix)
{
    DIR *d = opendir(check_tmp_dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += !strncmp(e->d_name, prefix, strlen(prefix));
    if (d)
        closedir(d);
    return n;
}

static amsel_status writer_path(amsel_ctx *ctx, void *answer)
{
    unlink(check_tmp("w.json"));
    am_selector_meta meta;
    meta_for(write_pol, &meta);
    amsel_status st = am_selector_file_write(ctx, check_tmp("w.json"), write_pol, &meta, models);
    struct stat sb;
    int exists = stat(check_tmp("w.json"), &sb) == 0;
    if (st == AMSEL_OK) {
        CHECK(exists);
        ((file_answer *)answer)->size = exists ? (long)sb.st_size : -1;
    } else {
        CHECK(!exists); /* no partial file */
    }
    CHECK_EQ_INT(count_files("w.json.tmp"), 0);
    return st;
}

/* ---- Output I/O failures ------------------------------------------------ */

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static void test_write_io(amsel_ctx *ctx, const am_policy *p)
{
    am_selector_meta meta;
    meta_for(p, &meta);
    /* A folder that does not exist. */
    CHECK_EQ_INT(am_selector_file_write(ctx, check_tmp("nodir/s.json"), p, &meta, models),
                 AMSEL_ERR_IO);
    CHECK(strstr(amsel_last_error(ctx), "nodir/s.json") != NULL);
    /* The target is a folder: the rename fails, the folder is untouched. */
    CHECK(mkdir(check_tmp("adir"), 0700) == 0);
    CHECK_EQ_INT(am_selector_file_write(ctx, check_tmp("adir"), p, &meta, models), AMSEL_ERR_IO);
    CHECK(strstr(amsel_last_error(ctx), "adir") != NULL);
    CHECK_EQ_INT(count_files("adir.tmp"), 0);
    /* A full disk at every size of the file: the previous version survives. */
    CHECK(write_policy(ctx, p, check_tmp("full.json")));
    long good = file_size(check_tmp("full.json"));
    CHECK(good > 100);
    void (*old)(int) = signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of the signal */
    struct rlimit saved, lim;
    CHECK(getrlimit(RLIMIT_FSIZE, &saved) == 0);
    long sizes[] = {0, 1, 100, good / 2, good - 1};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        lim = saved;
        lim.rlim_cur = (rlim_t)sizes[i];
        CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
        amsel_status st = am_selector_file_write(ctx, check_tmp("full.json"), p, &meta, models);
        CHECK(setrlimit(RLIMIT_FSIZE, &saved) == 0);
        CHECK_EQ_INT(st, AMSEL_ERR_IO);
        CHECK(strstr(amsel_last_error(ctx), "write failed") != NULL);
        CHECK(strstr(amsel_last_error(ctx), "full.json") != NULL);
        CHECK_EQ_INT(file_size(check_tmp("full.json")), good);
        CHECK_EQ_INT(count_files("full.json.tmp"), 0);
    }
    signal(SIGXFSZ, old);
    /* And the file is still a valid selector. */
    am_policy back;
    am_selector_info info;
    CHECK_EQ_INT(am_selector_file_read(ctx, check_tmp("full.json"), &back, &info), AMSEL_OK);
    am_policy_clear(&back);
    am_selector_info_clear(&info);
}

int main(void)
{
    const char *data = check_data_dir();
    const char *q = getenv("AMSEL_TEST_QUICK");
    quick = q && *q && strcmp(q, "0");
    if (!check_tmp_make("faults"))
        return 1;
    amsel_ctx *ctx;
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;

    /* (c) CSV readers: no shared data needed. */
    write_text(check_tmp("f.csv"), FEATURES_CSV);
    write_profile(check_tmp("p.csv"));
    sweep("features csv", table_path, same_table, sizeof(table_answer), 1);
    sweep("profile csv", profile_path, same_profile, sizeof(profile_answer), 1);

    if (data) {
        snprintf(models, sizeof models, "%s/models/imagenet", data);
        snprintf(photo, sizeof photo, "%s/images/owl.jpg", data);
        model_name = M0;
        sweep("model + photo", model_path, same_top5, sizeof(top5), quick ? 7 : 1);
        if (amsel_backend_available("xnnpack")) { /* its scratch, weights, constants, ADD */
            model_backend = "xnnpack";
            model_name = "mobilenet_v2_1.0_224_quant";
            sweep("model + photo (xnnpack, v2)", model_path, same_top5, sizeof(top5),
                  quick ? 13 : 1);
            model_backend = "auto";
            model_name = M0;
        }

        am_policy casc, hyb;
        cascade_policy(&casc);
        if (hybrid_policy(ctx, &hyb) && write_policy(ctx, &hyb, check_tmp("hybrid.json"))) {
            sel_file = check_tmp("hybrid.json");
            sel_answer want;
            CHECK_EQ_INT(selector_path(ctx, &want), AMSEL_OK);
            CHECK_EQ_INT(want.nrun, 2); /* the path covers both models */
            sweep("selector (premodel + 2-model cascade)", selector_path, same_sel,
                  sizeof(sel_answer), quick ? 13 : 1);
        }
        write_pol = &hyb;
        sweep("selector writer", writer_path, same_file, sizeof(file_answer), 1);
        test_write_io(ctx, &casc);
        am_policy_clear(&hyb);
    } else {
        fprintf(stderr, "no AMSEL_DATA: model and selector sweeps skipped\n");
    }
    amsel_ctx_destroy(ctx);
    check_tmp_remove();
    return check_exit();
}
