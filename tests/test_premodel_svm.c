/* The SVM premodel against libsvm's own command-line tools: the same data
 * through svm-train -s 0 -t 2 -c C -g G (and -wK for balanced) and
 * svm-predict must give the labels am_clf_predict gives on >= 99% of the
 * points (svm-train saves SVs with 8 digits, so a point on the boundary may
 * flip). Skips (77) without libsvm in the build or without svm-train. */
#include "check.h"
#include "core/ctx.h"
#include "premodel/classifier.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef AMSEL_HAVE_LIBSVM
int main(void)
{
    fprintf(stderr, "built without libsvm: skipping\n");
    return 77;
}
#else

enum { N = 500, D = 7 };
static float xtr[N * D], xte[N * D];
static int ytr[N], yte[N];
static char dir[64];
static amsel_ctx *ctx;

static unsigned rng = 2024;
static float rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / 16777216.0f;
}

/* nclass 2: a disc in the first two features with 10% label noise
 * (unbalanced, about 1:3); nclass 3: three overlapping blobs. */
static void gen(float *x, int *y, int nclass)
{
    for (int i = 0; i < N; i++) {
        float *r = x + i * D;
        if (nclass == 2) {
            for (int j = 0; j < D; j++)
                r[j] = rnd();
            float a = r[0] - 0.5f, b = r[1] - 0.5f;
            y[i] = a * a + b * b < 0.08f;
            if (rnd() < 0.1f)
                y[i] = !y[i];
        } else {
            y[i] = (int)(rnd() * 3) % 3;
            for (int j = 0; j < D; j++)
                r[j] = 0.25f + 0.25f * (float)y[i] * (j < 3 ? 1.0f : 0.3f) + 0.5f * (rnd() - 0.5f);
        }
    }
}

static int write_file(const char *path, const float *x, const int *y)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return 0;
    for (int i = 0; i < N; i++) {
        fprintf(f, "%d", y[i]);
        for (int j = 0; j < D; j++)
            fprintf(f, " %d:%.9g", j + 1, x[i * D + j]);
        fputc('\n', f);
    }
    return fclose(f) == 0;
}

/* Runs libsvm's tools; fills lab[N] with svm-predict's labels on xte. */
static int libsvm_labels(double C, double g, const double *w, int nclass, int *lab)
{
    char cmd[1024], wopt[512] = "", path[128];
    for (int k = 0; w && k < nclass; k++) {
        size_t len = strlen(wopt);
        snprintf(wopt + len, sizeof wopt - len, " -w%d %.17g", k, w[k]);
    }
    snprintf(cmd, sizeof cmd,
             "svm-train -q -s 0 -t 2 -c %.17g -g %.17g%s %s/train %s/model >/dev/null && "
             "svm-predict -q %s/test %s/model %s/out >/dev/null",
             C, g, wopt, dir, dir, dir, dir, dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "failed: %s\n", cmd);
        return 0;
    }
    snprintf(path, sizeof path, "%s/out", dir);
    FILE *f = fopen(path, "r");
    int ok = f != NULL;
    for (int i = 0; ok && i < N; i++) {
        double v;
        ok = fscanf(f, "%lf", &v) == 1;
        lab[i] = (int)v;
    }
    if (f)
        fclose(f);
    return ok;
}

static void crosscheck(int nclass, double C, double g, int balanced)
{
    gen(xtr, ytr, nclass);
    gen(xte, yte, nclass);
    char p1[128], p2[128];
    snprintf(p1, sizeof p1, "%s/train", dir);
    snprintf(p2, sizeof p2, "%s/test", dir);
    CHECK(write_file(p1, xtr, ytr) && write_file(p2, xte, yte));
    am_clf_params p;
    am_clf_params_default(&p, AM_CLF_SVM);
    p.svm_c = C;
    p.svm_gamma = g;
    p.balanced = balanced;
    am_clf *c = NULL;
    if (am_clf_train(ctx, &p, xtr, N, D, ytr, nclass, &c)) {
        fprintf(stderr, "train: %s\n", amsel_last_error(ctx));
        CHECK(0);
        return;
    }
    /* balanced: n / (classes * count), as am_clf_class_weights. */
    double w[3] = {0};
    for (int i = 0; i < N; i++)
        w[ytr[i]] += 1;
    for (int k = 0; k < nclass; k++)
        w[k] = (double)N / (nclass * w[k]);
    int lab[N], agree = 0, correct = 0, spread[3] = {0};
    if (libsvm_labels(C, g > 0 ? g : 1.0 / D, balanced ? w : NULL, nclass, lab)) {
        for (int i = 0; i < N; i++) {
            int a = am_clf_predict(c, xte + i * D, NULL);
            agree += a == lab[i];
            correct += a == yte[i];
            spread[a]++;
        }
    }
    printf("svm %d classes C=%g gamma=%g balanced=%d: %d/%d agree with svm-predict, "
           "accuracy %.3f\n", nclass, C, g, balanced, agree, N, (double)correct / N);
    CHECK(agree >= N * 99 / 100);
    /* The model is not trivial: it predicts every class, mostly right. */
    CHECK(spread[0] > 0 && spread[1] > 0 && (nclass < 3 || spread[2] > 0));
    CHECK(correct > N * (nclass == 2 ? 0.65 : 0.8));
    am_clf_destroy(c);
}

int main(void)
{
    if (system("command -v svm-train >/dev/null 2>&1 && command -v svm-predict >/dev/null 2>&1")) {
        fprintf(stderr, "svm-train/svm-predict not installed (libsvm-tools): skipping\n");
        return 77;
    }
    snprintf(dir, sizeof dir, "/tmp/amsel_svm_XXXXXX");
    if (!mkdtemp(dir) || amsel_ctx_create(&ctx))
        return 1;
    crosscheck(2, 4, 0.5, 0);
    crosscheck(2, 4, 0.5, 1);
    crosscheck(3, 1, 0, 0);
    crosscheck(3, 10, 2, 0);
    amsel_ctx_destroy(ctx);
    const char *files[] = {"train", "test", "model", "out"};
    for (int i = 0; i < 4; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    rmdir(dir);
    return check_exit();
}
#endif
