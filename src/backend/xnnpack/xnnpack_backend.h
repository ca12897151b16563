/* The xnnpack backend's entry points outside the graph (ctx.c, bench). */
#ifndef AMSEL_BACKEND_XNNPACK_H
#define AMSEL_BACKEND_XNNPACK_H

/* 1 when amsel was built with xnnpack (AMSEL_HAVE_XNNPACK) and it runs on this
 * CPU, else 0. */
int am_xnnpack_available(void);

#endif
