/* Deployment tests: SHA-256 against the NIST vectors and sha256sum; the
 * selector file written and read back to the same policy and the same
 * decisions; the live selector against the models run by hand, from one
 * thread and from eight; hostile selector files refused with messages
 * naming the file. */
#include "amsel/amsel.h"
#include "check.h"
#include "core/sha256.h"
#include "selector/combine.h"
#include "selector/selector_file.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static amsel_ctx *ctx;
static char models[1024];
static const char *M0 = "mobilenet_v1_0.25_128_quant", *M1 = "v3-small_224_1.0_uint8";

/* ---- SHA-256 --------------------------------------------------------- */

static void hash_str(const char *s, size_t n, size_t chunk, char hex[65])
{
    am_sha256 h;
    uint8_t d[32];
    am_sha256_init(&h);
    for (size_t off = 0; off < n; off += chunk)
        am_sha256_update(&h, s + off, n - off < chunk ? n - off : chunk);
    am_sha256_final(&h, d);
    am_sha256_hex(d, hex);
}

static void test_sha256(void)
{
    char hex[65];
    hash_str("", 0, 1, hex);
    CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    hash_str("abc", 3, 3, hex);
    CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    /* Whole, and in chunks that straddle the block and padding boundaries. */
    for (size_t chunk = 1; chunk <= 56; chunk += 11) {
        hash_str(m448, strlen(m448), chunk, hex);
        CHECK(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    }
    char *mil = malloc(1000000);
    memset(mil, 'a', 1000000);
    hash_str(mil, 1000000, 4097, hex);
    CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    free(mil);
    CHECK(am_sha256_file(ctx, check_tmp("no_such_file"), hex) == AMSEL_ERR_IO);
    CHECK(strstr(amsel_last_error(ctx), "no_such_file") != NULL);
}

/* Our file hash against the system's sha256sum on a real model. */
static void test_sha256_file(void)
{
    char path[1200], cmd[1300], want[65] = "", hex[65];
    snprintf(path, sizeof path, "%s/%s.tflite", models, M0);
    snprintf(cmd, sizeof cmd, "sha256sum '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    if (!p || fscanf(p, "%64s", want) != 1) {
        fprintf(stderr, "sha256sum not available: file check skipped\n");
        if (p)
            pclose(p);
        return;
    }
    pclose(p);
    CHECK(am_sha256_file(ctx, path, hex) == AMSEL_OK);
    CHECK(!strcmp(hex, want));
}

/* ---- Policies -------------------------------------------------------- */

static void cascade_policy(am_policy *p, int combine, int conf)
{
    memset(p, 0, sizeof *p);
    p->kind = AM_POL_CASCADE;
    p->stages.n = 2;
    p->stages.model[0] = 0, p->stages.model[1] = 1;
    p->stages.threshold[0] = 0.5f;
    p->stages.combine = combine;
    p->stages.confidence = conf;
    p->fallback = 1;
}

/* A chain over 3 features: stage 0 when scaled feature 0 > 0.5 (KNN),
 * stage 1 when scaled feature 1 > 0.5 (tree), else unsure. Made-up rows. */
static int chain_policy(am_policy *p)
{
    enum { N = 60, D = 3 };
    float x[N * D];
    int y0[N], y1[N];
    uint32_t seed = 12345;
    for (int i = 0; i < N * D; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)(seed >> 8) / (float)(1 << 24);
    }
    for (int i = 0; i < N; i++)
        y0[i] = x[i * D] > 0.5f, y1[i] = x[i * D + 1] > 0.5f;
    memset(p, 0, sizeof *p);
    p->kind = AM_POL_CHAIN;
    p->stages.n = 2;
    p->stages.model[0] = 0, p->stages.model[1] = 1;
    p->fallback = AM_UNSURE;
    p->pre.nfeat = D;
    int cols[D] = {0, 3, amsel_features_count() - 1};
    for (int j = 0; j < D; j++)
        p->pre.feat[j] = cols[j], p->pre.lo[j] = 0, p->pre.hi[j] = 1;
    /* Real feature values span wide ranges: scale to what photos give. */
    p->pre.hi[0] = 2000, p->pre.hi[1] = 50, p->pre.lo[2] = -1.5, p->pre.hi[2] = 3;
    am_clf_params kp, tp;
    am_clf_params_default(&kp, AM_CLF_KNN);
    am_clf_params_default(&tp, AM_CLF_TREE);
    p->pre.nclf = 2;
    if (am_clf_train(ctx, &kp, x, N, D, y0, 2, &p->pre.clf[0]) != AMSEL_OK ||
        am_clf_train(ctx, &tp, x, N, D, y1, 2, &p->pre.clf[1]) != AMSEL_OK) {
        fprintf(stderr, "premodel training: %s\n", amsel_last_error(ctx));
        return 0;
    }
    return 1;
}

/* A multi-class premodel whose training rows all say "none" (class 2 of
 * 3): every image is unsure. */
static int multi_policy(am_policy *p)
{
    float x[20];
    int y[10];
    for (int i = 0; i < 10; i++)
        x[2 * i] = (float)i / 10, x[2 * i + 1] = 1 - (float)i / 10, y[i] = 2;
    memset(p, 0, sizeof *p);
    p->kind = AM_POL_MULTI;
    p->stages.n = 2;
    p->stages.model[1] = 1;
    p->fallback = AM_UNSURE;
    p->pre.nfeat = 2;
    p->pre.feat[0] = 1, p->pre.feat[1] = 2;
    p->pre.hi[0] = p->pre.hi[1] = 1;
    p->pre.nclf = 1;
    am_clf_params tp;
    am_clf_params_default(&tp, AM_CLF_TREE);
    if (am_clf_train(ctx, &tp, x, 10, 2, y, 3, &p->pre.clf[0]) != AMSEL_OK) {
        fprintf(stderr, "premodel training: %s\n", amsel_last_error(ctx));
        check_failures++;
        return 0;
    }
    return 1;
}

static void meta_for(const am_policy *p, am_selector_meta *m, const cJSON *cv)
{
    memset(m, 0, sizeof *m);
    m->model_name[0] = M0, m->model_name[1] = M1;
    for (int j = 0; j < p->pre.nfeat; j++)
        m->feature_name[j] = amsel_features_name(p->pre.feat[j]);
    m->objective = AMSEL_OBJECTIVE_TOP1;
    m->crop = 0.875f;
    m->cv = cv;
}

static int same_clf(const am_clf *a, const am_clf *b)
{
    if (!a || !b)
        return a == b;
    cJSON *ja = am_clf_to_json(a), *jb = am_clf_to_json(b);
    char *sa = cJSON_PrintUnformatted(ja), *sb = cJSON_PrintUnformatted(jb);
    int same = sa && sb && !strcmp(sa, sb);
    cJSON_free(sa), cJSON_free(sb), cJSON_Delete(ja), cJSON_Delete(jb);
    return same;
}

/* The struct read back equals the one written; the premodel decides the
 * same on random rows. */
static void check_same_policy(const am_policy *a, const am_policy *b)
{
    CHECK_EQ_INT(b->kind, a->kind);
    CHECK_EQ_INT(b->stages.n, a->stages.n);
    CHECK_EQ_INT(b->stages.combine, a->stages.combine);
    CHECK_EQ_INT(b->stages.confidence, a->stages.confidence);
    CHECK_EQ_INT(b->fallback, a->fallback);
    for (int s = 0; s < a->stages.n; s++) {
        CHECK_EQ_INT(b->stages.model[s], a->stages.model[s]);
        CHECK(b->stages.threshold[s] == a->stages.threshold[s]);
    }
    CHECK_EQ_INT(b->pre.nfeat, a->pre.nfeat);
    CHECK_EQ_INT(b->pre.nclf, a->pre.nclf);
    for (int j = 0; j < a->pre.nfeat && j < b->pre.nfeat; j++) {
        CHECK_EQ_INT(b->pre.feat[j], a->pre.feat[j]);
        CHECK(b->pre.lo[j] == a->pre.lo[j] && b->pre.hi[j] == a->pre.hi[j]);
    }
    for (int c = 0; c < a->pre.nclf && c < b->pre.nclf; c++)
        CHECK(same_clf(a->pre.clf[c], b->pre.clf[c]));
    double row[AMSEL_FEATURES_MAX];
    uint32_t seed = 99;
    int differ = 0, seen[AMSEL_CASCADE_MAX + 1] = {0};
    for (int t = 0; t < 300; t++) {
        for (int j = 0; j < amsel_features_count(); j++) {
            seed = seed * 1664525u + 1013904223u;
            row[j] = (double)(seed >> 8) / (1 << 24) * 2200 - 100;
        }
        int ea = am_policy_entry(a, row), eb = am_policy_entry(b, row);
        differ += ea != eb;
        seen[ea + 1] = 1;
    }
    CHECK_EQ_INT(differ, 0);
    if (a->kind == AM_POL_CHAIN) /* the rows reach more than one decision */
        CHECK(seen[0] + seen[1] + seen[2] >= 2);
}

static void test_roundtrip(const am_policy *p, const char *name)
{
    cJSON *cv = cJSON_CreateObject();
    cJSON_AddNumberToObject(cv, "top1", 71.25);
    cJSON_AddNumberToObject(cv, "mean_ms", 3.5);
    am_selector_meta meta;
    meta_for(p, &meta, cv);
    CHECK(am_selector_file_write(ctx, check_tmp(name), p, &meta, models) == AMSEL_OK);
    am_policy back;
    am_selector_info info;
    if (am_selector_file_read(ctx, check_tmp(name), &back, &info) != AMSEL_OK) {
        fprintf(stderr, "read %s: %s\n", name, amsel_last_error(ctx));
        check_failures++;
        cJSON_Delete(cv);
        return;
    }
    check_same_policy(p, &back);
    CHECK_EQ_INT(info.nstages, 2);
    CHECK(!strcmp(info.model_name[0], M0) && !strcmp(info.model_name[1], M1));
    CHECK(!strcmp(info.file[1], "v3-small_224_1.0_uint8.tflite"));
    CHECK(strlen(info.sha256[0]) == 64 && strcmp(info.sha256[0], info.sha256[1]));
    CHECK(info.crop == 0.875f && info.objective == AMSEL_OBJECTIVE_TOP1);
    CHECK(info.cv && cJSON_Compare(info.cv, cv, 1));
    am_policy_clear(&back);
    am_selector_info_clear(&info);
    cJSON_Delete(cv);
}

/* ---- The live selector ----------------------------------------------- */

#define MAX_IMAGES 5
static amsel_image *img[MAX_IMAGES];
static int nimg;

/* What the policy answers, computed with the models and features by hand. */
static void by_hand(const am_policy *p, amsel_model **m, const amsel_image *im,
                    amsel_selection *want)
{
    memset(want, 0, sizeof *want);
    int entry = 0;
    if (am_policy_uses_features(p)) {
        amsel_features *f;
        double row[AMSEL_FEATURES_MAX];
        CHECK(amsel_features_create(ctx, &f) == AMSEL_OK);
        CHECK(amsel_features_compute(f, im, row) == AMSEL_OK);
        amsel_features_destroy(f);
        entry = am_policy_entry(p, row);
    }
    if (entry == AM_UNSURE) {
        want->unsure = 1;
        return;
    }
    int cls[AMSEL_CASCADE_MAX][5], oc[5];
    float sc[AMSEL_CASCADE_MAX][5], os[5], conf;
    for (int s = entry; s < p->stages.n; s++) {
        amsel_class_score top[5];
        CHECK(amsel_model_classify(m[s], im, 0.875f, 5, top, NULL, NULL) == AMSEL_OK);
        int k = want->nrun++;
        want->run[k] = s;
        for (int r = 0; r < 5; r++)
            cls[k][r] = top[r].cls, sc[k][r] = top[r].score;
        am_combine((const int(*)[5])cls, (const float(*)[5])sc, want->nrun, p->stages.combine,
                   p->stages.confidence, oc, os, &conf);
        if (am_policy_stop(p, s, conf))
            break;
    }
    for (int r = 0; r < 5; r++)
        want->top[r].cls = oc[r], want->top[r].score = os[r];
}

static int same_answer(const amsel_selection *a, const amsel_selection *b)
{
    if (a->unsure != b->unsure || a->nrun != b->nrun)
        return 0;
    for (int k = 0; k < a->nrun; k++)
        if (a->run[k] != b->run[k])
            return 0;
    for (int r = 0; r < 5 && !a->unsure; r++)
        if (a->top[r].cls != b->top[r].cls || a->top[r].score != b->top[r].score)
            return 0;
    return 1;
}

typedef struct job {
    amsel_selector *sel;
    amsel_selection res[MAX_IMAGES];
    int fails;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    for (int i = 0; i < nimg; i++)
        j->fails += amsel_selector_classify(j->sel, img[i], &j->res[i]) != AMSEL_OK;
    return NULL;
}

/* Returns what the images did, to show that the paths of interest ran:
 * bit nrun for each count of models run, and bit 4 (unsure) or 5 + the
 * first stage run. */
static int test_live(const am_policy *p, const char *file, int nthreads)
{
    amsel_selector *sel = NULL;
    if (amsel_selector_open(ctx, check_tmp(file), models, &sel) != AMSEL_OK) {
        fprintf(stderr, "open %s: %s\n", file, amsel_last_error(ctx));
        check_failures++;
        return 0;
    }
    CHECK_EQ_INT(amsel_selector_stages(sel), 2);
    CHECK(!strcmp(amsel_selector_model_name(sel, 1), M1));
    CHECK(amsel_selector_model_name(sel, 2) == NULL);
    CHECK(strstr(amsel_selector_describe(sel), M0) != NULL);
    amsel_model *m[2];
    char path[1200];
    for (int s = 0; s < 2; s++) {
        snprintf(path, sizeof path, "%s/%s.tflite", models, s ? M1 : M0);
        CHECK(amsel_model_load(ctx, path, &m[s]) == AMSEL_OK);
    }
    amsel_selection one[MAX_IMAGES], want;
    int seen = 0;
    for (int i = 0; i < nimg; i++) {
        CHECK(amsel_selector_classify(sel, img[i], &one[i]) == AMSEL_OK);
        by_hand(p, m, img[i], &want);
        CHECK(same_answer(&one[i], &want));
        seen |= 1 << one[i].nrun;
        seen |= 1 << (4 + (one[i].unsure ? 0 : 1 + one[i].run[0]));
        if (one[i].unsure) /* no model ran, no answer */
            CHECK(one[i].nrun == 0 && one[i].top[0].cls == -1 && one[i].top[4].cls == -1);
        const amsel_selection *o = &one[i];
        double sum = o->features_ms + o->premodel_ms;
        for (int k = 0; k < o->nrun; k++)
            sum += o->model_ms[k];
        CHECK(o->total_ms >= sum - 1e-6 && (o->unsure || o->model_ms[0] > 0));
        CHECK(am_policy_uses_features(p) ? o->features_ms > 0 : o->features_ms == 0);
    }
    for (int s = 0; s < 2; s++)
        amsel_model_destroy(m[s]);
    /* Several threads on one selector: the same answers as one thread. */
    job *jobs = calloc((size_t)nthreads, sizeof *jobs);
    pthread_t th[8];
    for (int t = 0; t < nthreads; t++) {
        jobs[t].sel = sel;
        CHECK(pthread_create(&th[t], NULL, worker, &jobs[t]) == 0);
    }
    for (int t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < nthreads; t++) {
        CHECK_EQ_INT(jobs[t].fails, 0);
        for (int i = 0; i < nimg; i++)
            CHECK(same_answer(&jobs[t].res[i], &one[i]));
    }
    free(jobs);
    amsel_selector_destroy(sel);
    return seen;
}

/* ---- Hostile files --------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    b[n] = 0;
    fclose(f);
    return b;
}

static void spit(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(text, 1, n, f);
    fclose(f);
}

/* good with the first `from` replaced by `to`, saved as name. */
static const char *variant(const char *good, const char *from, const char *to, const char *name)
{
    const char *at = strstr(good, from);
    CHECK(at != NULL);
    if (!at)
        return check_tmp(name);
    size_t pre = (size_t)(at - good), n = strlen(good) - strlen(from) + strlen(to);
    char *b = malloc(n + 1);
    memcpy(b, good, pre);
    strcpy(b + pre, to);
    strcat(b, at + strlen(from));
    spit(check_tmp(name), b, n);
    free(b);
    return check_tmp(name);
}

/* Opening path fails with st and a message naming the file and saying what. */
static void expect_open_fail(const char *path, const char *dir, amsel_status st, const char *what)
{
    amsel_selector *sel = (amsel_selector *)1;
    amsel_status got = amsel_selector_open(ctx, path, dir, &sel);
    const char *msg = amsel_last_error(ctx);
    CHECK(sel == NULL);
    if (got != st || !strstr(msg, path) || !strstr(msg, what)) {
        fprintf(stderr, "%s: status %d (expected %d), message '%s' (expected '%s')\n", path, got,
                st, msg, what);
        check_failures++;
    }
    if (sel && sel != (amsel_selector *)1)
        amsel_selector_destroy(sel);
}

static void copy_file(const char *from, const char *to, long flip)
{
    FILE *f = fopen(from, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n);
    CHECK(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    if (flip >= 0 && flip < n)
        b[flip] ^= 1;
    spit(to, b, (size_t)n);
    free(b);
}

static void test_hostile(const char *cascade_file, const char *chain_file)
{
    char *good = slurp(check_tmp(cascade_file)), *chain = slurp(check_tmp(chain_file));
    CHECK(good && chain);
    if (!good || !chain)
        return;
    expect_open_fail(variant(good, "\"version\":\t1", "\"version\":\t2", "v2.json"), models,
                     AMSEL_ERR_UNSUPPORTED, "version 2");
    expect_open_fail(variant(good, "amsel-selector", "amsel-other", "fmt.json"), models,
                     AMSEL_ERR_FORMAT, "not an amsel selector");
    expect_open_fail(variant(good, "\"threshold\":\t0.5", "\"threshold\":\tnull", "nan.json"),
                     models, AMSEL_ERR_FORMAT, "threshold");
    expect_open_fail(variant(good, "\"threshold\":\t0.5", "\"threshold\":\t1e999", "inf.json"),
                     models, AMSEL_ERR_FORMAT, "not a finite number");
    expect_open_fail(variant(good, "\"kind\":\t\"cascade\"", "\"kind\":\t\"magic\"", "kind.json"),
                     models, AMSEL_ERR_FORMAT, "unknown kind");
    expect_open_fail(variant(good, "\"file\":\t\"", "\"file\":\t\"../", "dotdot.json"), models,
                     AMSEL_ERR_FORMAT, "plain file name");
    expect_open_fail(variant(good, "\"fallback\":\t1", "\"fallback\":\t7", "fb.json"), models,
                     AMSEL_ERR_FORMAT, "fallback");
    expect_open_fail(variant(chain, amsel_features_name(3), "no_such_feature", "feat.json"), models,
                     AMSEL_ERR_FORMAT, "unknown feature \"no_such_feature\"");
    expect_open_fail(variant(chain, "\"classes\":\t2", "\"classes\":\t3", "cls.json"), models,
                     AMSEL_ERR_FORMAT, "premodel classifier 0");
    expect_open_fail(variant(chain, "\"kind\":\t\"chain\"", "\"kind\":\t\"multi\"", "multi.json"),
                     models, AMSEL_ERR_FORMAT, "classifiers");
    expect_open_fail(variant(good, "\"stages\":", "\"premodel\": {}, \"stages\":", "pre.json"),
                     models, AMSEL_ERR_FORMAT, "has no premodel");
    expect_open_fail(
        variant(good, "\"kind\":\t\"cascade\"", "\"kind\":\t\"single\"", "single.json"), models,
        AMSEL_ERR_FORMAT, "kind single has 2 stages");
    /* Truncated anywhere: refused as JSON that ends early, never a crash. */
    size_t n = strlen(good);
    size_t cuts[] = {0, 1, n / 7, n / 3, n / 2, n - 40, n - 2};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        spit(check_tmp("cut.json"), good, cuts[i]);
        expect_open_fail(check_tmp("cut.json"), models, AMSEL_ERR_FORMAT, "not valid JSON");
    }
    spit(check_tmp("junk.json"), "{} {}", 5);
    expect_open_fail(check_tmp("junk.json"), models, AMSEL_ERR_FORMAT, "text after the end");
    expect_open_fail(check_tmp("missing.json"), models, AMSEL_ERR_IO, "cannot open");
    amsel_limits lim = {0}, saved;
    amsel_ctx_get_limits(ctx, &saved);
    lim.max_file_bytes = 100;
    amsel_ctx_set_limits(ctx, &lim);
    expect_open_fail(check_tmp(cascade_file), models, AMSEL_ERR_LIMIT, "over the limit");
    amsel_ctx_set_limits(ctx, &saved);
    /* Models: one missing, one with a byte changed (in a copy). */
    char d2[300], a[1300], b[1300];
    snprintf(d2, sizeof d2, "%s/models2", check_tmp_dir);
    CHECK(mkdir(d2, 0700) == 0);
    snprintf(a, sizeof a, "%s/%s.tflite", models, M0);
    snprintf(b, sizeof b, "%s/%s.tflite", d2, M0);
    copy_file(a, b, -1);
    expect_open_fail(check_tmp(cascade_file), d2, AMSEL_ERR_IO, M1);
    snprintf(a, sizeof a, "%s/%s.tflite", models, M1);
    snprintf(b, sizeof b, "%s/%s.tflite", d2, M1);
    copy_file(a, b, 1000);
    expect_open_fail(check_tmp(cascade_file), d2, AMSEL_ERR_FORMAT, "sha256");
    free(good);
    free(chain);
}

/* A NaN threshold is refused at write time and leaves no file behind. */
static void test_write_refuses_nan(void)
{
    am_policy p;
    cascade_policy(&p, 0, 0);
    p.stages.threshold[0] = NAN;
    am_selector_meta meta;
    meta_for(&p, &meta, NULL);
    CHECK(am_selector_file_write(ctx, check_tmp("nan_w.json"), &p, &meta, models) == AMSEL_ERR_FORMAT);
    CHECK(strstr(amsel_last_error(ctx), "threshold") != NULL);
    CHECK(access(check_tmp("nan_w.json"), F_OK) != 0);
    meta.model_name[1] = "no_such_model";
    p.stages.threshold[0] = 0.5f;
    CHECK(am_selector_file_write(ctx, check_tmp("nm.json"), &p, &meta, models) == AMSEL_ERR_IO);
    CHECK(strstr(amsel_last_error(ctx), "no_such_model.tflite") != NULL);
}

static void load_images(const char *data, int quick)
{
    const char *names[MAX_IMAGES] = {"parrot.jpg", "grace_hopper.bmp", "hot_dog.jpg", "owl.jpg",
                                     "cat_720p.jpg"};
    int want = quick ? 2 : MAX_IMAGES;
    for (int i = 0; i < want; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/images/%s", data, names[i]);
        if (amsel_image_load(ctx, path, &img[nimg]) == AMSEL_OK)
            nimg++;
        else
            fprintf(stderr, "%s\n", amsel_last_error(ctx));
    }
    CHECK_EQ_INT(nimg, want);
}

int main(void)
{
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    if (!check_tmp_make("deploy"))
        return 1;
    test_sha256();
    const char *data = check_data_dir();
    if (!data) {
        fprintf(stderr, "no AMSEL_DATA: only the SHA-256 vectors ran\n");
        amsel_ctx_destroy(ctx);
        return check_failures ? 1 : 77;
    }
    snprintf(models, sizeof models, "%s/models/imagenet", data);
    const char *q = getenv("AMSEL_TEST_QUICK");
    int quick = q && *q && strcmp(q, "0");
    test_sha256_file();
    load_images(data, quick);

    am_policy casc, comb, chain;
    cascade_policy(&casc, 0, 0);
    cascade_policy(&comb, 1, 1);
    comb.stages.threshold[0] = 0.3f;
    test_roundtrip(&casc, "cascade.json");
    test_roundtrip(&comb, "combine.json");
    int seen = test_live(&casc, "cascade.json", quick ? 4 : 8);
    seen |= test_live(&comb, "combine.json", quick ? 2 : 4);
    if (!quick) /* the photos exercise stopping early and escalating */
        CHECK_EQ_INT(seen & 15, (1 << 1) | (1 << 2));
    int have_chain = chain_policy(&chain);
    CHECK(have_chain);
    if (have_chain) {
        test_roundtrip(&chain, "chain.json");
        seen = test_live(&chain, "chain.json", quick ? 2 : 8);
        CHECK_EQ_INT(seen, (1 << 1) | (1 << 5) | (1 << 6)); /* one model, either stage */
        test_hostile("cascade.json", "chain.json");
    }
    am_policy multi;
    if (multi_policy(&multi)) {
        test_roundtrip(&multi, "multi.json");
        CHECK_EQ_INT(test_live(&multi, "multi.json", 2), (1 << 0) | (1 << 4));
    }
    am_policy_clear(&multi);
    test_write_refuses_nan();
    am_policy_clear(&chain);
    for (int i = 0; i < nimg; i++)
        amsel_image_destroy(img[i]);
    amsel_ctx_destroy(ctx);
    check_tmp_remove();
    return check_exit();
}
