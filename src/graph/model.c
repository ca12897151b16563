/* The public model object: maps the file, parses, lowers and plans the
 * graph, and offers raw and classification-level running. */
#include "amsel/model.h"

#include "core/ctx.h"
#include "graph/graph.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct amsel_model {
    amsel_ctx *ctx;
    char *path;
    const uint8_t *map;      /* the whole file, read-only */
    size_t map_size;
    am_graph g;
    amsel_model_info info;
    char *plan;              /* text of the execution plan */
    int background;          /* 1 if output 0 is "background" (1001 outputs) */
};

static amsel_status map_file(amsel_ctx *ctx, const char *path, const uint8_t **map,
                             size_t *size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return am_fail(ctx, AMSEL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    amsel_status st = AMSEL_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = am_fail(ctx, AMSEL_ERR_IO, "%s: not a regular file", path);
    } else if ((uint64_t)sb.st_size > ctx->limits.max_model_bytes) {
        st = am_fail(ctx, AMSEL_ERR_LIMIT, "%s: model is %lld bytes, over the limit of %zu",
                     path, (long long)sb.st_size, ctx->limits.max_model_bytes);
    } else if (sb.st_size < 8) {
        st = am_fail(ctx, AMSEL_ERR_FORMAT, "%s: not a TFLite model (%lld bytes)", path,
                     (long long)sb.st_size);
    } else {
        void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            st = am_fail(ctx, AMSEL_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
        } else {
            *map = p;
            *size = (size_t)sb.st_size;
        }
    }
    close(fd);
    return st;
}

/* "CONV_2D x15, DEPTHWISE_CONV_2D x13, ..." in order of first use. */
static void summarize_ops(const am_graph *g, char *out, size_t cap)
{
    int seen[64], counts[64], nseen = 0;
    for (int i = 0; i < g->nnodes; i++) {
        int k = 0;
        while (k < nseen && seen[k] != g->nodes[i].opcode)
            k++;
        if (k == nseen && nseen < 64)
            seen[nseen] = g->nodes[i].opcode, counts[nseen++] = 0;
        if (k < nseen)
            counts[k]++;
    }
    size_t len = 0;
    out[0] = 0;
    for (int k = 0; k < nseen && len < cap; k++) {
        char buf[32];
        int w = snprintf(out + len, cap - len, "%s%s x%d", k ? ", " : "",
                         am_tfl_op_name(seen[k], buf), counts[k]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

static amsel_status fill_info(amsel_model *m)
{
    const am_graph *g = &m->g;
    amsel_model_info *in = &m->info;
    const am_tensor_info *ti = &g->tensors[g->tfl.input], *to = &g->tensors[g->tfl.output];
    const am_tfl_tensor *tin = &g->tfl.tensors[g->tfl.input];
    const am_tfl_tensor *tout = &g->tfl.tensors[g->tfl.output];
    if (tin->ndim != 4 || ti->shape.n != 1 || ti->shape.c != 3 ||
        (tin->type != TFL_UINT8 && tin->type != TFL_INT8) || tin->nquant != 1)
        return am_fail(m->ctx, AMSEL_ERR_UNSUPPORTED,
                       "%s: input must be a quantized 1xHxWx3 uint8 or int8 image", m->path);
    if ((tout->type != TFL_UINT8 && tout->type != TFL_INT8) || tout->nquant != 1 ||
        (to->shape.c != 1000 && to->shape.c != 1001) ||
        to->shape.n * to->shape.h * to->shape.w != 1)
        return am_fail(m->ctx, AMSEL_ERR_UNSUPPORTED,
                       "%s: output must be 1000 or 1001 quantized class scores", m->path);
    in->input_height = ti->shape.h;
    in->input_width = ti->shape.w;
    in->input_channels = ti->shape.c;
    in->input_is_int8 = ti->qtype == AM_I8;
    in->input_scale = ti->scale;
    in->input_zero_point = ti->zp;
    in->num_outputs = to->shape.c;
    in->output_is_int8 = to->qtype == AM_I8;
    in->output_scale = to->scale;
    in->output_zero_point = to->zp;
    in->num_operators = g->nnodes;
    in->num_tensors = g->tfl.ntensors;
    for (int i = 0; i < g->tfl.ntensors; i++)
        if (g->tensors[i].is_const) {
            in->weight_bytes += g->tensors[i].bytes;
            in->num_params += g->tensors[i].bytes / (g->tfl.tensors[i].type == TFL_INT32 ? 4 : 1);
        }
    for (int i = 0; i < g->nnodes; i++)
        in->macs += g->nodes[i].macs;
    in->activation_bytes = g->arena_bytes;
    summarize_ops(g, in->operators, sizeof in->operators);
    m->background = to->shape.c == 1001;
    return AMSEL_OK;
}

static amsel_status make_plan_text(amsel_model *m)
{
    size_t cap = (size_t)m->g.nnodes * 96 + 1;
    m->plan = am_malloc(m->ctx, cap);
    if (!m->plan)
        return AMSEL_ERR_NOMEM;
    size_t len = 0;
    m->plan[0] = 0;
    for (int i = 0; i < m->g.nnodes && len < cap; i++) {
        const am_node *n = &m->g.nodes[i];
        char buf[32];
        am_shape s = n->out_shape;
        int w = snprintf(m->plan + len, cap - len, "%3d %-18s %-10s %dx%dx%d\n", i,
                         am_tfl_op_name(n->opcode, buf), n->backend, s.h, s.w, s.c);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    return AMSEL_OK;
}

amsel_status amsel_model_load(amsel_ctx *ctx, const char *path, amsel_model **out)
{
    if (!out)
        return AMSEL_ERR_INVALID_ARG;
    *out = NULL;
    if (!ctx || !path)
        return am_fail(ctx, AMSEL_ERR_INVALID_ARG, "amsel_model_load: NULL argument");
    amsel_model *m = am_calloc(ctx, 1, sizeof *m);
    if (!m)
        return AMSEL_ERR_NOMEM;
    m->ctx = ctx;
    amsel_status st;
    size_t plen = strlen(path) + 1;
    m->path = am_malloc(ctx, plen);
    if (!m->path) {
        st = AMSEL_ERR_NOMEM;
        goto fail;
    }
    memcpy(m->path, path, plen);
    if ((st = map_file(ctx, path, &m->map, &m->map_size)) ||
        (st = am_tfl_parse(ctx, path, m->map, m->map_size, &m->g.tfl)) ||
        (st = am_graph_build(ctx, path, &m->g)) || (st = am_graph_plan(ctx, &m->g)) ||
        (st = fill_info(m)) || (st = make_plan_text(m)))
        goto fail;
    for (int i = 0; i < m->g.nnodes; i++)
        if (m->g.nodes[i].run_part) {
            am_ctx_pool(ctx); /* start the context's threads: this model can use them */
            break;
        }
    *out = m;
    return AMSEL_OK;
fail:
    amsel_model_destroy(m);
    return st;
}

void amsel_model_destroy(amsel_model *m)
{
    if (!m)
        return;
    amsel_ctx *ctx = m->ctx;
    am_graph_free(ctx, &m->g);
    if (m->map)
        munmap((void *)m->map, m->map_size);
    am_free(ctx, m->plan);
    am_free(ctx, m->path);
    am_free(ctx, m);
}

void amsel_model_get_info(const amsel_model *m, amsel_model_info *info)
{
    *info = m->info;
}

const char *amsel_model_path(const amsel_model *m) { return m->path; }
const char *amsel_model_plan(const amsel_model *m) { return m->plan; }

void *amsel_model_input(amsel_model *m) { return m->g.tptr[m->g.tfl.input]; }

amsel_status amsel_model_run(amsel_model *m)
{
    am_graph_run(&m->g, m->ctx->pool);
    return AMSEL_OK;
}

amsel_status amsel_model_run_profiled(amsel_model *m, double *op_ms)
{
    if (!m || !op_ms)
        return AMSEL_ERR_INVALID_ARG;
    am_graph_run_timed(&m->g, m->ctx->pool, op_ms);
    return AMSEL_OK;
}

amsel_status amsel_model_op_info(const amsel_model *m, int i, amsel_op_info *info)
{
    if (!m || !info || i < 0 || i >= m->g.nnodes)
        return AMSEL_ERR_INVALID_ARG;
    const am_node *n = &m->g.nodes[i];
    char buf[32];
    memset(info, 0, sizeof *info);
    snprintf(info->op, sizeof info->op, "%s", am_tfl_op_name(n->opcode, buf));
    snprintf(info->backend, sizeof info->backend, "%s", n->backend);
    info->out_h = n->out_shape.h;
    info->out_w = n->out_shape.w;
    info->out_c = n->out_shape.c;
    info->in_c = n->in_shape[0].c;
    if (n->opcode == TFL_CONV_2D || n->opcode == TFL_DEPTHWISE_CONV_2D) {
        info->kh = n->kh;
        info->kw = n->kw;
        info->stride = n->p.conv.stride_h;
    }
    info->macs = n->macs;
    return AMSEL_OK;
}

const void *amsel_model_output(const amsel_model *m) { return m->g.tptr[m->g.tfl.output]; }

/* Raw output value of output index i, zero-point removed. */
static int raw_score(const amsel_model *m, int i)
{
    const void *o = m->g.tptr[m->g.tfl.output];
    int v = m->info.output_is_int8 ? ((const int8_t *)o)[i] : ((const uint8_t *)o)[i];
    return v - m->info.output_zero_point;
}

float amsel_model_score(const amsel_model *m, int cls)
{
    int nclass = m->info.num_outputs - m->background;
    if (cls < 0 || cls >= nclass)
        return 0.0f;
    return (float)raw_score(m, cls + m->background) * m->info.output_scale;
}

int amsel_model_top_k(const amsel_model *m, int k, amsel_class_score *top)
{
    int nclass = m->info.num_outputs - m->background;
    if (k > nclass)
        k = nclass;
    if (k <= 0)
        return 0;
    int have = 0;
    /* Insertion into a sorted top list: strictly greater wins, so ties keep
     * the lower class first. */
    for (int c = 0; c < nclass; c++) {
        int v = raw_score(m, c + m->background);
        if (have == k && v <= raw_score(m, top[k - 1].cls + m->background))
            continue;
        int j = have < k ? have++ : k - 1;
        while (j > 0 && raw_score(m, top[j - 1].cls + m->background) < v) {
            top[j] = top[j - 1];
            j--;
        }
        top[j].cls = c;
    }
    for (int j = 0; j < have; j++)
        top[j].score = amsel_model_score(m, top[j].cls);
    return have;
}

amsel_status amsel_model_classify(amsel_model *m, const amsel_image *img, float crop, int k,
                                  amsel_class_score *top, double *pre_ms, double *infer_ms)
{
    amsel_preprocess p = {m->info.input_width, m->info.input_height, crop,
                          m->info.input_scale, m->info.input_zero_point,
                          m->info.input_is_int8};
    double t0 = am_now_ms();
    amsel_status st = amsel_image_preprocess(m->ctx, img, &p, amsel_model_input(m));
    if (st)
        return st;
    double t1 = am_now_ms();
    am_graph_run(&m->g, m->ctx->pool);
    double t2 = am_now_ms();
    if (pre_ms)
        *pre_ms = t1 - t0;
    if (infer_ms)
        *infer_ms = t2 - t1;
    if (top && k > 0)
        amsel_model_top_k(m, k, top);
    return AMSEL_OK;
}
