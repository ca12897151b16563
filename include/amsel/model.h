/* amsel/model.h — loading a TFLite image classifier and running it.
 *
 * A model is loaded once (parsed, validated, every operator assigned to a
 * backend, quantization parameters precomputed, activation memory
 * planned) and then run any number of times without allocating. A model
 * that uses an operator or a type amsel does not support is refused at
 * load time with a message naming the operator. Large operators run on
 * the context's threads (amsel_ctx_set_threads), with the same output
 * for every thread count. One model is not safe to run from two threads
 * at once; two models of one context may run on two threads at once
 * (one model per thread). */
#ifndef AMSEL_MODEL_H
#define AMSEL_MODEL_H

#include "amsel/image.h"
#include "amsel/status.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct amsel_model amsel_model;

typedef struct amsel_model_info {
    int input_height, input_width, input_channels;
    int input_is_int8;          /* input tensor type: int8 (1) or uint8 (0) */
    float input_scale;
    int input_zero_point;
    int num_outputs;            /* 1001 (background + 1000) or 1000 */
    int output_is_int8;
    float output_scale;
    int output_zero_point;
    int num_operators;
    int num_tensors;
    uint64_t num_params;        /* elements of constant tensors */
    uint64_t weight_bytes;      /* bytes of constant tensors (in the file) */
    uint64_t macs;              /* multiply-accumulates per image (conv layers) */
    uint64_t activation_bytes;  /* planned activation memory */
    char operators[256];        /* "CONV_2D x15, DEPTHWISE_CONV_2D x13, ..." */
} amsel_model_info;

/* Loads and prepares the model at path. The file is memory-mapped and
 * stays mapped until amsel_model_destroy. On failure *out is NULL and
 * amsel_last_error(ctx) names the file and the problem. */
amsel_status amsel_model_load(amsel_ctx *ctx, const char *path, amsel_model **out);
void amsel_model_destroy(amsel_model *m); /* NULL is harmless */

void amsel_model_get_info(const amsel_model *m, amsel_model_info *info);
const char *amsel_model_path(const amsel_model *m);

/* The execution plan: one line per operator, "index op backend shape". */
const char *amsel_model_plan(const amsel_model *m);

/* Raw access: fill the input (H*W*C bytes, quantized as the info says),
 * run, read the raw outputs (num_outputs bytes, uint8 or int8). */
void *amsel_model_input(amsel_model *m);
amsel_status amsel_model_run(amsel_model *m);
const void *amsel_model_output(const amsel_model *m);

/* Per-operator profile: runs the model once like amsel_model_run and
 * adds the wall time of operator i in ms to op_ms[i] (num_operators
 * entries, which the caller zeroes first). */
amsel_status amsel_model_run_profiled(amsel_model *m, double *op_ms);

/* What operator i (0 .. num_operators-1) is, for per-operator reports. */
typedef struct amsel_op_info {
    char op[24];            /* "CONV_2D", ... */
    char backend[12];       /* "reference", "fast", "onednn", "xnnpack" */
    int out_h, out_w, out_c, in_c;
    int kh, kw, stride;     /* convolutions; 0 otherwise */
    uint64_t macs;
} amsel_op_info;
amsel_status amsel_model_op_info(const amsel_model *m, int i, amsel_op_info *info);

/* The machine's dense-convolution ceiling for efficiency ratios: the
 * median GMAC/s over runs of a large dense 1x1 uint8 convolution
 * (28x28x512 -> 512, 205 M MACs) through the fast kernels on the
 * context's threads, or through the onednn backend when it is the
 * context's backend. AMSEL_ERR_UNSUPPORTED on CPUs without them. */
amsel_status amsel_ceiling_gmacs(amsel_ctx *ctx, int runs, double *gmacs);

/* One ranked answer. class is the ImageNet class 0..999 in sorted-wnid
 * order (output - 1 for models with a background output, which is
 * never ranked). score is the dequantized probability. */
typedef struct amsel_class_score {
    int cls;
    float score;
} amsel_class_score;

/* Top-k classes of the last run (ties: lower class first). k <= 1000. */
int amsel_model_top_k(const amsel_model *m, int k, amsel_class_score *top);

/* Dequantized score of ImageNet class cls (0..999) in the last run. */
float amsel_model_score(const amsel_model *m, int cls);

/* Preprocess img for this model (central crop fraction crop, resize,
 * quantize), run it and return the top-k. pre_ms and infer_ms receive
 * the time of each step (either may be NULL). */
amsel_status amsel_model_classify(amsel_model *m, const amsel_image *img, float crop, int k,
                                  amsel_class_score *top, double *pre_ms, double *infer_ms);

#ifdef __cplusplus
}
#endif
#endif
