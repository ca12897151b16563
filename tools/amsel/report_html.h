/* The HTML report of `amsel eval`'s evaluation document. */
#ifndef AMSEL_REPORT_HTML_H
#define AMSEL_REPORT_HTML_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* Writes a complete self-contained HTML page (inline CSS + inline SVG, no script needed, no network:
   no external URL at all) for the evaluation document doc. On a document that lacks a required field
   or has a wrong type returns -1 and writes a message into err. The document is checked completely
   before anything is written, so on -1 nothing was written to f. Returns 0 on success (the caller
   checks f for write errors). */
int report_html_write(FILE *f, const cJSON *doc, char *err, size_t errlen);

#endif
