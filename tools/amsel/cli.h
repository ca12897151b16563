/* Helpers shared by the amsel commands: messages, the data folder, model
 * lists, numbers, and output files written atomically. */
#ifndef AMSEL_CLI_H
#define AMSEL_CLI_H

#include "amsel/amsel.h"

#include <stdio.h>

#define EXIT_USAGE 2
/* The --backend choices, for usage texts (amsel_ctx_set_backend). */
#define CLI_BACKENDS "auto|fast|onednn|xnnpack|ref"

/* "amsel: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The data folder: --data, else $AMSEL_DATA, else the build default. */
const char *cli_data_dir(const char *opt);

/* Resolves a model argument: a path as given, or a name under
 * DATA/models/imagenet (with or without .tflite). Writes into buf. */
const char *cli_model_path(const char *data, const char *arg, char *buf, size_t cap);

/* Expands "A,B,C" or a folder (its *.tflite, sorted) into a list of model
 * paths. Returns the count, or -1 after printing an error. *paths must be
 * freed with cli_free_list. */
int cli_model_list(const char *data, const char *arg, char ***paths);
void cli_free_list(char **list, int n);

/* Model name for reports: the file name without folder and ".tflite". */
void cli_model_name(const char *path, char *buf, size_t cap);

/* Fills images_dir (--images, else DATASET's folder/images, else its
 * folder) and synsets (DATA/datasets/synsets.txt). */
void cli_dataset_dirs(const char *data, const char *dataset, const char *images_arg,
                      char *images_dir, size_t images_cap, char *synsets, size_t synsets_cap);

/* A context using the named backend (--backend: auto, fast, ref; NULL =
 * auto) and cli_threads threads (a command's --threads), else
 * $AMSEL_THREADS, else all cores; the input limits from
 * $AMSEL_MAX_IMAGE_PIXELS, $AMSEL_MAX_FILE_BYTES, $AMSEL_MAX_MODEL_BYTES
 * (else the library's defaults). 0 after printing an error. */
extern int cli_threads;
int cli_ctx_create(const char *backend, amsel_ctx **ctx);

/* Strict number parsing; 0 on junk or out of range. */
int cli_parse_int(const char *s, long lo, long hi, long *out);
int cli_parse_float(const char *s, double lo, double hi, double *out);
/* An option's value (optarg) as a number in [lo, hi]; otherwise prints
 * "--opt: expected WHAT, got 'VALUE'" and returns 0. */
int cli_opt_int(const char *opt, const char *what, long lo, long hi, int *out);
int cli_opt_double(const char *opt, const char *what, double lo, double hi, double *out);

/* An output file written to "<path>.tmp.<pid>" and renamed into place on
 * commit, so readers never see a half-written file. */
typedef struct cli_outfile {
    FILE *f;
    char *path;
    char *tmp;
} cli_outfile;

int cli_out_open(cli_outfile *o, const char *path);
int cli_out_commit(cli_outfile *o);   /* flush, fsync, rename; 0 on failure (message printed) */
void cli_out_abort(cli_outfile *o);   /* remove the temporary */

/* Reads a whole file into a NUL-terminated malloc'd buffer (*len bytes
 * before the NUL). 0 after printing an error naming the file. */
int cli_read_file(const char *path, char **buf, size_t *len);

/* Monotonic clock in milliseconds. */
double cli_now_ms(void);

/* Percentile (0..100) of n values, sorting them in place. */
double cli_percentile(double *v, int n, double pct);

/* Each command: argc/argv start at the command name. */
int cmd_models(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int eval_command(int argc, char **argv, int train);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_footprint(int argc, char **argv);

#endif
