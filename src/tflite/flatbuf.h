/* Bounds-checked reading of a FlatBuffer (the container of .tflite files).
 *
 * Nothing here trusts the file: every offset is checked to land inside the
 * buffer, every vector length to fit, every table's vtable to be in range.
 * Functions return 1 when the item is present and valid, 0 when absent
 * (the field is not set: the schema default applies) and -1 when the file
 * is malformed. Positions are byte offsets into the buffer. */
#ifndef AMSEL_TFLITE_FLATBUF_H
#define AMSEL_TFLITE_FLATBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct am_fb {
    const uint8_t *buf;
    size_t size;
} am_fb;

typedef struct am_fb_table {
    size_t pos;        /* start of the table (its soffset to the vtable) */
    size_t vt;         /* start of its vtable */
    unsigned vt_size;  /* vtable size in bytes */
    unsigned t_size;   /* inline size of the table in bytes */
} am_fb_table;

typedef struct am_fb_vec {
    size_t pos;        /* first element */
    uint32_t len;      /* number of elements */
} am_fb_vec;

/* The root table (uoffset at byte 0). */
int am_fb_root(const am_fb *fb, am_fb_table *t);

/* Scalars: *v receives the field, or def when absent. */
int am_fb_u8(const am_fb *fb, const am_fb_table *t, int field, uint8_t def, uint8_t *v);
int am_fb_i32(const am_fb *fb, const am_fb_table *t, int field, int32_t def, int32_t *v);
int am_fb_u32(const am_fb *fb, const am_fb_table *t, int field, uint32_t def, uint32_t *v);
int am_fb_u64(const am_fb *fb, const am_fb_table *t, int field, uint64_t def, uint64_t *v);
int am_fb_f32(const am_fb *fb, const am_fb_table *t, int field, float def, float *v);

/* A sub-table referenced by a field. */
int am_fb_table_field(const am_fb *fb, const am_fb_table *t, int field, am_fb_table *out);

/* A vector field whose elements are elem_size bytes each (offsets: 4). */
int am_fb_vec_field(const am_fb *fb, const am_fb_table *t, int field, size_t elem_size,
                    am_fb_vec *out);

/* Element i of a vector of tables. */
int am_fb_vec_table(const am_fb *fb, const am_fb_vec *v, uint32_t i, am_fb_table *out);

/* Elements of scalar vectors (i < v->len is the caller's job). */
int32_t am_fb_vec_i32(const am_fb *fb, const am_fb_vec *v, uint32_t i);
int64_t am_fb_vec_i64(const am_fb *fb, const am_fb_vec *v, uint32_t i);
float am_fb_vec_f32(const am_fb *fb, const am_fb_vec *v, uint32_t i);

/* A string field: pointer and length into the buffer (not NUL-terminated
 * as far as we trust it). */
int am_fb_string(const am_fb *fb, const am_fb_table *t, int field, const char **s,
                 size_t *len);

#endif
