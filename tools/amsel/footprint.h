/* The footprint report (amsel footprint, issue 7): what amsel costs on a
 * device in storage and memory, measured in the running process. */
#ifndef AMSEL_FOOTPRINT_H
#define AMSEL_FOOTPRINT_H

#include <stdio.h>

typedef struct footprint_opts {
    const char *backend;    /* auto, fast, ref; NULL = auto */
    char **models;          /* model paths; NULL: every model in DATA/models/imagenet */
    int nmodels;
    const char *selector;   /* a selector file to open, or NULL */
    const char *models_dir; /* the selector's models; NULL = DATA/models/imagenet */
} footprint_opts;

/* Prints the report to f: the executable's file size and its code and
 * data segments (of /proc/self/exe), libamsel.a's size when it lies next
 * to the executable (a build folder), one row per model (mapped weight
 * bytes, heap bytes of the loaded model, of which the planned activation
 * arena and the rest: packed weights, tables, plans), the selector's
 * total (its models and its premodel), and the process's peak RSS.
 * Returns 0, or 1 after printing an error (cli_error) naming the file. */
int footprint_print(FILE *f, const char *data_dir, const footprint_opts *o);

#endif
