/* Hostile models in memory (issue 6): a real small model patched in place
 * to hold a cyclic graph, a tensor written twice, tensor indices out of
 * range or negative, negative, zero and huge dimensions; and truncated at
 * every byte of its FlatBuffer; and one over the size limit. Each is parsed, lowered and planned from
 * an exact-size buffer (ASan sees any read past the end) and must be
 * refused with a message naming the file, allocating nothing huge.
 * AMSEL_TEST_QUICK strides the truncation sweep. */
#include "amsel/amsel.h"
#include "check.h"
#include "graph/graph.h"
#include "tflite/flatbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *NAME = "hostile.tflite";

typedef struct alloc_stats {
    size_t largest;
} alloc_stats;

static void *big_alloc(void *user, void *ptr, size_t size)
{
    alloc_stats *a = user;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    if (size > a->largest)
        a->largest = size;
    return realloc(ptr, size);
}

/* Parse, lower and plan n bytes copied to an exact-size block. */
static amsel_status load_mem(amsel_ctx *ctx, const uint8_t *b, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    memcpy(c, b, n);
    am_graph g;
    memset(&g, 0, sizeof g);
    amsel_status st = am_tfl_parse(ctx, NAME, c, n, &g.tfl);
    if (st == AMSEL_OK)
        st = am_graph_build(ctx, NAME, &g);
    if (st == AMSEL_OK)
        st = am_graph_plan(ctx, &g);
    am_graph_free(ctx, &g);
    free(c);
    return st;
}

/* Where the patches go: subgraph 0's tensors and operators. */
typedef struct layout {
    am_fb fb;
    am_fb_vec tensors, ops;
} layout;

static int find_layout(const uint8_t *b, size_t n, layout *l)
{
    am_fb_table root, sg;
    am_fb_vec sgs;
    l->fb = (am_fb){b, n};
    return am_fb_root(&l->fb, &root) == 1 && am_fb_vec_field(&l->fb, &root, 2, 4, &sgs) == 1 &&
           am_fb_vec_table(&l->fb, &sgs, 0, &sg) == 1 &&
           am_fb_vec_field(&l->fb, &sg, 0, 4, &l->tensors) == 1 &&
           am_fb_vec_field(&l->fb, &sg, 3, 4, &l->ops) == 1 && l->ops.len >= 3;
}

/* Byte offset of element i of an int32 vector field of table t. */
static size_t vec_at(const layout *l, const am_fb_table *t, int field, uint32_t i)
{
    am_fb_vec v;
    if (am_fb_vec_field(&l->fb, t, field, 4, &v) != 1 || i >= v.len)
        return 0;
    return v.pos + 4 * (size_t)i;
}

static int32_t get32(const uint8_t *b, size_t at)
{
    int32_t v;
    memcpy(&v, b + at, 4);
    return v;
}

/* Operator k's input (field 1) or output (field 2) slot i. */
static size_t op_slot(const layout *l, uint32_t k, int field, uint32_t i)
{
    am_fb_table op;
    if (am_fb_vec_table(&l->fb, &l->ops, k, &op) != 1)
        return 0;
    return vec_at(l, &op, field, i);
}

/* Tensor t's shape entry i. */
static size_t dim_slot(const layout *l, uint32_t t, uint32_t i)
{
    am_fb_table tt;
    if (am_fb_vec_table(&l->fb, &l->tensors, t, &tt) != 1)
        return 0;
    return vec_at(l, &tt, 0, i);
}

/* The model with the int32 at `at` replaced by v must be refused with
 * status want (0: any error), a message holding NAME and no huge block. */
static void expect_refused(amsel_ctx *ctx, const uint8_t *b, size_t n, size_t at, int32_t v,
                           amsel_status want, const char *what)
{
    CHECK(at > 0);
    if (!at)
        return;
    uint8_t *c = malloc(n);
    memcpy(c, b, n);
    memcpy(c + at, &v, 4);
    alloc_stats a = {0};
    amsel_ctx *c2;
    CHECK(amsel_ctx_create_with_alloc(big_alloc, &a, &c2) == AMSEL_OK);
    amsel_status st = load_mem(c2, c, n);
    const char *msg = amsel_last_error(c2);
    if (st == AMSEL_OK || (want && st != want) || !strstr(msg, NAME)) {
        fprintf(stderr, "%s: status %d (want %d), \"%s\"\n", what, (int)st, (int)want, msg);
        check_failures++;
    } else {
        fprintf(stderr, "%s: refused: %s\n", what, msg);
    }
    if (a.largest > ((size_t)64 << 20)) {
        fprintf(stderr, "%s: allocated %zu bytes for a hostile file\n", what, a.largest);
        check_failures++;
    }
    amsel_ctx_destroy(c2);
    free(c);
}

static void test_patches(amsel_ctx *ctx, const uint8_t *b, size_t n)
{
    layout l;
    CHECK(find_layout(b, n, &l));
    if (!find_layout(b, n, &l))
        return;
    CHECK_EQ_INT(load_mem(ctx, b, n), AMSEL_OK);
    uint32_t last = l.ops.len - 1;
    size_t in0 = op_slot(&l, 0, 1, 0), in1 = op_slot(&l, 1, 1, 0);
    size_t out0 = op_slot(&l, 0, 2, 0), out1 = op_slot(&l, 1, 2, 0);
    size_t outl = op_slot(&l, last, 2, 0);
    CHECK(in0 && in1 && out0 && out1 && outl);
    if (!in0 || !in1 || !out0 || !out1 || !outl)
        return;
    int32_t t_out0 = get32(b, out0), t_out1 = get32(b, out1), t_outl = get32(b, outl);
    /* Dataflow: a cycle through the whole graph, a self-loop, two writers. */
    size_t out2 = op_slot(&l, 2, 2, 0);
    expect_refused(ctx, b, n, in1, out2 ? get32(b, out2) : 0, AMSEL_ERR_FORMAT,
                   "cycle (op 1 reads op 2's output)");
    expect_refused(ctx, b, n, in0, t_outl, 0, "cycle (op 0 reads the graph output)");
    expect_refused(ctx, b, n, in1, t_out1, AMSEL_ERR_FORMAT, "self-loop (op 1 reads its output)");
    expect_refused(ctx, b, n, out1, t_out0, AMSEL_ERR_FORMAT, "tensor written twice");
    /* Indices. */
    expect_refused(ctx, b, n, in0, (int32_t)l.tensors.len, AMSEL_ERR_FORMAT,
                   "input index = tensor count");
    expect_refused(ctx, b, n, in0, INT32_MAX, AMSEL_ERR_FORMAT, "input index INT32_MAX");
    expect_refused(ctx, b, n, in0, -7, AMSEL_ERR_FORMAT, "negative input index");
    expect_refused(ctx, b, n, out0, -1, 0, "optional (-1) output");
    /* Dimensions of op 0's output (an activation) and of the graph input. */
    int32_t t_in = get32(b, in0);
    expect_refused(ctx, b, n, dim_slot(&l, (uint32_t)t_out0, 1), -3, AMSEL_ERR_FORMAT,
                   "negative dimension");
    expect_refused(ctx, b, n, dim_slot(&l, (uint32_t)t_out0, 1), 0, 0, "zero-sized activation");
    expect_refused(ctx, b, n, dim_slot(&l, (uint32_t)t_in, 1), 0, 0, "zero-sized input");
    expect_refused(ctx, b, n, dim_slot(&l, (uint32_t)t_out0, 1), INT32_MAX, 0,
                   "huge activation dimension");
    expect_refused(ctx, b, n, dim_slot(&l, (uint32_t)t_in, 2), 1 << 30, 0,
                   "huge input dimension");
    expect_refused(ctx, b, n, dim_slot(&l, (uint32_t)t_in, 3), 65536, 0, "65536 input channels");
}

/* Every prefix of the FlatBuffer is refused (a zip of labels after it is
 * not part of the model). */
static void test_truncation(amsel_ctx *ctx, const uint8_t *b, size_t n, size_t stride)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (!memcmp(b + i, "PK\x03\x04", 4)) {
            n = i;
            break;
        }
    long loaded = 0, tried = 0;
    for (size_t len = 0; len < n; len += len < 4096 ? 1 : stride) {
        tried++;
        if (load_mem(ctx, b, len) == AMSEL_OK) {
            if (loaded++ < 5)
                fprintf(stderr, "truncated at %zu of %zu bytes: loaded\n", len, n);
        } else if (!strstr(amsel_last_error(ctx), NAME)) {
            fprintf(stderr, "truncated at %zu: message without the name\n", len);
            check_failures++;
        }
    }
    fprintf(stderr, "truncation: %ld prefixes of %zu bytes tried, %ld loaded\n", tried, n,
            loaded);
    CHECK_EQ_INT(loaded, 0);
}

/* A model over the context's size limit is refused before it is read. */
static void test_limit(const char *path)
{
    alloc_stats a = {0};
    amsel_ctx *c2;
    CHECK(amsel_ctx_create_with_alloc(big_alloc, &a, &c2) == AMSEL_OK);
    amsel_limits lim = {.max_model_bytes = 100000};
    amsel_ctx_set_limits(c2, &lim);
    amsel_model *m = (amsel_model *)1;
    CHECK_EQ_INT(amsel_model_load(c2, path, &m), AMSEL_ERR_LIMIT);
    CHECK(m == NULL);
    CHECK(strstr(amsel_last_error(c2), path) != NULL);
    CHECK(a.largest < 4096);
    amsel_ctx_destroy(c2);
}

int main(void)
{
    const char *data = check_data_dir();
    if (!data) {
        fprintf(stderr, "no AMSEL_DATA: skipped\n");
        return 77;
    }
    const char *q = getenv("AMSEL_TEST_QUICK");
    int quick = q && *q && strcmp(q, "0");
    char path[1200];
    snprintf(path, sizeof path, "%s/models/imagenet/mobilenet_v1_0.25_128_quant.tflite", data);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    CHECK(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    amsel_ctx *ctx;
    if (amsel_ctx_create(&ctx) != AMSEL_OK)
        return 1;
    amsel_ctx_set_threads(ctx, 1);
    test_limit(path);
    test_patches(ctx, b, (size_t)n);
    test_truncation(ctx, b, (size_t)n, quick ? 509 : 1);
    amsel_ctx_destroy(ctx);
    free(b);
    return check_exit();
}
