/* Feature table tests: the features CSV reader on a good file and on each
 * kind of hostile file (the message must name file, line and column), and
 * the join with a profile: row mapping, and an image missing on either
 * side or a class disagreement failing with a message naming both files. */
#include "amsel/amsel.h"
#include "amsel/feature_table.h"
#include "check.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[64];
static amsel_ctx *ctx;

static const char *path_of(const char *name)
{
    static char buf[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "w");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path_of(name));
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

/* Loading name fails, and the message contains each of the patterns. */
static void expect_bad(int line, const char *name, const char *text, const char *want)
{
    write_file(name, text);
    amsel_feature_table *t = (amsel_feature_table *)1;
    amsel_status st = amsel_feature_table_load(ctx, path_of(name), &t);
    const char *msg = amsel_last_error(ctx);
    if (st == AMSEL_OK || t != NULL || !strstr(msg, want) || !strstr(msg, name)) {
        fprintf(stderr, "line %d: %s: status %d, message '%s', expected '%s'\n", line, name, st,
                msg, want);
        check_failures++;
    }
    if (st == AMSEL_OK)
        amsel_feature_table_destroy(t);
}
#define BAD(name, text, want) expect_bad(__LINE__, name, text, want)

static void test_good(void)
{
    write_file("good.csv", "image,class,a,b,c,features_ms\n"
                           "x.jpg,5,1,2.5,-3e2,0.81\n"
                           "y.jpg,7,0,1e-3,4,1.25\r\n"
                           "z.jpg,0,10,20,30,0\n");
    amsel_feature_table *t = NULL;
    CHECK(amsel_feature_table_load(ctx, path_of("good.csv"), &t) == AMSEL_OK);
    if (!t) {
        fprintf(stderr, "%s\n", amsel_last_error(ctx));
        return;
    }
    CHECK_EQ_INT(amsel_feature_table_rows(t), 3);
    CHECK_EQ_INT(amsel_feature_table_dims(t), 3);
    CHECK(!strcmp(amsel_feature_table_name(t, 0), "a"));
    CHECK(!strcmp(amsel_feature_table_name(t, 2), "c"));
    CHECK(amsel_feature_table_name(t, 3) == NULL);
    CHECK_EQ_INT(amsel_feature_table_find(t, "b"), 1);
    CHECK_EQ_INT(amsel_feature_table_find(t, "features_ms"), -1);
    CHECK_EQ_INT(amsel_feature_table_find(t, "image"), -1);
    CHECK(!strcmp(amsel_feature_table_image(t, 1), "y.jpg"));
    CHECK_EQ_INT(amsel_feature_table_class(t, 0), 5);
    CHECK_EQ_INT(amsel_feature_table_class(t, 1), 7);
    CHECK_EQ_INT(amsel_feature_table_class(t, 3), -1);
    const double *r0 = amsel_feature_table_row(t, 0), *r1 = amsel_feature_table_row(t, 1);
    CHECK(r0 && r0[0] == 1 && r0[1] == 2.5 && r0[2] == -300);
    CHECK(r1 && r1[0] == 0 && r1[1] == 1e-3 && r1[2] == 4); /* CRLF stripped */
    CHECK(amsel_feature_table_row(t, -1) == NULL);
    CHECK(amsel_feature_table_ms(t, 0) == 0.81);
    CHECK(amsel_feature_table_ms(t, 1) == 1.25);
    CHECK(amsel_feature_table_ms(t, 2) == 0);
    amsel_feature_table_destroy(t);

    /* No features_ms column (older files), no final newline. */
    write_file("noms.csv", "image,class,only\nx.jpg,1,42");
    CHECK(amsel_feature_table_load(ctx, path_of("noms.csv"), &t) == AMSEL_OK);
    if (t) {
        CHECK_EQ_INT(amsel_feature_table_rows(t), 1);
        CHECK_EQ_INT(amsel_feature_table_dims(t), 1);
        CHECK(amsel_feature_table_row(t, 0)[0] == 42);
        CHECK(amsel_feature_table_ms(t, 0) == -1);
        amsel_feature_table_destroy(t);
    }
    amsel_feature_table_destroy(NULL);
}

static void test_bad(void)
{
    const char *H = "image,class,a,b,features_ms\n";
    char buf[512];
    BAD("empty.csv", "", "empty file");
    BAD("newlines.csv", "\n\n", "empty file");
    BAD("blankhdr.csv", "\nimage,class,a\nx,1,2\n", ":1: empty line instead of the header");
    BAD("hdronly.csv", H, "no rows after the header");
    BAD("notcsv.csv", "img,class,a\nx,1,2\n", ":1: header must start 'image,class'");
    BAD("noclass.csv", "image\nx\n", ":1: header must start 'image,class'");
    BAD("nofeat.csv", "image,class\nx,1\n", ":1: no feature columns");
    BAD("onlyms.csv", "image,class,features_ms\nx,1,2\n", ":1: no feature columns");
    BAD("dupcol.csv", "image,class,a,b,a\nx,1,2,3,4\n", ":1: columns 3 and 5 are both named 'a'");
    BAD("mslast.csv", "image,class,features_ms,a\nx,1,2,3\n", "must be the last column");
    BAD("imgcol.csv", "image,class,a,class\nx,1,2,3\n", "column 4 is 'class' again");
    BAD("noname.csv", "image,class,a,,b\nx,1,2,3,4\n", ":1: column 4 has no name");
#define ROWS(r2) (snprintf(buf, sizeof buf, "%sx.jpg,1,0.5,0.25,1.0\n%s\n", H, r2), buf)
    BAD("nan.csv", ROWS("y.jpg,2,0.5,nan,1.0"), ":3: column 4 (b): bad number 'nan'");
    BAD("inf.csv", ROWS("y.jpg,2,inf,0,1.0"), ":3: column 3 (a): bad number 'inf'");
    BAD("huge.csv", ROWS("y.jpg,2,1e999,0,1.0"), ":3: column 3 (a): bad number '1e999'");
    BAD("junk.csv", ROWS("y.jpg,2,0.5,1.5x,1.0"), ":3: column 4 (b): bad number '1.5x'");
    BAD("blank.csv", ROWS("y.jpg,2,,0,1.0"), ":3: column 3 (a): bad number ''");
    BAD("space.csv", ROWS("y.jpg,2, 1,0,1.0"), ":3: column 3 (a): bad number ' 1'");
    BAD("short.csv", ROWS("y.jpg,2,0.5,0.25"), ":3: 4 fields, expected 5 (truncated row?)");
    BAD("long.csv", ROWS("y.jpg,2,0.5,0.25,1,9"), ":3: 6 fields, expected 5");
    BAD("dupimg.csv", ROWS("x.jpg,1,0.5,0.25,1.0"),
        ":3: duplicate image 'x.jpg' (first at line 2)");
    BAD("noimg.csv", ROWS(",1,0.5,0.25,1.0"), ":3: empty image name");
    BAD("negcls.csv", ROWS("y.jpg,-1,0.5,0.25,1.0"), ":3: bad class '-1'");
    BAD("bigcls.csv", ROWS("y.jpg,1000,0.5,0.25,1.0"), ":3: bad class '1000'");
    BAD("txtcls.csv", ROWS("y.jpg,dog,0.5,0.25,1.0"), ":3: bad class 'dog'");
    BAD("negms.csv", ROWS("y.jpg,2,0.5,0.25,-1"), ":3: column 5 (features_ms): bad time '-1'");
    BAD("nanms.csv", ROWS("y.jpg,2,0.5,0.25,NaN"), ":3: column 5 (features_ms): bad time 'NaN'");
    BAD("gap.csv", ROWS("\ny.jpg,2,0.5,0.25,1"), ":3: empty line");
#undef ROWS

    /* Too many columns: refused before any row is read. */
    static char wide[16 * 1100];
    size_t n = (size_t)snprintf(wide, sizeof wide, "image,class");
    for (int j = 0; j < 1100; j++)
        n += (size_t)snprintf(wide + n, sizeof wide - n, ",f%d", j);
    snprintf(wide + n, sizeof wide - n, "\n");
    BAD("wide.csv", wide, "columns, at most");

    amsel_feature_table *t = (amsel_feature_table *)1;
    CHECK(amsel_feature_table_load(ctx, path_of("nope.csv"), &t) != AMSEL_OK);
    CHECK(t == NULL);
    CHECK(strstr(amsel_last_error(ctx), "nope.csv") != NULL);
    CHECK(amsel_feature_table_load(ctx, NULL, &t) == AMSEL_ERR_INVALID_ARG);
}

/* ---- Join ------------------------------------------------------------ */

static const char *PHEADER = "image,class,model,top5,top5_scores,correct1,correct5,score1,"
                             "score_true,decode_ms,pre_ms,infer_ms\n";

/* A profile with two models over images[0..n-1] of classes cls[]. */
static void write_profile(const char *name, const char *const *images, const int *cls, int n)
{
    FILE *f = fopen(path_of(name), "w");
    if (!f)
        exit(1);
    fputs(PHEADER, f);
    for (int i = 0; i < n; i++)
        for (int m = 0; m < 2; m++) {
            int c = cls[i], o = c == 500 ? 501 : 500;
            fprintf(f, "%s,%d,m%d,%d %d 502 503 504,0.5 0.2 0.1 0.1 0.1,%d,1,0.5,%s,1.0,0.1,%d\n",
                    images[i], c, m, m ? o : c, m ? c : o, !m, m ? "0.2" : "0.5", m + 1);
        }
    fclose(f);
}

static amsel_profile *load_profile(const char *name)
{
    amsel_profile *p = NULL;
    if (amsel_profile_load(ctx, path_of(name), &p) != AMSEL_OK)
        fprintf(stderr, "profile %s: %s\n", name, amsel_last_error(ctx));
    return p;
}

static amsel_feature_table *load_table(const char *name)
{
    amsel_feature_table *t = NULL;
    if (amsel_feature_table_load(ctx, path_of(name), &t) != AMSEL_OK)
        fprintf(stderr, "features %s: %s\n", name, amsel_last_error(ctx));
    return t;
}

/* The join fails and the message has both file names and the pattern. */
static void expect_join_fail(int line, amsel_feature_table *t, amsel_profile *p,
                             const char *fname, const char *pname, const char *want)
{
    int row_of[8];
    amsel_status st = t && p ? amsel_feature_table_join(ctx, t, p, row_of) : AMSEL_OK;
    const char *msg = amsel_last_error(ctx);
    if (st == AMSEL_OK || !strstr(msg, fname) || !strstr(msg, pname) || !strstr(msg, want)) {
        fprintf(stderr, "line %d: join: status %d, message '%s', expected '%s'\n", line, st, msg,
                want);
        check_failures++;
    }
}

static void test_join(void)
{
    static const char *const imgs[3] = {"a.jpg", "b.jpg", "c.jpg"};
    static const int cls[3] = {10, 20, 30};
    write_profile("p3.csv", imgs, cls, 3);
    write_profile("p2.csv", imgs, cls, 2);
    static const char *const imgs_x[3] = {"a.jpg", "b.jpg", "x.jpg"};
    write_profile("px.csv", imgs_x, cls, 3);
    static const int cls_b[3] = {10, 21, 30};
    write_profile("pcls.csv", imgs, cls_b, 3);
    /* Rows in another order than the profile's. */
    write_file("f3.csv", "image,class,v,features_ms\nc.jpg,30,3,1\na.jpg,10,1,1\nb.jpg,20,2,1\n");

    amsel_profile *p3 = load_profile("p3.csv"), *p2 = load_profile("p2.csv");
    amsel_profile *px = load_profile("px.csv"), *pcls = load_profile("pcls.csv");
    amsel_feature_table *t = load_table("f3.csv");
    CHECK(p3 && p2 && px && pcls && t);
    if (p3 && t) {
        int row_of[3] = {-1, -1, -1};
        CHECK(amsel_feature_table_join(ctx, t, p3, row_of) == AMSEL_OK);
        CHECK_EQ_INT(row_of[0], 1);
        CHECK_EQ_INT(row_of[1], 2);
        CHECK_EQ_INT(row_of[2], 0);
        for (int i = 0; i < 3; i++)
            CHECK(!strcmp(amsel_feature_table_image(t, row_of[i]),
                          amsel_profile_image_name(p3, i)));
    }
    /* The features file has c.jpg, the profile does not. */
    expect_join_fail(__LINE__, t, p2, "f3.csv", "p2.csv",
                     "f3.csv:2: image 'c.jpg' is not in the profile");
    /* The profile has x.jpg, the features file does not. */
    expect_join_fail(__LINE__, t, px, "f3.csv", "px.csv",
                     "px.csv:6: image 'x.jpg' is not in the features file");
    expect_join_fail(__LINE__, t, pcls, "f3.csv", "pcls.csv",
                     "f3.csv:4: image 'b.jpg' has class 20, but class 21 in");
    amsel_feature_table_destroy(t);
    amsel_profile_destroy(p3);
    amsel_profile_destroy(p2);
    amsel_profile_destroy(px);
    amsel_profile_destroy(pcls);
}

/* The join at the scale (50,000 images; 5,000 quick): reversed
 * order, so a wrong index would show. */
static void test_join_large(void)
{
    int n = getenv("AMSEL_TEST_QUICK") ? 5000 : 50000;
    FILE *pf = fopen(path_of("big_p.csv"), "w"), *ff = fopen(path_of("big_f.csv"), "w");
    if (!pf || !ff)
        exit(1);
    fputs(PHEADER, pf);
    fputs("image,class,v\n", ff);
    for (int i = 0; i < n; i++) {
        fprintf(pf, "img%06d.jpg,%d,m,%d 1 2 3 4,0.5 0.2 0.1 0.1 0.1,%d,%d,0.5,%s,1.0,0.1,1\n", i,
                i % 7 + 10, i % 7 + 10, 1, 1, "0.5");
        fprintf(ff, "img%06d.jpg,%d,%d\n", n - 1 - i, (n - 1 - i) % 7 + 10, n - 1 - i);
    }
    fclose(pf);
    fclose(ff);
    amsel_profile *p = load_profile("big_p.csv");
    amsel_feature_table *t = load_table("big_f.csv");
    int *row_of = calloc((size_t)n, sizeof *row_of);
    CHECK(p && t && row_of);
    if (p && t && row_of) {
        clock_t c0 = clock();
        CHECK(amsel_feature_table_join(ctx, t, p, row_of) == AMSEL_OK);
        double s = (double)(clock() - c0) / CLOCKS_PER_SEC;
        int bad = 0;
        for (int i = 0; i < n; i++)
            bad += row_of[i] != n - 1 - i || amsel_feature_table_row(t, row_of[i])[0] != i;
        CHECK_EQ_INT(bad, 0);
        printf("join of %d images: %.3f s\n", n, s);
        CHECK(s < 1.0); /* a quadratic search would take seconds */
    }
    free(row_of);
    amsel_feature_table_destroy(t);
    amsel_profile_destroy(p);
    for (int k = 0; k < 2; k++)
        unlink(path_of(k ? "big_p.csv" : "big_f.csv"));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/amsel_ft_XXXXXX");
    if (!mkdtemp(dir) || amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    test_good();
    test_bad();
    test_join();
    test_join_large();
    amsel_ctx_destroy(ctx);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_exit();
}
