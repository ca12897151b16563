/* The field-level rules shared by amsel's CSV readers (profile, features):
 * plain comma-separated fields (no quoting: names with commas are refused
 * where the files are written) and strict numbers. */
#ifndef AMSEL_DATA_CSV_H
#define AMSEL_DATA_CSV_H

/* Splits line at commas in place; stores at most max field pointers and
 * returns the real field count (more than max means too many fields). */
int am_csv_split(char *line, char **f, int max);

/* The whole string is one number in [lo, hi]: no leading blank, no
 * trailing junk, no overflow; doubles must be finite. 1 on success. */
int am_parse_int(const char *s, long lo, long hi, int *out);
int am_parse_double(const char *s, double lo, double hi, double *out);

#endif
