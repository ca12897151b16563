/* amsel/dataset.h — labelled image lists and class names.
 *
 * A dataset file has one "FILE CLASS" per line: CLASS is an ImageNet
 * class 0..999 (sorted-wnid order) or a wnid (n01440764) looked up in a
 * synsets file. Blank lines and lines starting with '#' are skipped. */
#ifndef AMSEL_DATASET_H
#define AMSEL_DATASET_H

#include "amsel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct amsel_dataset amsel_dataset;

/* synsets_path (one "wnid name" per line, 1000 lines) may be NULL; then
 * a wnid in the dataset is an error. */
amsel_status amsel_dataset_load(amsel_ctx *ctx, const char *path, const char *synsets_path,
                                amsel_dataset **out);
void amsel_dataset_destroy(amsel_dataset *d);
int amsel_dataset_count(const amsel_dataset *d);
const char *amsel_dataset_file(const amsel_dataset *d, int i);
int amsel_dataset_class(const amsel_dataset *d, int i);
/* Line of item i in the file, for messages. */
int amsel_dataset_line(const amsel_dataset *d, int i);

/* Class names: a labels file with 1001 lines (background first) or
 * 1000 lines, in output order. */
typedef struct amsel_labels amsel_labels;
amsel_status amsel_labels_load(amsel_ctx *ctx, const char *path, amsel_labels **out);
void amsel_labels_destroy(amsel_labels *l);
/* Name of ImageNet class cls (0..999), or "?" when out of range. */
const char *amsel_labels_name(const amsel_labels *l, int cls);

#ifdef __cplusplus
}
#endif
#endif
