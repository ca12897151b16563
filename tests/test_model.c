#define _GNU_SOURCE /* memmem */
/* Model loading: the eight shared models load with the right shapes and
 * costs; hostile files (text, truncated, bit-flipped, unsupported
 * operators) are refused with a message naming the file, never a crash. */
#include "amsel/amsel.h"
#include "check.h"
#include "tflite/flatbuf.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *file;
    int hw;
    double macs_m; /* MODELS.tsv */
} models[] = {
    {"mobilenet_v1_0.25_128_quant.tflite", 128, 14},
    {"mobilenet_v1_0.5_160_quant.tflite", 160, 77},
    {"v3-small_224_1.0_uint8.tflite", 224, 56.5}, /* MODELS.tsv: 66; the MobileNetV3 paper: 56 M */
    {"mobilenet_v1_0.75_192_quant.tflite", 192, 233},
    {"mobilenet_v2_1.0_224_quant.tflite", 224, 300},
    {"tf2_mobilenet_v2_1.0_224_ptq.tflite", 224, 301},
    {"mobilenet_v1_0.75_224_quant.tflite", 224, 317},
    {"mobilenet_edgetpu_0.75_224_post_training_quant.tflite", 224, 624},
};

static char tmp_path[256];

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fwrite(data, 1, n, f) == n);
    fclose(f);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n);
    if (b && fread(b, 1, *n, f) != *n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* Loads bytes as a model; returns the status (and runs it once if it loads). */
static amsel_status load_bytes(amsel_ctx *ctx, const uint8_t *b, size_t n)
{
    write_file(tmp_path, b, n);
    amsel_model *m = NULL;
    amsel_status st = amsel_model_load(ctx, tmp_path, &m);
    if (st == AMSEL_OK) {
        memset(amsel_model_input(m), 128, 3 * 16); /* a valid model must run safely */
        amsel_model_run(m);
    } else {
        CHECK(m == NULL);
        CHECK(strstr(amsel_last_error(ctx), tmp_path) != NULL);
    }
    amsel_model_destroy(m);
    return st;
}

static void test_shared_models(amsel_ctx *ctx, const char *data)
{
    char path[1024];
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        snprintf(path, sizeof path, "%s/models/imagenet/%s", data, models[i].file);
        amsel_model *m;
        amsel_status st = amsel_model_load(ctx, path, &m);
        if (st != AMSEL_OK)
            fprintf(stderr, "%s\n", amsel_last_error(ctx));
        CHECK_EQ_INT(st, AMSEL_OK);
        if (st)
            continue;
        amsel_model_info in;
        amsel_model_get_info(m, &in);
        CHECK_EQ_INT(in.input_height, models[i].hw);
        CHECK_EQ_INT(in.input_width, models[i].hw);
        CHECK_EQ_INT(in.input_channels, 3);
        CHECK_EQ_INT(in.num_outputs, 1001);
        double macs_m = in.macs / 1e6;
        if (!(macs_m > models[i].macs_m * 0.95 && macs_m < models[i].macs_m * 1.05 + 1))
            fprintf(stderr, "%s: %.1f M MACs, table says %.0f\n", models[i].file, macs_m,
                    models[i].macs_m);
        CHECK(macs_m > models[i].macs_m * 0.95 && macs_m < models[i].macs_m * 1.05 + 1);
        CHECK(in.activation_bytes > 0 && in.activation_bytes < (16u << 20));
        /* A run is deterministic and gives a distribution (sum ~ 1). */
        uint8_t *input = amsel_model_input(m);
        for (int k = 0; k < in.input_height * in.input_width * 3; k++)
            input[k] = (uint8_t)(k * 7);
        amsel_model_run(m);
        uint8_t first[1001];
        memcpy(first, amsel_model_output(m), 1001);
        amsel_model_run(m);
        CHECK(memcmp(first, amsel_model_output(m), 1001) == 0);
        double sum = 0; /* over all 1001 outputs, background included */
        for (int c = 0; c < 1001; c++)
            sum += ((const uint8_t *)amsel_model_output(m))[c] / 256.0;
        /* Flat distributions lose mass to rounding (1001 values of 1/256). */
        if (!(sum > 0.5 && sum < 1.5))
            fprintf(stderr, "%s: softmax sums to %.3f\n", models[i].file, sum);
        CHECK(sum > 0.5 && sum < 1.5);
        amsel_model_destroy(m);
    }
}

static void test_not_a_model(amsel_ctx *ctx)
{
    const char *text = "this is a text file, not a model\n";
    CHECK_EQ_INT(load_bytes(ctx, (const uint8_t *)text, strlen(text)), AMSEL_ERR_FORMAT);
    CHECK(strstr(amsel_last_error(ctx), "not a TFLite model") != NULL);
    CHECK_EQ_INT(load_bytes(ctx, (const uint8_t *)"", 0), AMSEL_ERR_FORMAT);
    amsel_model *m = (amsel_model *)1;
    CHECK_EQ_INT(amsel_model_load(ctx, "/nonexistent/model.tflite", &m), AMSEL_ERR_IO);
    CHECK(m == NULL);
    CHECK(strstr(amsel_last_error(ctx), "/nonexistent/model.tflite") != NULL);
}

/* Truncation anywhere inside the FlatBuffer must be refused. Some files
 * carry a zip of associated files (labels) after it, which the model does
 * not need: cutting that is not damage to the model. */
static void test_truncated(amsel_ctx *ctx, const uint8_t *b, size_t n)
{
    const uint8_t *zip = memmem(b, n, "PK\x03\x04", 4);
    if (zip)
        n = (size_t)(zip - b);
    int loaded = 0;
    for (size_t len = 0; len < 128; len++)
        loaded += load_bytes(ctx, b, len) == AMSEL_OK;
    int steps = getenv("AMSEL_TEST_QUICK") ? 60 : 300;
    for (int k = 1; k < steps; k++)
        if (load_bytes(ctx, b, n / (size_t)steps * (size_t)k) == AMSEL_OK) {
            fprintf(stderr, "truncated at %zu of %zu bytes: loaded\n", n / (size_t)steps * (size_t)k, n);
            loaded++;
        }
    loaded += load_bytes(ctx, b, n - 1) == AMSEL_OK;
    CHECK_EQ_INT(loaded, 0);
}

static void test_bit_flips(amsel_ctx *ctx, const uint8_t *b, size_t n)
{
    uint8_t *c = malloc(n);
    uint32_t x = 42;
    int trials = getenv("AMSEL_TEST_QUICK") ? 150 : 600, refused = 0;
    for (int t = 0; t < trials; t++) {
        memcpy(c, b, n);
        x = x * 1664525u + 1013904223u;
        /* Half the flips land in the first and last 8 KB, where the tables are. */
        size_t pos = (t & 1) ? (x >> 8) % n
                             : ((x >> 8) & 1 ? (x >> 9) % 8192 : n - 1 - (x >> 9) % 8192);
        c[pos] ^= (uint8_t)(1u << (x % 8));
        refused += load_bytes(ctx, c, n) != AMSEL_OK;
    }
    CHECK(refused > 0); /* some flips break the structure and must be caught */
    free(c);
}

/* Replaces the operator code of the first OperatorCode entry (CONV_2D) by
 * FULLY_CONNECTED (9): a well-formed model with an operator we do not run. */
static void test_unsupported_operator(amsel_ctx *ctx, const uint8_t *b, size_t n)
{
    uint8_t *c = malloc(n);
    memcpy(c, b, n);
    am_fb fb = {c, n};
    am_fb_table root, code;
    am_fb_vec codes;
    CHECK(am_fb_root(&fb, &root) == 1);
    CHECK(am_fb_vec_field(&fb, &root, 1, 4, &codes) == 1);
    CHECK(am_fb_vec_table(&fb, &codes, 0, &code) == 1);
    int patched = 0;
    for (int field = 0; field <= 3; field += 3) { /* deprecated byte, builtin int */
        unsigned slot = 4 + 2 * (unsigned)field;
        if (slot + 2 > code.vt_size)
            continue;
        uint16_t off;
        memcpy(&off, c + code.vt + slot, 2);
        if (off && c[code.pos + off] == 3) { /* CONV_2D */
            c[code.pos + off] = 9;
            patched++;
        }
    }
    CHECK(patched > 0);
    CHECK_EQ_INT(load_bytes(ctx, c, n), AMSEL_ERR_UNSUPPORTED);
    CHECK(strstr(amsel_last_error(ctx), "FULLY_CONNECTED") != NULL);
    free(c);
}

int main(void)
{
    const char *data = check_data_dir();
    amsel_ctx *ctx;
    CHECK_EQ_INT(amsel_ctx_create(&ctx), AMSEL_OK);
    snprintf(tmp_path, sizeof tmp_path, "/tmp/amsel_test_model_%ld.tflite", (long)getpid());
    test_not_a_model(ctx);
    if (!data) {
        fprintf(stderr, "AMSEL_DATA not set: skipping tests on the shared models\n");
        unlink(tmp_path);
        amsel_ctx_destroy(ctx);
        return check_failures ? 1 : 77;
    }
    test_shared_models(ctx, data);
    char path[1024];
    snprintf(path, sizeof path, "%s/models/imagenet/mobilenet_v1_0.25_128_quant.tflite", data);
    size_t n;
    uint8_t *b = read_all(path, &n);
    CHECK(b != NULL);
    if (b) {
        test_truncated(ctx, b, n);
        test_bit_flips(ctx, b, n);
        test_unsupported_operator(ctx, b, n);
        free(b);
    }
    unlink(tmp_path);
    amsel_ctx_destroy(ctx);
    return check_exit();
}
