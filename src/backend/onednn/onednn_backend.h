/* The onednn backend's entry points outside the graph (ctx.c, bench). */
#ifndef AMSEL_BACKEND_ONEDNN_H
#define AMSEL_BACKEND_ONEDNN_H

/* 1 when amsel was built with onednn (AMSEL_HAVE_ONEDNN) and it runs on this
 * CPU, else 0. */
int am_onednn_available(void);

#endif
