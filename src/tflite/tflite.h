/* A parsed .tflite file: the first subgraph's tensors and operators,
 * checked against the file. Constant data is not copied: tensors point
 * into the file image, which must outlive this structure. */
#ifndef AMSEL_TFLITE_TFLITE_H
#define AMSEL_TFLITE_TFLITE_H

#include "amsel/status.h"

#include <stddef.h>
#include <stdint.h>

/* TFLite TensorType values we meet. */
enum { TFL_FLOAT32 = 0, TFL_INT32 = 2, TFL_UINT8 = 3, TFL_INT64 = 4, TFL_INT8 = 9 };

/* TFLite BuiltinOperator values we run. */
enum {
    TFL_ADD = 0, TFL_AVERAGE_POOL_2D = 1, TFL_CONV_2D = 3, TFL_DEPTHWISE_CONV_2D = 4,
    TFL_MUL = 18, TFL_RESHAPE = 22, TFL_SOFTMAX = 25, TFL_MEAN = 40,
    TFL_QUANTIZE = 114, TFL_HARD_SWISH = 117
};

#define AM_MAX_DIMS 6
#define AM_MAX_OP_IO 4

typedef struct am_tfl_tensor {
    int type;                    /* TFL_* tensor type */
    int ndim;
    int32_t dims[AM_MAX_DIMS];
    const uint8_t *data;         /* constant contents in the file, or NULL */
    size_t data_size;
    char name[64];               /* truncated copy, for messages */
    int nquant;                  /* number of scales (0: not quantized) */
    float *scales;               /* [nquant], owned */
    int64_t *zero_points;        /* [nquant], owned */
    int quant_dim;
} am_tfl_tensor;

typedef struct am_tfl_op {
    int opcode;                  /* builtin operator code */
    int version;
    int ninputs, noutputs;
    int inputs[AM_MAX_OP_IO];    /* tensor indices, -1 = optional absent */
    int outputs[AM_MAX_OP_IO];
    /* Builtin options, flattened (unused fields keep their defaults). */
    int padding;                 /* 0 SAME, 1 VALID */
    int stride_w, stride_h;
    int dilation_w, dilation_h;
    int depth_multiplier;
    int filter_w, filter_h;
    int fused_act;               /* 0 none, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6, ... */
    float beta;                  /* softmax */
    int keep_dims;               /* mean */
} am_tfl_op;

typedef struct am_tfl_model {
    am_tfl_tensor *tensors;
    int ntensors;
    am_tfl_op *ops;
    int nops;
    int input, output;           /* the single graph input and output tensor */
    char description[64];
} am_tfl_model;

/* Human name of a builtin operator code ("CONV_2D", or "BUILTIN_<n>"). */
const char *am_tfl_op_name(int opcode, char buf[32]);
const char *am_tfl_type_name(int type);

/* Parses size bytes at buf; name is the file name used in messages. */
amsel_status am_tfl_parse(amsel_ctx *ctx, const char *name, const uint8_t *buf, size_t size,
                          am_tfl_model *m);
void am_tfl_free(amsel_ctx *ctx, am_tfl_model *m);

#endif
