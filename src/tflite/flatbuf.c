/* Bounds-checked FlatBuffer primitives; see flatbuf.h. All multi-byte
 * reads go through memcpy, so unaligned hostile offsets are harmless. */
#include "tflite/flatbuf.h"

#include <string.h>

static uint32_t rd_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static int32_t rd_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* 1 if [pos, pos+len) lies inside the buffer. */
static int in_range(const am_fb *fb, size_t pos, size_t len)
{
    return pos <= fb->size && len <= fb->size - pos;
}

static int table_at(const am_fb *fb, size_t pos, am_fb_table *t)
{
    if (!in_range(fb, pos, 4))
        return -1;
    int64_t vt = (int64_t)pos - (int64_t)rd_i32(fb->buf + pos);
    if (vt < 0 || !in_range(fb, (size_t)vt, 4))
        return -1;
    unsigned vt_size = rd_u16(fb->buf + vt);
    unsigned t_size = rd_u16(fb->buf + vt + 2);
    if (vt_size < 4 || (vt_size & 1) || !in_range(fb, (size_t)vt, vt_size) || t_size < 4 ||
        !in_range(fb, pos, t_size))
        return -1;
    t->pos = pos;
    t->vt = (size_t)vt;
    t->vt_size = vt_size;
    t->t_size = t_size;
    return 1;
}

/* Position of a field's inline value of width bytes: 1 found, 0 absent,
 * -1 when the vtable points outside the table. */
static int field_at(const am_fb *fb, const am_fb_table *t, int field, size_t width,
                    size_t *pos)
{
    size_t slot = 4 + 2 * (size_t)field;
    if (field < 0 || slot + 2 > t->vt_size)
        return 0;
    unsigned off = rd_u16(fb->buf + t->vt + slot);
    if (off == 0)
        return 0;
    if (off + width > t->t_size)
        return -1;
    *pos = t->pos + off;
    return 1;
}

/* Follows the uoffset stored at pos. */
static int deref(const am_fb *fb, size_t pos, size_t *target)
{
    if (!in_range(fb, pos, 4))
        return -1;
    uint32_t off = rd_u32(fb->buf + pos);
    if (off == 0 || !in_range(fb, pos + off, 0))
        return -1;
    *target = pos + off;
    return 1;
}

int am_fb_root(const am_fb *fb, am_fb_table *t)
{
    size_t pos;
    if (fb->size < 8 || deref(fb, 0, &pos) < 0)
        return -1;
    return table_at(fb, pos, t);
}

int am_fb_u8(const am_fb *fb, const am_fb_table *t, int field, uint8_t def, uint8_t *v)
{
    size_t pos;
    int r = field_at(fb, t, field, 1, &pos);
    *v = r == 1 ? fb->buf[pos] : def;
    return r;
}

int am_fb_i32(const am_fb *fb, const am_fb_table *t, int field, int32_t def, int32_t *v)
{
    size_t pos;
    int r = field_at(fb, t, field, 4, &pos);
    *v = r == 1 ? rd_i32(fb->buf + pos) : def;
    return r;
}

int am_fb_u32(const am_fb *fb, const am_fb_table *t, int field, uint32_t def, uint32_t *v)
{
    size_t pos;
    int r = field_at(fb, t, field, 4, &pos);
    *v = r == 1 ? rd_u32(fb->buf + pos) : def;
    return r;
}

int am_fb_u64(const am_fb *fb, const am_fb_table *t, int field, uint64_t def, uint64_t *v)
{
    size_t pos;
    int r = field_at(fb, t, field, 8, &pos);
    if (r == 1)
        memcpy(v, fb->buf + pos, 8);
    else
        *v = def;
    return r;
}

int am_fb_f32(const am_fb *fb, const am_fb_table *t, int field, float def, float *v)
{
    size_t pos;
    int r = field_at(fb, t, field, 4, &pos);
    if (r == 1)
        memcpy(v, fb->buf + pos, 4);
    else
        *v = def;
    return r;
}

int am_fb_table_field(const am_fb *fb, const am_fb_table *t, int field, am_fb_table *out)
{
    size_t pos, target;
    int r = field_at(fb, t, field, 4, &pos);
    if (r != 1)
        return r;
    if (deref(fb, pos, &target) < 0)
        return -1;
    return table_at(fb, target, out);
}

int am_fb_vec_field(const am_fb *fb, const am_fb_table *t, int field, size_t elem_size,
                    am_fb_vec *out)
{
    size_t pos, target;
    int r = field_at(fb, t, field, 4, &pos);
    if (r != 1)
        return r;
    if (deref(fb, pos, &target) < 0 || !in_range(fb, target, 4))
        return -1;
    uint32_t len = rd_u32(fb->buf + target);
    if (elem_size && len > (fb->size - target - 4) / elem_size)
        return -1;
    out->pos = target + 4;
    out->len = len;
    return 1;
}

int am_fb_vec_table(const am_fb *fb, const am_fb_vec *v, uint32_t i, am_fb_table *out)
{
    size_t target;
    if (i >= v->len || deref(fb, v->pos + 4 * (size_t)i, &target) < 0)
        return -1;
    return table_at(fb, target, out);
}

int32_t am_fb_vec_i32(const am_fb *fb, const am_fb_vec *v, uint32_t i)
{
    return rd_i32(fb->buf + v->pos + 4 * (size_t)i);
}

int64_t am_fb_vec_i64(const am_fb *fb, const am_fb_vec *v, uint32_t i)
{
    int64_t x;
    memcpy(&x, fb->buf + v->pos + 8 * (size_t)i, 8);
    return x;
}

float am_fb_vec_f32(const am_fb *fb, const am_fb_vec *v, uint32_t i)
{
    float x;
    memcpy(&x, fb->buf + v->pos + 4 * (size_t)i, 4);
    return x;
}

int am_fb_string(const am_fb *fb, const am_fb_table *t, int field, const char **s,
                 size_t *len)
{
    am_fb_vec v;
    int r = am_fb_vec_field(fb, t, field, 1, &v);
    if (r != 1)
        return r;
    *s = (const char *)fb->buf + v.pos;
    *len = v.len;
    return 1;
}
