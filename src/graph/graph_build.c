/* Lowering a parsed TFLite model to executable nodes: validates every
 * operator (types, shapes, constants, options) and precomputes its
 * quantization parameters, so that running needs no checks. */
#include "graph/graph.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A tensor of more than this many bytes is refused (a 224x224x1280
 * activation is 64 MB; nothing sane comes close). */
#define MAX_TENSOR_BYTES ((size_t)1 << 28)

typedef struct builder {
    amsel_ctx *ctx;
    const char *name;
    am_graph *g;
    const am_tfl_op *op;
    int idx;
    char opname[32];
} builder;

static amsel_status op_fail(builder *b, amsel_status s, const char *what)
{
    return am_fail(b->ctx, s, "%s: operator %d (%s): %s", b->name, b->idx, b->opname, what);
}

static void set_opname(builder *b, int opcode)
{
    char buf[32];
    snprintf(b->opname, sizeof b->opname, "%s", am_tfl_op_name(opcode, buf));
}

static const am_tfl_tensor *T(const builder *b, int i) { return &b->g->tfl.tensors[i]; }
static am_tensor_info *TI(const builder *b, int i) { return &b->g->tensors[i]; }

/* Fills the backend-independent description of every tensor. */
static amsel_status describe_tensors(amsel_ctx *ctx, const char *name, am_graph *g)
{
    for (int i = 0; i < g->tfl.ntensors; i++) {
        const am_tfl_tensor *t = &g->tfl.tensors[i];
        am_tensor_info *ti = &g->tensors[i];
        int d[4] = {1, 1, 1, 1};
        if (t->ndim > 4) {
            for (int k = 0; k < t->ndim - 4; k++)
                if (t->dims[k] != 1)
                    return am_fail(ctx, AMSEL_ERR_UNSUPPORTED,
                                   "%s: tensor '%s' has more than 4 dimensions", name, t->name);
        }
        for (int k = 0; k < 4 && k < t->ndim; k++)
            d[3 - k] = t->dims[t->ndim - 1 - k];
        ti->shape = (am_shape){d[0], d[1], d[2], d[3]};
        size_t elsize = t->type == TFL_INT32 || t->type == TFL_FLOAT32 ? 4
                        : t->type == TFL_INT64 ? 8 : 1;
        size_t n = elsize;
        for (int k = 0; k < t->ndim; k++)
            if (!am_mul_size(n, (size_t)t->dims[k], &n) || n > MAX_TENSOR_BYTES)
                return am_fail(ctx, AMSEL_ERR_LIMIT, "%s: tensor '%s' is too large", name,
                               t->name);
        ti->bytes = n;
        ti->qtype = t->type == TFL_INT8 ? AM_I8 : AM_U8;
        ti->is_const = t->data != NULL;
        ti->first = ti->last = -2; /* unused */
        if (t->nquant > 0) {
            ti->scale = t->scales[0];
            if (t->zero_points[0] < INT32_MIN || t->zero_points[0] > INT32_MAX)
                return am_fail(ctx, AMSEL_ERR_FORMAT, "%s: tensor '%s': zero point out of range",
                               name, t->name);
            ti->zp = (int32_t)t->zero_points[0];
        }
        if (ti->is_const && t->data_size != n)
            return am_fail(ctx, AMSEL_ERR_FORMAT,
                           "%s: tensor '%s' has %zu bytes of data, its shape needs %zu", name,
                           t->name, t->data_size, n);
    }
    return AMSEL_OK;
}

/* Checks a per-tensor quantized 8-bit activation tensor. */
static amsel_status check_act(builder *b, int i, const char *role)
{
    char msg[160];
    const am_tfl_tensor *t = T(b, i);
    if (i < 0) {
        snprintf(msg, sizeof msg, "missing %s", role);
        return op_fail(b, AMSEL_ERR_FORMAT, msg);
    }
    if (t->type != TFL_UINT8 && t->type != TFL_INT8) {
        snprintf(msg, sizeof msg, "%s '%s' is %s (only uint8 and int8 are supported)", role,
                 t->name, am_tfl_type_name(t->type));
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, msg);
    }
    if (t->nquant != 1 || !(t->scales[0] > 0) || !isfinite(t->scales[0])) {
        snprintf(msg, sizeof msg, "%s '%s' lacks a valid per-tensor quantization", role,
                 t->name);
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, msg);
    }
    int32_t lo = t->type == TFL_INT8 ? -128 : 0;
    if (TI(b, i)->zp < lo || TI(b, i)->zp > lo + 255) {
        snprintf(msg, sizeof msg, "%s '%s' has zero point %d outside its type", role, t->name,
                 TI(b, i)->zp);
        return op_fail(b, AMSEL_ERR_FORMAT, msg);
    }
    if (t->ndim > 4) { /* 0 dimensions: a scalar, shaped 1x1x1x1 */
        snprintf(msg, sizeof msg, "%s '%s' has %d dimensions", role, t->name, t->ndim);
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, msg);
    }
    for (int k = 0; k < t->ndim; k++)
        if (t->dims[k] == 0) {
            snprintf(msg, sizeof msg, "%s '%s' is empty", role, t->name);
            return op_fail(b, AMSEL_ERR_UNSUPPORTED, msg);
        }
    return AMSEL_OK;
}

static amsel_status check_same_type(builder *b, int x, int y)
{
    if (T(b, x)->type != T(b, y)->type)
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "input and output types differ");
    return AMSEL_OK;
}

/* The common head of most operators: the number of inputs, an 8-bit
 * activation as first input and as output, and (same_type) one type for
 * both. A negative ninputs means "at least one". */
static amsel_status check_io(builder *b, int ninputs, int same_type)
{
    const am_tfl_op *op = b->op;
    amsel_status st;
    if (ninputs < 0 ? op->ninputs < 1 : op->ninputs != ninputs) {
        char msg[48];
        snprintf(msg, sizeof msg, "expects %d input%s", ninputs < 0 ? 1 : ninputs,
                 ninputs == 1 || ninputs < 0 ? "" : "s");
        return op_fail(b, AMSEL_ERR_FORMAT, msg);
    }
    if ((st = check_act(b, op->inputs[0], "input")) || (st = check_act(b, op->outputs[0], "output")))
        return st;
    return same_type ? check_same_type(b, op->inputs[0], op->outputs[0]) : AMSEL_OK;
}

static int same_shape(am_shape a, am_shape c)
{
    return a.n == c.n && a.h == c.h && a.w == c.w && a.c == c.c;
}

/* TFLite's output size and padding for SAME / VALID. */
static int conv_geometry(int in, int k, int stride, int dil, int padding, int *out, int *pad)
{
    if (k < 1 || stride < 1 || dil < 1 || k > 4096 || stride > 4096 || dil > 4096)
        return 0;
    int eff = (k - 1) * dil + 1;
    if (padding == 0) { /* SAME */
        *out = (in + stride - 1) / stride;
        int total = (*out - 1) * stride + eff - in;
        *pad = total > 0 ? total / 2 : 0;
    } else if (padding == 1) { /* VALID */
        *out = in >= eff ? (in - eff + stride) / stride : 0;
        *pad = 0;
    } else {
        return 0;
    }
    return *out > 0;
}

static amsel_status act_range(builder *b, int out, int32_t *lo, int32_t *hi)
{
    const am_tensor_info *o = TI(b, out);
    if (!am_activation_range(b->op->fused_act, o->scale, o->zp, o->qtype, lo, hi))
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "fused activation not supported");
    return AMSEL_OK;
}

static amsel_status lower_conv(builder *b, am_node *n, int depthwise)
{
    const am_tfl_op *op = b->op;
    amsel_status st;
    if (op->ninputs < 2 || op->ninputs > 3)
        return op_fail(b, AMSEL_ERR_FORMAT, "expects input, filter and bias");
    int in = op->inputs[0], w = op->inputs[1], bias = op->ninputs == 3 ? op->inputs[2] : -1;
    int out = op->outputs[0];
    if ((st = check_act(b, in, "input")) || (st = check_act(b, out, "output")) ||
        (st = check_same_type(b, in, out)))
        return st;
    const am_tfl_tensor *wt = T(b, w);
    if (w < 0 || !wt->data || wt->ndim != 4)
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "filter must be a constant 4-D tensor");
    if (wt->type != TFL_UINT8 && wt->type != TFL_INT8)
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "filter must be uint8 or int8");
    am_shape is = TI(b, in)->shape, os = TI(b, out)->shape;
    int oc = wt->dims[depthwise ? 3 : 0], kh = wt->dims[1], kw = wt->dims[2];
    int wic = wt->dims[depthwise ? 0 : 3];
    if (T(b, in)->ndim != 4 || T(b, out)->ndim != 4 || is.n != 1 || os.n != 1)
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "only 4-D tensors with batch 1 are supported");
    int dm = 1;
    if (depthwise) {
        if (wic != 1 || is.c == 0 || oc % is.c != 0)
            return op_fail(b, AMSEL_ERR_FORMAT, "filter shape does not match the input");
        dm = oc / is.c; /* as TFLite: the option may be stale in old files */
    } else if (wic != is.c) {
        return op_fail(b, AMSEL_ERR_FORMAT, "filter depth does not match the input");
    }
    if (oc != os.c)
        return op_fail(b, AMSEL_ERR_FORMAT, "filter count does not match the output depth");
    int oh, ow, pt, pl;
    if (!conv_geometry(is.h, kh, op->stride_h, op->dilation_h, op->padding, &oh, &pt) ||
        !conv_geometry(is.w, kw, op->stride_w, op->dilation_w, op->padding, &ow, &pl))
        return op_fail(b, AMSEL_ERR_FORMAT, "invalid stride, dilation, filter or padding");
    if (oh != os.h || ow != os.w)
        return op_fail(b, AMSEL_ERR_FORMAT, "output size does not match the convolution");
    /* Weight quantization: per-tensor (uint8 or int8) or per output channel (int8, zp 0). */
    if (wt->nquant != 1 && !(wt->type == TFL_INT8 && wt->nquant == oc &&
                             wt->quant_dim == (depthwise ? 3 : 0)))
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "unsupported filter quantization");
    for (int i = 0; i < wt->nquant; i++) {
        if (!(wt->scales[i] > 0) || !isfinite(wt->scales[i]))
            return op_fail(b, AMSEL_ERR_FORMAT, "filter scale is not positive");
        if (wt->type == TFL_INT8 && wt->zero_points[i] != 0)
            return op_fail(b, AMSEL_ERR_UNSUPPORTED, "int8 filter with a non-zero zero point");
        if (wt->type == TFL_UINT8 && (wt->zero_points[i] < 0 || wt->zero_points[i] > 255))
            return op_fail(b, AMSEL_ERR_FORMAT, "filter zero point outside uint8");
    }
    if (bias >= 0) {
        const am_tfl_tensor *bt = T(b, bias);
        if (!bt->data || bt->type != TFL_INT32 || TI(b, bias)->bytes != (size_t)oc * 4)
            return op_fail(b, AMSEL_ERR_UNSUPPORTED, "bias must be a constant int32 [out]");
        n->bias = am_malloc(b->ctx, (size_t)oc * 4);
        if (!n->bias)
            return AMSEL_ERR_NOMEM;
        memcpy(n->bias, bt->data, (size_t)oc * 4); /* aligned copy of a few KB */
    }
    n->mult = am_malloc(b->ctx, (size_t)oc * sizeof(int32_t));
    n->shift = am_malloc(b->ctx, (size_t)oc * sizeof(int32_t));
    if (!n->mult || !n->shift)
        return AMSEL_ERR_NOMEM;
    double in_scale = TI(b, in)->scale, out_scale = TI(b, out)->scale;
    for (int c = 0; c < oc; c++) {
        double ws = wt->scales[wt->nquant == 1 ? 0 : c];
        double real = in_scale * ws / out_scale;
        if (!(real < 1 << 30))
            return op_fail(b, AMSEL_ERR_UNSUPPORTED, "requantization multiplier out of range");
        int sh;
        am_quantize_multiplier(real, &n->mult[c], &sh);
        n->shift[c] = sh;
    }
    am_conv_params *p = &n->p.conv;
    p->type = TI(b, in)->qtype;
    p->w_signed = wt->type == TFL_INT8;
    p->in_offset = -TI(b, in)->zp;
    p->w_offset = wt->type == TFL_UINT8 ? -(int32_t)wt->zero_points[0] : 0;
    p->out_zp = TI(b, out)->zp;
    if ((st = act_range(b, out, &p->act_min, &p->act_max)))
        return st;
    p->out_mult = n->mult;
    p->out_shift = n->shift;
    p->stride_h = op->stride_h, p->stride_w = op->stride_w;
    p->dil_h = op->dilation_h, p->dil_w = op->dilation_w;
    p->pad_top = pt, p->pad_left = pl;
    p->depth_multiplier = dm;
    n->kh = kh, n->kw = kw;
    n->weights = wt->data;
    n->ninputs = 1;
    n->in[0] = in;
    n->out = out;
    n->macs = (uint64_t)oh * ow * oc * kh * kw * (depthwise ? 1 : is.c);
    return AMSEL_OK;
}

static amsel_status lower_avg_pool(builder *b, am_node *n)
{
    const am_tfl_op *op = b->op;
    amsel_status st;
    int in = op->inputs[0], out = op->outputs[0];
    if ((st = check_io(b, 1, 1)))
        return st;
    if (TI(b, in)->scale != TI(b, out)->scale || TI(b, in)->zp != TI(b, out)->zp)
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "input and output quantization differ");
    am_shape is = TI(b, in)->shape, os = TI(b, out)->shape;
    int oh, ow, pt, pl;
    if (!conv_geometry(is.h, op->filter_h, op->stride_h, 1, op->padding, &oh, &pt) ||
        !conv_geometry(is.w, op->filter_w, op->stride_w, 1, op->padding, &ow, &pl))
        return op_fail(b, AMSEL_ERR_FORMAT, "invalid filter, stride or padding");
    if (oh != os.h || ow != os.w || is.c != os.c || is.n != os.n)
        return op_fail(b, AMSEL_ERR_FORMAT, "output shape does not match the pooling");
    am_pool_params *p = &n->p.pool;
    p->type = TI(b, in)->qtype;
    p->stride_h = op->stride_h, p->stride_w = op->stride_w;
    p->filter_h = op->filter_h, p->filter_w = op->filter_w;
    p->pad_top = pt, p->pad_left = pl;
    if ((st = act_range(b, out, &p->act_min, &p->act_max)))
        return st;
    n->ninputs = 1, n->in[0] = in, n->out = out;
    return AMSEL_OK;
}

/* Checks that a and c broadcast to out (each dimension equal or 1). */
static int broadcasts(am_shape a, am_shape c, am_shape o)
{
    int ad[4] = {a.n, a.h, a.w, a.c}, cd[4] = {c.n, c.h, c.w, c.c}, od[4] = {o.n, o.h, o.w, o.c};
    for (int k = 0; k < 4; k++) {
        int want = ad[k] > cd[k] ? ad[k] : cd[k];
        if (od[k] != want || (ad[k] != want && ad[k] != 1) || (cd[k] != want && cd[k] != 1))
            return 0;
    }
    return 1;
}

static size_t shape_elems(am_shape s) { return (size_t)s.n * s.h * s.w * s.c; }

/* ADD or MUL with a one-element constant is a unary operator on the other
 * input's bytes: a 256-entry table, filled by running the reference
 * kernel on every byte value (so it is exact by construction). The
 * squeeze-excite blocks' hard sigmoid (x + 3) * 1/6 is two of these. */
static amsel_status binary_as_table(builder *b, am_node *n)
{
    const am_tensor_info *t0 = TI(b, n->in[0]), *t1 = TI(b, n->in[1]), *to = TI(b, n->out);
    const int c = t1->is_const && shape_elems(t1->shape) == 1   ? 1
                  : t0->is_const && shape_elems(t0->shape) == 1 ? 0
                                                                : -1;
    if (c < 0 || TI(b, n->in[1 - c])->is_const || !same_shape(TI(b, n->in[1 - c])->shape, to->shape))
        return AMSEL_OK;
    const uint8_t *k = b->g->tfl.tensors[n->in[c]].data;
    uint8_t bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (uint8_t)i;
    const am_shape all = {1, 1, 1, 256}, one = {1, 1, 1, 1};
    n->lut = am_malloc(b->ctx, 256);
    if (!n->lut)
        return AMSEL_ERR_NOMEM;
    const void *a = c ? (const void *)bytes : k, *d = c ? k : (const void *)bytes;
    if (n->opcode == TFL_ADD)
        am_ref_add(&n->p.add, c ? all : one, a, c ? one : all, d, all, n->lut);
    else
        am_ref_mul(&n->p.mul, c ? all : one, a, c ? one : all, d, all, n->lut);
    n->ninputs = 1, n->in[0] = n->in[1 - c];
    return AMSEL_OK;
}

static amsel_status lower_binary(builder *b, am_node *n)
{
    const am_tfl_op *op = b->op;
    amsel_status st;
    if (op->ninputs != 2)
        return op_fail(b, AMSEL_ERR_FORMAT, "expects two inputs");
    int x = op->inputs[0], y = op->inputs[1], out = op->outputs[0];
    if ((st = check_act(b, x, "input 1")) || (st = check_act(b, y, "input 2")) ||
        (st = check_act(b, out, "output")) || (st = check_same_type(b, x, out)) ||
        (st = check_same_type(b, y, out)))
        return st;
    if (!broadcasts(TI(b, x)->shape, TI(b, y)->shape, TI(b, out)->shape))
        return op_fail(b, AMSEL_ERR_FORMAT, "input shapes do not broadcast to the output");
    const am_tensor_info *tx = TI(b, x), *ty = TI(b, y), *to = TI(b, out);
    int32_t lo, hi;
    if ((st = act_range(b, out, &lo, &hi)))
        return st;
    if (op->opcode == TFL_ADD) {
        double twice_max = 2.0 * (tx->scale > ty->scale ? tx->scale : ty->scale);
        if (!(twice_max / to->scale < 1 << 10))
            return op_fail(b, AMSEL_ERR_UNSUPPORTED, "input/output scale ratio out of range");
        am_add_params_init(&n->p.add, to->qtype, tx->scale, tx->zp, ty->scale, ty->zp,
                           to->scale, to->zp, lo, hi);
    } else {
        am_mul_params *p = &n->p.mul;
        double real = (double)tx->scale * ty->scale / to->scale;
        if (!(real < 1 << 30))
            return op_fail(b, AMSEL_ERR_UNSUPPORTED, "requantization multiplier out of range");
        p->type = to->qtype;
        p->in1_offset = -tx->zp, p->in2_offset = -ty->zp, p->out_offset = to->zp;
        am_quantize_multiplier(real, &p->out_mult, &p->out_shift);
        p->act_min = lo, p->act_max = hi;
    }
    n->ninputs = 2, n->in[0] = x, n->in[1] = y, n->out = out;
    n->in_shape[1] = ty->shape;
    return binary_as_table(b, n);
}

static amsel_status lower_lut(builder *b, am_node *n)
{
    const am_tfl_op *op = b->op;
    amsel_status st;
    int in = op->inputs[0], out = op->outputs[0];
    if ((st = check_io(b, 1, op->opcode == TFL_HARD_SWISH)))
        return st;
    const am_tensor_info *ti = TI(b, in), *to = TI(b, out);
    if (!same_shape(ti->shape, to->shape))
        return op_fail(b, AMSEL_ERR_FORMAT, "input and output shapes differ");
    if (op->opcode == TFL_QUANTIZE && !(ti->scale / to->scale < 1 << 30))
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "requantization multiplier out of range");
    n->lut = am_malloc(b->ctx, 256);
    if (!n->lut)
        return AMSEL_ERR_NOMEM;
    if (op->opcode == TFL_QUANTIZE)
        am_lut_requantize(n->lut, ti->qtype, ti->scale, ti->zp, to->qtype, to->scale, to->zp);
    else
        am_lut_hard_swish(n->lut, ti->qtype, ti->scale, ti->zp, to->scale, to->zp);
    n->ninputs = 1, n->in[0] = in, n->out = out;
    return AMSEL_OK;
}

static amsel_status lower_reshape(builder *b, am_node *n)
{
    const am_tfl_op *op = b->op;
    amsel_status st;
    int in = op->inputs[0], out = op->outputs[0];
    if ((st = check_io(b, -1, 1)))
        return st;
    if (TI(b, in)->bytes != TI(b, out)->bytes)
        return op_fail(b, AMSEL_ERR_FORMAT, "input and output sizes differ");
    if (TI(b, in)->scale != TI(b, out)->scale || TI(b, in)->zp != TI(b, out)->zp)
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "input and output quantization differ");
    n->ninputs = 1, n->in[0] = in, n->out = out;
    return AMSEL_OK;
}

static amsel_status lower_softmax(builder *b, am_node *n)
{
    const am_tfl_op *op = b->op;
    amsel_status st;
    int in = op->inputs[0], out = op->outputs[0];
    if ((st = check_io(b, 1, 1)))
        return st;
    const am_tensor_info *to = TI(b, out);
    if (!same_shape(TI(b, in)->shape, to->shape))
        return op_fail(b, AMSEL_ERR_FORMAT, "input and output shapes differ");
    if (to->scale != 1.0f / 256 || to->zp != (to->qtype == AM_I8 ? -128 : 0))
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "output quantization must be 1/256");
    if (!(b->op->beta > 0) || !isfinite(b->op->beta))
        return op_fail(b, AMSEL_ERR_FORMAT, "beta must be positive");
    n->softmax = am_malloc(b->ctx, sizeof *n->softmax);
    if (!n->softmax)
        return AMSEL_ERR_NOMEM;
    am_softmax_params_init(n->softmax, to->qtype, op->beta, TI(b, in)->scale, to->zp);
    n->ninputs = 1, n->in[0] = in, n->out = out;
    return AMSEL_OK;
}

static amsel_status lower_mean(builder *b, am_node *n)
{
    const am_tfl_op *op = b->op;
    amsel_status st;
    if ((st = check_io(b, 2, 1)))
        return st;
    int in = op->inputs[0], axes = op->inputs[1], out = op->outputs[0];
    const am_tfl_tensor *at = T(b, axes);
    if (axes < 0 || !at->data || at->type != TFL_INT32 || TI(b, axes)->bytes != 8)
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "axes must be a constant int32 pair");
    int32_t ax[2];
    memcpy(ax, at->data, 8);
    if (!((ax[0] == 1 && ax[1] == 2) || (ax[0] == 2 && ax[1] == 1)) || T(b, in)->ndim != 4)
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "only the mean over height and width is supported");
    am_shape is = TI(b, in)->shape, os = TI(b, out)->shape;
    if (os.h != 1 || os.w != 1 || os.c != is.c || os.n != is.n)
        return op_fail(b, AMSEL_ERR_FORMAT, "output shape does not match the mean");
    am_mean_params *p = &n->p.mean;
    p->type = TI(b, in)->qtype;
    p->in_zp = TI(b, in)->zp, p->out_zp = TI(b, out)->zp;
    am_quantize_multiplier((double)TI(b, in)->scale / TI(b, out)->scale, &p->mult, &p->shift);
    n->ninputs = 1, n->in[0] = in, n->out = out;
    return AMSEL_OK;
}

static amsel_status lower_op(builder *b, am_node *n)
{
    const am_tfl_op *op = b->op;
    if (op->noutputs != 1)
        return op_fail(b, AMSEL_ERR_UNSUPPORTED, "only single-output operators are supported");
    switch (op->opcode) {
    case TFL_CONV_2D: return lower_conv(b, n, 0);
    case TFL_DEPTHWISE_CONV_2D: return lower_conv(b, n, 1);
    case TFL_AVERAGE_POOL_2D: return lower_avg_pool(b, n);
    case TFL_ADD:
    case TFL_MUL: return lower_binary(b, n);
    case TFL_QUANTIZE:
    case TFL_HARD_SWISH: return lower_lut(b, n);
    case TFL_RESHAPE: return lower_reshape(b, n);
    case TFL_SOFTMAX: return lower_softmax(b, n);
    case TFL_MEAN: return lower_mean(b, n);
    }
    return op_fail(b, AMSEL_ERR_UNSUPPORTED, "operator not supported");
}

/* Dataflow checks: every input exists before it is read (so the order is
 * a valid schedule and there are no cycles), every tensor has one producer. */
static amsel_status check_dataflow(builder *b)
{
    am_graph *g = b->g;
    am_tensor_info *in = &g->tensors[g->tfl.input];
    if (in->is_const)
        return am_fail(b->ctx, AMSEL_ERR_FORMAT, "%s: the graph input is a constant", b->name);
    /* The input stays alive for the whole run, so that running again on the
     * same input gives the same answer. */
    in->first = -1;
    in->last = g->nnodes;
    for (int i = 0; i < g->nnodes; i++) {
        am_node *n = &g->nodes[i];
        b->idx = i;
        set_opname(b, n->opcode);
        for (int k = 0; k < n->ninputs; k++) {
            am_tensor_info *t = &g->tensors[n->in[k]];
            if (t->is_const)
                continue;
            if (t->first == -2)
                return op_fail(b, AMSEL_ERR_FORMAT,
                               "reads a tensor that no earlier operator writes");
            if (t->last < i)
                t->last = i;
        }
        am_tensor_info *o = &g->tensors[n->out];
        if (o->is_const || o->first != -2)
            return op_fail(b, AMSEL_ERR_FORMAT, "writes a tensor that is already defined");
        o->first = o->last = i;
    }
    am_tensor_info *out = &g->tensors[g->tfl.output];
    if (out->first < 0)
        return am_fail(b->ctx, AMSEL_ERR_FORMAT, "%s: no operator writes the graph output",
                       b->name);
    out->last = g->nnodes; /* read after the run */
    return AMSEL_OK;
}

amsel_status am_graph_build(amsel_ctx *ctx, const char *name, am_graph *g)
{
    amsel_status st;
    builder b = {ctx, name, g, NULL, 0, ""};
    g->tensors = am_calloc(ctx, (size_t)g->tfl.ntensors, sizeof *g->tensors);
    g->nodes = am_calloc(ctx, (size_t)g->tfl.nops, sizeof *g->nodes);
    if (!g->tensors || !g->nodes)
        return AMSEL_ERR_NOMEM;
    if ((st = describe_tensors(ctx, name, g)))
        return st;
    g->nnodes = g->tfl.nops;
    for (int i = 0; i < g->tfl.nops; i++) {
        am_node *n = &g->nodes[i];
        b.op = &g->tfl.ops[i];
        b.idx = i;
        set_opname(&b, b.op->opcode);
        n->opcode = b.op->opcode;
        n->op_index = i;
        if ((st = lower_op(&b, n)))
            return st;
        n->in_shape[0] = g->tensors[n->in[0]].shape;
        n->out_shape = g->tensors[n->out].shape;
    }
    return check_dataflow(&b);
}
