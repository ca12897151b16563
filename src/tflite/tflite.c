/* .tflite parser: turns the FlatBuffer into am_tfl_model, checking every
 * index and size against the file (schema: tensorflow/lite/schema/schema.fbs). */
#include "tflite/tflite.h"

#include "core/ctx.h"
#include "tflite/flatbuf.h"

#include <stdio.h>
#include <string.h>

/* Field numbers from schema.fbs. */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_DESCRIPTION = 3,
       MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED = 0, OPCODE_VERSION = 2, OPCODE_BUILTIN = 3 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2, TENSOR_NAME = 3,
       TENSOR_QUANT = 4, TENSOR_SPARSITY = 6 };
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DIM = 6 };
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS_TYPE = 3, OP_OPTIONS = 4 };
enum { BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2 };
/* BuiltinOptions union members. */
enum { OPT_CONV = 1, OPT_DEPTHWISE = 2, OPT_POOL = 5, OPT_SOFTMAX = 9, OPT_ADD = 11,
       OPT_RESHAPE = 17, OPT_MUL = 21, OPT_REDUCER = 27 };

#define MAX_TENSORS 100000
#define MAX_OPS 100000

const char *am_tfl_op_name(int opcode, char buf[32])
{
    switch (opcode) {
    case TFL_ADD: return "ADD";
    case TFL_AVERAGE_POOL_2D: return "AVERAGE_POOL_2D";
    case TFL_CONV_2D: return "CONV_2D";
    case TFL_DEPTHWISE_CONV_2D: return "DEPTHWISE_CONV_2D";
    case 6: return "DEQUANTIZE";
    case 9: return "FULLY_CONNECTED";
    case 14: return "LOGISTIC";
    case 17: return "MAX_POOL_2D";
    case TFL_MUL: return "MUL";
    case 19: return "RELU";
    case 21: return "RELU6";
    case TFL_RESHAPE: return "RESHAPE";
    case TFL_SOFTMAX: return "SOFTMAX";
    case 2: return "CONCATENATION";
    case 34: return "PAD";
    case TFL_MEAN: return "MEAN";
    case 43: return "SQUEEZE";
    case TFL_QUANTIZE: return "QUANTIZE";
    case TFL_HARD_SWISH: return "HARD_SWISH";
    case 32: return "CUSTOM";
    }
    snprintf(buf, 32, "BUILTIN_%d", opcode);
    return buf;
}

const char *am_tfl_type_name(int type)
{
    static const char *names[] = {"float32", "float16", "int32", "uint8", "int64", "string",
                                  "bool", "int16", "complex64", "int8", "float64"};
    if (type >= 0 && type < (int)(sizeof names / sizeof names[0]))
        return names[type];
    return "unknown type";
}

/* Copies a file string into a fixed buffer, replacing unprintable bytes. */
static void copy_name(char *dst, size_t cap, const char *s, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (s[i] >= 32 && s[i] < 127) ? s[i] : '?';
    dst[n] = 0;
}

typedef struct parser {
    amsel_ctx *ctx;
    const char *name;
    am_fb fb;
    am_fb_vec buffers;
} parser;

static amsel_status bad(parser *p, const char *what)
{
    return am_fail(p->ctx, AMSEL_ERR_FORMAT, "%s: malformed model: %s", p->name, what);
}

static amsel_status parse_quant(parser *p, const am_fb_table *tt, am_tfl_tensor *t, int idx)
{
    am_fb_table q;
    int r = am_fb_table_field(&p->fb, tt, TENSOR_QUANT, &q);
    if (r < 0)
        return bad(p, "bad tensor quantization table");
    if (r == 0)
        return AMSEL_OK;
    am_fb_vec sc = {0}, zp = {0};
    int rs = am_fb_vec_field(&p->fb, &q, QUANT_SCALE, 4, &sc);
    int rz = am_fb_vec_field(&p->fb, &q, QUANT_ZERO_POINT, 8, &zp);
    int32_t dim;
    if (rs < 0 || rz < 0 || am_fb_i32(&p->fb, &q, QUANT_DIM, 0, &dim) < 0)
        return bad(p, "bad quantization parameters");
    if (rs == 0 || sc.len == 0)
        return AMSEL_OK; /* min/max only: treated as not quantized */
    if (rz == 0 || zp.len != sc.len || sc.len > 1000000)
        return am_fail(p->ctx, AMSEL_ERR_FORMAT,
                       "%s: tensor %d: %u scales but %u zero points", p->name, idx,
                       sc.len, rz ? zp.len : 0);
    t->scales = am_malloc(p->ctx, sc.len * sizeof(float));
    t->zero_points = am_malloc(p->ctx, sc.len * sizeof(int64_t));
    if (!t->scales || !t->zero_points)
        return AMSEL_ERR_NOMEM;
    for (uint32_t i = 0; i < sc.len; i++) {
        t->scales[i] = am_fb_vec_f32(&p->fb, &sc, i);
        t->zero_points[i] = am_fb_vec_i64(&p->fb, &zp, i);
    }
    t->nquant = (int)sc.len;
    t->quant_dim = dim;
    return AMSEL_OK;
}

static amsel_status parse_buffer(parser *p, uint32_t index, am_tfl_tensor *t, int idx)
{
    if (index == 0) /* buffer 0 is the empty sentinel */
        return AMSEL_OK;
    am_fb_table b;
    am_fb_vec data;
    if (index >= p->buffers.len || am_fb_vec_table(&p->fb, &p->buffers, index, &b) < 0)
        return am_fail(p->ctx, AMSEL_ERR_FORMAT,
                       "%s: tensor %d refers to buffer %u of %u", p->name, idx, index,
                       p->buffers.len);
    int r = am_fb_vec_field(&p->fb, &b, BUFFER_DATA, 1, &data);
    if (r < 0)
        return bad(p, "bad buffer data vector");
    if (r == 1 && data.len > 0) {
        t->data = p->fb.buf + data.pos;
        t->data_size = data.len;
        return AMSEL_OK;
    }
    /* Large models keep data outside the FlatBuffer: offset/size from file start. */
    uint64_t off_lo = 0, size_lo = 0;
    int ro = am_fb_u64(&p->fb, &b, BUFFER_OFFSET, 0, &off_lo);
    int rsz = am_fb_u64(&p->fb, &b, BUFFER_SIZE, 0, &size_lo);
    if (ro < 0 || rsz < 0)
        return bad(p, "bad buffer offset/size");
    if (ro == 1 && off_lo > 1) {
        if (off_lo > p->fb.size || size_lo > p->fb.size - off_lo)
            return am_fail(p->ctx, AMSEL_ERR_FORMAT,
                           "%s: buffer %u lies outside the file", p->name, index);
        t->data = p->fb.buf + (size_t)off_lo;
        t->data_size = (size_t)size_lo;
    }
    return AMSEL_OK;
}

static amsel_status parse_tensor(parser *p, const am_fb_table *tt, am_tfl_tensor *t, int idx)
{
    am_fb_vec shape;
    int r = am_fb_vec_field(&p->fb, tt, TENSOR_SHAPE, 4, &shape);
    if (r < 0)
        return bad(p, "bad tensor shape");
    if (r == 1) {
        if (shape.len > AM_MAX_DIMS)
            return am_fail(p->ctx, AMSEL_ERR_UNSUPPORTED, "%s: tensor %d has %u dimensions",
                           p->name, idx, shape.len);
        t->ndim = (int)shape.len;
        for (uint32_t i = 0; i < shape.len; i++) {
            t->dims[i] = am_fb_vec_i32(&p->fb, &shape, i);
            if (t->dims[i] < 0)
                return am_fail(p->ctx, AMSEL_ERR_FORMAT,
                               "%s: tensor %d has a negative dimension", p->name, idx);
        }
    }
    uint8_t type;
    uint32_t buffer;
    const char *name;
    size_t name_len;
    am_fb_table sparsity;
    if (am_fb_u8(&p->fb, tt, TENSOR_TYPE, 0, &type) < 0 ||
        am_fb_u32(&p->fb, tt, TENSOR_BUFFER, 0, &buffer) < 0)
        return bad(p, "bad tensor fields");
    t->type = type;
    r = am_fb_string(&p->fb, tt, TENSOR_NAME, &name, &name_len);
    if (r < 0)
        return bad(p, "bad tensor name");
    if (r == 1)
        copy_name(t->name, sizeof t->name, name, name_len);
    else
        snprintf(t->name, sizeof t->name, "#%d", idx);
    r = am_fb_table_field(&p->fb, tt, TENSOR_SPARSITY, &sparsity);
    if (r != 0)
        return am_fail(p->ctx, AMSEL_ERR_UNSUPPORTED, "%s: tensor '%s' is sparse", p->name,
                       t->name);
    amsel_status st = parse_quant(p, tt, t, idx);
    if (st != AMSEL_OK)
        return st;
    return parse_buffer(p, buffer, t, idx);
}

/* Reads a vector of tensor indices into dst (cap entries); -1 is allowed
 * for optional inputs. */
static amsel_status parse_indices(parser *p, const am_fb_table *t, int field, int ntensors,
                                  int *dst, int cap, int *n, const char *what)
{
    am_fb_vec v;
    int r = am_fb_vec_field(&p->fb, t, field, 4, &v);
    if (r < 0)
        return bad(p, what);
    *n = 0;
    if (r == 0)
        return AMSEL_OK;
    if (v.len > (uint32_t)cap)
        return am_fail(p->ctx, AMSEL_ERR_UNSUPPORTED, "%s: %s: %u entries (at most %d)",
                       p->name, what, v.len, cap);
    for (uint32_t i = 0; i < v.len; i++) {
        int32_t k = am_fb_vec_i32(&p->fb, &v, i);
        if (k < -1 || k >= ntensors)
            return am_fail(p->ctx, AMSEL_ERR_FORMAT, "%s: %s: tensor index %d of %d",
                           p->name, what, k, ntensors);
        dst[i] = k;
    }
    *n = (int)v.len;
    return AMSEL_OK;
}

/* Flattens the builtin options we use; the type must match the operator. */
static amsel_status parse_options(parser *p, const am_fb_table *ot, am_tfl_op *op, int idx)
{
    uint8_t type;
    am_fb_table o;
    const am_fb *fb = &p->fb;
    if (am_fb_u8(fb, ot, OP_OPTIONS_TYPE, 0, &type) < 0)
        return bad(p, "bad operator options type");
    int r = am_fb_table_field(fb, ot, OP_OPTIONS, &o);
    if (r < 0)
        return bad(p, "bad operator options");
    if (r == 0 || type == 0)
        return AMSEL_OK;
    static const struct { int opcode, type; } expect[] = {
        {TFL_CONV_2D, OPT_CONV}, {TFL_DEPTHWISE_CONV_2D, OPT_DEPTHWISE},
        {TFL_AVERAGE_POOL_2D, OPT_POOL}, {TFL_SOFTMAX, OPT_SOFTMAX}, {TFL_ADD, OPT_ADD},
        {TFL_RESHAPE, OPT_RESHAPE}, {TFL_MUL, OPT_MUL}, {TFL_MEAN, OPT_REDUCER}};
    int want = -1;
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
        if (expect[i].opcode == op->opcode)
            want = expect[i].type;
    if (want < 0)
        return AMSEL_OK; /* options of operators we do not run are ignored */
    if (type != want)
        return am_fail(p->ctx, AMSEL_ERR_FORMAT,
                       "%s: operator %d has options of type %d, expected %d", p->name, idx,
                       type, want);
    uint8_t u8v;
    int32_t a = 0, b = 0, c = 0, d = 0, e = 0;
    int bad_field = 0;
    switch (type) {
    case OPT_CONV: /* padding, stride_w, stride_h, act, dil_w, dil_h */
        bad_field |= am_fb_u8(fb, &o, 0, 0, &u8v) < 0; op->padding = u8v;
        bad_field |= am_fb_i32(fb, &o, 1, 0, &a) < 0;
        bad_field |= am_fb_i32(fb, &o, 2, 0, &b) < 0;
        bad_field |= am_fb_u8(fb, &o, 3, 0, &u8v) < 0; op->fused_act = u8v;
        bad_field |= am_fb_i32(fb, &o, 4, 1, &c) < 0;
        bad_field |= am_fb_i32(fb, &o, 5, 1, &d) < 0;
        op->stride_w = a, op->stride_h = b, op->dilation_w = c, op->dilation_h = d;
        break;
    case OPT_DEPTHWISE: /* padding, stride_w, stride_h, depth_mult, act, dil_w, dil_h */
        bad_field |= am_fb_u8(fb, &o, 0, 0, &u8v) < 0; op->padding = u8v;
        bad_field |= am_fb_i32(fb, &o, 1, 0, &a) < 0;
        bad_field |= am_fb_i32(fb, &o, 2, 0, &b) < 0;
        bad_field |= am_fb_i32(fb, &o, 3, 0, &e) < 0;
        bad_field |= am_fb_u8(fb, &o, 4, 0, &u8v) < 0; op->fused_act = u8v;
        bad_field |= am_fb_i32(fb, &o, 5, 1, &c) < 0;
        bad_field |= am_fb_i32(fb, &o, 6, 1, &d) < 0;
        op->stride_w = a, op->stride_h = b, op->dilation_w = c, op->dilation_h = d;
        op->depth_multiplier = e;
        break;
    case OPT_POOL: /* padding, stride_w, stride_h, filter_w, filter_h, act */
        bad_field |= am_fb_u8(fb, &o, 0, 0, &u8v) < 0; op->padding = u8v;
        bad_field |= am_fb_i32(fb, &o, 1, 0, &a) < 0;
        bad_field |= am_fb_i32(fb, &o, 2, 0, &b) < 0;
        bad_field |= am_fb_i32(fb, &o, 3, 0, &c) < 0;
        bad_field |= am_fb_i32(fb, &o, 4, 0, &d) < 0;
        bad_field |= am_fb_u8(fb, &o, 5, 0, &u8v) < 0; op->fused_act = u8v;
        op->stride_w = a, op->stride_h = b, op->filter_w = c, op->filter_h = d;
        break;
    case OPT_SOFTMAX:
        bad_field |= am_fb_f32(fb, &o, 0, 0.0f, &op->beta) < 0;
        break;
    case OPT_ADD:
    case OPT_MUL:
        bad_field |= am_fb_u8(fb, &o, 0, 0, &u8v) < 0; op->fused_act = u8v;
        break;
    case OPT_REDUCER:
        bad_field |= am_fb_u8(fb, &o, 0, 0, &u8v) < 0; op->keep_dims = u8v != 0;
        break;
    default:
        break; /* RESHAPE: the shape tensor or the output shape is used instead */
    }
    if (bad_field)
        return am_fail(p->ctx, AMSEL_ERR_FORMAT, "%s: operator %d: malformed options",
                       p->name, idx);
    return AMSEL_OK;
}

amsel_status am_tfl_parse(amsel_ctx *ctx, const char *name, const uint8_t *buf, size_t size,
                          am_tfl_model *m)
{
    memset(m, 0, sizeof *m);
    m->input = m->output = -1;
    parser p = {ctx, name, {buf, size}, {0, 0}};
    am_fb_table root, sg;
    am_fb_vec opcodes, subgraphs, tensors, ops;
    amsel_status st;

    if (size < 8 || memcmp(buf + 4, "TFL3", 4) != 0)
        return am_fail(ctx, AMSEL_ERR_FORMAT,
                       "%s: not a TFLite model (no TFL3 identifier)", name);
    if (am_fb_root(&p.fb, &root) < 0)
        return bad(&p, "bad root table");
    uint32_t version;
    if (am_fb_u32(&p.fb, &root, MODEL_VERSION, 0, &version) < 0)
        return bad(&p, "bad version");
    if (version != 3)
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "%s: schema version %u (expected 3)", name,
                       version);
    const char *desc;
    size_t desc_len;
    int r = am_fb_string(&p.fb, &root, MODEL_DESCRIPTION, &desc, &desc_len);
    if (r < 0)
        return bad(&p, "bad description");
    if (r == 1)
        copy_name(m->description, sizeof m->description, desc, desc_len);
    if (am_fb_vec_field(&p.fb, &root, MODEL_OPCODES, 4, &opcodes) != 1 ||
        am_fb_vec_field(&p.fb, &root, MODEL_SUBGRAPHS, 4, &subgraphs) != 1)
        return bad(&p, "no operator codes or subgraphs");
    r = am_fb_vec_field(&p.fb, &root, MODEL_BUFFERS, 4, &p.buffers);
    if (r < 0)
        return bad(&p, "bad buffers vector");
    /* Every buffer must lie inside the file, used or not: a file cut short
     * is damaged even where the cut only loses metadata. */
    for (uint32_t i = 0; r == 1 && i < p.buffers.len; i++) {
        am_fb_table bt;
        am_fb_vec data;
        if (am_fb_vec_table(&p.fb, &p.buffers, i, &bt) < 0 ||
            am_fb_vec_field(&p.fb, &bt, BUFFER_DATA, 1, &data) < 0)
            return am_fail(ctx, AMSEL_ERR_FORMAT,
                           "%s: malformed model: buffer %u lies outside the file (truncated?)",
                           name, i);
    }
    if (subgraphs.len != 1)
        return am_fail(ctx, AMSEL_ERR_UNSUPPORTED, "%s: %u subgraphs (only 1 is supported)",
                       name, subgraphs.len);
    if (am_fb_vec_table(&p.fb, &subgraphs, 0, &sg) < 0)
        return bad(&p, "bad subgraph");
    if (am_fb_vec_field(&p.fb, &sg, SG_TENSORS, 4, &tensors) != 1 ||
        am_fb_vec_field(&p.fb, &sg, SG_OPERATORS, 4, &ops) != 1)
        return bad(&p, "subgraph without tensors or operators");
    if (tensors.len == 0 || tensors.len > MAX_TENSORS || ops.len == 0 || ops.len > MAX_OPS)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: %u tensors and %u operators", name,
                       tensors.len, ops.len);

    m->tensors = am_calloc(ctx, tensors.len, sizeof *m->tensors);
    m->ops = am_calloc(ctx, ops.len, sizeof *m->ops);
    if (!m->tensors || !m->ops) {
        am_tfl_free(ctx, m);
        return AMSEL_ERR_NOMEM;
    }
    m->ntensors = (int)tensors.len;
    m->nops = (int)ops.len;
    for (uint32_t i = 0; i < tensors.len; i++) {
        am_fb_table tt;
        if (am_fb_vec_table(&p.fb, &tensors, i, &tt) < 0) {
            st = bad(&p, "bad tensor table");
            goto fail;
        }
        if ((st = parse_tensor(&p, &tt, &m->tensors[i], (int)i)) != AMSEL_OK)
            goto fail;
    }
    int gio[AM_MAX_OP_IO], nin, nout;
    if ((st = parse_indices(&p, &sg, SG_INPUTS, m->ntensors, gio, AM_MAX_OP_IO, &nin,
                            "graph inputs")) != AMSEL_OK)
        goto fail;
    m->input = nin == 1 ? gio[0] : -1;
    if ((st = parse_indices(&p, &sg, SG_OUTPUTS, m->ntensors, gio, AM_MAX_OP_IO, &nout,
                            "graph outputs")) != AMSEL_OK)
        goto fail;
    m->output = nout == 1 ? gio[0] : -1;
    if (m->input < 0 || m->output < 0) {
        st = am_fail(ctx, AMSEL_ERR_UNSUPPORTED,
                     "%s: graph has %d inputs and %d outputs (1 each is supported)", name,
                     nin, nout);
        goto fail;
    }
    for (uint32_t i = 0; i < ops.len; i++) {
        am_fb_table ot, ct;
        am_tfl_op *op = &m->ops[i];
        uint32_t opcode_index;
        if (am_fb_vec_table(&p.fb, &ops, i, &ot) < 0 ||
            am_fb_u32(&p.fb, &ot, OP_OPCODE, 0, &opcode_index) < 0) {
            st = bad(&p, "bad operator table");
            goto fail;
        }
        if (opcode_index >= opcodes.len || am_fb_vec_table(&p.fb, &opcodes, opcode_index, &ct) < 0) {
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s: operator %u: bad opcode index %u", name,
                         i, opcode_index);
            goto fail;
        }
        uint8_t dep;
        int32_t builtin, ver;
        if (am_fb_u8(&p.fb, &ct, OPCODE_DEPRECATED, 0, &dep) < 0 ||
            am_fb_i32(&p.fb, &ct, OPCODE_BUILTIN, 0, &builtin) < 0 ||
            am_fb_i32(&p.fb, &ct, OPCODE_VERSION, 1, &ver) < 0) {
            st = bad(&p, "bad operator code");
            goto fail;
        }
        /* Newer files keep the code in builtin_code; older ones in the byte
         * (127 means "look at builtin_code"). */
        op->opcode = builtin > (int32_t)(int8_t)dep ? builtin : (int8_t)dep;
        op->version = ver;
        op->stride_w = op->stride_h = op->dilation_w = op->dilation_h = 1;
        op->depth_multiplier = 1;
        op->beta = 1.0f;
        if ((st = parse_indices(&p, &ot, OP_INPUTS, m->ntensors, op->inputs, AM_MAX_OP_IO,
                                &op->ninputs, "operator inputs")) != AMSEL_OK ||
            (st = parse_indices(&p, &ot, OP_OUTPUTS, m->ntensors, op->outputs, AM_MAX_OP_IO,
                                &op->noutputs, "operator outputs")) != AMSEL_OK ||
            (st = parse_options(&p, &ot, op, (int)i)) != AMSEL_OK)
            goto fail;
    }
    return AMSEL_OK;
fail:
    am_tfl_free(ctx, m);
    return st;
}

void am_tfl_free(amsel_ctx *ctx, am_tfl_model *m)
{
    if (!m)
        return;
    if (m->tensors)
        for (int i = 0; i < m->ntensors; i++) {
            am_free(ctx, m->tensors[i].scales);
            am_free(ctx, m->tensors[i].zero_points);
        }
    am_free(ctx, m->tensors);
    am_free(ctx, m->ops);
    memset(m, 0, sizeof *m);
}
