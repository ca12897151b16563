/* JSON readers and writers for the premodel: every number read from a
 * hostile file is checked for type, finiteness, integrality and range, and
 * every array for its length, before anything trusts it. */
#include "premodel/clf_internal.h"

#include <float.h>
#include <math.h>

static int add_array(cJSON *o, const char *name, cJSON *a)
{
    if (!a)
        return 0;
    if (!cJSON_AddItemToObject(o, name, a)) {
        cJSON_Delete(a);
        return 0;
    }
    return 1;
}

/* cJSON's array constructors take int counts; ours are bounded far below. */
int am_json_add_floats(cJSON *o, const char *name, const float *v, size_t n)
{
    return add_array(o, name, cJSON_CreateFloatArray(v, (int)n));
}

int am_json_add_doubles(cJSON *o, const char *name, const double *v, size_t n)
{
    return add_array(o, name, cJSON_CreateDoubleArray(v, (int)n));
}

int am_json_add_ints(cJSON *o, const char *name, const int *v, size_t n)
{
    return add_array(o, name, cJSON_CreateIntArray(v, (int)n));
}

static const cJSON *field(amsel_ctx *ctx, const cJSON *o, const char *name, amsel_status *st)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    *st = f ? AMSEL_OK : am_fail(ctx, AMSEL_ERR_FORMAT, "missing field \"%s\"", name);
    return f;
}

static amsel_status number(amsel_ctx *ctx, const cJSON *f, const char *name, long idx,
                           double *v)
{
    if (!cJSON_IsNumber(f)) {
        if (idx >= 0)
            return am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\"[%ld] is not a number", name, idx);
        return am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\" is not a number", name);
    }
    *v = f->valuedouble;
    if (!isfinite(*v)) {
        if (idx >= 0)
            return am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\"[%ld] is not finite", name, idx);
        return am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\" is not finite", name);
    }
    return AMSEL_OK;
}

amsel_status am_json_get_int(amsel_ctx *ctx, const cJSON *o, const char *name, long lo, long hi,
                             int *out)
{
    amsel_status st;
    const cJSON *f = field(ctx, o, name, &st);
    double v = 0;
    if (st || (st = number(ctx, f, name, -1, &v)))
        return st;
    if (v != floor(v) || v < (double)lo || v > (double)hi)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\" is %g: expected an integer in %ld..%ld",
                       name, v, lo, hi);
    *out = (int)v;
    return AMSEL_OK;
}

amsel_status am_json_get_double(amsel_ctx *ctx, const cJSON *o, const char *name, double lo,
                                double hi, double *out)
{
    amsel_status st;
    const cJSON *f = field(ctx, o, name, &st);
    double v = 0;
    if (st || (st = number(ctx, f, name, -1, &v)))
        return st;
    if (v < lo || v > hi)
        return am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\" is %g: expected %g..%g", name, v, lo, hi);
    *out = v;
    return AMSEL_OK;
}

/* The array `name`, its length checked against n (n < 0: any, up to the row
 * limit times the largest row). */
static const cJSON *array(amsel_ctx *ctx, const cJSON *o, const char *name, long n, long *len,
                          amsel_status *st)
{
    const cJSON *a = field(ctx, o, name, st);
    if (*st)
        return NULL;
    if (!cJSON_IsArray(a)) {
        *st = am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\" is not an array", name);
        return NULL;
    }
    long cnt = 0, cap = n >= 0 ? n : (long)AM_CLF_MAX_ROWS * AM_CLF_MAX_DIMS;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (++cnt > cap)
            break;
    }
    if ((n >= 0 && cnt != n) || cnt > cap) {
        *st = cnt <= cap ? am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\" has %ld entries, expected %ld",
                                   name, cnt, n)
              : n >= 0   ? am_fail(ctx, AMSEL_ERR_FORMAT,
                                   "\"%s\" has more than %ld entries, expected %ld", name, cap, n)
                         : am_fail(ctx, AMSEL_ERR_LIMIT, "\"%s\" has more than %ld entries",
                                   name, cap);
        return NULL;
    }
    *len = cnt;
    return a;
}

/* How one array element is checked and stored. */
typedef enum { AS_FLOAT, AS_DOUBLE, AS_INT } elem_kind;

/* The array `name` (length n, or any when n < 0) read into a fresh array
 * of kind k; ints must be integers in lo..hi, floats within float range. */
static amsel_status get_numbers(amsel_ctx *ctx, const cJSON *o, const char *name, long n,
                                elem_kind k, long lo, long hi, void **out, int *len)
{
    static const size_t size[] = {sizeof(float), sizeof(double), sizeof(int)};
    amsel_status st;
    long cnt;
    const cJSON *a = array(ctx, o, name, n, &cnt, &st), *e;
    if (!a)
        return st;
    char *v = am_malloc(ctx, (size_t)cnt * size[k]);
    if (!v)
        return AMSEL_ERR_NOMEM;
    long i = 0;
    cJSON_ArrayForEach(e, a) {
        double x = 0;
        if ((st = number(ctx, e, name, i, &x)))
            break;
        if (k == AS_FLOAT && fabs(x) > FLT_MAX) {
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\"[%ld] is %g: out of float range", name, i, x);
            break;
        }
        if (k == AS_INT && (x != floor(x) || x < (double)lo || x > (double)hi)) {
            st = am_fail(ctx, AMSEL_ERR_FORMAT, "\"%s\"[%ld] is %g: expected an integer in %ld..%ld",
                         name, i, x, lo, hi);
            break;
        }
        if (k == AS_FLOAT)
            ((float *)v)[i] = (float)x;
        else if (k == AS_DOUBLE)
            ((double *)v)[i] = x;
        else
            ((int *)v)[i] = (int)x;
        i++;
    }
    if (st) {
        am_free(ctx, v);
        return st;
    }
    *out = v;
    if (len)
        *len = (int)cnt;
    return AMSEL_OK;
}

amsel_status am_json_get_floats(amsel_ctx *ctx, const cJSON *o, const char *name, long n,
                                float **out, int *len)
{
    void *v = NULL;
    amsel_status st = get_numbers(ctx, o, name, n, AS_FLOAT, 0, 0, &v, len);
    if (!st)
        *out = v;
    return st;
}

amsel_status am_json_get_doubles(amsel_ctx *ctx, const cJSON *o, const char *name, long n,
                                 double **out)
{
    void *v = NULL;
    amsel_status st = get_numbers(ctx, o, name, n, AS_DOUBLE, 0, 0, &v, NULL);
    if (!st)
        *out = v;
    return st;
}

amsel_status am_json_get_ints(amsel_ctx *ctx, const cJSON *o, const char *name, long n, long lo,
                              long hi, int **out, int *len)
{
    void *v = NULL;
    amsel_status st = get_numbers(ctx, o, name, n, AS_INT, lo, hi, &v, len);
    if (!st)
        *out = v;
    return st;
}
